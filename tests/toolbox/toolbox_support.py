"""Helpers of the toolbox tests: the ``latm`` command as a user runs it, and what a toolbox holds."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Optional

TOOLBOX_TESTS = Path(__file__).resolve().parent


def latm(*args: str, cwd, env: Optional[dict] = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -m latm ARGS`` in ``cwd`` (a timeout, so a hang fails the test instead of the run)."""
    return subprocess.run([sys.executable, "-m", "latm", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


def hidden_entries(toolbox: Path) -> list[str]:
    """What latm's writers leave in the toolbox besides tools: staging folders, old versions."""
    return sorted(p.name for p in toolbox.iterdir() if p.name.startswith("."))


def python_with_latm(script: str, **popen) -> subprocess.Popen:
    """A second latm process running ``script`` (``make_files`` of the toolbox tests importable)."""
    prelude = f"import sys\nsys.path.insert(0, {str(TOOLBOX_TESTS)!r})\n"
    return subprocess.Popen([sys.executable, "-c", prelude + script], text=True, **popen)


PAUSED_WRITER = """
from pathlib import Path
from latm.toolbox import store
from conftest import make_files

real = store._write_synced
def pause_after_the_code(path, text):
    real(path, text)
    if path.name == "tool.py":
        print("paused", flush=True)
        sys.stdin.readline()
store._write_synced = pause_after_the_code
store.write_tool(Path(%r), make_files(summary="Written by the second process."))
print("written", flush=True)
"""


def paused_writer(toolbox) -> subprocess.Popen:
    """A latm process writing the tool ``adder``, stopped after its tool.py until told to go on."""
    writer = python_with_latm(PAUSED_WRITER % str(toolbox), stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert writer.stdout.readline() == "paused\n"
    return writer
