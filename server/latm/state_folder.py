"""The workspace's state folder, ``.latm/``: made with a ``.gitignore`` of ``*`` so that what latm
keeps there (ledger, answers, failed makes, tool locks) never shows up as a change to commit."""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)


def keep_out_of_git(folder: Path) -> bool:
    """Make ``folder`` with a ``.gitignore`` that ignores everything in it (itself included)."""
    if folder.is_symlink():  # a repository's .latm that leads elsewhere is never written through
        return False
    try:
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
