"""The sandbox keeper: a per-user process that holds one warm sandbox (Docker containers, or a
started ``process`` worker) for the one-shot commands of the same user, and exits after
``sandbox_keep_s`` without a call.

    python -m latm.sandbox.keeper --socket PATH --key KEY --settings JSON   (started by ``kept``)

It serves ``run``, ``status`` and ``stop`` requests, one per connection, each on a thread of its
own (the sandbox is thread-safe), and only from processes of its own user (``SO_PEERCRED``).
Its limits are its settings': a request's timeout is at most ``timeout_s``, exactly the calls'
cap in-process. Every call still runs in a fresh process of a worker no one else uses; the keeper
only saves starting the container or worker. It stops serving, and exits, when its socket is
removed or replaced by another keeper, or (Docker) when its image tag names another image.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import math
import os
import signal
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any, Optional

from latm.sandbox import keeper_socket as ks
from latm.sandbox.factory import open_sandbox
from latm.sandbox.types import Call, Sandbox

log = logging.getLogger("latm.sandbox.keeper")

REQUEST_WAIT_S = 10.0  # a connection must send its request within this
MAX_CLIENTS = 32  # connections served at once; more are closed
TICK_S = 0.5  # how often the idle time and the socket are looked at
DRAIN_S = 150.0  # a stopping keeper waits this long at most for the runs under way (a call: at most 120 s)
CALL_FIELDS = {f.name for f in dataclasses.fields(Call)}


class Keeper:
    def __init__(self, settings: Any, sandbox: Sandbox, path: Path, key: str) -> None:
        self.settings, self.sandbox, self.path, self.key = settings, sandbox, path, key
        self.limit = ks.max_frame(settings)
        self.started = self.last = time.monotonic()
        self.served = 0
        self.active = 0
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._done = threading.Condition(self._lock)  # notified as each connection ends
        self._slots = threading.BoundedSemaphore(MAX_CLIENTS)
        self.listener: Optional[socket.socket] = None
        self.identity: tuple = ()  # the socket file's (device, inode) once it is named

    # ------------------------------------------------------------------------ listening
    def listen(self) -> None:
        """Listen on a fresh name, then move it over ``path`` (a stale socket there is replaced)."""
        fresh = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
        listener.bind(str(fresh))
        os.chmod(fresh, 0o600)
        listener.listen(64)
        listener.settimeout(TICK_S)
        os.rename(fresh, self.path)
        self.listener, self.identity = listener, _identity(os.lstat(self.path))

    def serve(self) -> None:
        while not self.stopping.is_set() and not self._idle_out() and self._still_named():
            try:
                conn, _ = self.listener.accept()
            except (socket.timeout, TimeoutError):
                continue
            if not self._slots.acquire(blocking=False):
                conn.close()
                continue
            with self._lock:
                self.active += 1
            threading.Thread(target=self._serve_one, args=(conn,), name="latm-keeper-client", daemon=True).start()
        self.close()

    def _idle_out(self) -> bool:
        with self._lock:
            return self.active == 0 and time.monotonic() - self.last >= self.settings.sandbox_keep_s

    def _still_named(self) -> bool:
        """Is ``path`` still this keeper's socket? (Removed or replaced: nobody new can reach it.)"""
        try:
            return _identity(os.lstat(self.path)) == self.identity
        except OSError:
            return False

    def close(self) -> None:
        """Take no new connection, let the runs under way end, then close the sandbox: a command
        whose call is running when the keeper stops still gets its answer."""
        self.listener.close()
        self._unname()
        with self._done:
            self._done.wait_for(lambda: self.active == 0, timeout=DRAIN_S)
            busy = self.active
        log.info("keeper %s exits (served %d runs; %d connections still open)", self.key, self.served, busy)
        self.sandbox.close()

    def _unname(self) -> None:
        """Remove the socket's name if it is still this keeper's: the next command starts a new one."""
        if self._still_named():
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass

    def _outdated(self) -> Optional[str]:
        """Why this keeper must not serve another run: its image tag now names another image, or
        ``auto`` fell back to ``process`` and Docker now answers (a command in-process would get it)."""
        replaced = getattr(self.sandbox, "image_replaced", None)
        if replaced is not None and replaced():
            return f"the image {self.settings.sandbox_image} now names another image"
        if self.settings.sandbox == "auto" and self.sandbox.status().backend == "process" and _docker_answers(self.settings):
            return "Docker answers again: this keeper fell back to the process sandbox"
        return None

    def _retire(self, why: str) -> dict:
        log.info("keeper %s stops serving: %s", self.key, why)
        self._unname()
        self.stopping.set()
        return {"stale": why}

    # ------------------------------------------------------------------------ one client
    def _serve_one(self, conn: socket.socket) -> None:
        try:
            if not ks.same_user(conn):
                log.warning("refused a connection from user %d", ks.peer(conn)[1])
                return
            request = ks.receive(conn, self.limit, REQUEST_WAIT_S)
            ks.send(conn, self._answer(request))
        except (OSError, ValueError) as err:  # a client that left or sent nonsense: the keeper serves on
            log.info("a client connection ended: %s", err)
        except Exception:
            log.exception("a request failed")
        finally:
            conn.close()
            with self._done:
                self.active -= 1
                self._done.notify_all()
            self._slots.release()

    def _answer(self, request: dict) -> dict:
        op = request.get("op")
        if op in ("run", "status"):
            outdated = self._outdated()
            if outdated:
                return self._retire(outdated)
            return self._run(request) if op == "run" else self.status()
        if op == "stop":
            self.stopping.set()
            return {"stopping": os.getpid()}
        return {"error": f"unknown request {str(op)[:40]!r}"}

    def _run(self, request: dict) -> dict:
        calls = request.get("calls")
        calls = [_call(c) for c in calls] if isinstance(calls, list) else []
        results = self.sandbox.run(request.get("code"), calls, timeout_s=self._timeout(request.get("timeout_s")))
        with self._lock:  # only runs count as use: asking for the status keeps no keeper alive
            self.served += 1
            self.last = time.monotonic()
        return {"results": [dataclasses.asdict(r) for r in results]}

    def _timeout(self, asked: Any) -> Optional[float]:
        """The call's timeout: what was asked, at most this keeper's ``timeout_s``."""
        if isinstance(asked, bool) or not isinstance(asked, (int, float)) or not math.isfinite(asked) or asked <= 0:
            return None
        return min(float(asked), self.settings.timeout_s)

    def status(self) -> dict:
        status = self.sandbox.status()
        with self._lock:
            busy = self.active - 1  # connections other than the one asking
            idle = 0.0 if busy else time.monotonic() - self.last
            served = self.served
        return {"pid": os.getpid(), "uid": os.geteuid(), "key": self.key, "backend": status.backend,
                "image": status.image, "isolation": status.isolation, "warning": status.warning,
                "warm": status.warm_containers, "served": served, "busy": busy, "idle_s": round(idle, 3),
                "keep_s": self.settings.sandbox_keep_s, "up_s": round(time.monotonic() - self.started, 3)}


def _identity(info: os.stat_result) -> tuple:
    return info.st_dev, info.st_ino  # not the change time: a chmod of the socket changes it


def _docker_answers(settings: Any) -> bool:
    from latm.errors import SandboxUnavailable
    from latm.sandbox import docker_engine

    try:
        docker_engine.image_info(docker_engine.connect(timeout_s=5.0).api, settings.sandbox_image)
    except SandboxUnavailable:
        return False
    return True


def _call(data: Any) -> Any:
    """A Call from its fields; anything else goes on as it is, for the sandbox to refuse."""
    if isinstance(data, dict) and set(data) <= CALL_FIELDS:
        return Call(**data)
    return data


# ------------------------------------------------------------------------------ the process
def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m latm.sandbox.keeper")
    parser.add_argument("--socket", required=True, type=Path)
    parser.add_argument("--key", required=True)
    parser.add_argument("--settings", required=True, help="the keyed settings, as JSON")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s")
    from latm.settings import Settings

    settings = dataclasses.replace(Settings(), **json.loads(args.settings))
    if ks.keeper_key(settings) != args.key:  # another latm's code, or settings that do not fit its name
        log.error("this keeper's code or settings do not match the key %s; not serving", args.key)
        return 2
    ks.require_private(args.socket.parent)
    sandbox = open_sandbox(settings, on_warning=log.warning)
    keeper = Keeper(settings, sandbox, args.socket, args.key)
    signal.signal(signal.SIGTERM, lambda *_: keeper.stopping.set())
    keeper.listen()
    log.info("keeper %s (pid %d) serves the %s sandbox on %s", args.key, os.getpid(), sandbox.status().backend, args.socket)
    warm = getattr(sandbox, "warm", None)
    if warm is not None:
        threading.Thread(target=warm, name="latm-keeper-warm", daemon=True).start()
    keeper.serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
