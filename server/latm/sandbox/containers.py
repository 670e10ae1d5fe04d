"""One hardened sandbox container: how it is created, started, spoken to and removed.

The container's main process (PID 1, no ``--init``) is the worker in ``--hold`` mode; it only
waits for stdin to close (Docker closes it when the owner's attach connection drops, so a dead
owner's container stops and removes itself) and reaps orphans. The serving worker is started
with ``docker exec``: its stdio pipes belong to it alone. Both make themselves non-dumpable as
their first act, and the worker serves only once the holder is, so tool code (same user) can
neither trace them nor reach their memory or the protocol channel through ``/proc``; as PID 1
the holder also ignores every signal sent from inside (Docker's init would have been a
dumpable process of the same user).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from latm.sandbox.link import LinkDown, LinkSilent, SocketLink, WorkerSession

log = logging.getLogger(__name__)

LABEL = "latm.sandbox"
OWNER_LABEL = "latm.sandbox.owner"
INSTANCE_LABEL = "latm.sandbox.instance"  # one value per open sandbox
WORKER_PATH = "/opt/latm/worker.py"
USER = "65534:65534"
SERVE = ["python3", "-I", "-S", WORKER_PATH, "--serve", "--sweep", "--scratch", "/tmp"]
HELLO_TIMEOUT_S = 30.0
OVERHEAD_MB = 64  # the worker parent and the interpreter of a call, on top of the call's memory
TMP_SIZE = "16m"
SHM_BYTES = 1 << 20
PIDS_LIMIT = 64


def hardening(api, memory_mb: int) -> dict:
    """The host config every sandbox container gets."""
    from docker.types import LogConfig

    memory = f"{memory_mb + OVERHEAD_MB}m"
    return api.create_host_config(
        network_mode="none",
        read_only=True,
        tmpfs={"/tmp": f"rw,noexec,nosuid,nodev,size={TMP_SIZE},mode=1777"},
        shm_size=SHM_BYTES,
        cap_drop=["ALL"],
        security_opt=["no-new-privileges"],
        pids_limit=PIDS_LIMIT,
        mem_limit=memory,
        memswap_limit=memory,
        nano_cpus=1_000_000_000,
        auto_remove=True,
        log_config=LogConfig(type="none"),
    )


@dataclass(eq=False)  # identity, so a pool can keep containers in sets
class Container:
    id: str
    session: WorkerSession
    hold: Any  # the attach socket whose closing stops the container
    api: Any

    def alive(self) -> bool:
        return not self.session.link.closed()

    def remove(self) -> None:
        """Stop and delete, and return only once the engine no longer lists it."""
        import docker.errors

        for sock in (self.session, self.hold):
            try:
                sock.close()
            except Exception:
                pass
        try:
            self.api.remove_container(self.id, force=True)
        except docker.errors.NotFound:
            return
        except docker.errors.APIError as err:  # e.g. its auto-removal is already under way
            log.debug("removing sandbox container %s: %s", self.id[:12], err)
        if not wait_gone(self.api, self.id):
            log.warning("sandbox container %s is still listed after removal", self.id[:12])


def start(api, image: str, memory_mb: int, labels: dict, max_frame: int, serve_args: list = ()) -> Container:
    """Create, start and greet one container; remove it again if any step fails."""
    # stdin_open without detach makes the SDK set StdinOnce: Docker closes stdin when we go away.
    cid = api.create_container(
        image, command=["--hold"], stdin_open=True, user=USER, labels=labels,
        host_config=hardening(api, memory_mb), network_disabled=True, hostname="sandbox", working_dir="/tmp",
    )["Id"]
    hold = session = None
    try:
        hold = api.attach_socket(cid, params={"stdin": 1, "stream": 1})
        api.start(cid)
        exec_id = api.exec_create(cid, [*SERVE, *serve_args], stdin=True, stdout=True, stderr=True, user=USER)["Id"]
        session = WorkerSession(SocketLink(api.exec_start(exec_id, socket=True)), max_frame)
        session.hello(HELLO_TIMEOUT_S)
    except Exception as err:  # any failure to start is reported the same way
        tail = session.link.stderr_tail() if session else ""
        Container(cid, session or _Closed(), hold or _Closed(), api).remove()
        raise StartFailed(_why(err, tail)) from None
    return Container(cid, session, hold, api)


class StartFailed(Exception):
    pass


class _Closed:
    def close(self) -> None:
        pass


def _why(err: Exception, tail: str) -> str:
    if isinstance(err, LinkSilent):
        text = f"the sandbox worker did not start within {HELLO_TIMEOUT_S:g} s"
    elif isinstance(err, LinkDown):
        text = "the sandbox worker exited at start"
    else:
        text = f"{type(err).__name__}: {err}"
    return text + (f" (worker said: {tail.strip()[-300:]})" if tail.strip() else "")


def wait_gone(api, cid: str, timeout_s: float = 10.0) -> bool:
    """True once the engine no longer lists ``cid``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not api.containers(all=True, filters={"id": cid}):
            return True
        time.sleep(0.05)
    return False
