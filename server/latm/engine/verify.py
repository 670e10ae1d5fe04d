"""``verify_tool``: re-run a tool's use cases (and parser, on every example) in the sandbox and
record the result in its manifest; an answer counts only when it comes from calling the entry
function (``checks.answers``). Works on a tool whose ``tool.py`` was edited by hand."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from latm.engine import checks
from latm.engine.ledger import utc_now
from latm.engine.source import CodeProblem, answer_snippet, call_snippet
from latm.errors import ToolboxError, ToolNotFound
from latm.progress import ProgressCallback, ProgressEvent, no_progress
from latm.sandbox.types import Sandbox
from latm.toolbox import manifest as mf
from latm.toolbox.names import validate_name
from latm.toolbox.registry import Contents, Problem, read_contents
from latm.toolbox.store import Basis, ToolFiles, write_tool


@dataclass(frozen=True)
class VerifyResult:
    name: str
    passed: int
    total: int
    failures: tuple[str, ...]  # one line per failed check
    path: Path

    @property
    def ok(self) -> bool:
        return self.total > 0 and self.passed == self.total


def read_tool(folder: Path) -> tuple[mf.Manifest, str]:
    """Manifest and code of a tool folder, even when tool.py no longer matches its recorded hash."""
    contents = _read(folder)
    return contents.manifest, contents.code


def verify_tool(ws, name: str, *, progress: ProgressCallback = no_progress) -> VerifyResult:
    folder = ws.toolbox_dir / validate_name(name)
    contents = _read(folder)
    manifest, code = contents.manifest, contents.code
    sandbox = ws.sandbox()
    progress(ProgressEvent("verify", f"verify {name}", 0.0))
    use_cases = _use_case_outcomes(sandbox, manifest, code, ws.settings.timeout_s)
    parser = _parser_outcomes(sandbox, manifest, code, ws.settings.timeout_s)
    outcomes = use_cases + parser
    passed = sum(o.passed for o in outcomes)
    verification = mf.Verification(passed, len(outcomes), utc_now(), sandbox.status().backend)
    parser_entry = replace(manifest.parser, verified_on=sum(o.passed for o in parser)) if manifest.parser else None
    updated = replace(manifest, verification=verification, parser=parser_entry)
    try:
        path = write_tool(ws.toolbox_dir, ToolFiles(updated, code), based_on=Basis(contents.fingerprint, "verifying"))
    finally:
        ws.registry.reload({name})
    progress(ProgressEvent("verify", f"verify {name}: {passed}/{len(outcomes)}", 1.0))
    failures = tuple(f"{kind}: {o.example.question.splitlines()[0][:80]}: {o.detail}"
                     for kind, group in (("use case", use_cases), ("parser", parser)) for o in group if not o.passed)
    return VerifyResult(name, passed, len(outcomes), failures, path)


def _read(folder: Path) -> Contents:
    """What is verified: read without following links, so a linked file is refused, never copied."""
    if not os.path.lexists(folder):
        raise ToolNotFound(f"No tool named '{folder.name}' in {folder.parent}.")
    problems: list[Problem] = []
    contents = read_contents(folder, problems)
    if contents is None:
        raise ToolboxError("; ".join(f"{p.path}:{p.line}: {p.message}" for p in problems))
    return contents


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


def _parser_outcomes(sandbox: Sandbox, manifest: mf.Manifest, code: str, timeout_s: float) -> list[checks.Outcome]:
    parser = manifest.parser
    if parser is None:
        return []
    cases = [(e, call_snippet(manifest.entry, e.question, parser.parse, parser.format)) for e in manifest.examples]
    return checks.answers(sandbox, code, manifest.entry, cases, timeout_s)
