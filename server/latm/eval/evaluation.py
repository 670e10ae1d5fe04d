"""``evaluate``: one whole evaluation, as the CLI (``latm eval``) and the language server
(``latm.evaluate``) run it.

Read and check the data set, make or find the tool, run each method over the test set in turn,
then write the folder's files. Ctrl-C or a cancel stops the run after the requests in flight, and
the files are written all the same, marked as partial; a re-run answers the rest.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable, Optional

from latm import __version__
from latm.make import checks
from latm.bookkeeping import utc_now
from latm.errors import BadEvalInput, Cancelled
from latm.eval import economics, methods as method_plans
from latm.eval.arguments import DEFAULT_CONCURRENCY, METHODS
from latm.eval.cache import AnswerCache
from latm.eval.data import DataSet, open_data
from latm.eval.making import Making, committed_tool, made_tool
from latm.eval.outputs import write_all
from latm.eval.runner import run_method
from latm.eval.tally import Tally
from latm.progress import CancelToken, ProgressCallback, ProgressEvent, no_progress
from latm.state_folder import UnfitFolder, require_fit

EVAL_DIR = Path("eval")  # under the workspace's .latm/
PROGRESS_EVERY_S = 0.2  # progress events at most this often (the editor gets each one)
SANDBOXED = ("tool-parser", "tool-user", "program")


@dataclass(frozen=True)
class Request:
    data: Path
    tool: Optional[str] = None
    make: Optional[str] = None
    train: Optional[int] = None  # default: the train_examples setting
    validation: Optional[int] = None
    skip: int = 0
    limit: Optional[int] = None
    methods: tuple[str, ...] = METHODS
    concurrency: int = DEFAULT_CONCURRENCY
    out: Optional[Path] = None
    cot_prompt: Optional[Path] = None


@dataclass(frozen=True)
class Evaluation:
    out: Path
    summary: dict  # results.json without the questions: what --json prints

    @property
    def status(self) -> str:
        return self.summary["status"]


def evaluate(ws, request: Request, *, progress: ProgressCallback = no_progress,
             cancel: Optional[CancelToken] = None) -> Evaluation:
    if bool(request.tool) == bool(request.make):
        raise BadEvalInput("Name the tool to evaluate: --tool NAME (from the toolbox) or --make NAME (made from the data).")
    settings, cancel = ws.settings, cancel or CancelToken()
    train = request.train or settings.train_examples
    validation = request.validation or settings.validation_examples
    data = open_data(request.data, train=train, validation=validation, make=bool(request.make), skip=request.skip,
                     limit=request.limit)
    few_shot = _cot_prompt(request.cot_prompt)
    if request.make:
        tool, making = made_tool(ws, request.make, data, train, validation, progress=progress, cancel=cancel)
    else:
        tool, making = committed_tool(ws, request.tool)
    plans = method_plans.plan(request.methods, method_plans.Context(
        settings, ws.llm(), lambda: ws.sandbox_for(tool.manifest.requirements), tool, few_shot))
    out = _out_dir(ws, request.out, tool.name)
    tallies = [Tally(plan, settings, data.count) for plan in plans]
    status = "complete"
    try:
        _run(ws, plans, tallies, data, out, request.concurrency, cancel, progress)
    except (KeyboardInterrupt, Cancelled):
        status = "cancelled" if cancel.cancelled else "interrupted"
    summary = _summary(ws, request, data, making, tallies, status)
    write_all(out, summary, data.questions(), [p.name for p in plans])
    return Evaluation(out, summary | {"out": str(out)})


def _run(ws, plans, tallies, data: DataSet, out: Path, concurrency: int, cancel: CancelToken,
         progress: ProgressCallback) -> None:
    running = [(plan, tally) for plan, tally in zip(plans, tallies) if plan.answer is not None]
    for number, (plan, tally) in enumerate(running):
        if plan.name in SANDBOXED:  # a warm sandbox: latencies are of answering, not of starting containers
            checks.loads(ws.sandbox(), "")
        report = _reporter(progress, plan.name, number, len(running), data.count)
        with open(out / f"answers-{plan.name}.jsonl", "w", encoding="utf-8") as answers:
            run_method(plan, data.questions(), tally, AnswerCache(ws.state_dir, plan), answers,
                       concurrency=concurrency, cancel=cancel, progress=report)
        report(tally.answered, final=True)


def _reporter(progress: ProgressCallback, method: str, number: int, methods: int, total: int) -> Callable[..., None]:
    """Progress events for one method: done/total of its questions, at most every PROGRESS_EVERY_S."""
    last = [0.0]

    def report(done: int, final: bool = False) -> None:
        now = time.monotonic()
        if not final and done < total and now - last[0] < PROGRESS_EVERY_S:
            return
        last[0] = now
        overall = (number + (done / total if total else 1)) / methods
        progress(ProgressEvent(method, f"{method} {done}/{total}", overall, done, total))

    report(0, final=True)
    return report


def _summary(ws, request: Request, data: DataSet, making: Making, tallies: list[Tally], status: str) -> dict:
    settings = ws.settings
    records = [t.record() for t in tallies]
    evens = economics.break_evens(tallies, making.cost_usd)
    models = sorted({t.method.model for t in tallies if t.method.model and t.answered}
                    | ({settings.maker_model} if making.how == "made" else set()))
    sandboxed = any(t.method.name in SANDBOXED and t.answered for t in tallies)
    return {
        "status": status, "created": utc_now(), "latm": __version__,
        "data": {"path": str(data.path), "format": data.format, "examples": data.total, "making": len(data.making),
                 "test_start": data.start, "test_questions": data.count, "skipped": data.skipped},
        "tool": making.tool, "making": making.record(),
        "settings": {
            "maker_model": settings.maker_model, "user_model": settings.user_model,
            "maker_temperature": settings.maker_temperature, "user_temperature": settings.user_temperature,
            "concurrency": request.concurrency,
            "sandbox": ws.sandbox().status().backend if sandboxed else f"{settings.sandbox} (not used)",
            "prices": {m: {"input": p.input_per_mtok, "output": p.output_per_mtok}
                       for m in models if (p := settings.price(m)) is not None},
        },
        "methods": records,
        "break_even": evens,
        "plots": {
            "accuracy_cost": {"points": [_point(r) for r in records if r["total"] and r["cost_per_1k_usd"] is not None]},
            "cumulative_cost": economics.cumulative(tallies, making.cost_usd, evens),
            "attempts": dict(making.attempts),
        },
    }


def _point(record: dict) -> dict:
    low, high = record["ci95"]
    return {"method": record["method"], "x": record["cost_per_1k_usd"], "y": record["accuracy"] * 100,
            "low": low * 100, "high": high * 100}


def _cot_prompt(path: Optional[Path]) -> str:
    if path is None:
        return ""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise BadEvalInput(f"Cannot read the chain-of-thought prompt {path}: {err}") from None
    if not text.strip():
        raise BadEvalInput(f"The chain-of-thought prompt {path} is empty.")
    return text


def _out_dir(ws, out: Optional[Path], name: str) -> Path:
    if out is None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        out = ws.state_dir / EVAL_DIR / f"{stamp}-{name}"
        try:
            require_fit(out.parent)
        except UnfitFolder as err:
            raise BadEvalInput(f"{err.strerror} Or give --out FOLDER for the results.") from None
        number = 1
        while out.exists():
            number += 1
            out = out.with_name(f"{stamp}-{name}-{number}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    return out
