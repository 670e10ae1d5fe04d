"""Answering questions with a tool: its verified question parser (no model), or the user model
writing the call; the tool runs only in the sandbox.

- ``solve(ws, question, tool, *, cancel) -> Answer``
- ``solve_batch(ws, in_path, out_path=None, tool=None, *, route=None, unknown=None, progress,
  cancel) -> BatchSummary`` (``route(question) -> tool name | None``; ``unknown(question) -> Answer``)
- ``Solver``: the two paths for one tool (``solver``; the user model's prompt is ``prompts``)
- ``with_call(ws, tool, answer)``, ``import_lines(ws, tool, code)``: an answer's code, to write
  into a file (``calls``)
"""

from latm.solve.batch import BatchSummary, solve, solve_batch
from latm.solve.calls import NoCall, import_lines, with_call
from latm.solve.solver import Answer, Solver

__all__ = ["Answer", "BatchSummary", "NoCall", "Solver", "import_lines", "solve", "solve_batch", "with_call"]
