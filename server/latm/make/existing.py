"""Before a make: does a tool in the toolbox already answer these examples?

The dispatcher's index names the tools closest to the examples' questions; each of those that
answers with no model (a verified question parser) is run on every example in the sandbox, and
each answer checked as verification checks it (``checks.answers``). A tool that gets them all right
is named, so the examples can be added to it instead of making a second tool for the same job.
A tool without a parser would need the user model to answer, so it is not tried.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import Optional, Sequence

from latm.route.index import index_for
from latm.solve.solver import has_parser
from latm.make.stored import parser_outcomes
from latm.toolbox.manifest import Example
from latm.workspace import Workspace

CLOSEST = 3  # tools tried, closest first
PER_QUESTION = 5  # index matches read per example question


@dataclass(frozen=True)
class Existing:
    """A tool that answered every example right (in the sandbox, no model)."""

    tool: str
    answered: int

    def message(self, what_next: str) -> str:
        return (f"Tool '{self.tool}' already answers all {self.answered} examples (run in the sandbox, no model), so "
                f"no new tool is needed: {what_next}")


def closest_tools(ws: Workspace, examples: Sequence[Example], limit: int = CLOSEST) -> list[str]:
    """Usable tools the dispatcher finds closest to the examples' questions, closest first."""
    index = index_for(ws)
    score: Counter = Counter()
    for example in examples:
        for match in index.search(example.question, limit=PER_QUESTION):
            score[match.name] += match.score
    return [name for name, _ in score.most_common() if name in ws.registry.tools][:limit]


def tool_that_answers(ws: Workspace, examples: Sequence[Example]) -> Optional[Existing]:
    """The closest tool that answers every example right, if one does."""
    if not examples:
        return None
    for name in closest_tools(ws, examples):
        tool = ws.registry.tools[name]
        if not tool.usable or not has_parser(tool):
            continue
        asked = replace(tool.manifest, examples=tuple(examples))
        sandbox = ws.sandbox_for(tool.manifest.requirements)
        if all(o.passed for o in parser_outcomes(sandbox, asked, tool.code, ws.settings.timeout_s)):
            return Existing(name, len(examples))
    return None
