"""What state a loaded tool is in, and the problems each state puts on its files.

- ``verified``: its code is the version latm last checked, and that version passed every stored
  example.
- ``regressed``: its code is a version latm accepted once, but it fails a stored example now (a
  person reported a correction, or it ran past the time limit): one problem per failing example,
  on that example's line of ``tool.toml``. It is still used, with a warning, unless the setting
  ``use_regressed`` is off.
- ``edited``: ``tool.py`` is not the code latm last checked (its hash differs): a hand edit waiting
  to be verified and accepted. Not used until then.
- ``unverified``: never accepted (no passing check, no history). Not used.

Reads the manifest only; nothing runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from latm.toolbox import manifest as mf

VERIFIED, REGRESSED, EDITED, UNVERIFIED = "verified", "regressed", "edited", "unverified"
USABLE = (VERIFIED, REGRESSED)
STATES = (VERIFIED, REGRESSED, EDITED, UNVERIFIED)
# Diagnostic codes, so an editor can offer the fix that goes with each.
REGRESSED_CODE, EDITED_CODE = "latm.regressed", "latm.edited"
_EXAMPLE_HEADER = re.compile(r"^\s*\[\[\s*examples\s*\]\]")


@dataclass(frozen=True)
class Flag:
    """A problem a state puts on a file of the tool: file name, line, message, diagnostic code."""

    file: str
    line: int
    message: str
    code: str


def state_of(manifest: mf.Manifest, code: str) -> str:
    if manifest.provenance.tool_hash != mf.tool_hash(code):
        return EDITED
    v = manifest.verification
    if v.ok:
        return VERIFIED
    return REGRESSED if v.failures and manifest.history else UNVERIFIED


def flags(manifest: mf.Manifest, code: str, toml_text: str) -> list[Flag]:
    """What ``latm check`` and the editor report for the tool's state (nothing when verified)."""
    state, name = state_of(manifest, code), manifest.name
    if state == EDITED:
        return [Flag("tool.py", 1, f"edited, not verified: tool.py is not the code latm last checked, so it is not "
                     f"used until the edit is accepted. Run `latm verify {name}` (or the code action \"Verify and accept "
                     f"this edit\") to re-run every stored example and accept it.", EDITED_CODE)]
    if state == REGRESSED:
        lines = example_lines(toml_text)
        questions = [e.question for e in manifest.examples]
        return [Flag("tool.toml", _line_of(f.question, questions, lines), failure_text(name, f, manifest), REGRESSED_CODE)
                for f in manifest.verification.failures]
    return []


def failure_text(name: str, failure: mf.Failure, manifest: mf.Manifest) -> str:
    split = next((e.split for e in manifest.examples if e.question == failure.question), "stored")
    return (f"regressed: {name} fails this {split} example: {_first_line(failure.question)}: {failure.describe()}. "
            f"Repair it with `latm repair {name}` (or the code action \"Repair tool\").")


def regression_summary(manifest: mf.Manifest) -> str:
    """One sentence for answers and hover cards of a regressed tool."""
    v = manifest.verification
    return (f"tool '{manifest.name}' is regressed: it fails {v.total - v.passed} of {v.total} checks of its stored "
            f"examples; repair it with `latm repair {manifest.name}`")


def example_lines(toml_text: str) -> list[int]:
    """1-based line of each ``[[examples]]`` header, in order."""
    return [n for n, line in enumerate(toml_text.splitlines(), 1) if _EXAMPLE_HEADER.match(line)]


def _line_of(question: str, questions: list[str], lines: list[int]) -> int:
    index: Optional[int] = questions.index(question) if question in questions else None
    return lines[index] if index is not None and index < len(lines) else 1


def _first_line(text: str, limit: int = 80) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"
