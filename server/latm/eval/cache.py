"""Answers already paid for: ``.latm/eval/cache/<method>.jsonl``, keyed by (method, model,
prompt hash, question).

One append-only JSON line per answered question (``latm.bookkeeping``: whole-line appends, a
torn line is skipped), so a re-run of the same evaluation, or one resumed after Ctrl-C, asks the
model only for the questions it has no answer for. A cached answer keeps the tokens and latency
it was measured with; its cost is priced again from the tokens, with today's price table.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from latm.bookkeeping import append_record, keep, read_records
from latm.eval.keys import count, digest
from latm.eval.methods import NOT_CACHED, Method, Outcome

CACHE_DIR = Path("eval") / "cache"  # under the workspace's .latm/


class AnswerCache:
    def __init__(self, state_dir: Path, method: Method) -> None:
        self.path = Path(state_dir) / CACHE_DIR / f"{method.name}.jsonl"
        self.model, self.prompt = method.model, method.fingerprint
        self._known: Optional[dict[str, Outcome]] = None

    def get(self, question: str) -> Optional[Outcome]:
        if self._known is None:
            self._known = self._load()
        return self._known.get(_key(question))

    def put(self, question: str, outcome: Outcome) -> None:
        if outcome.kind in NOT_CACHED:
            return
        record = {
            "model": self.model, "prompt": self.prompt, "question": _key(question), "answer": outcome.answer,
            "kind": outcome.kind, "error": outcome.error[:500], "tokens_in": outcome.tokens_in,
            "tokens_out": outcome.tokens_out, "latency_ms": round(outcome.latency_ms, 2),
        }
        keep(self.path, lambda: append_record(self.path, record))  # a lost line is paid for again, not fatal

    def _load(self) -> dict[str, Outcome]:
        known = {}
        for record in read_records(self.path)[0]:
            if record.get("model") == self.model and record.get("prompt") == self.prompt:
                outcome = _outcome(record)
                if outcome is not None:
                    known[record["question"]] = outcome
        return known


def _outcome(record: dict) -> Optional[Outcome]:
    """A cache line as an Outcome; None for a line that is not one of ours."""
    try:
        answer = record["answer"]
        if not isinstance(record["question"], str) or not (answer is None or isinstance(answer, str)):
            return None
        return Outcome(answer, str(record.get("kind") or ""), str(record.get("error") or ""),
                       count(record.get("tokens_in")), count(record.get("tokens_out")),
                       float(record.get("latency_ms") or 0.0))
    except (KeyError, TypeError, ValueError):
        return None


def _key(question: str) -> str:
    return digest(question, size=32)
