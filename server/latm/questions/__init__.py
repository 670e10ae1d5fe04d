"""Questions asked, answered and counted (the functional cache), and new tools from the questions
no tool answered.

- ``answer_question(ws, question, tool=None, *, progress, cancel) -> Asked``: routed (unless a tool
  is named), solved and counted, or handled as unknown; what the CLI and the language server call.
  ``answer_batch(ws, in_path, tool=None, *, progress) -> BatchSummary``: the same for a file.
- ``handle_unknown(ws, question)``: keep the question as pending; refuse, or answer it with the
  maker model, per ``on_unknown``. ``confirm_answer(ws, question, answer)``: a person's answer.
- ``pending_groups(ws)``, ``group_examples(ws, id)``, ``make_from_group(ws, id)``: pending
  questions grouped by kind, and a ready group made into a tool.
- ``record_answer(ws, question, tool, path, tokens)``: count an answer; ``stats(ws)``: uses,
  tokens, costs and the saving against the maker model answering everything.
"""

from latm.questions.answer_log import record_answer
from latm.questions.ask import Asked, answer_batch, answer_question
from latm.questions.groups import Group, group_examples, make_from_group, pending_groups
from latm.questions.pending import PendingQuestion, confirm_answer, pending_questions
from latm.questions.stats import Stats, stats
from latm.questions.unknown import UnknownOutcome, handle_unknown

__all__ = [
    "Asked", "Group", "PendingQuestion", "Stats", "UnknownOutcome", "answer_batch",
    "answer_question", "confirm_answer", "group_examples", "handle_unknown", "make_from_group",
    "pending_groups", "pending_questions", "record_answer", "stats",
]
