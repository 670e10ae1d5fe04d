"""``latm.evaluate``: ``latm eval`` for the editor, with progress and cancel. A cancel stops the
run after the requests in flight and still writes the (partial) report."""

from __future__ import annotations

import argparse
from pathlib import Path
from urllib.parse import unquote, urlparse

from latm.errors import BadEvalInput
from latm.eval.arguments import METHODS, method_list
from latm.eval.evaluation import Request, evaluate as run_evaluation
from latm.lsp.arguments import EvaluateArgs
from latm.lsp.progress import JobProgress
from latm.lsp.session import Session


async def evaluate(session: Session, args: EvaluateArgs) -> dict:
    ws = await session.workspace()
    request = Request(_path(args.data, ws.root), args.tool, args.make, methods=_methods(args.methods),
                      out=_path(args.out, ws.root) if args.out else None)
    async with JobProgress(session, f"latm: evaluating {args.tool or args.make}") as job:
        done = await session.run_job(lambda: run_evaluation(ws, request, progress=job.report, cancel=job.cancel),
                                     cancel=job.cancel)
    report = done.out / "report.md"
    ran = [m for m in done.summary["methods"] if m["status"] != "skipped"]
    scores = ", ".join(f"{m['method']} {m['correct']}/{m['total']}" for m in ran)
    return {"status": done.status, "out": str(done.out), "report": str(report), "methods": done.summary["methods"],
            "break_even": done.summary["break_even"], "making": done.summary["making"],
            "message": f"Evaluated {done.summary['tool']}" + (f" ({done.status})" if done.status != "complete" else "")
                       + f": {scores or 'no method ran'}."}


def _path(text: str, root: Path) -> Path:
    """A file URI or a path; a relative path is taken from the workspace root."""
    parsed = urlparse(text)
    path = Path(unquote(parsed.path)) if parsed.scheme == "file" else Path(text)
    return path if path.is_absolute() else root / path


def _methods(text: str | None) -> tuple[str, ...]:
    if not text:
        return METHODS
    try:
        return method_list(text)
    except argparse.ArgumentTypeError as err:
        raise BadEvalInput(f"latm.evaluate: {err}") from None
