"""Questions asked, answered and counted (the functional cache), and new tools from the questions
no tool answered.

- ``answer_question(ws, question, tool=None, *, progress, cancel) -> Asked``: routed (unless a tool
  is named), solved and counted, or handled as unknown; what the CLI and the language server call.
  ``answer_batch(ws, in_path, tool=None, *, progress) -> BatchSummary``: the same for a file.
- ``handle_unknown(ws, question)``: keep the question as pending; refuse, or answer it with the
  maker model, per ``on_unknown``. ``confirm_answer(ws, question, answer)``: a person's answer.
- ``pending_groups(ws)``, ``group_examples(ws, id)``, ``make_from_group(ws, id)``: pending
  questions grouped by kind, and a ready group made into a tool.
- ``record_answer(ws, question, tool, path, tokens)``: count an answer (``answer_log``, which
  also says how often and when each tool answered); ``stats(ws)``: uses, tokens, costs and the
  saving against the maker model answering everything.
- ``unused_tools(ws, days)``, ``remove_tools(ws, names)``: tools nobody used for a while (``prune``).
"""

from latm.questions.answer_log import MCP, last_tool_for, record_answer, usage_per_tool, uses_per_tool
from latm.questions.ask import Asked, answer_batch, answer_question
from latm.questions.groups import Group, group_examples, make_from_group, pending_groups
from latm.questions.pending import PendingQuestion, confirm_answer, pending_questions, question_id
from latm.questions.prune import remove_tools, unused_tools
from latm.questions.cache_stats import Spend, Stats, stats
from latm.questions.unknown import UnknownOutcome, handle_unknown

__all__ = [
    "MCP", "Asked", "Group", "PendingQuestion", "Spend", "Stats", "UnknownOutcome", "answer_batch", "answer_question",
    "confirm_answer", "group_examples", "handle_unknown", "last_tool_for", "make_from_group", "pending_groups",
    "pending_questions", "question_id", "record_answer", "remove_tools", "stats", "unused_tools", "usage_per_tool",
    "uses_per_tool",
]
