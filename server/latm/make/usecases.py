"""Use cases (question + the code that turns it into a call and sets ``ans``), kept only when the
sandbox shows that they give the example's answer, and give it by calling the entry function
(see ``checks.answers``). Sources, best first: the wrap reply, the verified unit tests, the
verified question parser.
"""

from __future__ import annotations

import difflib
from typing import Optional, Sequence

from latm.make import checks
from latm.llm.replies import QuestionCode
from latm.multiple_choice import letter_line, to_option
from latm.source import CodeProblem, answer_snippet, cases_from_tests, with_ans
from latm.sandbox.types import Sandbox
from latm.toolbox.manifest import Example, UseCase

Offer = tuple[Example, str]
SAME_QUESTION = 0.95  # similarity of a restated question to its example


def verified(sandbox: Sandbox, code: str, entry: str, offered: Sequence[Offer], timeout_s: Optional[float] = None,
             failures: Optional[dict] = None) -> list[UseCase]:
    """The offered use cases that give their example's answer, one per question, in the order offered.

    A multiple-choice use case whose ``ans`` is the right option's text or number (the reference's
    convention) is kept with a line that turns it into the letter, so it passes as stored. Why the
    others failed goes into ``failures`` (question -> text), when given."""
    runnable = []
    for example, snippet in offered:
        try:
            runnable.append((example, with_ans(snippet)))
        except CodeProblem:
            continue
    outcomes = _run(sandbox, code, entry, runnable, timeout_s)
    second = [(e, stored + letter_line(e.question)) for (e, stored), o in zip(runnable, outcomes)
              if not o.passed and o.value not in (None, e.answer.strip()) and to_option(o.value, e.question) == e.answer.strip()]
    passed = [pair for pair, o in zip(runnable, outcomes) if o.passed]
    passed += [pair for pair, o in zip(second, _run(sandbox, code, entry, second, timeout_s)) if o.passed]
    if failures is not None:
        failures.update({o.example.question: o.detail for o in outcomes if not o.passed})
    kept: dict[str, UseCase] = {}
    for example, stored in sorted(passed, key=lambda pair: _position(offered, pair[0])):
        kept.setdefault(example.question, UseCase(example.question, stored))
    return list(kept.values())


def _run(sandbox: Sandbox, code: str, entry: str, pairs: list[tuple[Example, str]],
         timeout_s: Optional[float]) -> list[checks.Outcome]:
    return checks.answers(sandbox, code, entry, [(e, answer_snippet(c)) for e, c in pairs], timeout_s)


def _position(offered: Sequence[Offer], example: Example) -> int:
    return next(i for i, (e, _) in enumerate(offered) if e is example)


def uncovered(examples: Sequence[Example], have: Sequence[UseCase]) -> list[Example]:
    covered = {u.question for u in have}
    return [e for e in examples if e.question not in covered]


def from_wrap(cases: Sequence[QuestionCode], examples: Sequence[Example]) -> list[Offer]:
    """Pair the wrap reply's use cases with examples by question text. Models restate questions
    with small edits (a missing period or parenthesis restored), so the closest one counts."""
    offers = []
    for case in cases:
        scored = [(difflib.SequenceMatcher(None, _norm(case.question), _norm(e.question)).ratio(), i)
                  for i, e in enumerate(examples)]
        best, index = max(scored, default=(0.0, -1))
        if best >= SAME_QUESTION:
            offers.append((examples[index], case.code))
    return offers


def from_tests(tests: str, examples: Sequence[Example]) -> list[Offer]:
    """Cut the verified tests into one case per assert; pair by the literal answer, else by position."""
    try:
        cases = cases_from_tests(tests)
    except CodeProblem:
        return []
    by_answer = {e.answer.strip(): e for e in examples}
    offers = []
    for index, case in enumerate(cases):
        example = by_answer.get((case.expected or "").strip())
        if example is None and len(cases) == len(examples):
            example = examples[index]
        if example is not None:
            offers.append((example, case.code))
    return offers


def from_parser(entry: str, examples: Sequence[Example], parse: str = "parse_question",
                fmt: str = "format_answer") -> list[Offer]:
    return [(e, f"_q = {e.question!r}\nans = {fmt}({entry}(**{parse}(_q)), _q)") for e in examples]


def _norm(text: str) -> str:
    return " ".join(text.split())
