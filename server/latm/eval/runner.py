"""One method over the test set: the cache first, at most ``concurrency`` questions at once, and
every answer scored and written in question order.

Questions are pulled from the data set's stream as workers free up, and at most twice
``concurrency`` answers wait for an earlier one, so memory does not grow with the test set. A
question the cache answers costs no request. The first answer that says the model cannot be
reached stops the method (the rest would fail the same way); a cancel or Ctrl-C stops it after
the requests in flight, keeping in the cache what they answered.
"""

from __future__ import annotations

import dataclasses
import json
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Callable, Iterable, Optional, TextIO

from latm.multiple_choice import matches
from latm.errors import Cancelled, LatmError
from latm.eval.cache import AnswerCache
from latm.eval.methods import STOPS_METHOD, Answerer, Method, Outcome
from latm.eval.tally import Tally
from latm.progress import CancelToken
from latm.toolbox.manifest import Example

WAIT_S = 0.25  # how often the loop looks at the cancel token while requests run


class _Stop(Exception):
    """The method cannot go on; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def run_method(method: Method, questions: Iterable[Example], tally: Tally, cache: AnswerCache, out: TextIO, *,
               concurrency: int, cancel: CancelToken, progress: Callable[[int], None]) -> None:
    """Answer ``questions`` with ``method``; ``tally`` and ``out`` (JSON lines) get each answer in order."""
    assert method.answer is not None, "a skipped method does not run"
    mine = CancelToken()  # stops this method's requests, not the whole run's
    tally.status = "running"
    with ThreadPoolExecutor(concurrency, thread_name_prefix=f"latm-eval-{method.name}") as pool:
        batch = _Batch(method.answer, pool, cache, mine, window=2 * concurrency)
        try:
            for index, (example, outcome, cached) in enumerate(batch.answers(questions, cancel)):
                if outcome.kind in STOPS_METHOD:
                    raise _Stop(outcome.error)
                correct = outcome.answer is not None and matches(outcome.answer, example.answer, example.question)
                tally.add(outcome, correct, cached)
                out.write(json.dumps(_line(index, outcome, correct, cached, tally.cost(outcome)), ensure_ascii=False) + "\n")
                progress(tally.answered)
            tally.status = "done"
        except _Stop as stop:
            tally.status, tally.reason = "stopped", stop.reason
        except BaseException:
            tally.status, tally.reason = "interrupted", "cancelled" if cancel.cancelled else "interrupted"
            raise
        finally:
            mine.cancel()
            batch.keep_finished()
            out.flush()


class _Batch:
    """Questions in, (example, outcome, cached) out in question order; at most ``window`` held."""

    def __init__(self, answer: Answerer, pool: ThreadPoolExecutor, cache: AnswerCache, cancel: CancelToken,
                 window: int) -> None:
        self.answer, self.pool, self.cache, self.cancel, self.window = answer, pool, cache, cancel, window
        self.running: dict[Future, tuple[int, Example]] = {}
        self.ready: dict[int, tuple[Example, Outcome, bool]] = {}

    def answers(self, questions: Iterable[Example], cancel: CancelToken):
        source, exhausted, following = enumerate(questions), False, 0
        while True:
            while not exhausted and len(self.running) + len(self.ready) < self.window:
                item = next(source, None)
                exhausted = item is None
                if item is not None:
                    self._start(*item)
            while following in self.ready:
                yield self.ready.pop(following)
                following += 1
            if exhausted and not self.running and not self.ready:
                return
            if self.running:
                finished, _ = wait(self.running, timeout=WAIT_S, return_when=FIRST_COMPLETED)
                if cancel.cancelled:
                    raise Cancelled("Evaluation cancelled.")
                for future in finished:
                    self._finished(future)

    def keep_finished(self) -> None:
        """After a stop: let the requests in flight end (cancelled), and cache what they answered."""
        for future in self.running:
            future.cancel()
        for future in list(self.running):
            if not future.cancelled() and future.exception() is None:
                self._finished(future)

    def _start(self, index: int, example: Example) -> None:
        hit = self.cache.get(example.question)
        if hit is not None:
            self.ready[index] = (example, hit, True)
        else:
            self.running[self.pool.submit(_timed, self.answer, example.question, self.cancel)] = (index, example)

    def _finished(self, future: Future) -> None:
        index, example = self.running.pop(future)
        try:
            outcome = future.result()
        except Cancelled:
            raise
        except LatmError as err:  # the sandbox or the endpoint went away under this method
            raise _Stop(str(err)) from None
        self.cache.put(example.question, outcome)
        self.ready[index] = (example, outcome, False)


def _timed(answer: Answerer, question: str, cancel: CancelToken) -> Outcome:
    started = time.monotonic()
    outcome = answer(question, cancel)
    return dataclasses.replace(outcome, latency_ms=(time.monotonic() - started) * 1000)


def _line(index: int, outcome: Outcome, correct: bool, cached: bool, cost: Optional[float]) -> dict:
    return {"index": index, "answer": outcome.answer, "correct": correct, "kind": outcome.kind,
            "error": outcome.error[:500], "tokens_in": outcome.tokens_in, "tokens_out": outcome.tokens_out,
            "cost_usd": cost, "latency_ms": round(outcome.latency_ms, 2), "cached": cached}
