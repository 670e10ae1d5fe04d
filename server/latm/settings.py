"""Typed settings and their precedence.

Precedence, lowest first: built-in defaults < the user config file
(``$XDG_CONFIG_HOME/latm/config.toml``, default ``~/.config/latm/config.toml``) < ``[tool.latm]``
in the workspace's ``pyproject.toml`` (or a ``latm.toml``) < environment (``LATM_<KEY>``, plus the
openai SDK's ``OPENAI_BASE_URL``) < editor settings sent by the client < command-line flags.

Every layer but the project's is the user's own. The project's values pass ``ProjectPolicy``
first: what routes the API key needs the user's trust, and the sandbox only gets stricter than the
user's own settings (everything but the project, merged).

A bad value or an unknown key never raises: it becomes a ``SettingProblem`` naming the key, and
the value from the layer below (in the end, the default) stays in force.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, NamedTuple, Optional

from latm import trust, userdirs
from latm.project_policy import IGNORED, ProjectPolicy
from latm.requirement_specs import BadRequirement, parse_allowed_list
from latm.toolbox import reading

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

CHOICES = {
    "sandbox": ("auto", "docker", "process"),
    "on_unknown": ("refuse", "solve_with_maker"),
    "insert": ("answer", "call"),
    "log_level": ("DEBUG", "INFO", "WARNING", "ERROR"),
}

# Dollars per million tokens, (input, output). Users extend or override this in [tool.latm.prices].
DEFAULT_PRICES = {
    "gpt-4o": (2.5, 10.0),
    "gpt-4o-mini": (0.15, 0.6),
    "gpt-4.1": (2.0, 8.0),
    "gpt-4.1-mini": (0.4, 1.6),
    "gpt-4": (30.0, 60.0),
    "gpt-3.5-turbo": (0.5, 1.5),
}


@dataclass(frozen=True)
class Price:
    input_per_mtok: float
    output_per_mtok: float

    def cost(self, tokens_in: int, tokens_out: int) -> float:
        return (tokens_in * self.input_per_mtok + tokens_out * self.output_per_mtok) / 1e6


@dataclass(frozen=True)
class Settings:
    toolbox: str = "toolbox"
    maker_model: str = "gpt-4o"
    user_model: str = "gpt-4o-mini"
    # Empty means "no dispatcher model": routing decides from retrieval alone.
    dispatcher_model: str = "gpt-4o-mini"
    base_url: str = ""
    api_key_env: str = "OPENAI_API_KEY"
    llm_timeout_s: float = 120.0
    sandbox: str = "auto"
    sandbox_image: str = "latm-sandbox:1"
    sandbox_pool: int = 2
    # One-shot commands (`latm solve Q`) hand their calls to a per-user keeper process that holds
    # a warm sandbox for this long after its last call (latm.sandbox.keeper); 0: every command
    # starts its own sandbox. A project may only lower it (project_policy.LIMITS).
    sandbox_keep_s: float = 300.0
    timeout_s: float = 5.0
    memory_mb: int = 256
    output_limit_kb: int = 1024
    train_examples: int = 3
    validation_examples: int = 3
    max_retries: int = 3
    maker_temperature: float = 0.3
    user_temperature: float = 0.0
    dispatcher_temperature: float = 0.0
    # The longest reply each role may send (the request's max_tokens): a server generates until
    # this or the model's own end, so it bounds every call's time on a model that never stops.
    # maker: a whole function with its use cases (the wrap stage's reply is the longest);
    # user: one block that parses a question and calls the tool; dispatcher: a task name.
    maker_max_tokens: int = 2048
    user_max_tokens: int = 512
    dispatcher_max_tokens: int = 64
    on_unknown: str = "refuse"
    # A regressed tool (one that fails a stored example, e.g. a reported correction) still answers,
    # with a warning on each answer, until it is repaired; false: the dispatcher passes it over.
    use_regressed: bool = True
    # Routing (latm.route): a question "fits" a tool when it holds enough of the tool's question
    # template, relative to the tool's own examples (0..1). At or above route_clear_fit with a
    # score lead of route_margin: taken without asking the dispatcher model; below route_ask_fit:
    # no tool fits, without asking; in between the dispatcher model decides, or without one
    # (or offline) the best match is taken when its fit reaches route_min_fit.
    route_min_fit: float = 0.6
    route_clear_fit: float = 0.85
    route_margin: float = 0.15
    route_ask_fit: float = 0.1
    insert: str = "answer"
    log_level: str = "INFO"
    # `latm mcp` offers agents `latm_make`, which spends the maker model's money: only the user's
    # own settings may turn it on (project_policy.USER_ONLY).
    mcp_make: bool = False
    # Distributions a tool may import besides the standard library (``requirement_specs``): a
    # project may narrow the user's list, never widen it (project_policy).
    allowed_packages: tuple[str, ...] = ()
    prices: Mapping[str, Price] = field(
        default_factory=lambda: {m: Price(*p) for m, p in DEFAULT_PRICES.items()}
    )

    def api_key(self) -> Optional[str]:
        """The key itself, read from the environment only when a request is made."""
        return os.environ.get(self.api_key_env) or None

    def price(self, model: str) -> Optional[Price]:
        return self.prices.get(model)

    def toolbox_path(self, root: Path) -> Path:
        # Links are not resolved: a toolbox reached through one is refused, not silently followed.
        return Path(os.path.normpath(Path(root).resolve() / self.toolbox))


@dataclass(frozen=True)
class SettingProblem:
    key: str
    source: str
    message: str

    def __str__(self) -> str:
        return f"latm setting '{self.key}' ({self.source}): {self.message}"


FIELDS = {f.name: f for f in dataclasses.fields(Settings)}
MAX_CONFIG_BYTES = 1 << 20  # a config is a few hundred bytes; parsing takes about a second per megabyte
# Inclusive ranges for numbers, at every layer; a value outside is a bad value. The sandbox's are
# sized for a 2-core laptop with 8 GB: one call may take half the memory but cannot push the host
# into swap; two minutes is far beyond any tool that answers a question (the default is 5 s);
# 16 warm containers is 8 per core, more would only queue; 4 MB per output stream is far more than
# an answer, and the host holds about 20 times that per reply frame.
_BOUNDS = {
    "llm_timeout_s": (0.1, 3600), "timeout_s": (0.01, 120), "memory_mb": (16, 4096),
    "output_limit_kb": (1, 4096), "sandbox_pool": (1, 16), "sandbox_keep_s": (0, 86400), "train_examples": (1, 50),
    "validation_examples": (1, 50), "max_retries": (1, 20), "maker_temperature": (0, 2),
    "user_temperature": (0, 2), "dispatcher_temperature": (0, 2),
    "route_min_fit": (0.05, 1), "route_clear_fit": (0.05, 1), "route_margin": (0, 1),
    "route_ask_fit": (0, 1),
    "maker_max_tokens": (16, 1 << 20), "user_max_tokens": (16, 1 << 20), "dispatcher_max_tokens": (1, 1 << 20),
}


def _coerce(key: str, value: Any, from_text: bool) -> Any:
    """Convert ``value`` to the type of setting ``key``; raise ValueError with the reason."""
    kind = FIELDS[key].type
    if key == "prices":
        return _coerce_prices(json.loads(value) if from_text else value)
    if key == "allowed_packages":
        return _coerce_packages(value, from_text)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if from_text and str(value).lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            return str(value).lower() in ("1", "true", "yes", "on")
        raise ValueError(f"expected true or false, got {value!r}")
    if kind in ("int", "float"):
        number = _number(value, int if kind == "int" else float, from_text)
        low, high = _BOUNDS.get(key, (float("-inf"), float("inf")))
        if not low <= number <= high:
            raise ValueError(f"{number} is outside {low}..{high}")
        return number
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {type(value).__name__} {value!r}")
    if key in CHOICES:
        normal = value.upper() if key == "log_level" else value.lower()
        if normal not in CHOICES[key]:
            raise ValueError(f"{value!r} is not one of {', '.join(CHOICES[key])}")
        return normal
    if key == "toolbox" and not value.strip():
        raise ValueError("the toolbox folder cannot be empty")
    if key == "toolbox" and "\0" in value:
        raise ValueError("a folder name cannot hold a NUL character")
    return value


def _number(value: Any, kind: type, from_text: bool) -> Any:
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {value!r}")
    if from_text and isinstance(value, str):
        try:
            value = kind(value)
        except ValueError:
            raise ValueError(f"expected {'an integer' if kind is int else 'a number'}, got {value!r}") from None
    if kind is int and isinstance(value, float) and value.is_integer():
        value = int(value)
    if kind is int and not isinstance(value, int):
        raise ValueError(f"expected an integer, got {value!r}")
    if kind is float and not isinstance(value, (int, float)):
        raise ValueError(f"expected a number, got {value!r}")
    return kind(value)


def _coerce_prices(value: Any) -> dict:
    if not isinstance(value, Mapping):
        raise ValueError('expected a table like {"gpt-4o" = {input = 2.5, output = 10.0}} (dollars per million tokens)')
    prices = {}
    for model, entry in value.items():
        if not isinstance(entry, Mapping) or set(entry) != {"input", "output"}:
            raise ValueError(f"price of {model!r} needs exactly 'input' and 'output' (dollars per million tokens)")
        price = Price(_number(entry["input"], float, False), _number(entry["output"], float, False))
        if not all(0 <= amount < math.inf for amount in (price.input_per_mtok, price.output_per_mtok)):
            raise ValueError(f"price of {model!r} must be a finite number of dollars, not below 0")
        prices[model] = price
    return prices


def _coerce_packages(value: Any, from_text: bool) -> tuple[str, ...]:
    """A list of package names with optional versions; from the environment, a JSON list or names
    separated by spaces."""
    if from_text and isinstance(value, str):
        value = json.loads(value) if value.lstrip().startswith("[") else value.split()
    if not isinstance(value, (list, tuple)):
        raise ValueError(f'expected a list of package names like ["roman", "numpy>=1.26"], got {value!r}')
    try:
        return tuple(entry.text for entry in parse_allowed_list(value))
    except BadRequirement as err:
        raise ValueError(str(err)) from None


class Layer(NamedTuple):
    values: Mapping[str, Any]
    source: str
    from_text: bool = False  # values are environment strings
    admit: Optional[Callable[[str, Any], Any]] = None  # a coerced value -> the value to apply, or IGNORED


def _apply(base: dict, layer: Layer, problems: list) -> set[str]:
    """Apply ``layer``'s valid values to ``base``; return the keys it set."""
    applied = set()
    for raw_key, value in layer.values.items():
        key = raw_key.replace("-", "_")
        if key not in FIELDS:
            problems.append(SettingProblem(raw_key, layer.source, "unknown setting; ignored"))
            continue
        try:
            coerced = _coerce(key, value, layer.from_text)
        except (ValueError, TypeError) as err:
            problems.append(SettingProblem(key, layer.source, f"bad value: {err}; keeping {_show(base[key])}"))
            continue
        if layer.admit is not None:
            coerced = layer.admit(key, coerced)
            if coerced is IGNORED:
                continue
        if key == "prices":  # a layer's table extends the one below it
            coerced = {**base[key], **coerced}
        base[key] = coerced
        applied.add(key)
    return applied


def _show(value: Any) -> str:
    return "the built-in price table" if isinstance(value, Mapping) else repr(value)


@dataclass(frozen=True)
class ConfigFile:
    """A settings file as read: its table of settings, where it is, the sha256 of its bytes."""

    values: Mapping[str, Any] = field(default_factory=dict)
    path: Optional[Path] = None
    sha256: str = ""

    @property
    def source(self) -> str:
        return str(self.path or "")


def _read_toml(path: Path, problems: list) -> Optional[tuple[dict, str]]:
    """(the file's table, sha256 of the bytes parsed), or None (a problem) when it cannot be read.
    A link is followed (dotfiles are often links), but only to a regular file of a config's size."""
    try:
        data = reading.read_file(path.resolve(), MAX_CONFIG_BYTES)
        return tomllib.loads(data.decode("utf-8")), trust.sha256(data)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError, RuntimeError, RecursionError,
            reading.Refused) as err:
        why = str(err).rstrip(".")
        problems.append(SettingProblem("*", str(path), f"cannot read: {why}; its settings are ignored"))
        return None


def read_project_layer(root: Path, problems: list) -> ConfigFile:
    """``[tool.latm]`` of ``pyproject.toml``, else ``latm.toml``; an empty ConfigFile when neither has one."""
    for name, dig in (("pyproject.toml", ("tool", "latm")), ("latm.toml", ())):
        path = root / name
        read = _read_toml(path, problems) if path.is_file() else None
        if read is None:
            continue
        data, digest = read
        for part in dig:
            data = data.get(part, {}) if isinstance(data, dict) else {}
        if data and isinstance(data, dict):
            return ConfigFile(data, path, digest)
    return ConfigFile()


def read_user_layer(environ: Mapping[str, str], problems: list) -> ConfigFile:
    """The user's own ``config.toml`` (top-level keys, as in ``latm.toml``); empty when there is none."""
    path = userdirs.config_file(environ)
    read = _read_toml(path, problems) if path is not None and path.is_file() else None
    return ConfigFile(read[0], path, read[1]) if read else ConfigFile()


# LATM_ variables that are not settings: the offline image build's mirror, and test harness knobs.
NOT_SETTINGS = {"LATM_DEBIAN_MIRROR", "LATM_PYTHON", "LATM_REQUIRE_DOCKER", "LATM_LLAMA_URL"}


def env_layer(environ: Mapping[str, str]) -> dict:
    layer = {}
    if environ.get("OPENAI_BASE_URL"):
        layer["base_url"] = environ["OPENAI_BASE_URL"]
    for name, value in environ.items():
        if name.startswith("LATM_") and name != "LATM_" and name not in NOT_SETTINGS:
            layer[name[5:].lower()] = value
    return layer


def load_settings(
    root: Path,
    *,
    environ: Optional[Mapping[str, str]] = None,
    editor: Optional[Mapping[str, Any]] = None,
    flags: Optional[Mapping[str, Any]] = None,
) -> tuple[Settings, list[SettingProblem]]:
    """Resolve settings for the workspace at ``root``; never raises on bad input."""
    environ = os.environ if environ is None else environ
    problems: list[SettingProblem] = []
    user_file = read_user_layer(environ, problems)
    project = read_project_layer(Path(root), problems)
    user_layers = [
        Layer(user_file.values, user_file.source),
        Layer(env_layer(environ), "environment", from_text=True),
        Layer(dict(editor or {}), "editor settings"),
        Layer({k: v for k, v in (flags or {}).items() if v is not None}, "command line"),
    ]
    # The user's own settings, and the keys the layers above the project set (problems are reported
    # by the full merge below).
    users_own, above = _merged(user_layers[:1], []), set()
    for layer in user_layers[1:]:
        above |= _apply(users_own, layer, [])
    policy = ProjectPolicy(Path(root), project.path, project.sha256, users_own, above, environ,
                           lambda key, message: problems.append(SettingProblem(key, project.source, message)))
    project_layer = Layer(project.values, project.source, admit=policy.admit)
    return Settings(**_merged([user_layers[0], project_layer, *user_layers[1:]], problems)), problems


def _merged(layers: list[Layer], problems: list) -> dict:
    values = {name: getattr(Settings(), name) for name in FIELDS}
    for layer in layers:
        _apply(values, layer, problems)
    return values
