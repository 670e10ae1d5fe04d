"""No sandbox container outlives the process that started it: normal exit, SIGTERM, SIGKILL;
and containers of owners that are gone are reaped."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import docker
import pytest
from sandbox_support import settings

from latm.sandbox import docker_engine
from latm.sandbox.containers import INSTANCE_LABEL, LABEL, OWNER_LABEL

pytestmark = pytest.mark.docker
# The owner process takes the tests' sandbox settings (LATM_SANDBOX_IMAGE honoured) from tests/.
OWNER_PATH = os.pathsep.join(filter(None, [str(Path(__file__).resolve().parents[1]), os.environ.get("PYTHONPATH")]))

# A process that opens a Docker sandbox, fills its pool, reports its instance and waits.
OWNER = r"""
import json, sys, time
from latm.sandbox import Call, open_sandbox
from sandbox_settings import sandbox_settings
sandbox = open_sandbox(sandbox_settings(sandbox="docker", sandbox_pool=2))
assert sandbox.run("def f():\n    return 7\n", [Call(entry="f")])[0].value == 7
while sandbox.status().warm_containers < 2:
    time.sleep(0.05)
print(json.dumps(sandbox.instance), flush=True)
if sys.argv[1] == "exit":
    sys.exit(0)
time.sleep(120)
"""


def containers_of(api, instance: str) -> list:
    return api.containers(all=True, filters={"label": f"{INSTANCE_LABEL}={instance}"})


def wait_until_none(api, instance: str, timeout_s: float) -> list:
    deadline = time.monotonic() + timeout_s
    while containers_of(api, instance) and time.monotonic() < deadline:
        time.sleep(0.1)
    return containers_of(api, instance)


@pytest.mark.parametrize("ending, grace_s", [("exit", 0.5), ("SIGTERM", 0.5), ("SIGKILL", 15.0)])
def test_no_container_outlives_its_owner(ending, grace_s):
    api = docker.from_env().api
    owner = subprocess.Popen([sys.executable, "-c", OWNER, "exit" if ending == "exit" else "wait"],
                             stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": OWNER_PATH})
    try:
        instance = json.loads(owner.stdout.readline())
        assert len(containers_of(api, instance)) == 2
        if ending != "exit":
            owner.send_signal(getattr(signal, ending))
        code = owner.wait(timeout=30)
    finally:
        owner.kill()
    # SIGTERM: the handler closes the sandbox, then the process dies of SIGTERM as asked.
    assert code == {"exit": 0, "SIGTERM": -signal.SIGTERM, "SIGKILL": -signal.SIGKILL}[ending]
    # SIGKILL runs no code of ours: Docker closes the holder's stdin, the container stops and
    # removes itself.
    assert wait_until_none(api, instance, grace_s) == []


def test_containers_of_dead_owners_are_reaped_and_others_left_alone():
    api = docker.from_env().api
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_owner = f"{socket.gethostname()}/{gone.stdout.strip()}/1"
    elsewhere = "another-machine/1/1"
    created = [api.create_container(settings().sandbox_image, command=["--hold"], labels={LABEL: "1", OWNER_LABEL: owner})["Id"]
               for owner in (dead_owner, elsewhere)]
    try:
        docker_engine.reap_orphans(api)
        left = {c["Id"] for c in api.containers(all=True, filters={"label": LABEL})}
        assert created[0] not in left, "the dead owner's container was not reaped"
        assert created[1] in left, "a container of another machine's owner was removed"
    finally:
        for cid in created:
            try:
                api.remove_container(cid, force=True)
            except docker.errors.NotFound:
                pass


def test_this_process_is_a_live_owner():
    from latm.sandbox.lifecycle import owner_is_dead, owner_label

    assert not owner_is_dead(owner_label())
    assert owner_is_dead(owner_label().rsplit("/", 1)[0] + "/0")  # same pid, other start time
    assert not owner_is_dead("garbage")
    assert os.getpid() == int(owner_label().split("/")[1])
