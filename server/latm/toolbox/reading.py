"""Reading a tool folder without following links.

A repository is untrusted input: ``tool.py`` may be a link to a private key, a fifo that blocks
any reader, or a gigabyte. So the folder is opened with ``O_NOFOLLOW``, each file inside it
relative to that folder with ``O_NOFOLLOW | O_NONBLOCK``, only regular files are read, and only
up to a size limit. Anything else is a problem with the file's path, never a read.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

MAX_FILE_BYTES = 1 << 20  # a tool's files are a few kilobytes; BIG-Bench examples included
TOOL_FILES = ("tool.toml", "tool.py", "test_tool.py")
_OPEN_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_OPEN_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_KINDS = ((stat.S_ISLNK, "symbolic link"), (stat.S_ISFIFO, "fifo"), (stat.S_ISSOCK, "socket"),
          (stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device"), (stat.S_ISDIR, "folder"))
LINK_ADVICE = "latm never reads or writes through links in the toolbox"


class Refused(Exception):
    """A file latm will not read; the message names it and says why."""


@dataclass(frozen=True)
class Fingerprint:
    """What a tool folder holds: each tool file's SHA-256, or what is wrong with it. Two equal
    fingerprints mean nothing a writer could overwrite has changed in between."""

    exists: bool
    files: tuple[tuple[str, str], ...] = ()

    @property
    def digest(self) -> str:
        """One short key for all of it: equal digests, equal files."""
        return hashlib.sha256(repr((self.exists, self.files)).encode()).hexdigest()[:32]

    def differences(self, other: "Fingerprint") -> list[str]:
        mine, theirs = dict(self.files), dict(other.files)
        return sorted(n for n in set(mine) | set(theirs) if mine.get(n) != theirs.get(n))


@dataclass(frozen=True)
class FolderRead:
    """The tool files of one folder as read, and what could not be read."""

    folder: Path
    exists: bool
    data: dict[str, bytes] = field(default_factory=dict)
    problems: list[tuple[Path, str]] = field(default_factory=list)

    def text(self, name: str) -> str:
        return self.data[name].decode("utf-8")

    @property
    def fingerprint(self) -> Fingerprint:
        digests = {name: hashlib.sha256(data).hexdigest() for name, data in self.data.items()}
        digests.update((path.name, f"refused: {why}") for path, why in self.problems)
        return Fingerprint(self.exists, tuple(sorted(digests.items())))


def read_folder(folder: Path) -> FolderRead:
    """The tool files of ``folder``; a link or special file anywhere at its top is a problem."""
    folder = Path(folder)
    try:
        kind = _kind(folder)
        if kind is None:
            return FolderRead(folder, exists=False)
        if kind != "folder":
            advice = f"{LINK_ADVICE}; replace it with a real folder" if kind == "symbolic link" else "a tool is a folder"
            return FolderRead(folder, True, problems=[(folder, f"{folder.name} is a {kind}, not a folder; {advice}.")])
        fd = os.open(folder, _OPEN_FOLDER)
    except OSError as err:
        return FolderRead(folder, True, problems=[(folder, f"cannot open the folder: {err.strerror}")])
    try:
        return _read_open_folder(folder, fd)
    finally:
        os.close(fd)


def read_file(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of the regular file ``path`` (not a link, at most ``limit`` bytes), else ``Refused``.
    What is at ``path`` is looked at first, so a device or fifo is never even opened."""
    path = Path(path)
    try:
        kind = _kind(path)
        if kind != "regular file":
            raise Refused(f"{path.name} is {'missing' if kind is None else 'a ' + kind}; latm reads only regular files.")
        return _read_fd(os.open(path, _OPEN_FILE), path.name, limit)
    except OSError as err:
        raise Refused(f"cannot read {path.name}: {err.strerror}") from None


def toolbox_link_problem(toolbox_dir: Path) -> Optional[str]:
    """Why latm must not use ``toolbox_dir``: it, or a folder on its way, is a symbolic link."""
    toolbox_dir = Path(os.path.abspath(toolbox_dir))
    real = linked_to(toolbox_dir)
    if real is None:
        return None
    return (f"The toolbox folder {toolbox_dir} goes through a symbolic link (it is really {real}); {LINK_ADVICE}. "
            "Replace the link with a folder, or set `toolbox` to the real folder in your own settings.")


def linked_to(path: Path) -> Optional[str]:
    """Where ``path`` really is when it, or a folder on its way, is a symbolic link; else None."""
    absolute = Path(os.path.abspath(path))
    loop = "a loop of symbolic links"
    try:
        real = absolute.resolve()
    except RuntimeError:  # a loop, before Python 3.13
        return loop
    if real != absolute:
        return str(real)
    # Python 3.13 leaves a loop unresolved: a link on the way that resolving did not follow.
    return loop if any(part.is_symlink() for part in (absolute, *absolute.parents)) else None


def _read_open_folder(folder: Path, fd: int) -> FolderRead:
    found = FolderRead(folder, True)
    kinds = _entry_kinds(fd)
    for name, kind in sorted(kinds.items()):
        if kind is not None and (kind != "folder" or name in TOOL_FILES):  # a plain folder is e.g. __pycache__
            advice = f"{LINK_ADVICE}; replace it with the file itself" if kind == "symbolic link" \
                else "a tool folder holds regular files"
            found.problems.append((folder / name, f"{name} is a {kind}, not a regular file; {advice}."))
    for name in TOOL_FILES:
        if name not in kinds or kinds[name] is not None:
            continue  # absent, or reported above
        try:
            found.data[name] = _read_fd(os.open(name, _OPEN_FILE, dir_fd=fd), name, MAX_FILE_BYTES)
        except OSError as err:
            found.problems.append((folder / name, f"cannot read {name}: {err.strerror}"))
        except Refused as err:
            found.problems.append((folder / name, str(err)))
    return found


def _entry_kinds(fd: int) -> dict[str, Optional[str]]:
    """Each entry of the open folder ``fd`` with its kind (``None``: a regular file)."""
    kinds = {}
    with os.scandir(fd) as entries:
        for entry in entries:
            try:
                kinds[entry.name] = _kind_of_mode(entry.stat(follow_symlinks=False).st_mode)
            except FileNotFoundError:
                continue  # removed while listed
    return kinds


def _read_fd(fd: int, name: str, limit: int) -> bytes:
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise Refused(f"{name} is a {_kind_of_mode(info.st_mode)}, not a regular file; latm does not read it.")
        chunks, size = [], 0
        step = max(1 << 16, info.st_size + 1)  # one read for a file that does not grow meanwhile
        while size <= limit:
            chunk = os.read(fd, min(step, limit + 1 - size))
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            size += len(chunk)
        raise Refused(f"{name} is larger than {limit} bytes; latm does not read it.")
    finally:
        os.close(fd)


def _kind(path: Path) -> Optional[str]:
    """``None`` when nothing is at ``path``; else what is there, links not followed."""
    try:
        return _kind_of_mode(os.lstat(path).st_mode) or "regular file"
    except (FileNotFoundError, NotADirectoryError):
        return None


def _kind_of_mode(mode: int) -> Optional[str]:
    """What a file of this mode is, or ``None`` for a regular file."""
    return next((kind for test, kind in _KINDS if test(mode)), None)
