"""``repair_tool``: the maker patches a regressed tool, in one conversation, from its current code
and the stored examples it passes and fails (expected vs what it gave, its error, or the time
limit it ran past). A patched version is kept only when it passes every stored example, through
its use cases and (if it has one) its question parser, each answer checked by ``checks``; it then
becomes the tool's next version. Otherwise nothing changes and the conversation is kept in
``.latm/failed/``; after ``max_retries`` tries, the error offers ``remake_tool``: a new tool made
from all stored examples, kept on the same terms.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Optional

from latm.make import checks, history, prompts, usecases
from latm.make.failures import save_failed
from latm.make.conversation import Maker, StageFailed
from latm.llm.replies import python_code, wrapped_tool
from latm.source import (
    CodeProblem, clean_tool, functions, merge_definitions, parse, signature, without_functions,
)
from latm.make.stored import Checked, check_stored, failure_of, recorded
from latm.make.verify import read_tool_contents
from latm.errors import Cancelled, LatmError, ToolboxError, VerificationFailed
from latm.progress import CancelToken, ProgressCallback, ProgressEvent, no_progress
from latm.toolbox import manifest as mf
from latm.toolbox import state as st
from latm.toolbox.names import validate_name
from latm.toolbox.registry import Contents

SHOWN_PASSING = 12  # passing examples quoted to the maker; the rest are counted

REPAIR = """This tool answers some of its stored examples wrong. Patch it.

```python
{code}
```

{how}

It gives the right answer for these questions:
{passing}

It fails these:
{failing}

Keep `{signature}` (same name and parameters){keep}, use {library}, and keep \
every answer it gets right. Send the functions you change, whole, in one ```python block."""

USE_CASES = """

These stored questions have no recorded call, so nothing checks them yet. After the code block, \
write "Use cases:" and, for each of them, "Question:" with the question and "Solution:" with a \
```python block that calls the function and sets `ans`:
{questions}"""

FIX = """The patched tool still does not pass every stored example:
{failures}
"""


class NothingToRepair(ToolboxError):
    """The tool passes every stored example."""


class RepairFailed(VerificationFailed):
    """No patched version passed every stored example; nothing changed. ``remake`` is offered."""

    def __init__(self, message: str, conversation: str = "") -> None:
        super().__init__(message)
        self.conversation = conversation


@dataclass(frozen=True)
class RepairResult:
    name: str
    version: int
    path: Path
    passed: int
    total: int
    attempts: int  # maker calls
    tokens_in: int
    tokens_out: int
    cost_usd: Optional[float]
    reason: str  # "repaired" | "remade"

    def record(self) -> dict:
        """The JSON of a repair or a re-make: ``latm repair --json`` and ``latm.repairTool``."""
        return asdict(self) | {"path": str(self.path)}

    def text(self) -> str:
        cost = f", ${self.cost_usd:.4f}" if self.cost_usd is not None else ""
        return (f"{self.reason} {self.name}: version {self.version}, verified {self.passed}/{self.total} on every stored "
                f"example; {self.attempts} maker call(s), {self.tokens_in} tokens in, {self.tokens_out} out{cost}")


class _Repairer(Maker):
    """One repair conversation (the maker's retry loop, ledger, size limit and cancel)."""

    def _report(self, stage: str, message: str) -> None:
        self.stage = stage
        self.progress(ProgressEvent(stage, message, 0.2))

    def repair(self, manifest: mf.Manifest, code: str, before: Checked) -> tuple[str, mf.Manifest, Checked]:
        protected = _protected(manifest)

        def attempt(reply: str) -> tuple[str, mf.Manifest, Checked]:
            patched, offered = _read_reply(reply, code, protected)
            error = checks.loads(self.sandbox, patched, self.settings.timeout_s)
            if error:
                raise CodeProblem(f"The patched tool does not run: {error}")
            candidate = replace(manifest, use_cases=manifest.use_cases + tuple(
                usecases.verified(self.sandbox, patched, manifest.entry, usecases.from_wrap(offered, before.unchecked),
                                  self.settings.timeout_s)))
            checked = check_stored(self.sandbox, candidate, patched, self.settings.timeout_s)
            if not checked.ok or checked.unchecked:
                raise CodeProblem(FIX.format(failures=_still_failing(checked, before)))
            return patched, candidate, checked

        return self._stage("repair", _prompt(manifest, code, before), attempt)


def repair_tool(ws, name: str, *, progress: ProgressCallback = no_progress,
                cancel: Optional[CancelToken] = None) -> RepairResult:
    """Patch the tool ``name`` so that it passes every stored example, or change nothing and raise."""
    contents = _accepted(ws, name)
    sandbox = ws.sandbox_for(contents.manifest.requirements, progress)
    before = check_stored(sandbox, contents.manifest, contents.code, ws.settings.timeout_s)
    if before.ok and not before.unchecked:
        raise NothingToRepair(f"Tool '{name}' passes every stored example ({before.passed}/{before.total}); nothing "
                              f"to repair. `latm verify {name}` records that.")
    repairer = _Repairer(ws.settings, ws.llm(), sandbox, name=name, progress=progress, cancel=cancel)
    try:
        code, candidate, checked = repairer.repair(contents.manifest, contents.code, before)
        updated = replace(candidate, signature=signature(code, candidate.entry))
        return _write(ws, contents, updated, code, checked, repairer, "repaired")
    except BaseException as err:
        explained = _failed(ws, name, repairer, err, len(contents.manifest.examples))
        if explained is err:
            raise
        raise explained from err


def remake_tool(ws, name: str, *, progress: ProgressCallback = no_progress,
                cancel: Optional[CancelToken] = None) -> RepairResult:
    """Make the tool anew from all its stored examples (each one verified, as in a make); kept, as
    its next version, only when it then passes every stored example."""
    contents = _accepted(ws, name)
    manifest = contents.manifest
    train = [e for e in manifest.examples if e.split == "train"] or list(manifest.examples[:1])
    sandbox = ws.making_sandbox(progress)
    maker = Maker(ws.settings, ws.llm(), sandbox, name=name, progress=progress, cancel=cancel,
                  library=prompts.library(sandbox.described()))
    try:
        made = maker.make(train, list(manifest.examples))
        parser = mf.ParserEntry() if made.parser_verified_on else None
        candidate = replace(manifest, entry=made.entry, signature=signature(made.code, made.entry),
                            use_cases=tuple(made.use_cases), parser=parser,
                            requirements=sandbox.requirements(made.code, *(u.code for u in made.use_cases)))
        checked = check_stored(maker.sandbox, candidate, made.code, ws.settings.timeout_s)
        if not checked.ok or checked.unchecked:
            raise VerificationFailed(f"the re-made tool does not pass every stored example: {_still_failing(checked)}")
        return _write(ws, contents, candidate, made.code, checked, maker, "remade")
    except BaseException as err:
        explained = _failed(ws, name, maker, err, len(manifest.examples), remake=False)
        if explained is err:
            raise
        raise explained from err


def _accepted(ws, name: str) -> Contents:
    contents = read_tool_contents(ws.toolbox_dir / validate_name(name))
    state = st.state_of(contents.manifest, contents.code)
    if state == st.EDITED:
        raise ToolboxError(f"Tool '{name}' has a hand edit that is not verified; accept it (`latm verify {name}`) or "
                           f"undo it (`latm rollback {name}`) before repairing.")
    return contents


def _write(ws, before: Contents, candidate: mf.Manifest, code: str, checked: Checked, maker: Maker,
           reason: str) -> RepairResult:
    maker.cancel.check()
    backend = ws.sandbox().status().backend
    updated = history.new_version(recorded(candidate, checked, backend), code, reason, ws.settings.maker_model)
    path = history.write_version(ws, before, updated, code, "repairing" if reason == "repaired" else "re-making")
    calls = sum(m["role"] == "assistant" for m in maker.messages)
    return RepairResult(updated.name, updated.version, path, checked.passed, checked.total, calls,
                        maker.tokens_in, maker.tokens_out, maker.cost_usd, reason)


def _failed(ws, name: str, maker: Maker, err: BaseException, examples: int, remake: bool = True) -> BaseException:
    """The error the person reads: nothing changed, where the conversation is, what to do next."""
    if not isinstance(err, (LatmError, StageFailed)):
        return err
    try:
        where = str(save_failed(ws.state_dir, name, maker.stage or "repair", str(err), maker.messages))
        kept = f" The conversation is in {where}."
    except OSError as problem:
        where, kept = "", f" The conversation could not be saved ({problem.strerror or problem})."
    what = "repair" if remake else "re-make"
    if isinstance(err, Cancelled):
        return Cancelled(f"Cancelled the {what} of '{name}'; nothing changed.{kept}")
    if isinstance(err, LatmError):
        return type(err)(f"{err} Nothing changed in '{name}'.{kept}")
    offer = f" To make it anew from all {examples} stored examples: `latm repair {name} --remake`." if remake else ""
    return RepairFailed(f"Could not {what} '{name}': {str(err).rstrip('.')}. Nothing changed.{kept}{offer}", where)


# The conversation's texts.

def _protected(manifest: mf.Manifest) -> list[str]:
    """Functions the patched tool must still define: the entry and the parser's two."""
    parser = manifest.parser
    return [manifest.entry] + ([parser.parse, parser.format] if parser else [])


def _prompt(manifest: mf.Manifest, code: str, before: Checked) -> str:
    failing = {o.example.question for o in before.failed()}
    shown = list(dict.fromkeys(o.example for o in before.outcomes if o.example.question not in failing))
    listed = "".join(f"- Question: {e.question}\n  Answer: {e.answer}\n" for e in shown[:SHOWN_PASSING])
    if len(shown) > SHOWN_PASSING:
        listed += f"- ... and {len(shown) - SHOWN_PASSING} more\n"
    parser = manifest.parser
    how = (f"Each question is answered by `{parser.format}({manifest.entry}(**{parser.parse}(question)), question)`."
           if parser else "Each question is answered by its recorded call of the function (shown with it below).")
    keep = f", and `{parser.parse}` and `{parser.format}`" if parser else ""
    text = REPAIR.format(code=code.rstrip(), how=how, passing=listed or "(none)\n", failing=_failing_text(manifest, before),
                         signature=signature(code, manifest.entry), keep=keep,
                         library=prompts.library(prompts.pinned(manifest.requirements)))
    if before.unchecked:
        text += USE_CASES.format(questions="".join(f"- {e.question}\n" for e in before.unchecked))
    return text


def _failing_text(manifest: mf.Manifest, before: Checked) -> str:
    calls = {u.question: u.code for u in manifest.use_cases}
    lines, seen = [], set()
    for o in before.failed():
        if o.example.question in seen:
            continue
        seen.add(o.example.question)
        f = failure_of(o, before.timeout_s)
        what = (f"It {f.error}: it must answer within the limit, so make it faster." if o.outcome == "timeout"
                else f"It gave {f.got!r}." if f.got else f"It failed: {o.detail}")
        call = (f"\n  Recorded call:\n```python\n{calls[o.example.question].rstrip()}\n```"
                if manifest.parser is None and o.example.question in calls else "")
        lines.append(f"- Question: {o.example.question}\n  Expected answer: {o.example.answer}\n  {what}{call}")
    return "\n".join(lines)


def _still_failing(checked: Checked, before: Optional[Checked] = None) -> str:
    passed_before = {o.example.question for o in before.outcomes if o.passed} if before else set()
    lines = []
    for path, group in (("its recorded call", checked.use_cases), ("the question parser", checked.parser)):
        for o in (o for o in group if not o.passed):
            f = failure_of(o, checked.timeout_s)
            broke = " (this one passed before your change)" if o.example.question in passed_before else ""
            lines.append(f"- Question: {o.example.question}\n  Expected answer: {o.example.answer}; through {path}: "
                         f"{f.describe()}{broke}")
    lines += [f"- Question: {e.question}\n  no use case for it: it cannot be checked" for e in checked.unchecked]
    return "\n".join(dict.fromkeys(lines))


def _read_reply(reply: str, code: str, protected: list[str]) -> tuple[str, list]:
    """The tool with the reply's functions folded in, and the use cases the reply offers."""
    if "Use cases:" in reply:
        written, offered = wrapped_tool(reply)
    else:
        written, offered = python_code(reply), []
    if not written:
        raise CodeProblem("Your reply has no ```python code block with the patched functions.")
    merged, rest = merge_definitions(code, written)
    if merged == code:
        raise CodeProblem(f"The reply changes none of the tool's functions ({', '.join(functions(parse(code)))}); "
                          "send the patched function under its own name.")
    extra = clean_tool(without_functions(rest, set(protected))) if rest.strip() else ""
    patched = f"{merged.rstrip()}\n\n\n{extra}" if extra.strip() else merged
    missing = [f for f in protected if f not in functions(parse(patched))]
    if missing:
        raise CodeProblem(f"The patched tool no longer defines {', '.join(missing)}.")
    return patched, offered
