"""Where a sandbox keeper listens and how both ends talk: a per-user folder only its user can
enter, a socket named by everything that decides what a call may do, and the peer's user id
checked on every connection, by both ends.

The folder is ``$XDG_RUNTIME_DIR/latm`` when that variable names a folder of this user that only
this user can enter, else ``latm-UID`` in the temporary folder. Before every use it must be a real
folder (not a link) owned by this user with mode 0700; anything else (planted by another user, or
loosened) is refused, and the command runs its calls in-process.

Messages are the sandbox protocol's frames (``recipe/protocol.py``: magic, length, CRC32, JSON),
bounded in size both ways.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import socket
import stat
import struct
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Mapping, Optional

from latm.sandbox import docker_engine
from latm.sandbox.recipe.protocol import FrameReader, encode_frame

SUFFIX = ".sock"
PREFIX = "keeper-"
# The Docker client's variables: which engine the keeper talks to is part of its key.
DOCKER_VARIABLES = ("DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CONFIG", "DOCKER_CERT_PATH", "DOCKER_TLS_VERIFY")
# What a call may do and how: a keeper serves only commands whose settings agree on all of these.
# The latm modules outside the sandbox package that its code imports (tests/sandbox/test_keeper.py checks the list).
KEEPER_IMPORTS = ("errors", "progress", "requirement_specs", "settings", "userdirs")
KEYED_SETTINGS = ("sandbox", "sandbox_image", "sandbox_pool", "timeout_s", "memory_mb", "output_limit_kb",
                  "sandbox_keep_s")


class KeeperUnavailable(OSError):
    """No keeper can be used (the folder is unfit, nobody answers, the peer is another user...)."""


# ------------------------------------------------------------------------------ the folder
def runtime_folder(environ: Mapping[str, str] = os.environ, make: bool = True) -> Path:
    """The keepers' folder, made 0700 if missing (``make``) and checked; raises KeeperUnavailable."""
    folder = folder_path(environ)
    try:
        if make:
            folder.mkdir(mode=0o700)
    except FileExistsError:
        pass
    except OSError as err:
        raise KeeperUnavailable(err.errno, f"cannot make {folder}: {err.strerror}") from None
    require_private(folder)
    return folder


def folder_path(environ: Mapping[str, str] = os.environ) -> Path:
    """Where the keepers' folder is, whatever is there."""
    runtime = environ.get("XDG_RUNTIME_DIR", "")
    if os.path.isabs(runtime) and _private(Path(runtime)) is None:
        return Path(runtime) / "latm"
    return Path(tempfile.gettempdir()) / f"latm-{os.geteuid()}"


def unfit(folder: Path) -> Optional[str]:
    """Why ``folder``, which exists, cannot hold keepers; None when it can, or is not there."""
    return _private(folder) if os.path.lexists(folder) else None


def require_private(folder: Path) -> None:
    """Raise KeeperUnavailable unless ``folder`` is a real folder of this user with mode 0700."""
    problem = _private(folder)
    if problem:
        raise KeeperUnavailable(errno.EPERM, f"{folder} {problem}; no sandbox keeper is used")


def _private(folder: Path) -> Optional[str]:
    try:
        info = os.lstat(folder)
    except OSError as err:
        return f"cannot be read ({err.strerror})"
    if stat.S_ISLNK(info.st_mode):
        return "is a symbolic link"
    if not stat.S_ISDIR(info.st_mode):
        return "is not a folder"
    if info.st_uid != os.geteuid():
        return f"belongs to user {info.st_uid}, not to you (user {os.geteuid()})"
    if stat.S_IMODE(info.st_mode) != 0o700:
        return f"has mode {stat.S_IMODE(info.st_mode):o}, not 700"
    return None


# ------------------------------------------------------------------------------ the key
def code_key() -> str:
    """A digest of the code a keeper runs: the sandbox package, the worker files it starts, and the
    latm modules outside the package that it imports."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256(docker_engine.worker_sha256().encode())  # the recipe is a package of its own
    for path in sorted(here.glob("*.py")) + [here.parent / f"{name}.py" for name in KEEPER_IMPORTS]:
        data = path.read_bytes()
        digest.update(b"%s %d\n" % (path.name.encode(), len(data)) + data)
    return digest.hexdigest()


def keeper_key(settings: Any, environ: Mapping[str, str] = os.environ) -> str:
    """What a keeper is built for; a command whose key differs never talks to it."""
    described = {"code": code_key(), "python": sys.executable,
                 "settings": {name: getattr(settings, name) for name in KEYED_SETTINGS},
                 "docker": {name: environ.get(name, "") for name in DOCKER_VARIABLES}}
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()[:20]


def socket_path(folder: Path, key: str) -> Path:
    return folder / f"{PREFIX}{key}{SUFFIX}"


def keeper_sockets(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"{PREFIX}*{SUFFIX}"))


# ------------------------------------------------------------------------------ the peer
def peer(sock: socket.socket) -> tuple[int, int]:
    """(pid, uid) of the process at the other end (for a listener: the one that listens)."""
    pid, uid, _gid = struct.unpack("3i", sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")))
    return pid, uid


def same_user(sock: socket.socket) -> bool:
    return peer(sock)[1] == os.geteuid()


def connect(path: Path, timeout: float) -> socket.socket:
    """A connection to the keeper at ``path`` (its folder checked first) run by this user."""
    require_private(path.parent)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
    try:
        sock.settimeout(timeout)
        sock.connect(str(path))
        if not same_user(sock):
            raise KeeperUnavailable(errno.EPERM, f"the process listening on {path} is another user's")
    except BaseException:
        sock.close()
        raise
    return sock


# ------------------------------------------------------------------------------ messages
def max_frame(settings: Any) -> int:
    """The largest message either way: the replies of a few calls at the output limit."""
    return 20 * int(settings.output_limit_kb) * 1024 + (1 << 20)


def send(sock: socket.socket, message: dict) -> None:
    sock.sendall(encode_frame(message))


def receive(sock: socket.socket, limit: int, timeout: float) -> dict:
    """The next whole frame; raises KeeperUnavailable on end of stream or after ``timeout``."""
    reader, deadline = FrameReader(limit), time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise KeeperUnavailable(errno.ETIMEDOUT, "the sandbox keeper did not answer in time")
        sock.settimeout(remaining)
        try:
            data = sock.recv(1 << 16)
        except (socket.timeout, TimeoutError):
            continue
        if not data:
            raise KeeperUnavailable(errno.ECONNRESET, "the connection ended before a whole message")
        frames = reader.feed(data)
        if frames:
            return frames[0]
