"""Writes hand-written tools into a toolbox for the wire test: python write_tools.py TOOLBOX NAME...

The tools are the language-server tests' word counter (tests/lsp/lsp_support.py), so both test
suites build toolboxes the same way.
"""

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[4] / "tests"
sys.path[:0] = [str(TESTS), str(TESTS / "lsp")]

from lsp_support import add_tool  # noqa: E402

toolbox, *names = sys.argv[1:]
for name in names:
    add_tool(Path(toolbox), name)
