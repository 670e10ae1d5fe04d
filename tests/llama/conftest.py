"""The smoke suite against a real llama.cpp server (llama-cpp-python's, started by .ci/run).

Every test module here is marked ``llama``; pyproject's addopts deselect the marker, so a developer's
``pytest`` runs without a server, and ``.ci/run`` runs ``pytest -m llama tests/llama`` with
``LATM_LLAMA_URL`` set. Selected, the suite FAILS (never skips) when the variable is missing or
the server does not answer.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from recording_proxy import RecordingProxy  # noqa: E402

URL_VAR = "LATM_LLAMA_URL"
KEY_VAR = "LLAMA_SERVER_TEST_KEY"  # llama.cpp needs no key; the SDK needs one to be set
REPO_TOOLBOX = Path(__file__).resolve().parents[2] / "toolbox"
START_HINT = ("start one as .ci/run does: python -m llama_cpp.server --model FILE.gguf --host 127.0.0.1 "
              "--port PORT --n_ctx 1024 --chat_format gemma, then set LATM_LLAMA_URL=http://127.0.0.1:PORT/v1")


@pytest.fixture(scope="session")
def llama_server():
    """(url, model id) of the running server; fails the run when there is none."""
    url = os.environ.get(URL_VAR, "").rstrip("/")
    if not url:
        pytest.fail(f"{URL_VAR} is not set, so there is no llama.cpp server to test against; {START_HINT}.", pytrace=False)
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(url + "/models", timeout=5) as answer:
                models = json.load(answer)["data"]
            return url, models[0]["id"]
        except (OSError, ValueError, KeyError, IndexError) as err:
            if time.monotonic() > deadline:
                pytest.fail(f"The llama.cpp server at {url} does not answer /models ({err}); {START_HINT}.", pytrace=False)
            time.sleep(1)


@pytest.fixture
def proxy(llama_server):
    with RecordingProxy(llama_server[0]) as recording:
        yield recording


@pytest.fixture
def llama_ws(tmp_path, proxy, llama_server, monkeypatch):
    """A workspace whose three roles are the served model, reached through the recording proxy,
    with the real Docker sandbox and the committed word_sorting tool."""
    from latm.settings import Settings
    from latm.workspace import Workspace

    monkeypatch.setenv(KEY_VAR, "none")
    root = tmp_path / "project"
    root.mkdir()
    shutil.copytree(REPO_TOOLBOX / "word_sorting", root / "toolbox" / "word_sorting")
    model = llama_server[1]
    settings = Settings(base_url=proxy.url, api_key_env=KEY_VAR, maker_model=model, user_model=model,
                        dispatcher_model=model, sandbox="docker", llm_timeout_s=120.0, max_retries=1)
    ws = Workspace(root, settings)
    yield ws
    ws.close()
