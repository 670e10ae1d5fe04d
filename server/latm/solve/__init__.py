"""Answering questions with a tool: its verified question parser (no model), or the user model
writing the call; the tool runs only in the sandbox.

- ``solve(ws, question, tool, *, cancel) -> Answer``
- ``solve_batch(ws, in_path, out_path=None, tool=None, *, route=None, unknown=None, progress,
  cancel) -> BatchSummary`` (``route(question) -> tool name | None``; ``unknown(question) -> Answer``)
- ``Solver``: the two paths for one tool (``solver``); ``calls``: an answer's code to write into a file
"""

from latm.solve.batch import BatchSummary, solve, solve_batch
from latm.solve.solver import Answer, Solver

__all__ = ["Answer", "BatchSummary", "Solver", "solve", "solve_batch"]
