"""Issue 16, item 7: a batch of questions and the sandbox's failures. A container that fails to
start is replaced without losing answers; a batch whose answers failed because the sandbox could
not run them exits non-zero with a summary."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import docker
import pytest
from sandbox_support import kill_the_first_start, settings

from latm.solve import solve_batch
from latm.workspace import Workspace

pytestmark = pytest.mark.docker
REPO = Path(__file__).resolve().parents[2]
QUESTIONS = ["Sort the following words alphabetically: List: pear apple fig",
             "Sort the following words alphabetically: List: zeta alpha",
             "Sort the following words alphabetically: List: kiwi banana cherry"]
ANSWERS = ["apple fig pear", "alpha zeta", "banana cherry kiwi"]


@pytest.fixture
def project(tmp_path):
    """A project holding the repository's verified word_sorting tool (it has a question parser,
    so answers need no model) and a batch file of its questions."""
    root = tmp_path / "project"
    shutil.copytree(REPO / "toolbox" / "word_sorting", root / "toolbox" / "word_sorting")
    (root / "in.jsonl").write_text("".join(json.dumps({"question": q}) + "\n" for q in QUESTIONS))
    return root


@pytest.fixture
def broken_image():
    """The sandbox image with a worker that exits at once: every container start fails."""
    api = docker.from_env().api
    tag = f"latm-sandbox-broken:{os.getpid()}"
    base = api.create_container(settings().sandbox_image, command=["--hold"])["Id"]
    try:
        api.commit(base, repository=tag.split(":")[0], tag=tag.split(":")[1], changes=['ENTRYPOINT ["/bin/false"]'])
    finally:
        api.remove_container(base, force=True)
    yield tag
    api.remove_image(tag, force=True)


def test_a_batch_loses_no_answer_when_a_container_dies_while_it_starts(project, monkeypatch):
    ws = Workspace(project, settings(sandbox="docker", sandbox_pool=1))
    killed = kill_the_first_start(ws.sandbox(), monkeypatch)
    try:
        summary = solve_batch(ws, project / "in.jsonl", None, "word_sorting")
    finally:
        ws.close()
    assert killed and [a.answer for a in summary.answers] == ANSWERS
    assert summary.errors == 0 and summary.sandbox_errors == 0


def test_a_batch_the_sandbox_could_not_run_exits_non_zero_with_a_summary(project, broken_image):
    env = {**os.environ, "LATM_SANDBOX": "docker", "LATM_SANDBOX_IMAGE": broken_image}
    run = subprocess.run([sys.executable, "-m", "latm", "solve", "--batch", str(project / "in.jsonl"),
                          "--tool", "word_sorting", "--root", str(project)],
                         env=env, capture_output=True, text=True, timeout=300)
    rows = [json.loads(line) for line in run.stdout.splitlines()]
    assert run.returncode == 1, (run.returncode, run.stderr)
    assert [r["answer"] for r in rows] == [None] * 3 and all("sandbox container" in r["error"] for r in rows)
    summary = [line for line in run.stderr.splitlines() if "because of the sandbox" in line]
    assert summary == ["latm: 3 of 3 answers failed because of the sandbox: " + rows[0]["error"]], run.stderr
