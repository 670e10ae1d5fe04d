"""The ``process`` backend, for machines without Docker: each ``run`` starts the same worker as a
subprocess (which forks a fresh child per call), with rlimits, a scrubbed environment and a
temporary directory, and, where the OS allows ``unshare``, Linux namespaces:

- as root: new network, PID, IPC and mount namespaces; every mount read-only except a private
  16 MB ``/tmp``, and a ``/dev`` of its own (null, zero, full, random, urandom, a 1 MB
  ``/dev/shm``, ``/dev/mqueue``); calls run as user 65534;
- as another user, if unprivileged user namespaces work: the same in a user namespace where the
  worker is root, and each call in a user namespace of its own as user 65534 (on the host it is
  still that user's id, so files only that user may read stay readable);
- otherwise: none of that (the tool can use the network and the user's files); ``status`` and the
  warning say so.

Every call is locked down by the worker (no capabilities, no_new_privs, the seccomp filter) in
every mode. Weaker than Docker in any case: the tool can read world-readable host files, and
memory is capped per process (address space), not for the whole call.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from typing import Any, Optional

from latm.sandbox import docker_engine, jobs
from latm.sandbox.link import LinkDown, LinkSilent, PipeLink, WorkerSession
from latm.sandbox.types import Call, CallResult, Installed, SandboxStatus

log = logging.getLogger(__name__)

NOBODY = 65534
GRACE_S = 5.0
START_TIMEOUT_S = 15.0
NPROC_MARGIN = 64  # processes a call may add to what its user already runs
UNSHARE = ["--net", "--pid", "--ipc", "--fork", "--mount-proc", "--kill-child"]
USERNS = ["--user", "--map-root-user"]

ISOLATION = {
    "root": "process + namespaces: no network, private process list and IPC, read-only file system except a "
            "16 MB /tmp and a /dev of its own, calls as user 65534 with no capabilities, a seccomp filter, rlimits "
            "and a scrubbed environment; world-readable host files stay readable and memory is capped per process "
            "only.",
    "userns": "process + user namespaces: no network, private process list and IPC, read-only file system except "
              "a 16 MB /tmp and a /dev of its own, calls as user 65534 of their own namespace with no capabilities, "
              "a seccomp filter, rlimits and a scrubbed environment; on the host calls keep your user id, so your "
              "readable files stay readable, and memory is capped per process only.",
    "plain": "process only (unshare is not allowed here): rlimits, a scrubbed environment, a temporary "
             "directory, a seccomp filter and, under root, user 65534; the tool CAN use the network, read and "
             "write what that user may, and see your processes (run as your own user: read their environment, "
             "API keys included, and signal them).",
}


def interpreter() -> str:
    """The system Python when there is one: calls may drop to user 65534, who must be able to
    read the standard library (a Python under /root is not readable by that user)."""
    return "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else sys.executable


def worker_path() -> str:
    return str(docker_engine.worker_file())


@functools.lru_cache(maxsize=None)
def isolation_mode(launcher: tuple = (), euid: Optional[int] = None) -> str:
    """'root', 'userns' or 'plain': what ``unshare`` allows here for the user who starts the worker
    (this process's, or ``euid`` started through ``launcher``); tried once per process."""
    if shutil.which("unshare") is None:
        return "plain"
    mode = "root" if (os.geteuid() if euid is None else euid) == 0 else "userns"
    try:
        probe = subprocess.run([*launcher, *_unshare(mode), "true"], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "plain"
    return mode if probe.returncode == 0 else "plain"


def _unshare(mode: str) -> list:
    return ["unshare", *UNSHARE] if mode == "root" else ["unshare", *USERNS, *UNSHARE]


def worker_command(mode: str, euid: int, scratch: str, worker: str) -> list:
    """How a user ``euid`` starts the worker in ``mode``."""
    command = [interpreter(), "-I", "-S", worker, "--serve", "--nproc",
               str(_processes_of(NOBODY if euid == 0 else euid) + NPROC_MARGIN)]
    # Root never runs a tool as root; in a user namespace a call gets a user namespace of its own.
    uid = ["--uid", str(NOBODY)] if euid == 0 or mode == "userns" else []
    if mode == "plain":
        return command + ["--scratch", scratch] + uid
    return _unshare(mode) + command + ["--sweep", "--private-mounts", "--scratch", "/tmp"] + uid


def _processes_of(uid: int) -> int:
    count = 0
    for name in os.listdir("/proc"):
        try:
            if name.isdigit() and os.stat(f"/proc/{name}").st_uid == uid:
                count += 1
        except OSError:
            pass
    return count


class ProcessSandbox:
    def __init__(self, settings: Any, warning: str = "") -> None:
        self.settings = settings
        self.warning = warning
        self.mode = isolation_mode()
        self._spare: Optional[_Worker] = None  # a started worker no run has used (``warm``)
        self._warm = self._closed = False
        self._lock = threading.Lock()

    def _command(self, scratch: str) -> list:
        return worker_command(self.mode, os.geteuid(), scratch, worker_path())

    def run(self, code: str, calls: list[Call], *, timeout_s: Optional[float] = None,
            packages: Optional[Installed] = None) -> list[CallResult]:
        """``packages``: calls may import what is installed in its ``site`` folder (``package_envs``)."""
        limits = jobs.limits_from(self.settings, timeout_s)
        worker = None if packages else self._take_spare(limits)
        try:
            worker = worker or self._new_worker(limits, packages.worker_args(packages.site) if packages else [])
            return jobs.run_all(code, calls, limits, worker.call)
        finally:
            if worker is not None:
                worker.discard()
            if self._warm and not packages:
                threading.Thread(target=self._refill, name="latm-process-spare", daemon=True).start()

    def _new_worker(self, limits: jobs.Limits, extra: list) -> "_Worker":
        scratch = self._scratch()
        return _Worker(self._command(scratch) + extra, scratch, limits)

    def _scratch(self) -> str:
        scratch = tempfile.mkdtemp(prefix="latm-sandbox-")
        os.chmod(scratch, 0o711)  # calls dropped to user 65534 must pass through to their directory
        return scratch

    def warm(self) -> None:
        """From now on keep one started worker ready for the next run without packages (a
        keeper's sandbox): each run still gets a worker no other run has used."""
        self._warm = True
        self._refill()

    def _refill(self) -> None:
        worker = self._new_worker(jobs.limits_from(self.settings, None), [])
        try:
            worker.start()
            started = True
        except (LinkDown, LinkSilent, ValueError, OSError) as err:  # the run that needs one starts its own
            log.warning("could not start a spare process sandbox worker: %s", err)
            started = False
        with self._lock:
            if started and self._spare is None and not self._closed:
                self._spare, worker = worker, None
        if worker is not None:
            worker.discard()

    def _take_spare(self, limits: jobs.Limits) -> Optional["_Worker"]:
        with self._lock:
            worker, self._spare = self._spare, None
        if worker is not None:
            worker.limits = limits
        return worker

    def status(self) -> SandboxStatus:
        return SandboxStatus("process", interpreter(), 0, ISOLATION[self.mode], self.warning)

    def close(self) -> None:
        """Nothing lasts between runs but a spare worker (``warm``), stopped here."""
        with self._lock:
            self._closed, worker, self._spare = True, self._spare, None
        if worker is not None:
            worker.discard()

    def __enter__(self) -> "ProcessSandbox":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _Worker:
    """One worker subprocess, started on the first call of a run and replaced after a fault."""

    def __init__(self, command: list, scratch: str, limits: jobs.Limits) -> None:
        self.command, self.scratch, self.limits = command, scratch, limits
        self.proc: Optional[subprocess.Popen] = None
        self.session: Optional[WorkerSession] = None

    def start(self) -> None:
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
        self.proc = subprocess.Popen(self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env, cwd=self.scratch, start_new_session=True)
        link = PipeLink(os.dup(self.proc.stdin.fileno()), os.dup(self.proc.stdout.fileno()))
        self.session = WorkerSession(link, 20 * self.limits.output_limit + (1 << 20))
        self.session.hello(START_TIMEOUT_S)

    def call(self, req: dict) -> CallResult:
        for attempt in range(2):  # a worker that failed to start, or retired before this call, is replaced once
            try:
                if self.session is None:
                    self.start()
            except (LinkDown, LinkSilent, ValueError, OSError) as err:
                said = self._said()
                self.stop()
                if attempt == 0:
                    continue
                return jobs.error("sandbox_unavailable", f"the process sandbox did not start: {err}{said}")
            try:
                return jobs.result(self.session.call(req, self.limits.timeout_s + GRACE_S))
            except LinkDown as err:
                retry, message = not err.sent and attempt == 0, "the sandbox worker died during the call"
            except LinkSilent:
                retry, message = False, f"the sandbox stopped answering {self.limits.timeout_s + GRACE_S:g} s after the call started"
            said = self._said()
            self.stop()
            if not retry:
                return jobs.error("crashed", f"{message}; it was replaced{said}")
        return jobs.error("crashed", "the sandbox worker kept retiring")

    def _said(self) -> str:
        if self.proc is None or self.proc.poll() is None:
            return ""
        tail = self.proc.stderr.read(4096).decode("utf-8", "replace").strip()
        return f" (worker said: {tail[-300:]})" if tail else ""

    def stop(self) -> None:
        if self.session is not None:
            self.session.close()
        if self.proc is not None:
            for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
                stream.close()
            try:
                self.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait()
        self.proc = self.session = None

    def discard(self) -> None:
        self.stop()
        shutil.rmtree(self.scratch, ignore_errors=True)
