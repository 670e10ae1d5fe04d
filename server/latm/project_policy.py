"""What a project's own config (``[tool.latm]`` in ``pyproject.toml``, or ``latm.toml``) may decide.

That file comes with the repository, so whoever wrote the repository wrote it. Three rules:

- Settings that route the API key count only once the user trusts that exact file (``latm
  trust``): where requests go (``base_url``), which variable is the key (``api_key_env``), which
  image runs tools (``sandbox_image``), a model name holding a URL, a toolbox that is not a folder
  inside the workspace (the workspace itself is not: tool locks go in ``.latm`` beside the
  toolbox). The user's own settings (user config, environment, editor, flags) set them freely.
- The sandbox only gets stricter: a weaker backend than the user's own is ignored, a limit above
  the user's own is lowered to it. Trust does not change this; the user raises their own limits.
- What spends the user's money on the user's behalf without asking (``mcp_make``: agents making
  tools) may be turned off by a project, never on, trusted or not.
- ``allowed_packages`` only narrows: a project keeps the packages of the user's own list it names
  (with both version constraints); any other entry is dropped, trusted or not.

Each ignored or lowered value is reported through ``report(key, message)``, once per load.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Mapping, Optional

from latm import trust
from latm.errors import SettingsError
from latm.requirement_specs import narrowed, parse_allowed_list
from latm.toolbox.reading import linked_to

IGNORED = object()  # what ``admit`` returns for a value that must not be applied

ROUTING = {
    "base_url": "where requests and the API key go",
    "api_key_env": "which environment variable is sent as the API key",
    "sandbox_image": "the image that runs tools",
}
# The openai SDK sends a model name in the request body to base_url; a name holding a URL is
# refused anyway, in case a proxy behind base_url routes by it.
MODELS = ("maker_model", "user_model", "dispatcher_model")
# Keys a project may turn off but never on, trusted or not.
USER_ONLY = {"mcp_make": "let agents make tools over MCP (`latm_make` spends the maker model's money)"}
LIMITS = ("timeout_s", "memory_mb", "sandbox_pool", "output_limit_kb", "sandbox_keep_s")  # for each, lower is stricter
STRENGTH = {"process": 0, "auto": 1, "docker": 2}  # auto may fall back to process; docker never does


def needs_trust(key: str, value: Any, root: Path) -> Optional[str]:
    """What ``key = value`` would decide that only the user may, or None."""
    if key in ROUTING:
        return ROUTING[key]
    if key in MODELS and "://" in str(value):
        return "a model name holding a URL"
    if key == "toolbox" and isinstance(value, str) and not _inside(root, value):
        return "a toolbox that is not a folder inside the workspace"
    return None


def _inside(root: Path, folder: str) -> bool:
    """Is ``folder`` below ``root``? Not ``root`` itself: tool locks go beside the toolbox."""
    try:
        real, top = (root / folder).resolve(), root.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a loop of links, before Python 3.13
        return False
    return real != top and real.is_relative_to(top) and linked_to(real) is None  # 3.13 leaves a loop as it is


class ProjectPolicy:
    """Judges the values of one project config against the user's own settings."""

    def __init__(self, root: Path, config: Path, digest: str, users_own: Mapping[str, Any], above: set[str],
                 environ: Mapping[str, str], report: Callable[[str, str], None]) -> None:
        self.root = root
        self.config = config
        self.digest = digest
        self.users_own = users_own
        self.above = above  # keys the user's environment, editor or flags set: the project's value is moot
        self.environ = environ
        self.report = report
        self._trusted: Optional[bool] = None

    def admit(self, key: str, value: Any) -> Any:
        """``value``, the user's own value when ``value`` is looser, or IGNORED."""
        if key in self.above:
            return value
        if key in USER_ONLY and value and not self.users_own.get(key):
            self.report(key, f"ignored: only your own settings may {USER_ONLY[key]}; set it in your user "
                             "config or environment")
            return IGNORED
        decides = needs_trust(key, value, self.root)
        if decides and not self.trusted():
            self.report(key, f"ignored: a project file may choose {decides} only after you trust it "
                             "(read it, then `latm trust`); or set it in your own settings")
            return IGNORED
        own = self.users_own.get(key)
        if key == "sandbox" and STRENGTH[value] < STRENGTH[own]:
            self.report(key, f"ignored: {value!r} would weaken the sandbox below your own setting {own!r}; "
                             "a project may only make it stricter")
            return IGNORED
        if key == "allowed_packages":
            return self._narrowed(value, own)
        if key in LIMITS and value > own:
            self.report(key, f"lowered from {value:g} to your own setting {own:g}: a project may only make "
                             "sandbox limits stricter")
            return own
        return value

    def _narrowed(self, value: tuple, own: tuple) -> tuple:
        kept, dropped = narrowed(parse_allowed_list(value), parse_allowed_list(own))
        if dropped:
            self.report("allowed_packages", f"ignored {', '.join(map(repr, dropped))}: a project may only narrow "
                                            "your own allowed_packages; add a package to your user config to allow it")
        return tuple(entry.text for entry in kept)

    def trusted(self) -> bool:
        if self._trusted is None:
            try:
                self._trusted = trust.is_trusted(self.config, self.digest, self.environ)
            except SettingsError as err:
                self.report("*", str(err))
                self._trusted = False
        return self._trusted
