"""The process backend where ``unshare`` is not allowed ("plain" mode), forced here: what it still
stops (everything bound by rlimits, the fresh process per call, the scrubbed environment, the
seccomp filter) and, as strict xfails, what it does not (network, writes where the call's user
may write)."""

from __future__ import annotations

import os
import time

import pytest
from attack_table import ATTACKS, attack_targets
from sandbox_support import settings

from latm.sandbox.process_backend import NOBODY, ProcessSandbox
from latm.sandbox.types import Call

BY_NAME = {attack.name: attack for attack in ATTACKS}
STOPPED = ["memory_bomb_at_once", "memory_bomb_gradual", "infinite_loop", "sleep_past_timeout", "stdout_flood",
           "huge_return_value", "unserialisable_return_value", "deep_recursion", "ctypes_null_read", "os_abort",
           "fork_bomb", "become_root", "read_private_host_file", "close_result_channel",
           # the seccomp filter every call gets, namespaces or not
           "leave_a_key_in_a_keyring", "leave_a_listening_abstract_socket", "connect_to_a_host_unix_socket"]
NOT_STOPPED = {
    "tcp_to_loopback": "no network namespace: the call reaches the host's loopback",
    "tcp_to_host_address": "no network namespace: the call reaches the host's addresses",
    "write_outside_tmp": "no mount namespace: the call writes wherever its user may (here a world-writable directory)",
}


@pytest.fixture(scope="module")
def plain():
    sandbox = ProcessSandbox(settings(sandbox="process"))
    sandbox.mode = "plain"
    return sandbox


@pytest.fixture(scope="module")
def targets():
    with attack_targets() as found:
        yield found


def test_plain_mode_still_isolates_the_basics(plain):
    code = "import os\n\ndef who():\n    return [os.getuid(), sorted(os.environ), os.getcwd()]\n"
    uid, env, cwd = plain.run(code, [Call(entry="who")])[0].value
    assert uid == (NOBODY if os.geteuid() == 0 else os.geteuid())
    assert env == ["HOME", "LANG", "PATH", "TMPDIR"]
    assert "latm-sandbox-" in cwd
    assert "CAN use the network" in plain.status().isolation


@pytest.mark.parametrize("name", STOPPED)
def test_plain_mode_stops(plain, targets, name):
    attack = BY_NAME[name]
    result = plain.run(targets.fill(attack.code), [Call(entry="attack")], timeout_s=attack.timeout_s)[0]
    assert result.outcome in attack.expect["process"], result.describe()
    if result.outcome == "error" and attack.error_types:
        assert result.error_type in attack.error_types, result.describe()
    if attack.check is not None:
        attack.check(result, targets, "process")
    assert plain.run("def f():\n    return 5\n", [Call(entry="f")])[0].value == 5


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.xfail(reason=why, strict=True))
                                  for n, why in NOT_STOPPED.items()])
def test_plain_mode_does_not_stop(plain, targets, name):
    attack = BY_NAME[name]
    result = plain.run(targets.fill(attack.code), [Call(entry="attack")], timeout_s=attack.timeout_s)[0]
    time.sleep(0.1)  # let a connection that did arrive be accepted
    try:
        assert result.outcome in attack.expect["process"], result.describe()
        attack.check(result, targets, "process")
    finally:
        targets.forget()
        for leftover in targets.outside_dir.iterdir():
            leftover.unlink()
