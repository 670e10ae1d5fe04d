"""Helpers of the sandbox keeper's tests: a runtime folder of the test's own, `latm solve` run in
a subprocess with the keeper on, and every keeper a test started killed at its end."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from sandbox_settings import clean_env

REPO = Path(__file__).resolve().parents[2]
QUESTION = "Sort the following words alphabetically: List: pear apple fig"
ANSWER = "apple fig pear"
SECRET = "sk-keeper-test-not-a-real-key-4711"
WAIT_S = 60.0


def wait_for(check, what: str, timeout: float = WAIT_S):
    """``check()``'s first true value, asked every 50 ms; fails the test after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    pytest.fail(f"waited {timeout:g} s for {what}")


def keeper_pids(folder: Path) -> list[int]:
    """The keeper processes whose socket is under ``folder`` (read from /proc, whoever started them)."""
    found = []
    for name in os.listdir("/proc"):
        try:
            argv = Path(f"/proc/{name}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if name.isdigit() and b"latm.sandbox.keeper" in argv and any(a.startswith(str(folder).encode()) for a in argv):
            found.append(int(name))
    return found


def gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
    except OSError:
        return True
    return state == "Z"


@pytest.fixture
def runtime():
    """A short runtime folder (a socket's path has at most 107 bytes) of 0700; every keeper under
    it is killed at the end of the test."""
    folder = Path(tempfile.mkdtemp(prefix="kp", dir="/tmp"))
    yield folder
    kill_keepers(folder)
    shutil.rmtree(folder, ignore_errors=True)


def kill_keepers(folder: Path) -> None:
    for pid in keeper_pids(folder):
        os.kill(pid, signal.SIGKILL)
    for pid in keeper_pids(folder):
        wait_for(lambda: gone(pid), f"keeper {pid} to die")


@pytest.fixture
def sorting_project(tmp_path):
    """A project holding the repository's verified word_sorting tool (it parses its questions)."""
    root = tmp_path / "project"
    shutil.copytree(REPO / "toolbox" / "word_sorting", root / "toolbox" / "word_sorting")
    return root


def keeper_env(runtime: Path, keep_s: str = "120", **extra: str) -> dict:
    """A user's environment with the keeper on, its folder in ``runtime``, and an API key set."""
    return clean_env(XDG_RUNTIME_DIR=str(runtime), LATM_SANDBOX_KEEP_S=keep_s, OPENAI_API_KEY=SECRET) | extra


def latm(root: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "latm", *args, "--root", str(root)], env=env,
                          capture_output=True, text=True, timeout=180)


def solve(root: Path, env: dict, backend: str) -> subprocess.CompletedProcess:
    done = latm(root, env, "solve", "--sandbox", backend, QUESTION)
    assert done.returncode == 0 and done.stdout.splitlines()[0] == ANSWER, done.stderr
    return done


def keepers(root: Path, env: dict) -> list[dict]:
    """``latm sandbox status --json``'s keepers."""
    done = latm(root, env, "sandbox", "status", "--json")
    return json.loads(done.stdout)["keepers"]
