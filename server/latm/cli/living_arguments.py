"""The arguments of ``latm feedback``, ``repair``, ``history``, ``rollback`` and ``prune``; their
commands are in ``latm.cli.living``, which loads ``latm.make``, and ``latm serve`` must not."""

from __future__ import annotations

import argparse
from typing import Callable

Add = Callable[[str, str], argparse.ArgumentParser]


def add_living_arguments(add: Add) -> None:
    p = add("feedback", "store the right answer of a question in a tool and re-run it on every stored example")
    p.add_argument("name")
    p.add_argument("--question")
    p.add_argument("--answer")
    p.add_argument("--file", help="examples in any format latm reads (or - for stdin)")
    p = add("repair", "let the maker patch a regressed tool; kept only if it passes every stored example")
    p.add_argument("name")
    p.add_argument("--remake", action="store_true", help="make it anew from all its stored examples")
    add("history", "the versions of a tool").add_argument("name")
    p = add("rollback", "restore an earlier version of a tool (default: the one before) and re-verify it")
    p.add_argument("name")
    p.add_argument("version", nargs="?", type=int)
    p = add("prune", "list tools unused for N days (a dry run); --yes removes them")
    p.add_argument("--unused-days", type=float, required=True, metavar="N")
    p.add_argument("--yes", action="store_true", help="remove them")
    p.add_argument("--commit", action="store_true", help="with --yes: commit each removal (git)")
