"""The first run on a fresh machine, in a real VS Code (code-server): the interpreter is Debian's
own Python, which has no latm and refuses pip (PEP 668), there is no Python extension to pick
another interpreter with, and the sandbox image is not built. The extension must say what is
wrong each time and put the fix one click away: a file picker, a virtual environment in the
workspace with the bundled latm in it, and the image build (which falls back to the offline
build where no registry answers).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import expect

from conftest import Instance, close_instance, git, make_workspace, open_instance, server_env
from codeserver import CodeServer
from workbench import SLOW_MS, UI_MS, WAIT_MS, wait_until

WORKBENCH = None  # the module's Workbench, for the failure screenshot hook
FAILED = False

SYSTEM_PYTHON = "/usr/bin/python3"
IMAGE = f"latm-sandbox-e2e:{os.getpid()}"  # built by this test (its own tag), removed after it
BUILD_S = 900  # venv + install, or the image build, on a loaded machine


def docker_image_exists(tag: str) -> bool:
    return subprocess.run(["docker", "image", "inspect", tag], capture_output=True).returncode == 0


def remove_image(tag: str) -> None:
    if docker_image_exists(tag):
        subprocess.run(["docker", "image", "rm", "--force", tag], capture_output=True, check=True)


def system_python_state(env: dict) -> str:
    """What this test needs of the system Python: no latm, and pip refused by PEP 668."""
    done = subprocess.run([SYSTEM_PYTHON, "-c", "import sys, sysconfig, os; import latm"], env=env,
                          capture_output=True, text=True)
    if "No module named 'latm'" not in done.stderr:
        return f"{SYSTEM_PYTHON} must not have latm installed ({done.stderr.strip() or 'it imports'})"
    marker = subprocess.run([SYSTEM_PYTHON, "-c", "import sysconfig; print(sysconfig.get_path('stdlib'))"],
                            capture_output=True, text=True).stdout.strip()
    if not (Path(marker) / "EXTERNALLY-MANAGED").exists():
        return f"{SYSTEM_PYTHON} must be externally managed (PEP 668), as Debian's and Ubuntu's are"
    return ""


@pytest.fixture(scope="module")
def vscode(tmp_path_factory, code_server_bin, vsix, browser) -> Iterator[Instance]:
    global WORKBENCH
    env = server_env()
    env.pop("PYTHONPATH", None)  # the interpreter under test is the system's, with nothing added
    env["LATM_SANDBOX_IMAGE"] = IMAGE
    unmet = system_python_state(env)
    if unmet:
        pytest.fail(unmet)
    remove_image(IMAGE)
    home = tmp_path_factory.mktemp("first-run")
    workspace = make_workspace(home / "project", {"notes.md": "# Notes\n"})
    server = CodeServer(code_server_bin, vsix, workspace, home, settings={"latm.python": SYSTEM_PYTHON}, env=env)
    instance = open_instance("first-run", browser, server, workspace)
    WORKBENCH = instance.workbench
    try:
        yield instance
    finally:
        close_instance(instance, "first-run", FAILED)
        remove_image(IMAGE)


NOT_INSTALLED = re.compile(rf"latm is not installed in {re.escape(SYSTEM_PYTHON)}")


def test_without_the_python_extension_select_interpreter_opens_a_file_picker(vscode: Instance) -> None:
    ui = vscode.workbench
    with ui.step("the status bar and a warning say latm is missing"):
        toast = ui.wait_notification(NOT_INSTALLED, timeout=SLOW_MS)
        ui.expect_status("LATM")
    with ui.step("Select Interpreter opens a file picker that sets latm.python"):
        ui.click_button(toast, "Select Interpreter")
        expect(ui.quick_input).to_contain_text("select the Python interpreter that runs latm", timeout=WAIT_MS)
        ui.page.keyboard.press("Escape")
        expect(ui.quick_input).to_be_hidden(timeout=UI_MS)


def test_install_refused_by_pep_668_offers_a_workspace_environment(vscode: Instance) -> None:
    ui = vscode.workbench
    with ui.step("Install says why pip failed"):
        ui.clear_notifications()
        ui.run_command("LATM: Restart Server")
        ui.click_button(ui.wait_notification(NOT_INSTALLED, timeout=SLOW_MS), "Install")
        refused = ui.wait_notification(re.compile("externally managed \\(PEP 668\\)"), timeout=BUILD_S * 1000)
    with ui.step("Create .venv and Install: the server starts from it"):
        ui.click_button(refused, "Create .venv and Install")
        ui.wait_notification(re.compile("latm is installed in .venv"), timeout=BUILD_S * 1000)
        ui.expect_status("3 tools · process", timeout=SLOW_MS)
        settings = json.loads((vscode.workspace / ".vscode" / "settings.json").read_text())
        assert settings["latm.python"] == "${workspaceFolder}/.venv/bin/python"
        venv_python = str(vscode.workspace / ".venv" / "bin" / "python")
        wait_until(lambda: f"Starting {venv_python} -m latm serve" in vscode.output(), WAIT_MS,
                   "the server started from the workspace environment")
        assert ".venv" not in git(vscode.workspace, "status", "--porcelain", "--untracked-files=all")


def test_a_missing_sandbox_image_is_said_once_and_built_in_one_click(vscode: Instance) -> None:
    ui = vscode.workbench
    warning = re.compile(f"the sandbox image {re.escape(IMAGE)} is not built")
    with ui.step("a warning names the weaker sandbox and offers the build"):
        # It came with the server's start in the previous test; its toast may have hidden itself since.
        with ui.centre() as centre:
            item = centre.locator(".notification-list-item").filter(
                has=ui.page.locator(".notification-list-item-message", has_text=warning))
            expect(item.locator(".codicon-warning")).to_be_visible(timeout=WAIT_MS)
            expect(item.locator(".monaco-button", has_text="Build Sandbox Image")).to_be_visible(timeout=UI_MS)
        expect(ui.status).to_have_attribute("aria-label", re.compile(f"Click to build the sandbox image {re.escape(IMAGE)}"))
    with ui.step("a restart does not say it again"):
        mark = vscode.status_mark()
        ui.run_command("LATM: Restart Server")
        vscode.wait_status_after(mark, "LATM", "3 tools · process")
        assert len([m for m in ui.centre_messages() if warning.search(m)]) == 1
    with ui.step("the status bar offers the build; it runs with progress"):
        ui.status.click()
        ui.click_button(ui.wait_notification(warning), "Build Sandbox Image")
        ui.wait_notification(re.compile(f"building the sandbox image {re.escape(IMAGE)}"))
        ui.wait_notification(re.compile(f"built the sandbox image {re.escape(IMAGE)}"), timeout=BUILD_S * 1000)
    with ui.step("the server now runs tools in Docker"):
        ui.expect_status("3 tools · docker", timeout=SLOW_MS)
        assert docker_image_exists(IMAGE)
