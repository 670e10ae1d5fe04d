"""The Docker backend: hardening of the containers, the pool under concurrent callers, faults,
secrets, and shutdown."""

from __future__ import annotations

import threading

import docker
import pytest
from sandbox_support import kill_the_first_start, settings

from latm.sandbox.containers import INSTANCE_LABEL, LABEL, OWNER_LABEL
from latm.sandbox.docker_backend import DockerSandbox
from latm.sandbox.lifecycle import owner_label
from latm.sandbox.types import Call

pytestmark = pytest.mark.docker
DOUBLE = "def double(x):\n    return 2 * x\n"


@pytest.fixture
def api():
    return docker.from_env().api


@pytest.fixture
def fresh_sandbox():
    """A sandbox of its own (pool of 2), closed after the test."""
    sandbox = DockerSandbox.open(settings(sandbox="docker", sandbox_pool=2))
    yield sandbox
    sandbox.close()


def ours(api, sandbox) -> list:
    """The containers of ``sandbox``, which this test process owns."""
    found = api.containers(all=True, filters={"label": f"{INSTANCE_LABEL}={sandbox.instance}"})
    assert all(c["Labels"][OWNER_LABEL] == owner_label() for c in found)
    return found


def test_containers_are_hardened(fresh_sandbox, api):
    fresh_sandbox.run(DOUBLE, [Call(entry="double", args=[1])])
    info = api.inspect_container(ours(api, fresh_sandbox)[0]["Id"])
    host = info["HostConfig"]
    assert host["NetworkMode"] == "none" and info["Config"]["NetworkDisabled"]
    assert host["ReadonlyRootfs"] is True
    assert host["CapDrop"] == ["ALL"] and not host["CapAdd"]
    assert host["SecurityOpt"] == ["no-new-privileges"]
    assert host["Privileged"] is False
    assert host["PidsLimit"] == 64
    assert host["Memory"] == host["MemorySwap"] == (256 + 64) << 20
    assert host["NanoCpus"] == 1_000_000_000
    assert not host.get("Init")  # the holder is PID 1: Docker's init would be a dumpable process of the same user
    assert host["ShmSize"] == 1 << 20
    assert "size=16m" in host["Tmpfs"]["/tmp"]
    assert not host["Binds"] and not info["Mounts"]
    assert info["Config"]["User"] == "65534:65534"
    assert info["Config"]["Labels"][LABEL] == "1"
    names = {entry.split("=", 1)[0] for entry in info["Config"]["Env"]}
    assert names <= {"PATH", "LANG", "HOSTNAME"}, names


def test_concurrent_callers_share_the_pool(fresh_sandbox):
    errors, answers = [], {}

    def caller(k: int) -> None:
        try:
            for i in range(15):
                result = fresh_sandbox.run(DOUBLE, [Call(entry="double", args=[k * 100 + i])])[0]
                answers[(k, i)] = result.value
        except Exception as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=caller, args=(k,)) for k in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert answers == {(k, i): 2 * (k * 100 + i) for k in range(6) for i in range(15)}
    assert fresh_sandbox.status().warm_containers == 2


def test_a_container_removed_behind_our_back_is_replaced(fresh_sandbox, api):
    fresh_sandbox.run(DOUBLE, [Call(entry="double", args=[1])])
    for entry in ours(api, fresh_sandbox):
        api.remove_container(entry["Id"], force=True)
    # A call sent before the engine closed the dead container's stream is reported, not raised.
    first = fresh_sandbox.run(DOUBLE, [Call(entry="double", args=[i]) for i in range(4)])
    assert all(r.value == 2 * i or (r.outcome == "crashed" and "died" in r.message) for i, r in enumerate(first))
    results = fresh_sandbox.run(DOUBLE, [Call(entry="double", args=[i]) for i in range(4)])
    assert [r.value for r in results] == [0, 2, 4, 6]


def test_a_stopped_worker_trips_the_backstop_and_is_replaced(fresh_sandbox, api):
    stop = "import os, signal\n\ndef freeze():\n    os.kill(os.getppid(), signal.SIGSTOP)\n    return 1\n"
    fresh_sandbox.run(DOUBLE, [Call(entry="double", args=[1])])
    before = {c["Id"] for c in ours(api, fresh_sandbox)}
    result = fresh_sandbox.run(stop, [Call(entry="freeze")], timeout_s=0.5)[0]
    assert result.outcome == "crashed" and "stopped answering" in result.message
    assert fresh_sandbox.run(DOUBLE, [Call(entry="double", args=[21])])[0].value == 42
    assert len(before - {c["Id"] for c in ours(api, fresh_sandbox)}) == 1  # the frozen one is gone


# Run in a sandbox container by ``docker exec`` as the sandbox's user, as a taken-over long-lived
# process would: wait for the process the worker forked for the next call, and stop it.
STOP_THE_NEXT_CALL = r"""
import os, signal, sys, time
def parent(pid):
    with open(f"/proc/{pid}/stat") as handle:
        return int(handle.read().rsplit(")", 1)[1].split()[1])
def cmdline(pid):
    with open(f"/proc/{pid}/cmdline", "rb") as handle:
        return handle.read()
deadline = time.monotonic() + 20
while time.monotonic() < deadline:
    pids = [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()]
    worker = [p for p in pids if b"--serve" in cmdline(p)]
    calls = [p for p in pids if worker and parent(p) == worker[0]]
    if calls:
        os.kill(calls[0], signal.SIGSTOP)
        sys.exit(0)
    time.sleep(0.01)
sys.exit(1)
"""


def test_a_container_whose_calls_are_stopped_from_outside_is_replaced(api):
    """Issue 16, item 5: a call that timed out because something outside it stopped it says so,
    and its container is replaced (a taken-over container would stop every later call)."""
    with DockerSandbox.open(settings(sandbox="docker", sandbox_pool=1)) as sandbox:
        assert sandbox.run(DOUBLE, [Call(entry="double", args=[1])])[0].value == 2
        (entry,) = ours(api, sandbox)
        stopper = api.exec_create(entry["Id"], ["python3", "-I", "-c", STOP_THE_NEXT_CALL], user="65534:65534")
        api.exec_start(stopper["Id"])
        assert api.exec_inspect(stopper["Id"])["ExitCode"] == 0, "found no process waiting for the next call"
        stopped = sandbox.run(DOUBLE, [Call(entry="double", args=[2])], timeout_s=1)[0]
        assert stopped.outcome == "crashed" and "stopped by something outside" in stopped.message, stopped.describe()
        assert sandbox.run(DOUBLE, [Call(entry="double", args=[21])])[0].value == 42
        assert entry["Id"] not in {c["Id"] for c in ours(api, sandbox)}


def test_a_container_killed_while_it_starts_is_replaced_by_a_fresh_one(api, monkeypatch):
    """Issue 16, item 7: a container that dies during its start (killed here, by the engine, just
    before the worker is started in it) is retried with a fresh one; no call fails."""
    sandbox = DockerSandbox.open(settings(sandbox="docker", sandbox_pool=1))
    killed = kill_the_first_start(sandbox, monkeypatch)
    try:
        results = sandbox.run(DOUBLE, [Call(entry="double", args=[i]) for i in range(5)])
    finally:
        sandbox.close()
    assert killed and [r.value for r in results] == [0, 2, 4, 6, 8], [r.describe() for r in results]


def test_a_killed_worker_is_reported_and_replaced(fresh_sandbox):
    kill = "import os\n\ndef die():\n    os.kill(os.getppid(), 9)\n    import time; time.sleep(1)\n"
    result = fresh_sandbox.run(kill, [Call(entry="die"), Call(entry="die")])
    assert [r.outcome for r in result] == ["crashed", "crashed"]
    assert "died during the call" in result[0].message
    assert fresh_sandbox.run(DOUBLE, [Call(entry="double", args=[4])])[0].value == 8


def test_close_removes_every_container_and_later_runs_report_it(api):
    sandbox = DockerSandbox.open(settings(sandbox="docker", sandbox_pool=2))
    sandbox.run(DOUBLE, [Call(entry="double", args=[1])])
    assert ours(api, sandbox)
    sandbox.close()
    assert ours(api, sandbox) == []
    result = sandbox.run(DOUBLE, [Call(entry="double", args=[1])])[0]
    assert result.outcome == "sandbox_unavailable"


def test_status_of_an_open_sandbox(fresh_sandbox):
    assert fresh_sandbox.status().warm_containers == 0  # nothing starts before the first call
    fresh_sandbox.run(DOUBLE, [Call(entry="double", args=[1])])
    status = fresh_sandbox.status()
    assert status.backend == "docker" and status.image.startswith(f"{settings().sandbox_image} (")
    assert status.warm_containers in (1, 2) and "no network" in status.isolation and not status.warning
