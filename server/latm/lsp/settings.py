"""Editor settings: the client's ``latm`` section, turned into the ``editor=`` settings layer.

Clients send camelCase keys (``makerModel``, ``timeoutS``) in ``initializationOptions``, in
answers to ``workspace/configuration`` (section ``latm``) and in ``didChangeConfiguration``;
latm's settings are snake_case. A bad value or unknown key becomes a problem naming the
key as the user wrote it (``latm.timeoutS``), shown once; the lower layers' value stays.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Mapping, Optional

from latm.settings import FIELDS, SettingProblem, Settings, load_settings

SECTION = "latm"
# Keys of the section that configure the editor extension itself, not the server.
CLIENT_ONLY = {"python", "serverPackage", "server_package", "trace"}
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def snake_case(key: str) -> str:
    return _CAMEL.sub("_", key).lower().replace("-", "_")


def section_of(value: Any) -> Any:
    """The ``latm`` section from a payload that is the section itself or wraps it."""
    if isinstance(value, Mapping) and isinstance(value.get(SECTION), Mapping):
        return value[SECTION]
    return value


def editor_layer(section: Any) -> tuple[dict[str, Any], list[SettingProblem], dict[str, str]]:
    """(snake_case layer, problems, snake key -> key as written) from one ``latm`` section."""
    if section is None:
        return {}, [], {}
    if not isinstance(section, Mapping):
        return {}, [SettingProblem(SECTION, "editor settings", f"expected an object of settings, got {section!r}; ignored")], {}
    layer, spelled = {}, {}
    for key, value in section.items():
        if key in CLIENT_ONLY or value is None:
            continue
        name = snake_case(str(key))
        spelled[name] = f"{SECTION}.{key}"
        layer[name] = value
    return layer, [], spelled


class EditorSettings:
    """The layers the client sent so far, merged: ``workspace/configuration`` over init options."""

    def __init__(self) -> None:
        self.initialization: Any = None
        self.configuration: Any = None

    def resolve(self, root: Path, environ: Optional[Mapping[str, str]] = None) -> tuple[Settings, list[SettingProblem]]:
        merged, problems, spelled = {}, [], {}
        for section in (self.initialization, self.configuration):
            layer, found, names = editor_layer(section_of(section))
            merged.update(layer)
            problems.extend(found)
            spelled.update(names)
        settings, more = load_settings(root, environ=environ, editor=merged)
        return settings, problems + [_respell(p, spelled) for p in more]


def _respell(problem: SettingProblem, spelled: Mapping[str, str]) -> SettingProblem:
    """Name an editor problem's key the way the user wrote it."""
    if problem.source != "editor settings" or problem.key.replace("-", "_") not in spelled:
        return problem
    key = spelled[problem.key.replace("-", "_")]
    message = problem.message
    if problem.key not in FIELDS and message.startswith("unknown setting"):
        known = ", ".join(sorted(_camel(f) for f in FIELDS if f != "prices"))
        message = f"unknown setting; ignored (known: {known})"
    return SettingProblem(key, problem.source, message)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


class ProblemFilter:
    """Lets each distinct problem through once per session, so a setting is not nagged about."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def new(self, problems: list[SettingProblem]) -> list[SettingProblem]:
        fresh = [p for p in problems if str(p) not in self._seen]
        self._seen.update(str(p) for p in fresh)
        return fresh
