"""What a package requirement may be written as, and nothing more.

Two shapes, both checked before anything runs:

- an *allowed* entry (the ``allowed_packages`` setting): a distribution name, optionally with
  version constraints (``roman``, ``numpy>=1.26,<3``);
- a *pin* (a tool's ``requirements`` in ``tool.toml``): ``name==version --hash=sha256:<hex>``.

Anything pip would read as more than a name from the index is refused with the reason: a URL or
``name @ url``, a path, an editable install, an option (``--index-url``, ``-r``, ``--pre``), extras
and environment markers. Those choose *where code comes from* or run code at install time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Optional

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet

# ``packaging`` (~60 ms) is imported where a requirement is read: most toolboxes have none, and
# every command reads the settings and manifests that may hold them.

NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
_ALLOWED = re.compile(rf"\s*({NAME})\s*((?:[<>=!~][^,]*)(?:,[^,]+)*)?\s*")
_PIN = re.compile(rf"({NAME})==(\S+) --hash=sha256:([0-9a-f]{{64}})")
MAX_LENGTH = 200


class BadRequirement(ValueError):
    """A requirement string latm will not hand to pip; the message says why and what to write."""


@dataclass(frozen=True)
class Allowed:
    """One entry of ``allowed_packages``."""

    name: str  # canonical (PEP 503): lower case, runs of -_. as one -
    specifier: SpecifierSet
    text: str  # as the user wrote it

    def admits(self, version: str) -> bool:
        from packaging.version import Version

        return self.specifier.contains(Version(version), prereleases=True)

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, order=True)
class Pin:
    """One line of a tool's ``requirements``: an exact version and the sha256 of its wheel."""

    name: str  # canonical
    version: str
    sha256: str

    def __str__(self) -> str:
        return f"{self.name}=={self.version} --hash=sha256:{self.sha256}"


def refusal(text: str) -> Optional[str]:
    """Why ``text`` is not a plain package name with versions (None when it is)."""
    stripped = text.strip()
    if not stripped:
        return "an empty requirement names no package"
    if len(stripped) > MAX_LENGTH:
        return f"a requirement of {len(stripped)} characters is not a package name"
    if stripped.startswith("-"):
        return (f"{stripped!r} is a pip option, not a package: a requirement names a package and optionally its "
                "versions; indexes and other pip options belong in your own pip configuration")
    if "://" in stripped or re.search(r"\s@\s|^\S+@", stripped):
        return (f"{stripped!r} is a URL: latm installs packages only by name, as wheels from your own package index "
                "checked against pinned hashes")
    if stripped.startswith((".", "/", "~", "\\")) or "/" in stripped or "\\" in stripped:
        return f"{stripped!r} is a path: latm installs packages only by name, as wheels from your package index"
    if "[" in stripped:
        return f"{stripped!r} asks for extras: name the extra packages themselves in allowed_packages instead"
    if ";" in stripped:
        return f"{stripped!r} has an environment marker: write the package name and versions only"
    return None


def parse_allowed(text: str) -> Allowed:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.utils import canonicalize_name

    if not isinstance(text, str):
        raise BadRequirement(f"expected a package name as a string, got {type(text).__name__} {text!r}")
    why = refusal(text)
    if why:
        raise BadRequirement(why)
    found = _ALLOWED.fullmatch(text)
    if not found:
        raise BadRequirement(f"{text.strip()!r} is not a package name with optional versions (e.g. 'roman' or "
                             "'numpy>=1.26,<3')")
    try:
        specifier = SpecifierSet(found.group(2) or "")
    except InvalidSpecifier as err:
        raise BadRequirement(f"{text.strip()!r}: bad version constraint ({err})") from None
    return Allowed(canonicalize_name(found.group(1)), specifier, text.strip())


def parse_allowed_list(items: Iterable[str]) -> tuple[Allowed, ...]:
    """Each entry parsed; a name given twice is one entry with both constraints."""
    merged: dict[str, Allowed] = {}
    for item in items:
        entry = parse_allowed(item)
        before = merged.get(entry.name)
        if before is not None:
            entry = _joined(entry.name, before.specifier & entry.specifier)
        merged[entry.name] = entry
    return tuple(merged.values())


def parse_pin(text: str) -> Pin:
    from packaging.utils import canonicalize_name
    from packaging.version import InvalidVersion, Version

    if not isinstance(text, str):
        raise BadRequirement(f"expected a pinned requirement as a string, got {type(text).__name__}")
    found = _PIN.fullmatch(text.strip())
    if not found:
        why = refusal(text.split(" --hash=", 1)[0])
        raise BadRequirement(why or f"{text.strip()[:120]!r} is not 'name==version --hash=sha256:<64 hex digits>'")
    try:
        version = str(Version(found.group(2)))
    except InvalidVersion:
        raise BadRequirement(f"{text.strip()[:120]!r}: {found.group(2)!r} is not a version") from None
    return Pin(canonicalize_name(found.group(1)), version, found.group(3))


def parse_pins(items: Iterable[str]) -> tuple[Pin, ...]:
    """Sorted, one pin per distribution."""
    pins: dict[str, Pin] = {}
    for item in items:
        pin = parse_pin(item)
        if pin.name in pins and pins[pin.name] != pin:
            raise BadRequirement(f"{pin.name} is pinned twice ({pins[pin.name].version} and {pin.version})")
        pins[pin.name] = pin
    return tuple(sorted(pins.values()))


def narrowed(project: tuple[Allowed, ...], own: tuple[Allowed, ...]) -> tuple[tuple[Allowed, ...], list[str]]:
    """The project's list as far as the user's own allows it: only names the user allows, with both
    constraints. Returns the entries and, for each entry dropped, what was dropped."""
    mine = {entry.name: entry for entry in own}
    kept, dropped = [], []
    for entry in project:
        base = mine.get(entry.name)
        if base is None:
            dropped.append(entry.text)
            continue
        kept.append(_joined(entry.name, entry.specifier & base.specifier))
    return tuple(kept), dropped


def _joined(name: str, specifier: SpecifierSet) -> Allowed:
    return Allowed(name, specifier, f"{name}{specifier}")
