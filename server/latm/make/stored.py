"""A tool run on every stored example in the sandbox: its use cases (train, validation and
reported examples that have one) and, with a question parser, the parser on every example. Each
answer is checked by ``checks.answers``, so it counts only when it comes from calling the entry
function. What ``latm verify``, feedback, repair and rollback record in the manifest.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional

from latm.make import checks
from latm.bookkeeping import utc_now
from latm.source import CodeProblem, answer_snippet, call_snippet
from latm.sandbox.types import Sandbox
from latm.toolbox import manifest as mf


@dataclass(frozen=True)
class Checked:
    """The outcomes of one run over the stored examples."""

    use_cases: tuple[checks.Outcome, ...]
    parser: tuple[checks.Outcome, ...]
    unchecked: tuple[mf.Example, ...]  # neither a use case nor a parser: nothing can run them
    timeout_s: float

    @property
    def outcomes(self) -> tuple[checks.Outcome, ...]:
        return self.use_cases + self.parser

    @property
    def passed(self) -> int:
        return sum(o.passed for o in self.outcomes)

    @property
    def total(self) -> int:
        return len(self.outcomes)

    @property
    def ok(self) -> bool:
        return self.total > 0 and self.passed == self.total

    def failed(self) -> list[checks.Outcome]:
        return [o for o in self.outcomes if not o.passed]

    def failures(self) -> tuple[mf.Failure, ...]:
        """One per failing example (its first failed check), as the manifest keeps them."""
        found: dict[str, mf.Failure] = {}
        for o in self.failed():
            found.setdefault(o.example.question, failure_of(o, self.timeout_s))
        return tuple(found.values())

    def lines(self) -> tuple[str, ...]:
        """One line per failed check, for people."""
        return tuple(f"{kind}: {o.example.question.splitlines()[0][:80]}: {failure_of(o, self.timeout_s).describe()}"
                     for kind, group in (("use case", self.use_cases), ("parser", self.parser))
                     for o in group if not o.passed)


def failure_of(outcome: checks.Outcome, timeout_s: float) -> mf.Failure:
    e = outcome.example
    if outcome.outcome == "timeout":
        return mf.Failure(e.question, e.answer, error=f"timed out after {timeout_s:g} s")
    if outcome.value is not None and outcome.detail.startswith("got "):
        return mf.Failure(e.question, e.answer, got=outcome.value)
    return mf.Failure(e.question, e.answer, error=_first_line(outcome.detail))


def _first_line(text: str, limit: int = 300) -> str:
    line = text.strip().splitlines()[0] if text.strip() else "failed"
    return line if len(line) <= limit else line[: limit - 1] + "…"


def check_stored(sandbox: Sandbox, manifest: mf.Manifest, code: str, timeout_s: float) -> Checked:
    use_cases = _use_case_outcomes(sandbox, manifest, code, timeout_s)
    parser = parser_outcomes(sandbox, manifest, code, timeout_s)
    covered = {u.question for u in manifest.use_cases} if manifest.parser is None else {e.question for e in manifest.examples}
    unchecked = tuple(e for e in manifest.examples if e.question not in covered)
    return Checked(tuple(use_cases), tuple(parser), unchecked, timeout_s)


def recorded(manifest: mf.Manifest, checked: Checked, backend: str) -> mf.Manifest:
    """``manifest`` with this run as its verification (and its parser's count of passed examples)."""
    verification = mf.Verification(checked.passed, checked.total, utc_now(), backend, checked.failures())
    parser: Optional[mf.ParserEntry] = manifest.parser
    if parser is not None:
        parser = replace(parser, verified_on=sum(o.passed for o in checked.parser))
    return replace(manifest, verification=verification, parser=parser)


def _use_case_outcomes(sandbox: Sandbox, manifest: mf.Manifest, code: str, timeout_s: float) -> list[checks.Outcome]:
    answers = {e.question: e for e in manifest.examples}
    runnable, broken = [], []
    for use_case in manifest.use_cases:
        example = answers.get(use_case.question)
        if example is None:
            continue  # a use case with no known answer is shown to the model but cannot be checked
        try:
            runnable.append((example, answer_snippet(use_case.code)))
        except CodeProblem as err:
            broken.append(checks.Outcome(example, False, str(err)))
    return checks.answers(sandbox, code, manifest.entry, runnable, timeout_s) + broken


def parser_outcomes(sandbox: Sandbox, manifest: mf.Manifest, code: str, timeout_s: float) -> list[checks.Outcome]:
    parser = manifest.parser
    if parser is None:
        return []
    cases = [(e, call_snippet(manifest.entry, e.question, parser.parse, parser.format)) for e in manifest.examples]
    return checks.answers(sandbox, code, manifest.entry, cases, timeout_s)
