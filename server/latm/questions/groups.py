"""Pending questions grouped by kind, and a ready group turned into examples for the maker.

Grouping compares the wording questions share. A token that occurs in only one pending question
(a word to sort, a name) says nothing about kinds, so each question is reduced to its
*recurring* tokens (found in at least two pending questions). Questions are then taken in the
order first asked: each joins the group whose template it matches best (Dice overlap of its
recurring tokens with the tokens most of the group's questions share), or starts a new group.

Questions a tool now fits (one was made, or arrived with a ``git pull``) are left out: pending
means "no tool answers this yet". A group's id is derived from its first question, so it stays
the same while the group grows.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Optional

from latm.route.features import features
from latm.questions.pending import PendingQuestion, pending_questions
from latm.route.decision import route
from latm.errors import NotEnoughExamples, UnknownGroup
from latm.progress import CancelToken, ProgressCallback, no_progress
from latm.toolbox.manifest import Example
from latm.toolbox.names import name_from_question
from latm.workspace import Workspace

if TYPE_CHECKING:
    from latm.make.new_tool import MakeResult

JOIN_AT = 0.4  # least Dice overlap with a group's template to join it (0.3 merges kinds)


@dataclass(frozen=True)
class Group:
    id: str
    questions: tuple[PendingQuestion, ...]  # in the order first asked
    answered: int  # questions with an answer (the maker's or a person's)
    needed: int  # answered questions needed to make a tool (train + validation)
    suggested_name: str

    @property
    def ready(self) -> bool:
        return self.answered >= self.needed

    def record(self) -> dict:
        """The JSON of a group: ``latm pending --json`` and ``latm.pending``."""
        return asdict(self) | {"ready": self.ready}


@dataclass
class _Forming:
    members: list[PendingQuestion]
    tokens: list[frozenset[str]]

    def template(self) -> frozenset[str]:
        if len(self.tokens) == 1:
            return self.tokens[0]
        seen = Counter(t for found in self.tokens for t in found)
        return frozenset(t for t, n in seen.items() if 2 * n >= len(self.tokens))


def pending_groups(ws: Workspace) -> list[Group]:
    """Groups of pending questions that no tool fits, ready ones first, then the largest."""
    open_questions = [q for q in pending_questions(ws)[0] if route(ws, q.question, offline=True).tool is None]
    formed = _cluster(open_questions)
    needed = ws.settings.train_examples + ws.settings.validation_examples
    taken = set(ws.registry.tools)
    groups = []
    for forming in formed:
        name = name_from_question(forming.members[0].question, taken, among=forming.template(),
                                  fallback="pending_task")
        taken.add(name)
        answered = sum(1 for q in forming.members if q.answer is not None)
        groups.append(Group(_group_id(forming.members[0]), tuple(forming.members), answered, needed, name))
    groups.sort(key=lambda g: (not g.ready, -g.answered, -len(g.questions), g.id))
    return groups


def find_group(ws: Workspace, group_id: str) -> Group:
    for group in pending_groups(ws):
        if group.id == group_id:
            return group
    raise UnknownGroup(f"No pending group '{group_id}' (see `latm pending` for the current groups).")


def group_examples(ws: Workspace, group_id: str) -> list[Example]:
    """The answered questions of a ready group as train + validation examples for the maker.

    A person's answers come first (they are confirmed); the maker model's fill up.
    """
    return _examples(ws, find_group(ws, group_id))


def make_from_group(ws: Workspace, group_id: str, name: Optional[str] = None, *,
                    progress: ProgressCallback = no_progress, cancel: Optional[CancelToken] = None) -> MakeResult:
    """Make a tool from a ready group (named ``name`` or as suggested); its questions then leave pending."""
    group = find_group(ws, group_id)
    from latm.make.new_tool import make_tool  # the maker's modules: not for a command that only answers

    return make_tool(ws, _examples(ws, group), name or group.suggested_name, progress=progress, cancel=cancel)


def _examples(ws: Workspace, group: Group) -> list[Example]:
    group_id = group.id
    if not group.ready:
        raise NotEnoughExamples(
            f"Group '{group_id}' has {group.answered} answered questions; making a tool needs {group.needed} "
            f"({ws.settings.train_examples} train + {ws.settings.validation_examples} validation). "
            "Confirm more answers with `latm pending --answer QUESTION ANSWER`.")
    answered = sorted((q for q in group.questions if q.answer is not None), key=lambda q: q.source != "user")
    train = ws.settings.train_examples
    return [Example(q.question, q.answer or "", "train" if i < train else "validation")
            for i, q in enumerate(answered[:group.needed])]


def _cluster(questions: list[PendingQuestion]) -> list[_Forming]:
    found = [features(q.question) for q in questions]
    shared = Counter(t for tokens in found for t in tokens)
    formed: list[_Forming] = []
    for question, tokens in zip(questions, found):
        recurring = frozenset(t for t in tokens if shared[t] >= 2) or tokens
        best: Optional[_Forming] = None
        best_overlap = JOIN_AT
        for forming in formed:
            overlap = _dice(recurring, forming.template())
            if overlap >= best_overlap:
                best, best_overlap = forming, overlap
        if best is None:
            formed.append(_Forming([question], [recurring]))
        else:
            best.members.append(question)
            best.tokens.append(recurring)
    return formed


def _dice(a: frozenset[str], b: frozenset[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a or b else 0.0


def _group_id(first: PendingQuestion) -> str:
    return "g" + hashlib.sha256(first.id.encode()).hexdigest()[:7]
