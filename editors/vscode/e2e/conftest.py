"""Fixtures of the end-to-end suite: code-server (installed once into a cache outside the
repository), Debian's Chromium driven by Playwright, the packaged .vsix, fresh workspaces, and
the artifacts folder where a failing step leaves its screenshot and the logs.

Run after the extension is packaged: ``python3 -m pytest editors/vscode/e2e`` (editors/vscode/ci.sh
--e2e does both). Artifacts: ``.latm/e2e-artifacts/`` in the checkout (or $LATM_E2E_ARTIFACTS).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

HERE = Path(__file__).resolve().parent
EXTENSION = HERE.parent
REPO = EXTENSION.parents[1]
sys.path.insert(0, str(REPO / "tests"))  # scripted_llm
sys.path.insert(0, str(HERE))

from playwright.sync_api import Browser, expect, sync_playwright  # noqa: E402

from codeserver import CodeServer  # noqa: E402
from workbench import RECORDER, SLOW_MS, UI_MS, Workbench, keep_file, wait_until  # noqa: E402

ARTIFACTS = Path(os.environ.get("LATM_E2E_ARTIFACTS", REPO / ".latm" / "e2e-artifacts"))
CHROMIUM = os.environ.get("LATM_E2E_CHROMIUM", "/usr/bin/chromium")
# --no-sandbox: CI runs as root. The rest keeps Chromium off the (closed) network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"]
VIEWPORT = {"width": 1600, "height": 1000}


def pytest_configure(config: pytest.Config) -> None:
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    ARTIFACTS.mkdir(parents=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.failed and call.when == "call":
        workbench = getattr(item.module, "WORKBENCH", None)
        if workbench is not None:
            workbench.screenshot(item.name)
        item.module.FAILED = True


@pytest.fixture(scope="session")
def code_server_bin() -> Path:
    """code-server 4.100.3 in ~/.cache/latm-ci/code-server (installed on first use, ~1 min)."""
    script = HERE / "install-code-server.sh"
    done = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        pytest.fail(f"installing code-server failed:\n{done.stderr[-4000:]}")
    return Path(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def vsix() -> Path:
    """The packaged extension ($LATM_E2E_VSIX runs the suite against another build, e.g. an older one)."""
    found = Path(os.environ.get("LATM_E2E_VSIX", EXTENSION / "latm-0.1.0.vsix"))
    if not found.is_file():
        pytest.fail(f"{found} is missing: package the extension first (editors/vscode/ci.sh --e2e does)")
    return found


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


CHECKOUT_LATM = REPO / "server" / "latm"
# Settings from the machine's environment that would change what the tests see.
FOREIGN_ENV = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "PYTHONPATH")


def imported_latm(env: dict) -> Path:
    done = subprocess.run([sys.executable, "-c", "import latm; print(latm.__file__)"], env=env,
                          capture_output=True, text=True)
    return Path(done.stdout.strip()).parent if done.returncode == 0 else Path()


def server_env() -> dict:
    """The environment of code-server, and so of the latm server it starts with ``latm.python`` =
    this interpreter: latm from the checkout under test (the editable install in CI; in a git
    worktree, PYTHONPATH), and no key, endpoint or model from the machine's own environment
    (``LATM_SANDBOX_IMAGE`` stays, as in ``tests/sandbox_settings.py``)."""
    env = {name: value for name, value in os.environ.items() if name not in FOREIGN_ENV and
           (not name.startswith("LATM_") or name == "LATM_SANDBOX_IMAGE")}  # the image a whole run was pointed at
    if imported_latm(env) != CHECKOUT_LATM:
        env["PYTHONPATH"] = str(REPO / "server")
    if imported_latm(env) != CHECKOUT_LATM:
        pytest.fail(f"{sys.executable} does not import latm from {CHECKOUT_LATM}: pip install -e . first")
    return env


def make_workspace(folder: Path, files: dict[str, str]) -> Path:
    """A git repository holding the checkout's committed toolbox and ``files``, all committed."""
    folder.mkdir(parents=True)
    shutil.copytree(REPO / "toolbox", folder / "toolbox", ignore=shutil.ignore_patterns("__pycache__"))
    for name, text in files.items():
        (folder / name).write_text(text)
    git(folder, "init", "-q")
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", "a project with the latm toolbox")
    return folder


def git(folder: Path, *args: str) -> str:
    identity = ["-c", "user.name=latm e2e", "-c", "user.email=e2e@latm.invalid", "-c", "commit.gpgsign=false"]
    done = subprocess.run(["git", *identity, *args], cwd=folder, capture_output=True, text=True, check=True)
    return done.stdout


class Instance:
    """One code-server with its browser page, for the tests of one module."""

    def __init__(self, server: CodeServer, workbench: Workbench, workspace: Path) -> None:
        self.server = server
        self.workbench = workbench
        self.workspace = workspace
        self.llm: Any = None  # the scripted model server, where the module has one

    def output(self) -> str:
        """The whole LATM Output channel, as VS Code keeps it."""
        log = self.server.output_log()
        return log.read_text(errors="replace") if log else ""

    def recorded(self, what: str) -> list[str]:
        return self.workbench.recorded(what)

    def status_mark(self) -> int:
        """A point in the status bar's history, for ``wait_status_after``."""
        return len(self.recorded("status"))

    def wait_status_after(self, mark: int, *texts: str, timeout: int = SLOW_MS) -> None:
        """The status bar showed ``texts`` in this order since ``mark`` (a restart went through
        "LATM" before settling again, say), and shows the last one now."""
        def seen() -> bool:
            history = self.recorded("status")[mark:]
            for text in texts:
                if text not in history:
                    return False
                history = history[history.index(text) + 1:]
            return True

        wait_until(seen, timeout, f"the status bar to show {' then '.join(texts)}")
        self.workbench.expect_status(texts[-1], timeout=UI_MS)


EXTENSION_ID = "latm.latm"
# The LATM output's first line of a start: the server launched, or the interpreter checked and found wanting.
STARTING = re.compile(r"^(Starting \S+ -m latm serve|Checking latm in )", re.MULTILINE)


def open_instance(name: str, browser: Browser, server: CodeServer, workspace: Path) -> Instance:
    """code-server on ``workspace`` in a fresh browser context, once the extension has activated:
    its status bar item is there and the LATM output shows the start activation ends with. If it
    never does, every test of the module fails at once, with the extension host's reason."""
    server.start()
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.add_init_script(RECORDER)
    page.goto(server.workbench_url(), timeout=SLOW_MS)  # the workbench loads slowly on a busy machine
    instance = Instance(server, Workbench(page, ARTIFACTS, name), workspace)
    try:
        with instance.workbench.step("the extension activates"):
            expect(instance.workbench.status).to_be_visible(timeout=SLOW_MS)
            failed = wait_until(lambda: server.activation_error(EXTENSION_ID) or STARTING.search(instance.output()),
                                SLOW_MS, "the extension to activate and start its server (the LATM output)")
            if isinstance(failed, str):
                raise AssertionError(f"the extension failed to activate: {failed}")
    except AssertionError:
        close_instance(instance, name, failed=True)
        raise
    return instance


def close_instance(instance: Instance, name: str, failed: bool) -> None:
    try:
        if failed:
            keep_file(instance.server.output_log(), ARTIFACTS, f"{name}-latm-output.log")
            keep_file(instance.server.log_file, ARTIFACTS, f"{name}-code-server.log")
            keep_file(instance.server.extension_host_log(), ARTIFACTS, f"{name}-extension-host.log")
        instance.workbench.page.context.close()
    finally:
        instance.server.stop()
