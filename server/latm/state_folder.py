"""The workspace's state folder, ``.latm/``: made with a ``.gitignore`` of ``*`` so that what latm
keeps there (ledger, answers, failed makes, tool locks, caches, kept versions) never shows up as a
change to commit.

A repository is untrusted input and may carry a ``.latm`` of its own: a link to a folder anywhere
the user can write, a file, a folder of another user, or links inside a real one (``git add -f``).
latm keeps records only in a real folder the user owns, reached through no link (``require_fit``);
anything else is said once, with what to do, and latm goes on without those records.
"""

from __future__ import annotations

import errno
import logging
import os
import stat
import threading
from pathlib import Path
from typing import Optional

log = logging.getLogger(__name__)

NAME = ".latm"
_warned: set[str] = set()
_lock = threading.Lock()


class UnfitFolder(OSError):
    """latm keeps no records in this folder; ``strerror`` says what is there and what to do (and
    has been said once as a warning already)."""


def keep_out_of_git(folder: Path) -> bool:
    """Make ``folder`` with a ``.gitignore`` that ignores everything in it (itself included)."""
    try:
        require_fit(folder)
        folder.mkdir(parents=True, exist_ok=True)
        # never over one the user wrote, and never through a link planted in its place
        fd = os.open(folder / ".gitignore", os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as ignore:
            ignore.write("*\n")
    except FileExistsError:
        pass
    except OSError as err:  # a read-only checkout: whoever writes state there says what failed
        log.debug("cannot prepare %s: %s", folder, err)
        return False
    return True


def require_fit(folder: Path) -> None:
    """Raise ``UnfitFolder`` unless latm may keep records in ``folder`` (``.latm`` or a folder in
    it): no link on the way, and each part from ``.latm`` down that exists is a folder of this user.
    The first time a folder is found unfit, that is a warning saying what to do."""
    folder = Path(os.path.abspath(folder))
    top = next((p for p in (folder, *folder.parents) if p.name == NAME), folder)
    found = _linked_above(top) or _first_unfit(top, folder)
    if found is None:
        return
    part, what, advice = found
    message = (f"{part} {what}; latm keeps its records (answers, ledger, caches, kept versions, locks) only in a "
               f"folder of yours reached through no link, so it goes on without them: {advice}.")
    with _lock:
        first = str(part) not in _warned
        _warned.add(str(part))
    if first:
        log.warning("warning: %s", message)
    raise UnfitFolder(errno.ELOOP if "link" in what else errno.EPERM, message, str(folder))


def _linked_above(top: Path) -> Optional[tuple[Path, str, str]]:
    parent = top.parent
    real = os.path.realpath(parent)
    if real == str(parent):
        return None
    return parent, f"is reached through a symbolic link (it is really {real})", \
        f"open the workspace by its real path, {real}"


def _first_unfit(top: Path, folder: Path) -> Optional[tuple[Path, str, str]]:
    """The first part from ``top`` down to ``folder`` that is there but not a folder of this user."""
    for part in (top, *(top / p for p in _steps(folder.relative_to(top)))):
        try:
            info = os.lstat(part)
        except (FileNotFoundError, NotADirectoryError):
            return None  # latm makes the rest
        if stat.S_ISLNK(info.st_mode):
            return part, f"is a symbolic link (to {os.readlink(part)})", "remove the link and latm makes a real folder"
        if not stat.S_ISDIR(info.st_mode):
            return part, "is a file, not a folder", "remove it and latm makes a folder there"
        if info.st_uid != os.geteuid():
            return part, f"belongs to user {info.st_uid}, not to you (user {os.geteuid()})", \
                "remove it, or make it yours, and latm uses it"
    return None


def _steps(relative: Path) -> list[Path]:
    """``a/b/c`` as ``a``, ``a/b``, ``a/b/c``."""
    parts = relative.parts
    return [Path(*parts[: i + 1]) for i in range(len(parts))]
