"""Proving model-written code in the sandbox: it loads, its tests assert every answer, its use
cases and parser give the expected answers, and each of those answers depends on a call of the
tool's entry function (the same check, run with that function returning wrong values, must then
fail: see ``mutants``). Every result is a text for a person or the maker.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from latm.make import asserts, mutants
from latm.multiple_choice import matches
from latm.sandbox import Call, CallResult, Sandbox, run_calls
from latm.source import ANSWER_VAR, CodeProblem
from latm.toolbox.manifest import Example

Key = tuple[int, int]  # an executed assert: its line, and how many times that line had run


@dataclass(frozen=True)
class Outcome:
    """One example's check: passed, or why not."""

    example: Example
    passed: bool
    detail: str = ""
    value: Optional[str] = None
    outcome: str = ""  # the sandbox's outcome when the run failed ("timeout", "error", ...)


def loads(sandbox: Sandbox, code: str, timeout_s: Optional[float] = None) -> Optional[str]:
    """None when the module runs to the end; else the error."""
    (result,) = run_calls(sandbox, code, [Call(snippet="pass", result_var=None)], timeout_s)
    return None if result.ok else result.describe()


# The unit tests.

def tests_assert_every_answer(sandbox: Sandbox, code: str, tests: str, validation: Sequence[Example], entry: str,
                              timeout_s: Optional[float] = None) -> Optional[str]:
    """None when the tests pass, an executed assert compared a value with each validation answer,
    and each such assert fails once ``entry`` returns wrong values; else what the maker should fix."""
    try:
        return _tests_problem(sandbox, code, tests, validation, entry, timeout_s)
    except (CodeProblem, asserts.RecordProblem) as err:
        return str(err)


def _tests_problem(sandbox: Sandbox, code: str, tests: str, validation: Sequence[Example], entry: str,
                   timeout_s: Optional[float]) -> Optional[str]:
    asserts.refuse_reserved(tests)
    (result,) = run_calls(sandbox, code, [_recording(asserts.instrumented(tests))], timeout_s)
    if not result.ok:
        return result.describe()
    rows = _keyed(asserts.read_record(result.value))
    if not rows:
        return "The tests ran but no assert was executed. Write one `assert ans == <answer>` per question."
    asserted = [[key for key, row in rows.items() if _compares(row, e)] for e in validation]
    missing = [i for i, keys in enumerate(asserted, 1) if not keys]
    if missing:
        return (f"The tests passed, but no assert compared a result with the answer of "
                f"{', '.join(_named(i, validation) for i in missing)}. Write one `assert ans == <answer>` for every question.")
    keep_going = asserts.instrumented(tests, keep_going=True)
    calls = [_recording(mutants.mutated(keep_going, entry, kind)) for kind in mutants.KINDS]
    wrong_runs = [_keyed(asserts.read_record(r.value)) if r.ok else {} for r in run_calls(sandbox, code, calls, timeout_s)]
    independent = [(i, keys[0][0]) for i, keys in enumerate(asserted, 1)
                   if not any(mutants.killed([_verdict(wrong.get(key)) for wrong in wrong_runs]) for key in keys)]
    if not independent:
        return None
    lines = tests.splitlines()
    shown = "".join(f"\n- {_named(i, validation)}, line {line}: `{_source(lines, line)}`" for i, line in independent)
    return (f"The tests passed, but these asserts still passed when `{entry}` returned a wrong value, so their answer "
            f"does not depend on `{entry}`:{shown}\nFor each of them, set `ans` from what `{entry}` returns (call it, "
            "keep its result in `ret`, convert `ret` into `ans`) instead of writing the answer in.")


def _recording(snippet: str) -> Call:
    return Call(snippet=snippet, result_var=asserts.RECORD_VAR)


def _keyed(rows: Sequence[asserts.Row]) -> dict[Key, asserts.Row]:
    seen: dict[int, int] = {}
    keyed = {}
    for row in rows:
        seen[row.line] = seen.get(row.line, 0) + 1
        keyed[(row.line, seen[row.line])] = row
    return keyed


def _compares(row: asserts.Row, example: Example) -> bool:
    return row.passed and row.right is not None and any(
        side is not None and matches(side, example.answer, example.question) for side in (row.left, row.right))


def _verdict(row: Optional[asserts.Row]) -> Optional[bool]:
    return None if row is None else row.passed


def _named(number: int, validation: Sequence[Example]) -> str:
    return f"question {number} (answer {validation[number - 1].answer!r})"


def _source(lines: list[str], line: int) -> str:
    text = lines[line - 1].strip() if 0 < line <= len(lines) else "?"
    return text if len(text) <= 100 else text[:97] + "..."


# Use cases and the question parser: snippets that set ANSWER_VAR.

def answers(sandbox: Sandbox, code: str, entry: str, cases: Sequence[tuple[Example, str]],
            timeout_s: Optional[float] = None) -> list[Outcome]:
    """Run each snippet (which sets ANSWER_VAR) with ``code``; compare with its example's answer.
    An answer that also comes out when ``entry`` returns wrong values does not count."""
    if not cases:
        return []
    results = run_calls(sandbox, code, [Call(snippet=s, result_var=ANSWER_VAR) for _, s in cases], timeout_s)
    outcomes = [_compare(example, result) for (example, _), result in zip(cases, results)]
    passed = [i for i, o in enumerate(outcomes) if o.passed]
    kinds = len(mutants.KINDS)
    calls = [Call(snippet=mutants.mutated(cases[i][1], entry, kind), result_var=ANSWER_VAR)
             for i in passed for kind in mutants.KINDS]
    wrong = run_calls(sandbox, code, calls, timeout_s) if calls else []
    for n, i in enumerate(passed):
        verdicts = [_compare(cases[i][0], r).passed if r.ok else None for r in wrong[n * kinds:(n + 1) * kinds]]
        if not mutants.killed(verdicts):
            outcomes[i] = _independent(outcomes[i], entry)
    return outcomes


def _independent(outcome: Outcome, entry: str) -> Outcome:
    return Outcome(outcome.example, False, f"the answer does not depend on `{entry}`: it was still {outcome.value!r} "
                   f"when `{entry}` returned a wrong value; compute it from what `{entry}` returns instead of writing "
                   "it in", outcome.value)


def _compare(example: Example, result: CallResult) -> Outcome:
    if not result.ok:
        return Outcome(example, False, result.describe(), outcome=result.outcome)
    if not isinstance(result.value, str):  # the snippet makes it text; anything else was tampered with
        return Outcome(example, False, f"the answer came back as {type(result.value).__name__}, not as text")
    if result.value == example.answer.strip():
        return Outcome(example, True, value=result.value)
    return Outcome(example, False, f"got {result.value!r}, expected {example.answer.strip()!r}", result.value)


def describe_failures(outcomes: Sequence[Outcome], limit: int = 3) -> str:
    failed = [o for o in outcomes if not o.passed]
    lines = [f"- Question: {o.example.question}\n  {o.detail}" for o in failed[:limit]]
    if len(failed) > limit:
        lines.append(f"- ... and {len(failed) - limit} more")
    return "\n".join(lines)
