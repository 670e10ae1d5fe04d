"""A one-shot command's sandbox, held warm by the user's sandbox keeper (``keeper``).

``open_kept(settings)`` finds the keeper built for these settings and this latm, or starts one
(detached, with only the environment it needs: never an API key) and waits until it answers; it
returns None when no keeper can be used, and the command opens its sandbox in-process as before.
``KeptSandbox`` is the ``Sandbox`` of the command: each run is one request to the keeper; a
keeper that fails to answer leaves the run to an in-process sandbox, opened then.

``open_kept_sandbox(settings)`` is either. ``keepers()`` and ``stop_keepers()`` are ``latm sandbox
status`` and ``latm sandbox stop``. Nothing here imports the backends (``factory``) until a
sandbox in-process is needed: a command the keeper serves never loads them.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import stat
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import latm
from latm.sandbox import jobs
from latm.sandbox import keeper_socket as ks
from latm.sandbox.types import Call, CallResult, Sandbox, SandboxStatus

log = logging.getLogger(__name__)

START_WAIT_S = 30.0  # for a keeper to answer once started (its imports, the engine, the image)
HELLO_WAIT_S = 5.0
FIRST_START_S = 60.0  # on top of the calls' time: the keeper may still be starting its first container
GRACE_S = 5.0
MAX_LOG_BYTES = 1 << 20  # the keepers of one key share a log, started anew past this size
# The keeper's whole environment: where things are, the locale, and which Docker engine.
KEPT_VARIABLES = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "XDG_RUNTIME_DIR", "XDG_STATE_HOME",
                  "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "LATM_SANDBOX_IMAGE", *ks.DOCKER_VARIABLES)


class KeptSandbox:
    def __init__(self, settings: Any, path: Path, on_warning: Optional[Callable[[str], None]]) -> None:
        self.settings, self.path, self.on_warning = settings, path, on_warning
        self._local: Optional[Sandbox] = None
        self._lock = threading.Lock()

    def run(self, code: str, calls: list[Call], *, timeout_s: Optional[float] = None) -> list[CallResult]:
        limits = jobs.limits_from(self.settings, timeout_s)
        prepared = jobs.prepared(code, calls, limits)  # judged here exactly as in-process
        runnable = [req for req in prepared if isinstance(req, dict)]
        if not runnable:
            return prepared
        wait = (limits.timeout_s + GRACE_S) * len(runnable) + FIRST_START_S
        try:
            reply = ask(self.path, {"op": "run", "code": runnable[0]["code"], "timeout_s": limits.timeout_s,
                                    "calls": [req["call"] for req in runnable]}, ks.max_frame(self.settings), wait)
            results = iter(_results(reply, len(runnable)))
        except (OSError, ValueError, TypeError) as err:
            log.debug("the sandbox keeper did not run the calls (%s): running them in this process", err)
            return self.local().run(code, calls, timeout_s=timeout_s)
        return [req if isinstance(req, CallResult) else next(results) for req in prepared]

    def local(self) -> Sandbox:
        """The in-process sandbox: for a run the keeper could not serve, and for tools' packages."""
        with self._lock:
            if self._local is None:
                self._local = _in_process(self.settings, self.on_warning)
            return self._local

    def status(self) -> SandboxStatus:
        try:
            found = ask(self.path, {"op": "status"}, ks.max_frame(self.settings), HELLO_WAIT_S)
            return SandboxStatus(found["backend"], found["image"], found["warm"], found["isolation"], found["warning"])
        except (OSError, ValueError, KeyError, TypeError) as err:
            log.debug("the sandbox keeper did not say its status (%s)", err)
            return self.local().status()

    def close(self) -> None:
        """The keeper's sandbox stays warm for the next command; an in-process one is closed."""
        with self._lock:
            local, self._local = self._local, None
        if local is not None:
            local.close()


def _results(reply: dict, count: int) -> list[CallResult]:
    if "results" not in reply:
        raise ValueError(reply.get("stale") or reply.get("error") or "the keeper sent no results")
    results = [CallResult(**item) for item in reply["results"]]
    if len(results) != count or any(r.outcome not in jobs.OUTCOMES for r in results):
        raise ValueError(f"the keeper sent {len(results)} results for {count} calls")
    return results


def ask(path: Path, request: dict, limit: int, timeout: float) -> dict:
    """One request to the keeper at ``path`` and its answer."""
    with ks.connect(path, HELLO_WAIT_S) as sock:
        ks.send(sock, request)
        return ks.receive(sock, limit, timeout)


# ------------------------------------------------------------------------------ finding one
def open_kept_sandbox(settings: Any, on_warning: Optional[Callable[[str], None]] = None) -> Sandbox:
    """A one-shot command's sandbox: the keeper's while ``sandbox_keep_s`` allows and one can be
    used, else one in this process."""
    found = open_kept(settings, on_warning) if settings.sandbox_keep_s > 0 else None
    return found if found is not None else _in_process(settings, on_warning)


def _in_process(settings: Any, on_warning: Optional[Callable[[str], None]]) -> Sandbox:
    from latm.sandbox.factory import open_sandbox  # the backends: only for a sandbox in this process

    return open_sandbox(settings, on_warning=on_warning)


def open_kept(settings: Any, on_warning: Optional[Callable[[str], None]] = None) -> Optional[KeptSandbox]:
    """The keeper's sandbox for ``settings`` (started if need be), or None: use one in-process."""
    try:
        folder = ks.runtime_folder()
        key = ks.keeper_key(settings)
        path = ks.socket_path(folder, key)
        found = _hello(path, ks.max_frame(settings)) or _start(settings, key, path)
    except (OSError, ValueError) as err:
        log.debug("no sandbox keeper (%s): the sandbox runs in this process", err)
        return None
    if found.get("warning") and on_warning is not None:
        on_warning(found["warning"])
    return KeptSandbox(settings, path, on_warning)


def _hello(path: Path, limit: int) -> Optional[dict]:
    """The keeper's status, or None when no one listens there (a stale socket, or none) or the
    keeper says it must not serve any more (it has given up its socket's name: a new one starts)."""
    try:
        found = ask(path, {"op": "status"}, limit, HELLO_WAIT_S)
    except (FileNotFoundError, ConnectionRefusedError):
        return None
    if "stale" in found:
        log.debug("the sandbox keeper at %s retires: %s", path, found["stale"])
        return None
    return found


@contextmanager
def _starting(path: Path) -> Iterator[None]:
    """Held while a keeper for ``path`` is started, or its socket found stale and removed."""
    lock = os.open(path.with_suffix(".lock"), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
    finally:
        os.close(lock)


def _start(settings: Any, key: str, path: Path) -> dict:
    """Start the keeper (one command at a time does, under a lock) and wait for its answer."""
    with _starting(path):
        found = _hello(path, ks.max_frame(settings))  # started by another command meanwhile
        if found:
            return found
        _remove_stale(path)
        keeper = _spawn(settings, key, path)
        deadline = time.monotonic() + START_WAIT_S
        while time.monotonic() < deadline:
            found = _hello(path, ks.max_frame(settings))
            if found:
                return found
            if keeper.poll() is not None:
                raise ks.KeeperUnavailable(0, f"the sandbox keeper exited ({keeper.returncode}); see {_log_path(path)}")
            time.sleep(0.01)
        keeper.kill()  # stuck before it listens: it would never reach its idle exit
        raise ks.KeeperUnavailable(0, f"the sandbox keeper did not answer in {START_WAIT_S:g} s; see {_log_path(path)}")


def _remove_stale(path: Path) -> None:
    """A socket no one listens on (its keeper was killed) goes; anything else there is refused."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(info.st_mode) or info.st_uid != os.geteuid():
        raise ks.KeeperUnavailable(0, f"{path} is not a socket of yours; remove it")
    os.unlink(path)


def _forget(path: Path) -> None:
    """Remove ``path`` if, under the start lock, still no one listens (a command may have just
    started a keeper there)."""
    try:
        with _starting(path):
            if _hello(path, 1 << 20) is None:
                _remove_stale(path)
    except OSError as err:
        log.debug("%s stays: %s", path, err)


def _log_path(path: Path) -> Path:
    return path.with_suffix(".log")


def keeper_environment(environ: dict, api_key_env: str) -> dict:
    """What the keeper inherits: the names in KEPT_VARIABLES, never the API key's variable."""
    env = {name: environ[name] for name in KEPT_VARIABLES if name in environ and name != api_key_env}
    env["PYTHONPATH"] = str(Path(latm.__file__).resolve().parent.parent)  # this latm, whatever the caller's path
    return env


def _spawn(settings: Any, key: str, path: Path) -> subprocess.Popen:
    keyed = {name: getattr(settings, name) for name in ks.KEYED_SETTINGS}
    log_fd = os.open(_log_path(path), os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    if os.fstat(log_fd).st_size > MAX_LOG_BYTES:  # the keepers before kept theirs (a crash's traceback) until now
        os.ftruncate(log_fd, 0)
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "latm.sandbox.keeper", "--socket", str(path), "--key", key,
             "--settings", json.dumps(keyed)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log_fd, cwd=str(path.parent),
            env=keeper_environment(dict(os.environ), settings.api_key_env), start_new_session=True)
    finally:
        os.close(log_fd)


# ------------------------------------------------------------------------------ the user's keepers
def keeper_folder_problem() -> Optional[str]:
    """Why no keeper can be used, when the keepers' folder exists but is unfit (e.g. another user
    made it first); None when it is fit or not made yet."""
    folder = ks.folder_path()
    problem = ks.unfit(folder)
    return f"{folder} {problem}; no sandbox keeper is used (remove it, or set XDG_RUNTIME_DIR)" if problem else None


def keepers() -> list[dict]:
    """The status of each keeper of this user that answers; stale sockets are removed."""
    try:
        folder = ks.runtime_folder(make=False)
    except OSError as err:
        log.debug("no keepers: %s", err)
        return []
    found = []
    for path in ks.keeper_sockets(folder):
        try:
            answer = ask(path, {"op": "status"}, 1 << 20, HELLO_WAIT_S)
            if "stale" not in answer:  # a retiring keeper is on its way out: not listed
                found.append(answer | {"socket": str(path)})
        except ConnectionRefusedError:
            _forget(path)
        except (OSError, ValueError) as err:
            log.debug("%s did not answer: %s", path, err)
    return found


def stop_keepers() -> list[int]:
    """Ask every keeper of this user to stop; the pids that said they will."""
    stopped = []
    for found in keepers():
        try:
            stopped.append(ask(Path(found["socket"]), {"op": "stop"}, 1 << 20, HELLO_WAIT_S)["stopping"])
        except (OSError, ValueError, KeyError) as err:
            log.debug("keeper %s did not stop: %s", found.get("pid"), err)
    return stopped


def in_process(sandbox: Sandbox) -> Sandbox:
    """The sandbox that runs in this process: a kept one's local sandbox (for tools' packages)."""
    return sandbox.local() if isinstance(sandbox, KeptSandbox) else sandbox

