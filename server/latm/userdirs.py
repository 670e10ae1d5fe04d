"""Where the user's own latm files live (XDG base directories): the user config
(``$XDG_CONFIG_HOME/latm/config.toml``, default ``~/.config``) and user state such as trusted
project configs (``$XDG_STATE_HOME/latm/``, default ``~/.local/state``).

Both come from the environment passed in, never from the workspace; with neither the XDG
variable nor ``HOME`` set there is no user folder (so tests with an empty environment read none).
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Optional


def _base(environ: Mapping[str, str], variable: str, default: str) -> Optional[Path]:
    chosen = environ.get(variable, "")
    if Path(chosen).is_absolute():  # the XDG spec: a relative path is invalid and ignored
        return Path(chosen)
    home = environ.get("HOME", "")
    return Path(home) / default if Path(home).is_absolute() else None


def config_file(environ: Mapping[str, str]) -> Optional[Path]:
    base = _base(environ, "XDG_CONFIG_HOME", ".config")
    return base / "latm" / "config.toml" if base else None


def state_dir(environ: Mapping[str, str]) -> Optional[Path]:
    base = _base(environ, "XDG_STATE_HOME", ".local/state")
    return base / "latm" if base else None


def cache_dir(environ: Mapping[str, str]) -> Optional[Path]:
    """``$XDG_CACHE_HOME/latm`` (default ``~/.cache/latm``): what can be fetched or built again."""
    base = _base(environ, "XDG_CACHE_HOME", ".cache")
    return base / "latm" if base else None
