"""Making tools and keeping them right: examples in, a verified tool in the toolbox out.

Every function takes a workspace (``latm.workspace.Workspace``: root, settings, registry, state
folder, sandbox, model client) and runs all model-written code in its sandbox.

- ``make_tool(ws, examples, name, *, progress, cancel) -> MakeResult`` (``new_tool``; the
  conversation with the maker model is ``conversation``, its prompts ``prompts``, the proofs
  in the sandbox ``checks``, ``asserts``, ``mutants`` and ``usecases``)
- ``tool_that_answers(ws, examples)``: before a make, a tool that answers them all already
- ``verify_tool(ws, name, *, progress) -> VerifyResult``: every stored example re-run (``stored``)
- ``import_latm(ws, transcript_path, name, *, progress) -> MakeResult``
- ``add_examples`` (``feedback``), ``repair_tool`` / ``remake_tool`` (``repair``),
  ``rollback_tool`` (``rollback``) and ``history_record`` (``history``): a tool that learns
"""

from latm.make.existing import tool_that_answers
from latm.make.feedback import FeedbackResult, add_examples
from latm.make.history import history_record
from latm.make.importer import import_latm
from latm.make.new_tool import MakeResult, make_tool
from latm.make.repair import RepairFailed, RepairResult, remake_tool, repair_tool
from latm.make.rollback import RollbackResult, rollback_tool
from latm.make.verify import VerifyResult, read_tool_contents, verify_tool

__all__ = [
    "FeedbackResult", "MakeResult", "RepairFailed", "RepairResult", "RollbackResult", "VerifyResult", "add_examples",
    "history_record", "import_latm", "make_tool", "read_tool_contents", "remake_tool", "repair_tool", "rollback_tool",
    "tool_that_answers", "verify_tool",
]
