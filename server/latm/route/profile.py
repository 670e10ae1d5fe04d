"""A tool as routing sees it: the template of its example questions, and a document to search.

Built from the manifest alone (summary, entry signature, example questions, use-case questions);
no tool code is read or run.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from latm.route.features import Template, features, self_coverage, template
from latm.toolbox.registry import Tool

EXAMPLE_CHARS = 600  # one example question in the dispatcher prompt, cut to this length


@dataclass(frozen=True)
class ToolProfile:
    name: str
    summary: str
    template: Template
    self_cover: float  # mean leave-one-out coverage of its own examples (see features.self_coverage)
    described: tuple[str, ...]  # tokens of the summary and signature that the template lacks
    example: str  # the example question shown to the dispatcher model
    key: str = ""  # the key of the tool it was made from (Tool.key)

    @cached_property
    def document(self) -> tuple[str, ...]:
        """The tokens the lexical index holds for this tool: derived, so that the index cache need
        not hold them (only a rebuild of the lexical index reads them)."""
        return tuple(sorted(set(self.template) | set(self.described)))


def example_questions(tool: Tool) -> list[str]:
    m = tool.manifest
    found = [e.question for e in m.split("train")] + [e.question for e in m.split("validation")]
    found += [u.question for u in m.use_cases]
    return list(dict.fromkeys(q for q in found if q.strip()))


def profile_of(tool: Tool) -> ToolProfile:
    m = tool.manifest
    questions = example_questions(tool)
    described = features(f"{m.summary} {m.signature} {m.entry.replace('_', ' ')}")
    found = [features(q) for q in questions] or [described]
    pattern = template(found)
    return ToolProfile(
        name=m.name,
        summary=m.summary,
        template=pattern,
        self_cover=self_coverage(found),
        described=tuple(sorted(described - set(pattern))),
        example=(questions[0] if questions else m.summary)[:EXAMPLE_CHARS],
        key=tool.key,
    )
