"""The documents a request may name: one the editor opened, or a regular file inside the workspace.

pygls reads any URI it is handed from disk; a request naming ``file:///etc/passwd`` or
``file:///dev/zero`` must not make the server read (or later edit) it. A file that is not open
is read only when it resolves inside the workspace root (so no link leads out), is a regular
file (no device, pipe or folder) and is at most ``MAX_DISK_BYTES`` long.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Optional
from urllib.parse import unquote, urlparse

from pygls.uris import to_fs_path
from pygls.workspace import TextDocument, Workspace

from latm.errors import LatmError

MAX_DISK_BYTES = 8 * 1024 * 1024
_ONLY = "latm reads only documents open in the editor and regular files inside the workspace; open it in the editor"


class DocumentRefused(LatmError):
    """A request named a document latm will not read."""


def opened(workspace: Workspace, uri: str) -> Optional[TextDocument]:
    return workspace.text_documents.get(unquote(uri))  # pygls keys them so


def from_disk(workspace: Workspace, root: Path, uri: str) -> TextDocument:
    """The workspace file ``uri`` names, read once (a document that is not open)."""
    path = to_fs_path(uri) if urlparse(uri).scheme == "file" else None
    if not path:
        raise DocumentRefused(f"{uri} is not open in the editor: {_ONLY} first.")
    text = _read(Path(root), Path(path))
    return TextDocument(uri, text, position_codec=workspace.position_codec)


def _read(root: Path, path: Path) -> str:
    real = Path(os.path.realpath(path))
    if not real.is_relative_to(root.resolve()):
        raise DocumentRefused(f"{path} is outside the workspace {root} and not open in the editor: {_ONLY}.")
    try:  # the last link was resolved above: refuse one swapped in since; never block on a pipe
        fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as err:
        raise DocumentRefused(f"{path} cannot be read ({err.strerror}); {_ONLY}.") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise DocumentRefused(f"{path} is not a regular file (a folder, device or pipe): {_ONLY}.")
    with os.fdopen(fd, "rb") as file:
        data = file.read(MAX_DISK_BYTES + 1)
    if len(data) > MAX_DISK_BYTES:
        raise DocumentRefused(f"{path} is over the {MAX_DISK_BYTES} bytes latm reads from disk: {_ONLY}.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise DocumentRefused(f"{path} is not UTF-8 text (byte {err.start}): {_ONLY}.") from None
