"""``add_examples``: a person's answers (corrections of answers a tool gave, or examples it should
also answer) stored in the tool's manifest as reported examples (``split = "reported"``), then the
tool re-run at once on every stored example in the sandbox. A tool that fails any is regressed.

A question already stored with another answer takes the person's answer (and becomes reported).
To run a reported example a tool needs a way to call it: its question parser, or else a use case,
which the user model writes once, as it would to answer the question.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Optional, Sequence

from latm.make import history
from latm.solve.solver import Solver
from latm.make.stored import Checked, check_stored, recorded
from latm.make.verify import read_tool_contents
from latm.errors import LLMReplyError, NotEnoughExamples, ToolboxError, VerificationFailed
from latm.progress import CancelToken, ProgressCallback, ProgressEvent, no_progress
from latm.toolbox import manifest as mf
from latm.toolbox import state as st
from latm.toolbox.names import validate_name
from latm.toolbox.store import Basis, ToolFiles, write_tool

REPORTED = "reported"


@dataclass(frozen=True)
class FeedbackResult:
    name: str
    added: int  # new reported examples
    corrected: int  # stored examples that took a new answer
    known: int  # already stored with that answer
    questions: tuple[str, ...]  # the questions given
    checked: Checked  # the re-run on every stored example
    state: str  # the tool's state now: verified or regressed
    path: Path
    tokens: int = 0  # the user model's, for calls of a tool without a question parser

    def record(self) -> dict:
        """The JSON of a correction: ``latm feedback --json``, ``latm.correctAnswer``, ``latm.addExamples``."""
        return {"name": self.name, "path": str(self.path), "state": self.state, "regressed": self.state == st.REGRESSED,
                "added": self.added, "corrected": self.corrected, "known": self.known, "passed": self.checked.passed,
                "total": self.checked.total, "failures": [asdict(f) for f in self.checked.failures()],
                "tokens": self.tokens}

    def failing_given(self) -> list[mf.Failure]:
        """The given examples the tool fails."""
        given = {_plain(q) for q in self.questions}
        return [f for f in self.checked.failures() if _plain(f.question) in given]

    def text(self) -> str:
        """What the person reads."""
        c = self.checked
        head = (f"{self.name}: {self.added} reported example(s) added, {self.corrected} corrected, "
                f"{self.known} already stored. Re-run on every stored example in the sandbox: {c.passed}/{c.total} "
                "checks pass")
        if self.state != st.REGRESSED:
            return head + f"; {self.name} answers them right."
        lines = [head + f"; {self.name} is REGRESSED (it fails {len(c.failures())} stored example(s)):"]
        lines += [f"  - {f.question.splitlines()[0][:80]}: {f.describe()}" for f in c.failures()]
        lines.append(f"Until it is repaired its answers carry a warning. Repair it with `latm repair {self.name}`.")
        return "\n".join(lines)


def add_examples(ws, name: str, examples: Sequence[mf.Example], *, progress: ProgressCallback = no_progress,
                 cancel: Optional[CancelToken] = None) -> FeedbackResult:
    """Store ``examples`` (question, right answer) in the tool ``name`` and re-run it on every stored example."""
    if not examples:
        raise NotEnoughExamples("No example given: give a question and its right answer.")
    contents = read_tool_contents(ws.toolbox_dir / validate_name(name))
    manifest, code = contents.manifest, contents.code
    _require_accepted(manifest, code)
    base = history.ensure_first(manifest)  # the version as it was: the examples added now count for the next
    merged, counts = _merged(base.examples, examples)
    progress(ProgressEvent("feedback", f"adding {len(examples)} example(s) to {name}", 0.1))
    use_cases, tokens = _calls(ws, name, base, merged, cancel)
    updated = replace(base, examples=merged, use_cases=use_cases)
    sandbox = ws.sandbox_for(updated.requirements, progress)
    progress(ProgressEvent("verify", f"re-running {name} on every stored example", 0.5))
    checked = check_stored(sandbox, updated, code, ws.settings.timeout_s)
    if cancel:
        cancel.check()
    final = recorded(updated, checked, sandbox.status().backend)
    try:
        path = write_tool(ws.toolbox_dir, ToolFiles(final, code), based_on=Basis(contents.fingerprint, "adding examples"))
    finally:
        ws.registry.reload({name})
    progress(ProgressEvent("verify", f"{name}: {checked.passed}/{checked.total}", 1.0))
    return FeedbackResult(name, *counts, tuple(e.question for e in examples), checked,
                          st.state_of(final, code), path, tokens)


def _require_accepted(manifest: mf.Manifest, code: str) -> None:
    state, name = st.state_of(manifest, code), manifest.name
    if state == st.EDITED:
        raise ToolboxError(f"Tool '{name}' has a hand edit that is not verified yet; accept it (`latm verify {name}`) "
                           "or undo it before adding examples.")
    if state == st.UNVERIFIED:
        raise VerificationFailed(f"Tool '{name}' is not verified, so there is no accepted version to correct; "
                                 f"run `latm verify {name}` first.")


def _merged(stored: Sequence[mf.Example], given: Sequence[mf.Example]) -> tuple[tuple[mf.Example, ...], tuple[int, int, int]]:
    """The stored examples with ``given`` in: new ones appended, new answers replacing old ones."""
    out = list(stored)
    where = {_plain(e.question): i for i, e in enumerate(out)}
    added = corrected = known = 0
    for e in given:
        answer = e.answer.strip()
        index = where.get(_plain(e.question))
        if index is None:
            where[_plain(e.question)] = len(out)
            out.append(mf.Example(e.question.strip(), answer, REPORTED))
            added += 1
        elif out[index].answer.strip() == answer:
            known += 1
        else:
            out[index] = mf.Example(out[index].question, answer, REPORTED)
            corrected += 1
    return tuple(out), (added, corrected, known)


def _calls(ws, name: str, manifest: mf.Manifest, examples: Sequence[mf.Example],
           cancel: Optional[CancelToken]) -> tuple[tuple[mf.UseCase, ...], int]:
    """Use cases for reported examples that no check could run (only a tool without a parser has
    any): the call the user model writes for the question, as when it answers it."""
    have = {_plain(u.question) for u in manifest.use_cases}
    needed = [e for e in examples if e.split == REPORTED and manifest.parser is None and _plain(e.question) not in have]
    if not needed:
        return manifest.use_cases, 0
    solver = Solver(ws.settings, ws.sandbox(), ws.llm(), ws.sandbox_for)
    tool = ws.registry.get(name)
    found, tokens = list(manifest.use_cases), 0
    for example in needed:
        answer = solver.solve(tool, example.question, cancel)
        tokens += answer.tokens
        if not answer.code:
            raise LLMReplyError(f"Tool '{name}' has no question parser, and the user model wrote no call for "
                                f"{example.question.splitlines()[0][:80]!r} ({answer.error}); nothing was added.")
        found.append(mf.UseCase(example.question, answer.code))
    return tuple(found), tokens


def _plain(question: str) -> str:
    return " ".join(question.split())
