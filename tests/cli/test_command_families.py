"""``latm.cli.commands`` imports only the family of the command that runs (issue 10): every
command the parser offers is in exactly one family, whose module, imported alone, registers it."""

from __future__ import annotations

import subprocess
import sys

from latm.cli.commands import FAMILIES
from latm.cli.main import build_parser

SERVERS = {"serve", "mcp"}  # started by main itself, not commands of a workspace


def parser_commands() -> set[str]:
    sub = next(action for action in build_parser()._actions if action.dest == "command")
    return set(sub.choices)


def test_every_command_is_in_exactly_one_family():
    named = [name for names in FAMILIES.values() for name in names]
    assert len(named) == len(set(named))
    assert set(named) == parser_commands() - SERVERS


def test_each_family_registers_its_own_commands():
    for family, names in FAMILIES.items():
        script = (f"import latm.cli.{family}\nfrom latm.cli.base import COMMANDS\n"
                  f"print(' '.join(sorted(COMMANDS)))")
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert set(names) <= set(done.stdout.split()), family
