"""The registry: every tool in the toolbox folder, loaded and checked, broken ones reported.

Loading reads files and parses Python with ``ast`` only; no tool code runs on the host. A broken
tool becomes problems with file and line and is left out; the rest keep serving.
"""

from __future__ import annotations

import ast
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional, Protocol, Union

from latm.errors import ToolNotFound
from latm.toolbox import reading
from latm.toolbox import manifest as mf
from latm.toolbox import state as st
from latm.toolbox.names import NAME_RE, validate_name

ERROR, WARNING = "error", "warning"
MAX_CODE_DEPTH = 100  # levels of the syntax tree; latm's own code stays under 20


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    message: str
    severity: str = ERROR
    code: str = ""  # latm.state's diagnostic code, for the editor's fix

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}: {self.message}"


class Tool:
    """A loaded tool: manifest, code, folder, warnings and ``key``, the digest of the files it was
    read from (``reading.Fingerprint``: equal keys, equal tool). Immutable.

    ``manifest`` may be given as a function that reads it: a tool taken from the registry cache has
    its manifest checked and built on first use, since routing and listing 1,000 tools need only
    names, keys and ``state`` (then given too, as the cache recorded it with the manifest)."""

    __slots__ = ("_manifest", "code", "path", "warnings", "key", "state")

    def __init__(self, manifest: Union[mf.Manifest, Callable[[], mf.Manifest]], code: str, path: Path,
                 warnings: tuple[Problem, ...] = (), key: str = "", state: Optional[str] = None) -> None:
        if state is None:
            if not isinstance(manifest, mf.Manifest):
                raise TypeError("a manifest read on first use comes with the tool's state")
            state = st.state_of(manifest, code)
        for slot, value in (("_manifest", manifest), ("code", code), ("path", path), ("warnings", warnings),
                            ("key", key), ("state", state)):  # ``state``: latm.toolbox.state's verified, regressed, ...
            object.__setattr__(self, slot, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"a Tool is immutable ({name})")

    @property
    def manifest(self) -> mf.Manifest:
        manifest = self._manifest
        if not isinstance(manifest, mf.Manifest):
            manifest = manifest()  # two threads may both read it: the same value, kept by one
            object.__setattr__(self, "_manifest", manifest)
        return manifest

    @property
    def name(self) -> str:
        return self.path.name  # the manifest's name: a folder whose manifest names another is no tool

    @property
    def verified(self) -> bool:
        return self.state == st.VERIFIED

    @property
    def regressed(self) -> bool:
        return self.state == st.REGRESSED

    @property
    def usable(self) -> bool:
        """Answers questions: verified, or regressed (with a warning, per ``use_regressed``)."""
        return self.state in st.USABLE

    def _fields(self) -> tuple:
        return self.manifest, self.code, self.path, self.warnings, self.key

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Tool) and self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash((self.path, self.key))

    def __repr__(self) -> str:
        return f"Tool({self.name!r}, {self.state}, key={self.key[:12]!r})"


@dataclass
class Snapshot:
    """What one folder holds after loading: a tool, or the problems that keep it out."""

    tool: Optional[Tool] = None
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class Contents:
    """A tool folder's manifest and code as read, with the fingerprint of what was read."""

    manifest: mf.Manifest
    code: str
    has_tests: bool
    fingerprint: reading.Fingerprint
    toml: str = ""  # the manifest's text, for the lines of its examples


def load_folder(folder: Path) -> Snapshot:
    found = Snapshot()
    if not NAME_RE.fullmatch(folder.name):
        found.problems.append(Problem(folder, 1, f"folder name {folder.name!r} is not a valid tool name"))
        return found
    contents = read_contents(folder, found.problems)
    if contents is not None:
        found.problems.extend(_check(contents, folder))
    if not found.problems:
        found.tool = Tool(contents.manifest, contents.code, folder, _warnings(contents, folder), contents.fingerprint.digest)
    return found


def read_contents(folder: Path, problems: list[Problem]) -> Optional[Contents]:
    """Manifest and code of ``folder``, read without following links; ``None`` after adding to
    ``problems`` when they cannot be read. The code is not checked against its recorded hash."""
    read = reading.read_folder(folder)
    problems.extend(Problem(path, 1, message) for path, message in read.problems)
    if not read.exists:
        problems.append(Problem(folder, 1, f"no tool folder {folder.name!r}"))
    elif not read.problems:
        problems.extend(Problem(folder / name, 1, f"missing file {name}") for name in ("tool.toml", "tool.py")
                        if name not in read.data)
    if problems:
        return None
    toml_path, code_path = folder / "tool.toml", folder / "tool.py"
    try:
        manifest = mf.loads(read.text("tool.toml"))
    except mf.ManifestError as err:
        problems.append(Problem(toml_path, err.line, err.message))
    except UnicodeDecodeError as err:
        problems.append(Problem(toml_path, 1, f"cannot read: {err}"))
    try:
        code = read.text("tool.py")
    except UnicodeDecodeError as err:
        problems.append(Problem(code_path, 1, f"cannot read: {err}"))
    if problems:
        return None
    return Contents(manifest, code, "test_tool.py" in read.data, read.fingerprint, read.text("tool.toml"))


def _check(contents: Contents, folder: Path) -> list[Problem]:
    manifest, code = contents.manifest, contents.code
    toml_path, code_path = folder / "tool.toml", folder / "tool.py"
    if manifest.name != folder.name:
        return [Problem(toml_path, 1, f"name {manifest.name!r} does not match its folder {folder.name!r}")]
    tree = _parse(code, code_path)
    if isinstance(tree, Problem):
        return [tree]
    functions = {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
    needed = [manifest.entry] + ([manifest.parser.parse, manifest.parser.format] if manifest.parser else [])
    return [Problem(code_path, 1, f"function {fn!r} named in tool.toml is not defined in tool.py") for fn in needed if fn not in functions]


def _parse(code: str, code_path: Path) -> Union[ast.Module, Problem]:
    """The tree of ``code``, or why not; a tree deeper than MAX_CODE_DEPTH is refused too, since
    what reads it later (``ast.unparse``, visitors) recurses once per level."""
    too_deep = Problem(code_path, 1, f"tool.py is nested more than {MAX_CODE_DEPTH} levels deep; "
                                     "latm does not read it (write the expression in several steps)")
    try:
        tree = ast.parse(code, filename=str(code_path))
    except SyntaxError as err:
        return Problem(code_path, err.lineno or 1, f"syntax error: {err.msg}")
    except ValueError as err:  # NUL bytes
        return Problem(code_path, 1, f"cannot be parsed: {err}")
    except (RecursionError, MemoryError):  # the parser's own depth limits
        return too_deep
    return too_deep if _deeper_than(tree, MAX_CODE_DEPTH) else tree


def _deeper_than(tree: ast.AST, limit: int) -> bool:
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return False


def _warnings(contents: Contents, folder: Path) -> tuple[Problem, ...]:
    manifest = contents.manifest
    found = [Problem(folder / f.file, f.line, f.message, code=f.code)
             for f in st.flags(manifest, contents.code, contents.toml)]  # regressed, edited: errors
    if st.state_of(manifest, contents.code) == st.UNVERIFIED:
        v = manifest.verification
        found.append(Problem(folder / "tool.toml", 1, f"not verified ({v.passed}/{v.total} tests passed); it is not used to answer questions", WARNING))
    if not contents.has_tests:
        found.append(Problem(folder / "test_tool.py", 1, f"missing test_tool.py; `latm verify {manifest.name}` writes it", WARNING))
    return tuple(found)


Listener = Callable[[set[str]], None]


class FolderCache(Protocol):
    """Snapshots of tool folders kept between processes (``registry_cache``)."""

    def load_folders(self, toolbox_dir: Path, names: set[str]) -> dict[str, Snapshot]: ...


class Registry:
    """Thread-safe view of a toolbox folder; ``reload(names)`` updates only those tools. ``load()``
    reads unchanged folders from ``cache`` when one is given."""

    def __init__(self, toolbox_dir: Path, cache: Optional[FolderCache] = None) -> None:
        self.toolbox_dir = Path(toolbox_dir)
        self._cache = cache
        self._lock = threading.Lock()
        self._tools: dict[str, Tool] = {}
        self._broken: dict[str, list[Problem]] = {}
        self._refused: Optional[Problem] = None  # the whole toolbox, when it goes through a link
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener(changed_names)`` after every load or reload."""
        self._listeners.append(listener)

    def load(self) -> "Registry":
        names = set(self._folder_names()) | set(self._tools) | set(self._broken)
        self.reload(names, self._cache)
        return self

    def reload(self, names: Iterable[str], cache: Optional[FolderCache] = None) -> set[str]:
        names = set(names)
        refused = reading.toolbox_link_problem(self.toolbox_dir)
        base = os.fspath(self.toolbox_dir)  # strings, not paths: 1,000 tools are checked at each load
        present = set() if refused else {name for name in names if _is_tool_entry(os.path.join(base, name), name)}
        loaded = cache.load_folders(self.toolbox_dir, present) if cache else \
            {name: load_folder(self.toolbox_dir / name) for name in present}
        with self._lock:
            self._refused = Problem(self.toolbox_dir, 1, refused) if refused else None
            tools, broken = dict(self._tools), dict(self._broken)
            for name in names:
                tools.pop(name, None)
                broken.pop(name, None)
                snapshot = loaded.get(name)
                if snapshot and snapshot.tool:
                    tools[name] = snapshot.tool
                elif snapshot:
                    broken[name] = snapshot.problems
            self._tools, self._broken = tools, broken
        for listener in list(self._listeners):
            listener(names)
        return names

    def _folder_names(self) -> list[str]:
        """Tool folders and links in their place; dot-folders are writers' staging folders."""
        if not self.toolbox_dir.is_dir() or reading.toolbox_link_problem(self.toolbox_dir):
            return []
        with os.scandir(self.toolbox_dir) as entries:
            return [e.name for e in entries if not e.name.startswith((".", "_")) and _is_tool_entry(e.path, e.name)]

    @property
    def tools(self) -> dict[str, Tool]:
        return self._tools

    @property
    def broken(self) -> dict[str, list[Problem]]:
        return self._broken

    def get(self, name: str) -> Tool:
        validate_name(name)
        tool = self._tools.get(name)
        if tool is None and self._refused:
            raise ToolNotFound(self._refused.message)
        if tool is None:
            why = "; ".join(p.message for p in self._broken.get(name, []))
            raise ToolNotFound(
                f"Tool '{name}' is broken: {why}" if why else f"No tool named '{name}' in {self.toolbox_dir} (see `latm list`)."
            )
        return tool

    def problems(self) -> list[Problem]:
        found = [self._refused] if self._refused else []
        found += [p for problems in self._broken.values() for p in problems]
        return found + [w for tool in self._tools.values() for w in tool.warnings]


def _is_tool_entry(path: str, name: str) -> bool:
    """A folder, or a link that stands where a tool folder could (reported, never followed)."""
    return os.path.isdir(path) or (os.path.islink(path) and bool(NAME_RE.fullmatch(name)))
