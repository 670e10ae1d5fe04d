"""The recipe's two Python files: the host speaks the protocol module and never imports the
worker, and an image is current only while both files are those it was built with."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import docker
import pytest
from sandbox_support import settings

from latm.sandbox import docker_engine, sandbox_status
from latm.sandbox.docker_engine import WORKER_FILES

TESTS = str(Path(__file__).resolve().parents[1])

# A fresh host process: opens the process backend, runs one call, lists the recipe files it loaded.
HOST = r"""
import json, sys
from pathlib import Path
from latm.sandbox import Call, open_sandbox
from sandbox_settings import sandbox_settings
with open_sandbox(sandbox_settings(sandbox="process")) as sandbox:
    value = sandbox.run("def f():\n    return 6 * 7\n", [Call(entry="f")])[0].value
recipe = Path(sys.modules["latm.sandbox.recipe"].__file__).resolve().parent
loaded = sorted(Path(m.__file__).name for m in list(sys.modules.values())
                if getattr(m, "__file__", None) and Path(m.__file__).resolve().parent == recipe)
print(json.dumps({"value": value, "loaded": loaded}))
"""


def test_the_host_imports_the_protocol_never_the_worker():
    path = os.pathsep.join(filter(None, [TESTS, os.environ.get("PYTHONPATH")]))
    run = subprocess.run([sys.executable, "-c", HOST], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": path})
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout)
    assert seen["value"] == 42  # the worker ran, as a subprocess, and answered over the protocol
    assert seen["loaded"] == ["__init__.py", "protocol.py"]


def recipe_copy(folder: Path, changed: str) -> Path:
    """The worker files copied into ``folder``, ``changed`` edited; the copy of worker.py."""
    for name in WORKER_FILES:
        shutil.copyfile(docker_engine.worker_file().parent / name, folder / name)
    with open(folder / changed, "a", encoding="utf-8") as handle:
        handle.write("\n# another latm's version of this file\n")
    return folder / "worker.py"


@pytest.mark.docker
@pytest.mark.parametrize("changed", WORKER_FILES)
def test_an_image_built_with_another_worker_file_must_be_rebuilt(tmp_path, monkeypatch, changed):
    tag = settings().sandbox_image
    docker_engine.image_info(docker.from_env().api, tag)  # built from this checkout's files: current
    copy = recipe_copy(tmp_path, changed)
    monkeypatch.setattr(docker_engine, "worker_file", lambda: copy)
    assert sandbox_status(settings(sandbox="docker")).missing_image == tag
