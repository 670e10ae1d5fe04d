"""Issue 10: the sandbox keeper. One-shot `latm solve Q` commands share a warm sandbox held by a
per-user keeper process: the first command starts it, the next one is served by it; a keeper
killed between commands is replaced; one built for other settings, other latm code or an image
its tag no longer names is never used; it leaves by itself."""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import docker
import pytest
from keeper_support import SECRET, gone, keeper_env, keeper_pids, keepers, kill_keepers, latm, solve, wait_for

import latm as latm_package

pytestmark = pytest.mark.docker
BACKENDS = ["docker", "process"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_second_solve_is_served_by_the_keeper_the_first_started(sorting_project, runtime, backend):
    env = keeper_env(runtime)
    solve(sorting_project, env, backend)
    (first,) = keepers(sorting_project, env)
    assert (first["backend"], first["served"]) == (backend, 1)
    assert keeper_pids(runtime) == [first["pid"]]

    solve(sorting_project, env, backend)
    (second,) = keepers(sorting_project, env)
    assert (second["pid"], second["served"]) == (first["pid"], 2)


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_keeper_holds_no_api_key(sorting_project, runtime, backend):
    env = keeper_env(runtime, MY_KEY=SECRET + "-mine", LATM_API_KEY_ENV="MY_KEY")
    solve(sorting_project, env, backend)
    (pid,) = keeper_pids(runtime)
    environ = Path(f"/proc/{pid}/environ").read_bytes()
    names = {entry.split(b"=", 1)[0] for entry in environ.split(b"\0") if entry}
    assert SECRET.encode() not in environ
    assert not names & {b"OPENAI_API_KEY", b"MY_KEY", b"LATM_API_KEY_ENV"}
    assert b"PATH" in names  # it did get what it needs


def test_the_keeper_is_detached_and_logs_beside_its_socket(sorting_project, runtime):
    env = keeper_env(runtime)
    done = solve(sorting_project, env, "process")
    (found,) = keepers(sorting_project, env)
    pid = found["pid"]
    session = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[3])
    assert session == pid  # a session of its own: the command's terminal and signals are not its
    assert [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in (0, 1, 2)] == \
        ["/dev/null", "/dev/null", str(Path(found["socket"]).with_suffix(".log"))]
    assert "keeper" not in done.stdout + done.stderr


def test_a_keeper_killed_between_commands_is_replaced(sorting_project, runtime):
    env = keeper_env(runtime)
    solve(sorting_project, env, "docker")
    (first,) = keepers(sorting_project, env)
    os.kill(first["pid"], signal.SIGKILL)
    wait_for(lambda: gone(first["pid"]), "the keeper to die")
    socket = Path(first["socket"])
    assert socket.exists()  # left behind: no one listens on it now

    solve(sorting_project, env, "docker")
    (second,) = keepers(sorting_project, env)
    assert second["pid"] != first["pid"] and second["served"] == 1 and second["socket"] == str(socket)
    # the killed keeper's container removed itself (its holder's stdin closed with the keeper)
    api = docker.from_env().api
    owner = f"/{first['pid']}/"
    wait_for(lambda: not [c for c in api.containers(filters={"label": "latm.sandbox"})
                          if owner in c["Labels"].get("latm.sandbox.owner", "")], "the killed keeper's containers to go")


def test_other_settings_get_a_keeper_of_their_own(sorting_project, runtime):
    env = keeper_env(runtime)
    solve(sorting_project, env, "process")
    solve(sorting_project, env | {"LATM_MEMORY_MB": "200"}, "process")
    found = keepers(sorting_project, env)
    assert len(found) == 2 and len({k["socket"] for k in found}) == 2
    assert sorted(k["served"] for k in found) == [1, 1]


def test_a_keeper_exits_after_its_idle_time(sorting_project, runtime):
    env = keeper_env(runtime, keep_s="1")
    solve(sorting_project, env, "process")
    (pid,) = keeper_pids(runtime)
    wait_for(lambda: gone(pid), "the idle keeper to exit")
    assert not list((runtime / "latm").glob("*.sock"))  # it removed its socket


def test_a_keep_time_of_zero_starts_no_keeper(sorting_project, runtime):
    solve(sorting_project, keeper_env(runtime, keep_s="0"), "process")
    assert keeper_pids(runtime) == [] and not (runtime / "latm").exists()


def test_sandbox_stop_stops_every_keeper(sorting_project, runtime):
    env = keeper_env(runtime)
    solve(sorting_project, env, "process")
    solve(sorting_project, env, "docker")
    pids = keeper_pids(runtime)
    assert len(pids) == 2
    done = latm(sorting_project, env, "sandbox", "stop")
    assert done.returncode == 0 and "stopped 2 sandbox keepers" in done.stdout, done.stderr
    for pid in pids:
        wait_for(lambda: gone(pid), f"keeper {pid} to stop")
    assert keepers(sorting_project, env) == []


@pytest.fixture
def own_tag(runtime):
    """A tag of the test image of this test's own, removed (with the image it was moved to) at the end,
    once the keepers that ran it and their containers are gone."""
    api = docker.from_env().api
    image = os.environ.get("LATM_SANDBOX_IMAGE", "latm-sandbox:1")
    tag = f"latm-sandbox-keeper-test:{os.getpid()}"
    api.tag(image, *tag.split(":"))
    made: list[str] = []
    yield tag, made
    kill_keepers(runtime)
    wait_for(lambda: not api.containers(all=True, filters={"ancestor": made[0]}) if made else True,
             "the keepers' containers to go")
    api.remove_image(tag, force=True)  # the image it was moved to has no other name: it goes with it


def test_a_docker_keeper_whose_tag_names_another_image_exits(sorting_project, runtime, own_tag):
    tag, made = own_tag
    env = keeper_env(runtime, LATM_SANDBOX_IMAGE=tag)
    solve(sorting_project, env, "docker")
    (first,) = keepers(sorting_project, env)
    api = docker.from_env().api
    holder = api.create_container(tag, command=["--hold"])["Id"]
    try:  # the same worker in an image of another id, under the same tag
        made.append(api.commit(holder, repository=tag.split(":")[0], tag=tag.split(":")[1])["Id"])
    finally:
        api.remove_container(holder, force=True)

    solve(sorting_project, env, "docker")  # answered in-process: the keeper refused to run on
    wait_for(lambda: gone(first["pid"]), "the keeper of the replaced image to exit")
    solve(sorting_project, env, "docker")
    (second,) = keepers(sorting_project, env)
    assert second["pid"] != first["pid"] and made[0].split(":")[-1][:12] in second["image"]


def test_a_changed_latm_starts_a_keeper_of_its_own(sorting_project, runtime, tmp_path):
    env = keeper_env(runtime)
    solve(sorting_project, env, "process")
    changed = tmp_path / "changed"
    shutil.copytree(Path(latm_package.__file__).parent, changed / "latm", ignore=shutil.ignore_patterns("__pycache__"))
    with open(changed / "latm" / "sandbox" / "jobs.py", "a") as jobs:
        jobs.write("\n# another latm version\n")
    solve(sorting_project, env | {"PYTHONPATH": str(changed)}, "process")
    found = keepers(sorting_project, env)
    assert len(found) == 2 and [k["served"] for k in found] == [1, 1]
    paths = {Path(f"/proc/{k['pid']}/environ").read_bytes().split(b"PYTHONPATH=")[1].split(b"\0")[0] for k in found}
    assert paths == {str(changed).encode(), str(Path(latm_package.__file__).parents[1]).encode()}


def test_a_keeper_that_cannot_start_leaves_the_command_to_say_why(sorting_project, runtime):
    env = keeper_env(runtime, LATM_SANDBOX_IMAGE="latm-sandbox:never-built")
    done = latm(sorting_project, env, "solve", "--sandbox", "docker", "Sort the following words alphabetically: List: b a")
    assert done.returncode == 1 and "latm-sandbox:never-built is not built" in done.stderr
    assert "keeper" not in done.stderr  # the in-process sandbox's own error, as without a keeper
    assert keeper_pids(runtime) == [] and "not built" in next((runtime / "latm").glob("*.log")).read_text()


def test_the_code_key_covers_every_latm_module_the_sandbox_package_imports():
    """A changed latm starts a keeper of its own only if the key reads all the code a keeper runs."""
    import ast

    from latm.sandbox.keeper_socket import KEEPER_IMPORTS

    package = Path(latm_package.__file__).parent
    outside = set()
    for source in (package / "sandbox").glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "latm":
                outside |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("latm."):
                outside.add(node.module.split(".")[1])
    outside -= {"sandbox", "__version__"}
    assert outside and outside <= set(KEEPER_IMPORTS), outside - set(KEEPER_IMPORTS)
