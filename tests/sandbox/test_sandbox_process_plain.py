"""The process backend where ``unshare`` is not allowed ("plain" mode), forced here, run by root
and by a user who is not root: what it still stops (everything bound by rlimits, the fresh process
per call, the scrubbed environment, the seccomp filter) and, as strict xfails, what it does not
(network, files its user may read or write, and, run by a user, that user's own processes)."""

from __future__ import annotations

import os
import time

import pytest
from attack_table import ATTACKS, attack_targets
from sandbox_support import (RUN_BY_ROOT, USER_UID, UserProcessSandbox, readable_worker_copy, remove_worker_copy,
                             settings)

from latm.sandbox.process_backend import NOBODY, ProcessSandbox
from latm.sandbox.types import Call

BY_NAME = {attack.name: attack for attack in ATTACKS}
STOPPED = ["memory_bomb_at_once", "memory_bomb_gradual", "infinite_loop", "sleep_past_timeout", "stdout_flood",
           "huge_return_value", "unserialisable_return_value", "deep_recursion", "ctypes_null_read", "os_abort",
           "fork_bomb", "become_root", "close_result_channel",
           # the seccomp filter every call gets, namespaces or not
           "leave_a_key_in_a_keyring", "leave_a_listening_abstract_socket", "connect_to_a_host_unix_socket"]
# Run by root, calls are user 65534 with no privileges: the user running latm is another user.
STOPPED_AS_ROOT = ["look_for_privileges", "read_other_processes_environment", "kill_parent_worker",
                   "read_a_private_file_of_the_user_running_latm", "read_private_host_file"]
NOT_STOPPED = {
    "tcp_to_loopback": "no network namespace: the call reaches the host's loopback",
    "tcp_to_host_address": "no network namespace: the call reaches the host's addresses",
    "write_outside_tmp": "no mount namespace: the call writes wherever its user may (here a world-writable directory)",
    "read_world_readable_host_file": "no mount namespace: the call reads what its user may",
}
NOT_STOPPED_AS_USER = {
    "read_other_processes_environment": "no PID namespace, and calls run as the user running latm: they read the "
                                        "environment of that user's processes",
    "kill_parent_worker": "calls run as the worker's user and may signal it",
    "read_a_private_file_of_the_user_running_latm": "calls run as the user running latm",
}
# The file only its owner may read is planted by whoever runs the tests: run by root, root's.
STOPPED_AS_USER = ["read_private_host_file"] if RUN_BY_ROOT else []
RUNNERS = ["root", "user"]


@pytest.fixture(scope="module")
def plain(request):
    """Plain mode run by root, or by a user who is not root (``USER_UID``: the one running the
    tests when that is not root)."""
    if request.param == "root" or not RUN_BY_ROOT:
        if (request.param == "root") != RUN_BY_ROOT:
            pytest.skip("run by root only")
        sandbox = ProcessSandbox(settings(sandbox="process"))
        sandbox.mode = "plain"
        yield sandbox
        return
    copy = readable_worker_copy()
    sandbox = UserProcessSandbox(settings(sandbox="process"), USER_UID, str(copy))
    sandbox.mode = "plain"
    yield sandbox
    remove_worker_copy(copy)


@pytest.fixture(scope="module")
def targets():
    with attack_targets() as found:
        yield found


@pytest.mark.parametrize("plain", RUNNERS, indirect=True)
def test_plain_mode_still_isolates_the_basics(plain):
    code = "import os\n\ndef who():\n    return [os.getuid(), sorted(os.environ), os.getcwd()]\n"
    uid, env, cwd = plain.run(code, [Call(entry="who")])[0].value
    assert uid == (NOBODY if os.geteuid() == 0 and not isinstance(plain, UserProcessSandbox) else USER_UID)
    assert env == ["HOME", "LANG", "PATH", "TMPDIR"]
    assert "latm-sandbox-" in cwd
    assert "CAN use the network" in plain.status().isolation


def _params(runner: str) -> list:
    stopped = STOPPED + (STOPPED_AS_ROOT if runner == "root" else STOPPED_AS_USER)
    not_stopped = {**NOT_STOPPED, **(NOT_STOPPED_AS_USER if runner == "user" else {})}
    return ([pytest.param(runner, name, id=f"{runner}-{name}") for name in stopped] +
            [pytest.param(runner, name, id=f"{runner}-{name}", marks=pytest.mark.xfail(reason=why, strict=True))
             for name, why in not_stopped.items()])


@pytest.mark.parametrize("plain, name", [p for runner in RUNNERS for p in _params(runner)], indirect=["plain"])
def test_plain_mode(plain, targets, name):
    attack = BY_NAME[name]
    result = plain.run(targets.fill(attack.code), [Call(entry="attack")], timeout_s=attack.timeout_s)[0]
    time.sleep(0.1)  # let a connection that did arrive be accepted
    try:
        assert result.outcome in attack.allowed("process"), result.describe()
        if result.outcome == "error" and attack.error_types:
            assert result.error_type in attack.error_types, result.describe()
        if attack.check is not None:
            attack.check(result, targets, "process")
    finally:
        targets.forget()
        for leftover in targets.outside_dir.iterdir():
            leftover.unlink()
    assert plain.run("def f():\n    return 5\n", [Call(entry="f")])[0].value == 5
