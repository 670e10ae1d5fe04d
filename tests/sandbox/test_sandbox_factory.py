"""Choosing a backend, the fallback warning, status, and what a user is told when Docker is missing."""

from __future__ import annotations

import pytest
from sandbox_support import settings

from latm.errors import SandboxUnavailable
from latm.sandbox import open_sandbox, sandbox_status
from latm.sandbox.docker_backend import DockerSandbox
from latm.sandbox.process_backend import ProcessSandbox
from latm.sandbox.types import Call

MISSING_IMAGE = "latm-sandbox-missing:0"
NO_ENGINE = "unix:///nonexistent/docker.sock"


def answer(sandbox) -> int:
    return sandbox.run("def f():\n    return 6 * 7\n", [Call(entry="f")])[0].value


@pytest.mark.docker
def test_auto_uses_docker_when_it_answers():
    warnings = []
    sandbox = open_sandbox(settings(sandbox="auto"), on_warning=warnings.append)
    try:
        assert isinstance(sandbox, DockerSandbox) and answer(sandbox) == 42
        assert warnings == [] and sandbox.status().warning == ""
    finally:
        sandbox.close()


# What is missing (no image, or no engine at DOCKER_HOST), and the words that must tell the user.
MISSING = [pytest.param({"sandbox_image": MISSING_IMAGE}, "`latm sandbox build", id="no-image"),
           pytest.param({"DOCKER_HOST": NO_ENGINE}, "start Docker", id="no-engine")]


def without(monkeypatch, missing: dict) -> dict:
    """Apply ``missing`` (DOCKER_HOST goes to the environment); the settings overrides left."""
    overrides = dict(missing)
    if "DOCKER_HOST" in overrides:
        monkeypatch.setenv("DOCKER_HOST", overrides.pop("DOCKER_HOST"))
    return overrides


@pytest.mark.parametrize("missing, reason", MISSING)
def test_auto_falls_back_to_process_with_a_visible_warning(monkeypatch, missing, reason):
    warnings = []
    sandbox = open_sandbox(settings(sandbox="auto", **without(monkeypatch, missing)), on_warning=warnings.append)
    assert isinstance(sandbox, ProcessSandbox) and answer(sandbox) == 42
    assert len(warnings) == 1 and warnings[0] == sandbox.status().warning
    assert "weaker process sandbox" in warnings[0] and reason in warnings[0]


@pytest.mark.parametrize("missing, reason", MISSING)
def test_docker_without_engine_or_image_says_what_to_do(monkeypatch, missing, reason):
    overrides = without(monkeypatch, missing)
    with pytest.raises(SandboxUnavailable, match=reason):
        open_sandbox(settings(sandbox="docker", **overrides))
    status = sandbox_status(settings(sandbox="docker", **overrides))
    assert status.backend == "unavailable" and reason in status.warning


@pytest.mark.docker
def test_an_image_with_another_worker_is_refused():
    # The imported base has no worker label: as good as an image built by another latm.
    with pytest.raises(SandboxUnavailable, match="another latm version"):
        open_sandbox(settings(sandbox="docker", sandbox_image="latm-sandbox-base:bookworm"))


def test_process_is_used_when_asked():
    sandbox = open_sandbox(settings(sandbox="process"))
    assert isinstance(sandbox, ProcessSandbox) and answer(sandbox) == 42
    status = sandbox.status()
    assert status.backend == "process" and status.warm_containers == 0 and status.isolation


@pytest.mark.docker
def test_status_reports_docker_image_and_warm_containers(docker_sandbox):
    docker_sandbox.run("def f():\n    return 1\n", [Call(entry="f")])
    status = sandbox_status(settings(sandbox="auto"))
    assert status.backend == "docker" and status.image.startswith(f"{settings().sandbox_image} (")
    assert status.warm_containers >= 1 and "no network" in status.isolation and status.warning == ""


def test_status_of_auto_without_docker_names_the_weaker_isolation(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", NO_ENGINE)
    status = sandbox_status(settings(sandbox="auto"))
    assert status.backend == "process" and "weaker" in status.warning and "start Docker" in status.warning


@pytest.mark.docker
def test_docker_host_is_honoured(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "unix:///var/run/docker.sock")
    with open_sandbox(settings(sandbox="docker", sandbox_pool=1)) as sandbox:
        assert answer(sandbox) == 42


@pytest.mark.docker
@pytest.mark.parametrize("sandbox", ["auto", "docker"])
def test_status_names_the_image_to_build_when_docker_answers_without_it(sandbox):
    assert sandbox_status(settings(sandbox=sandbox, sandbox_image=MISSING_IMAGE)).missing_image == MISSING_IMAGE
    # The imported base has no worker label: it must be rebuilt, like an image of another latm.
    outdated = "latm-sandbox-base:bookworm"
    assert sandbox_status(settings(sandbox=sandbox, sandbox_image=outdated)).missing_image == outdated
    assert sandbox_status(settings(sandbox=sandbox)).missing_image == ""


def test_no_engine_is_no_image_to_build(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", NO_ENGINE)
    assert sandbox_status(settings(sandbox="auto", sandbox_image=MISSING_IMAGE)).missing_image == ""
