"""``toolbox/requirements.txt``: the union of the committed tools' pins, with hashes, for a user's
CI (``pip install --require-hashes -r toolbox/requirements.txt`` before ``pytest toolbox/``).

Two tools pinning one distribution at different versions cannot share one environment: that is
an error naming both tools, and nothing is written.
"""

from __future__ import annotations

from pathlib import Path

from latm.errors import ToolboxError
from latm.requirement_specs import Pin, parse_pins
from latm.toolbox.store import write_text_atomic

NAME = "requirements.txt"
HEADER = ("# The packages of the tools in this folder, pinned with the hashes latm verified them with.\n"
          "# Written by `latm requirements`; install with: pip install --require-hashes -r {path}\n")


def union(tools: dict) -> dict[Pin, list[str]]:
    """Each pin with the tools that need it; ``tools``: name -> Tool (the registry's)."""
    chosen: dict[str, tuple[Pin, list[str]]] = {}
    for name in sorted(tools):
        for pin in parse_pins(tools[name].manifest.requirements):
            before = chosen.get(pin.name)
            if before is None:
                chosen[pin.name] = (pin, [name])
            elif before[0] != pin:
                raise ToolboxError(f"Tools {', '.join(before[1])} and {name} pin {pin.name} differently "
                                   f"({before[0].version} and {pin.version}): one environment cannot hold both. "
                                   "Remake one of them so they agree; nothing was written.")
            else:
                before[1].append(name)
    return {pin: users for pin, users in chosen.values()}


def render(pins: dict[Pin, list[str]], toolbox_dir: Path) -> str:
    lines = [HEADER.format(path=f"{toolbox_dir.name}/{NAME}")]
    for pin in sorted(pins):
        lines.append(f"{pin}  # {', '.join(pins[pin])}\n")
    return "".join(lines)


def write(tools: dict, toolbox_dir: Path) -> tuple[Path, int]:
    """Write the file (atomically); its path and how many pins it holds. With none, there is no
    file (pip refuses a requirements file that names nothing)."""
    pins = union(tools)
    path = toolbox_dir / NAME
    if pins:
        write_text_atomic(path, render(pins, toolbox_dir))
    else:
        path.unlink(missing_ok=True)
    return path, len(pins)


def is_current(tools: dict, toolbox_dir: Path) -> tuple[Path, bool]:
    """The file's path, and whether it says what ``write`` would (no file is right when no tool pins)."""
    path = toolbox_dir / NAME
    pins = union(tools)
    current = path.read_text(encoding="utf-8") if path.is_file() else None
    return path, current == render(pins, toolbox_dir) or (current is None and not pins)
