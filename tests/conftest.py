"""Fixtures shared by every test package. Sandbox fixtures first; add others below them."""

from __future__ import annotations

import os

import pytest
from sandbox_settings import sandbox_settings

# ------------------------------------------------------------------------------ the user's state
@pytest.fixture(scope="session", autouse=True)
def users_state_folder(tmp_path_factory):
    """The user's state (the trust file: every tool latm makes is trusted there) goes to a temporary
    folder, so no test writes the real user's; tests that need a user of their own set theirs."""
    before = os.environ.get("XDG_STATE_HOME")
    os.environ["XDG_STATE_HOME"] = str(tmp_path_factory.mktemp("state"))
    yield
    if before is None:
        os.environ.pop("XDG_STATE_HOME", None)
    else:
        os.environ["XDG_STATE_HOME"] = before


@pytest.fixture(scope="session", autouse=True)
def no_sandbox_keeper():
    """``latm`` subprocesses that inherit this environment start no sandbox keeper: each runs its
    sandbox in-process (tests that count containers and processes expect that); the keeper's own
    tests turn it on for theirs (tests/sandbox/test_keeper*.py)."""
    before = os.environ.get("LATM_SANDBOX_KEEP_S")
    os.environ["LATM_SANDBOX_KEEP_S"] = "0"
    yield
    if before is None:
        os.environ.pop("LATM_SANDBOX_KEEP_S", None)
    else:
        os.environ["LATM_SANDBOX_KEEP_S"] = before


# ------------------------------------------------------------------------------ sandbox
BUILD_HINT = "run `latm sandbox build --offline` (with a running Docker engine) before the tests"


@pytest.fixture(scope="session")
def docker_sandbox():
    """A real Docker sandbox on the built image, shared by the session. Without Docker or the
    image this FAILS (never skips): CI must not pass without the real sandbox."""
    from latm.errors import SandboxUnavailable
    from latm.sandbox.docker_backend import DockerSandbox

    try:
        sandbox = DockerSandbox.open(sandbox_settings(sandbox="docker"))
    except SandboxUnavailable as err:
        problem = str(err)
    else:
        problem = ""
    if problem:
        pytest.fail(f"The Docker sandbox is not available: {problem}\nTo fix: {BUILD_HINT}.", pytrace=False)
    yield sandbox
    sandbox.close()


@pytest.fixture(scope="session")
def process_sandbox():
    """The ``process`` backend (a worker subprocess per run, namespaces where the OS allows)."""
    from latm.sandbox.process_backend import ProcessSandbox

    sandbox = ProcessSandbox(sandbox_settings(sandbox="process"))
    yield sandbox
    sandbox.close()


# ------------------------------------------------------------------------------ scripted model
@pytest.fixture
def scripted_llm():
    """A started ScriptedLLM (tests/scripted_llm.py); push replies or set ``respond``. Fails the
    test if a request arrived that nothing was scripted for."""
    from scripted_llm import ScriptedLLM

    server = ScriptedLLM().start()
    yield server
    server.stop()
    assert not server.unexpected, f"requests with no scripted reply: {server.unexpected}"
