"""The attack suite: every hostile tool against the real Docker sandbox and the process backend
(run by root, and run by a user who is not root).

Each test asserts the typed outcome, host-side evidence where there is some (no connection
arrived, no file appeared, no secret leaked), that this process survives, and that ordinary
calls in the same pool afterwards give the right answer in a clean sandbox (no stray process,
nothing left in /tmp, /dev/shm, /dev/mqueue, SysV IPC or abstract sockets, builtins intact).
"""

from __future__ import annotations

import os
import socket
import stat
import time

import pytest
from attack_table import ATTACKS, Attack, Targets, attack_targets, host_ip
from sandbox_support import PROCESS, user_process_sandbox  # noqa: F401 - a fixture

from latm.sandbox.types import Call

# One ordinary call that also looks for leftovers of the previous call.
ORDINARY_CODE = """import math, os

def add(a, b):
    return a + b

def leftovers():
    found = []
    for folder in ("/dev/shm", "/dev/mqueue"):
        found += [f"{folder}/{name}" for name in os.listdir(folder)]
    for kind in ("shm", "sem", "msg"):
        with open(f"/proc/sysvipc/{kind}") as handle:
            found += [f"SysV {kind} {line.split()[1]}" for line in handle.readlines()[1:]]
    with open("/proc/net/unix") as handle:
        found += [line.split()[-1] for line in handle.readlines()[1:] if line.split()[-1].startswith("@")]
    return found
"""
ORDINARY = Call(snippet=(
    "ans = [add(2, 3), sorted([3, 1, 2]), round(math.pi, 5),\n"
    "       len([p for p in os.listdir('/proc') if p.isdigit()]), sorted(os.listdir('/tmp')), leftovers()]"
))
# Processes a clean sandbox shows to a call: the holder (PID 1), the worker and the call in Docker;
# the worker (PID 1) and the call in the process backend's namespace.
CLEAN_PROCESSES = {"docker": 3, "process": 2, "process-user": 2}


@pytest.fixture(scope="module")
def targets():
    with attack_targets() as found:
        yield found


def assert_clean_and_right(sandbox, backend: str, pool_size: int) -> None:
    for _ in range(pool_size):  # idle containers are used least recently first: this visits each
        result = sandbox.run(ORDINARY_CODE, [ORDINARY], timeout_s=10)[0]
        assert result.outcome == "ok", result.describe()
        total, ordered, pi, processes, tmp, left = result.value
        assert (total, ordered, pi) == (5, [1, 2, 3], 3.14159), result.value
        assert processes == CLEAN_PROCESSES[backend], f"{processes} processes: something outlived its call"
        assert len(tmp) == 1 and tmp[0].startswith("call-"), f"/tmp not clean: {tmp}"
        assert left == [], f"left by an earlier call: {left}"


def check_attack(sandbox, backend: str, attack: Attack, targets: Targets, pool_size: int) -> None:
    result = sandbox.run(targets.fill(attack.code), [Call(entry="attack")], timeout_s=attack.timeout_s)[0]
    allowed = attack.allowed(backend)
    assert result.outcome in allowed, f"{attack.name}: expected {allowed}, got {result.describe()}"
    if result.outcome == "error" and attack.error_types:
        assert result.error_type in attack.error_types, result.describe()
    if attack.check is not None:
        attack.check(result, targets, backend)
    assert sandbox.status().backend == backend.split("-")[0]  # this process and its sandbox still serve
    assert_clean_and_right(sandbox, backend, pool_size)


def _params(backend: str) -> list:
    return [pytest.param(a, id=a.name, marks=[pytest.mark.xfail(reason=a.why_not_stopped(backend), strict=True)]
                         if a.why_not_stopped(backend) else []) for a in ATTACKS]


def test_targets_are_reachable_from_the_host(targets):
    """The network attacks prove something only if their targets do answer when not sandboxed."""
    port = targets.tcp.getsockname()[1]
    for host in ("127.0.0.1", host_ip()):
        with socket.create_connection((host, port), timeout=2):
            pass
    deadline = time.monotonic() + 2
    while len(targets.tcp_accepted()) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(targets.tcp_accepted()) == 2
    assert stat.S_IMODE(targets.outside_dir.stat().st_mode) == 0o777
    targets.forget()


def test_the_suite_is_big_enough():
    assert len(ATTACKS) >= 50
    assert len({a.name for a in ATTACKS}) == len(ATTACKS)


@pytest.mark.docker
@pytest.mark.parametrize("attack", _params("docker"))
def test_attack_on_docker(docker_sandbox, attack, targets):
    check_attack(docker_sandbox, "docker", attack, targets, docker_sandbox.pool.size)


@pytest.mark.parametrize("attack", _params(PROCESS))
def test_attack_on_process_backend(process_sandbox, attack, targets):
    if process_sandbox.mode == "plain":
        pytest.xfail("no namespaces here (unshare refused): the process backend stops only rlimit-bound attacks")
    check_attack(process_sandbox, PROCESS, attack, targets, 1)


@pytest.mark.parametrize("attack", _params("process-user"))
def test_attack_on_process_backend_run_by_a_user(user_process_sandbox, attack, targets):
    if user_process_sandbox.mode == "plain":
        pytest.xfail("no user namespaces for users here: the process backend stops only rlimit-bound attacks")
    check_attack(user_process_sandbox, "process-user", attack, targets, 1)


def test_the_user_tests_run_the_worker_as_that_user(user_process_sandbox):
    """The process-user tests prove something only if latm's worker really runs as that user:
    while a call sleeps, the host shows the worker's interpreter under that user id."""
    import threading

    from sandbox_support import USER_UID

    from latm.sandbox.process_backend import interpreter

    if user_process_sandbox.mode == "plain":
        pytest.xfail("no user namespaces for users here")
    done = []
    call = threading.Thread(target=lambda: done.extend(user_process_sandbox.run(
        "import time\n\ndef nap():\n    time.sleep(3)\n    return 1\n", [Call(entry="nap")], timeout_s=10)))
    call.start()
    owners = set()
    while call.is_alive() and not owners:
        owners = set(_owners_of([interpreter(), "-I", "-S", user_process_sandbox.worker]))
    call.join()
    assert owners == {USER_UID} and done[0].value == 1, (owners, done)


def _owners_of(command: list) -> list:
    """The real user ids of this machine's processes whose command line starts with ``command``."""
    prefix = "\0".join(command).encode() + b"\0"
    found = []
    for pid in [p for p in os.listdir("/proc") if p.isdigit()]:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                if not handle.read().startswith(prefix):
                    continue
            with open(f"/proc/{pid}/status") as handle:
                found += [int(line.split()[1]) for line in handle if line.startswith("Uid:")]
        except OSError:
            pass
    return found
