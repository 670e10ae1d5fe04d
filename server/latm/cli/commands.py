"""Every command of the CLI, by its family: the module ``latm.cli.<family>`` registers the
family's commands when imported. ``command(name)`` imports only the family that runs, so a
one-shot ``latm route`` does not load what ``latm make`` or ``latm eval`` need."""

from __future__ import annotations

import importlib

from latm.cli.base import COMMANDS, Command, Result

FAMILIES = {
    "toolbox": ("list", "show", "check"),
    "route": ("route",),
    "questions": ("pending", "stats"),
    "sandbox": ("sandbox",),
    "make": ("make", "verify", "import-latm"),
    "solve": ("solve",),
    "trust": ("trust",),
    "evaluate": ("eval",),
    "living": ("feedback", "repair", "history", "rollback", "prune"),
    "packages": ("requirements",),
}


def command(name: str) -> Command:
    """The command ``name`` (a name the parser knows), its family imported."""
    family = next(family for family, names in FAMILIES.items() if name in names)
    importlib.import_module(f"latm.cli.{family}")
    return COMMANDS[name]


__all__ = ["FAMILIES", "Result", "command"]
