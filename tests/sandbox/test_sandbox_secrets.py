"""A fake OPENAI_API_KEY planted in this process's environment never reaches tool code: not in
its environment, not through /proc (environ or command lines of anything it can see), not in
the container's configuration."""

from __future__ import annotations

import os

import docker
import pytest
from sandbox_support import (RUN_BY_ROOT, USER_UID, UserProcessSandbox, readable_worker_copy, remove_worker_copy,
                             settings)

from latm.sandbox.containers import INSTANCE_LABEL
from latm.sandbox.docker_backend import DockerSandbox
from latm.sandbox.process_backend import ProcessSandbox
from latm.sandbox.types import Call

LOOK = '''
import os
def look():
    seen = [dict(os.environ)]
    for pid in os.listdir("/proc"):
        for name in ("environ", "cmdline"):
            try:
                with open(f"/proc/{pid}/{name}", "rb") as handle:
                    seen.append(handle.read().decode("latin-1"))
            except OSError:
                pass
    print(seen)
    return seen
'''


@pytest.fixture
def secret(monkeypatch):
    value = "sk-latm-test-" + os.urandom(12).hex()
    monkeypatch.setenv("OPENAI_API_KEY", value)  # planted before any sandbox below opens
    return value


def looked(sandbox) -> tuple:
    result = sandbox.run(LOOK, [Call(entry="look")])[0]
    assert result.outcome == "ok" and len(result.value) > 2, result.describe()  # it did read what it can
    return result


@pytest.mark.docker
def test_docker(secret):
    with DockerSandbox.open(settings(sandbox="docker", sandbox_pool=1)) as sandbox:
        result = looked(sandbox)
        api = docker.from_env().api
        found = api.containers(filters={"label": f"{INSTANCE_LABEL}={sandbox.instance}"})
        config = repr(api.inspect_container(found[0]["Id"])["Config"])
    assert secret not in repr(result) and secret not in config


@pytest.mark.parametrize("mode", ["namespaces", "plain"])
def test_process_backend(secret, mode):
    sandbox = ProcessSandbox(settings(sandbox="process"))
    if mode == "plain":
        sandbox.mode = "plain"
    elif sandbox.mode == "plain":
        pytest.xfail("unshare is not allowed here")
    assert secret not in repr(looked(sandbox))


def test_process_backend_run_by_a_user(secret):
    if not RUN_BY_ROOT:
        pytest.skip("the tests run as a user who is not root: test_process_backend is that case")
    copy = readable_worker_copy()
    try:
        sandbox = UserProcessSandbox(settings(sandbox="process"), USER_UID, str(copy))
        assert secret not in repr(looked(sandbox))
    finally:
        remove_worker_copy(copy)
