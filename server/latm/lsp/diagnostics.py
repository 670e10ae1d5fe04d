"""Toolbox problems as diagnostics: a broken manifest at its line, a hash mismatch, a failing or
missing verification. Files that had problems and have none now are cleared."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Optional

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path

from latm.toolbox import ERROR, Problem, Refused, read_file

SOURCE = "latm"


def to_diagnostics(problems: list[Problem]) -> dict[str, list[types.Diagnostic]]:
    """Diagnostics per file URI (reads each file once, for the length of the flagged line)."""
    by_path: dict[Path, list[Problem]] = defaultdict(list)
    for problem in problems:
        by_path[Path(problem.path)].append(problem)
    found = {}
    for path, items in by_path.items():
        lines = _lines(path)
        found[from_fs_path(str(path))] = [_diagnostic(p, lines) for p in items]
    return found


def _lines(path: Path) -> list[str]:
    try:
        return read_file(path).decode("utf-8", errors="replace").splitlines()
    except Refused:  # a missing file, a link or a fifo is itself the problem: never read through it
        return []


def _diagnostic(problem: Problem, lines: list[str]) -> types.Diagnostic:
    line = max(problem.line - 1, 0)
    width = len(lines[line]) if line < len(lines) else 0
    return types.Diagnostic(
        range=types.Range(types.Position(line, 0), types.Position(line, width)),
        message=problem.message,
        severity=types.DiagnosticSeverity.Error if problem.severity == ERROR else types.DiagnosticSeverity.Warning,
        source=SOURCE,
        code=problem.code or None,  # latm.regressed, latm.edited: the code actions that fix them look for it
    )


class DiagnosticsPublisher:
    """Sends only what changed, and clears a file that had problems and has none now."""

    def __init__(self) -> None:
        self._sent: dict[str, list[types.Diagnostic]] = {}

    def publish(self, ls: LanguageServer, by_uri: dict[str, list[types.Diagnostic]],
                folders: Optional[list[Path]] = None) -> None:
        """Send on the event loop thread. ``by_uri`` is complete for files under ``folders``
        (for every file when None); files elsewhere keep what they had."""
        prefixes = None if folders is None else tuple(from_fs_path(str(f)) + "/" for f in folders)
        scope = [u for u in self._sent if prefixes is None or u.startswith(prefixes)]
        for uri in sorted(set(scope) | set(by_uri)):
            diagnostics = by_uri.get(uri, [])
            if self._sent.get(uri, []) != diagnostics:
                ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics))
            if diagnostics:
                self._sent[uri] = diagnostics
            else:
                self._sent.pop(uri, None)
