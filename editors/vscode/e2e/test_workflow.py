"""A person's day with the extension in a real VS Code (code-server), against a scripted model.

One code-server serves one fresh workspace (a git repository holding the committed toolbox) for
the whole module; the tests run in order, as a person would: the extension starts, the palette
offers its commands, the key is set through "LATM: Set API Key", a tool is made from a selection
(after latm said that word_sorting answers those examples already and offered the choice) and
shows up in the Toolbox view, a second make is cancelled, questions are solved through the
light bulb and the palette, the new tool is verified and committed from the Toolbox view, a
setting reaches the server, a killed server comes back, and a broken manifest reaches the
Problems panel. Each assertion is on what the person sees.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import expect

from conftest import EXTENSION, CHECKOUT_LATM, Instance, close_instance, git, make_workspace, open_instance, server_env
from codeserver import CodeServer
from scripted_llm import ScriptedLLM
from workbench import SLOW_MS, UI_MS, WAIT_MS, wait_until
import sorting_model

WORKBENCH = None  # the module's Workbench, for the failure screenshot hook
FAILED = False

SORT = "Sort the following words alphabetically: List:"
EXAMPLES = [
    ("pear apple fig", "apple fig pear"),
    ("syndrome therefrom", "syndrome therefrom"),
    ("vegetate artillery harm doris monkey", "artillery doris harm monkey vegetate"),
    ("thrill splutter panicking scorch", "panicking scorch splutter thrill"),
    ("zebra quartz mango kiwi", "kiwi mango quartz zebra"),
    ("oak elm ash birch", "ash birch elm oak"),
]
# A markdown table under a heading: the name the extension suggests must come from the first
# question, not from the heading or the table's header row.
EXAMPLES_MD = "# Questions\n\n| Question | Answer |\n|---|---|\n" + "".join(
    f"| {SORT} {words} | {answer} |\n" for words, answer in EXAMPLES)
SUGGESTED = "sort_words_alphabetically"
SLOW_MD = "".join(
    f"Question: {SORT} {sorting_model.SLOW_WORD} {words}\nAnswer: {' '.join(sorted([sorting_model.SLOW_WORD, *words.split()]))}\n\n"
    for words, _answer in EXAMPLES)
# What latm says before a make of examples a tool answers already (then it offers "Make a new tool anyway"):
# word_sorting at first, the new tool once it is made.
ANSWERED = re.compile(r"Tool '\w+' already answers all 6 examples")
QUESTIONS_MD = f"# New questions\n\n{SORT} walnut cherry banana\n\n{SORT} plum date lime\n"


@pytest.fixture(scope="module")
def vscode(tmp_path_factory, code_server_bin, vsix, browser) -> Iterator[Instance]:
    global WORKBENCH
    home = tmp_path_factory.mktemp("workflow")
    workspace = make_workspace(home / "project", {
        "examples.md": EXAMPLES_MD, "slow.md": SLOW_MD, "questions.md": QUESTIONS_MD})
    llm = ScriptedLLM(respond=sorting_model.respond, models=sorting_model.models,
                      api_key=sorting_model.api_key).start()
    settings = {
        "latm.python": sys.executable,
        "latm.baseUrl": llm.url,
        "latm.makerModel": sorting_model.MAKER,
        "latm.userModel": sorting_model.USER,
        "latm.dispatcherModel": "",
        "latm.sandbox": "docker",
    }
    server = CodeServer(code_server_bin, vsix, workspace, home, settings=settings, env=server_env())
    instance = open_instance("workflow", browser, server, workspace)
    instance.llm = llm
    WORKBENCH = instance.workbench
    try:
        yield instance
    finally:
        close_instance(instance, "workflow", FAILED)
        llm.stop()


def palette_titles() -> list[str]:
    """Every command the extension contributes to the palette (hidden ones left out)."""
    manifest = json.loads((EXTENSION / "package.json").read_text())
    hidden = {m["command"] for m in manifest["contributes"]["menus"]["commandPalette"] if m.get("when") == "false"}
    return [f"{c['category']}: {c['title']}" for c in manifest["contributes"]["commands"] if c["command"] not in hidden]


def test_activation(vscode: Instance) -> None:
    ui = vscode.workbench
    with ui.step("the status bar settles on the tool count and the sandbox"):
        ui.expect_status("3 tools · docker", timeout=SLOW_MS)
    with ui.step("no error notification"):
        expect(ui.page.locator(".notifications-toasts .notification-list-item .codicon-error")).to_have_count(0)
        assert not [t for t in vscode.recorded("status") if re.match(r"^0 tools", t)], vscode.recorded("status")
    with ui.step("the Output channel shows the server start, with latm from this checkout"):
        lines = ui.show_output()
        expect(lines).to_contain_text("serving", timeout=WAIT_MS)
        started = wait_until(lambda: re.search(r"latm \S+ \((.+)\) serving (.+)", vscode.output()), WAIT_MS,
                             "the server's start line in the LATM output")
        assert Path(started.group(1)) == CHECKOUT_LATM
        assert Path(started.group(2).strip()) == vscode.workspace


def test_palette(vscode: Instance) -> None:
    ui = vscode.workbench
    make, pending = "LATM: Make Tool from Selection", "LATM: Make Tool from Pending Questions"
    with ui.step("every LATM command is in the palette"):
        for title in palette_titles():
            if title != make:
                ui.expect_palette(title, offered=(title,))
    with ui.step("Make Tool from Selection only with a selection"):
        ui.expect_palette("LATM: Make Tool from", offered=(pending,), not_offered=(make,))
        ui.open_file("examples.md")
        ui.select_lines(3, 3 + 1 + len(EXAMPLES))
        ui.expect_palette("LATM: Make Tool from", offered=(pending, make))


def test_make_without_key_says_what_to_do(vscode: Instance) -> None:
    ui = vscode.workbench
    with ui.step("the suggested name comes from the first question"):
        ui.open_file("examples.md")
        ui.select_lines(1, 3 + 1 + len(EXAMPLES))
        ui.run_command("LATM: Make Tool from Selection")
        assert ui.input_value() == SUGGESTED
        ui.answer_input()
    with ui.step("word_sorting answers these already: make a new tool anyway"):
        offer = ui.wait_notification(ANSWERED, timeout=SLOW_MS)
        ui.click_button(offer, "Make a new tool anyway")
    with ui.step("no key: the error names the command that sets one and the setting"):
        toast = ui.wait_notification(re.compile("API key"), timeout=SLOW_MS)
        text = toast.inner_text()
        assert "LATM: Set API Key" in text and "latm.apiKeyEnv" in text, text
        assert "Traceback" not in vscode.output()
        assert not (vscode.workspace / "toolbox" / SUGGESTED).exists()


def test_set_key_and_make(vscode: Instance) -> None:
    ui = vscode.workbench
    with ui.step("LATM: Set API Key stores the key and restarts the server"):
        ui.clear_notifications()
        mark = vscode.status_mark()
        ui.run_command("LATM: Set API Key")
        ui.answer_input(sorting_model.api_key)
        ui.wait_notification(re.compile("API key stored"))
        vscode.wait_status_after(mark, "LATM", "3 tools · docker")
    with ui.step("make from the selection: word_sorting answers these already, so latm offers a choice"):
        ui.open_file("examples.md")
        ui.select_lines(1, 3 + 1 + len(EXAMPLES))
        ui.run_command("LATM: Make Tool from Selection")
        ui.answer_input(SUGGESTED)
        offer = ui.wait_notification(ANSWERED, timeout=SLOW_MS)
        assert not (vscode.workspace / "toolbox" / SUGGESTED).exists() and vscode.llm.chat_requests() == []
        ui.click_button(offer, "Make a new tool anyway")
    with ui.step("made anyway, with a progress notification"):
        ui.wait_notification(re.compile(rf"Made tool {SUGGESTED} \(verified \d+/\d+"), timeout=SLOW_MS)
        seen = " | ".join(vscode.recorded("toasts"))
        assert f"latm: making {SUGGESTED}" in seen, seen
        assert re.search(r"propose|verify|wrap|parser", seen), seen
    with ui.step("the tool is in the Toolbox view without a reload, and on disk"):
        ui.show_toolbox()
        expect(ui.tool_description(SUGGESTED)).to_contain_text("✓ made · 0 uses", timeout=WAIT_MS)
        folder = vscode.workspace / "toolbox" / SUGGESTED
        assert sorted(p.name for p in folder.iterdir()) == ["test_tool.py", "tool.py", "tool.toml"]
        ui.expect_status("4 tools · docker")


def test_cancelled_make_writes_nothing(vscode: Instance) -> None:
    ui = vscode.workbench
    before = git(vscode.workspace, "status", "--porcelain", "--untracked-files=all", "toolbox")
    with ui.step("a second make waits on the model"):
        ui.open_file("slow.md")
        ui.select_lines(1, 3 * len(EXAMPLES))
        ui.run_command("LATM: Make Tool from Selection")
        ui.answer_input("slow_sorter")
        ui.click_button(ui.wait_notification(ANSWERED, timeout=SLOW_MS), "Make a new tool anyway")
        toast = ui.wait_notification(re.compile("latm: making slow_sorter"))
        wait_until(lambda: sorting_model.slow_request_seen(vscode.llm.requests), WAIT_MS, "the slow proposal request")
    with ui.step("Cancel on the progress notification ends the make"):
        ui.click_button(toast, "Cancel")
        ui.expect_status("4 tools · docker", timeout=SLOW_MS)
    with ui.step("nothing was written"):
        assert not (vscode.workspace / "toolbox" / "slow_sorter").exists()
        assert git(vscode.workspace, "status", "--porcelain", "--untracked-files=all", "toolbox") == before
        expect(ui.page.locator(".notifications-toasts .notification-list-item .codicon-error")).to_have_count(0)


def test_solve_through_light_bulb_and_palette(vscode: Instance) -> None:
    ui = vscode.workbench
    with ui.step("light bulb: Solve with tool: word_sorting"):
        ui.open_file("questions.md")
        ui.go_to_line(3)
        ui.light_bulb_action("Solve with tool: word_sorting")
        ui.expect_editor_text("Answer: banana cherry walnut")
    with ui.step("the use count goes up in the Toolbox view"):
        ui.show_toolbox()
        expect(ui.tool_description("word_sorting")).to_contain_text("· 1 use", timeout=WAIT_MS)
    with ui.step("palette: LATM: Solve with Tool, picking the tool"):
        ui.open_file("questions.md")
        ui.go_to_line(6)
        ui.run_command("LATM: Solve with Tool")
        expect(ui.quick_pick_row("word_sorting").first).to_contain_text("1 use", timeout=WAIT_MS)
        ui.pick("word_sorting")
        ui.expect_editor_text("Answer: date lime plum")
        expect(ui.tool_description("word_sorting")).to_contain_text("· 2 uses", timeout=WAIT_MS)


def test_details_pending_and_stats_are_read_only(vscode: Instance) -> None:
    ui = vscode.workbench
    with ui.step("Show Tool Details reports the uses"):
        ui.run_command("LATM: Show Tool Details")
        ui.pick("word_sorting")
        ui.check_read_only("word_sorting.json", '"uses": 2')
    with ui.step("Show Pending Questions"):
        ui.run_command("LATM: Show Pending Questions")
        ui.check_read_only("pending-questions.json", '"groups"')
    with ui.step("Show Ledger / Stats"):
        ui.run_command("LATM: Show Ledger / Stats")
        ui.pick("Stats (latm stats)")
        ui.check_read_only("latm-stats.txt", "answered questions: 2")


def test_verify_and_commit_from_the_toolbox_view(vscode: Instance) -> None:
    ui = vscode.workbench
    ui.clear_notifications()
    with ui.step("Verify (inline button): one message"):
        ui.show_toolbox()
        ui.tool_button(SUGGESTED, "Verify Tool")
        toast = ui.wait_notification(re.compile(rf"{SUGGESTED}: verified"), timeout=SLOW_MS)
        assert re.fullmatch(rf"{SUGGESTED}: verified \d+/\d+\.", toast.locator(
            ".notification-list-item-message").inner_text().strip())
        assert len([m for m in ui.centre_messages() if "verified" in m]) == 1
    with ui.step("Commit (inline button) commits only the tool's folder"):
        ui.tool_button(SUGGESTED, "Commit Tool")
        expect(ui.dialog()).to_contain_text(f"Commit tool {SUGGESTED}?", timeout=WAIT_MS)
        ui.dialog_button("Commit")
        ui.wait_notification(re.compile(rf"Committed tool {SUGGESTED} as"), timeout=WAIT_MS)
        stat = git(vscode.workspace, "log", "-1", "--stat", "--format=")
        files = [line.split("|")[0].strip() for line in stat.splitlines() if "|" in line]
        assert files and all(f.startswith(f"toolbox/{SUGGESTED}/") for f in files), stat
    with ui.step("the rest stays uncommitted, and .latm is not offered to git"):
        status = git(vscode.workspace, "status", "--porcelain", "--untracked-files=all")
        assert "questions.md" in status
        assert ".latm" not in status, status


def test_setting_reaches_the_server_and_a_killed_server_restarts(vscode: Instance) -> None:
    ui = vscode.workbench
    with ui.step("a latm.* setting changed in the Settings editor"):
        ui.change_setting("latm.timeoutS", "7")
        wait_until(lambda: "settings changed: timeout_s" in vscode.output(), WAIT_MS,
                   "the server's 'settings changed' line")
    with ui.step("killing the server"):
        mark = vscode.status_mark()
        killed = vscode.server.latm_servers()
        assert len(killed) == 1, killed
        os.kill(killed[0], signal.SIGKILL)
    with ui.step("the server is restarted and the status bar says so"):
        vscode.wait_status_after(mark, "LATM", "4 tools · docker · restarted")
        expect(ui.status).to_have_attribute("aria-label", re.compile("restarted"), timeout=UI_MS)
        restarted = vscode.server.latm_servers()
        assert len(restarted) == 1 and restarted != killed


def test_broken_manifest_in_the_problems_panel(vscode: Instance) -> None:
    ui = vscode.workbench
    with ui.step("break dyck_languages/tool.toml in the editor and save"):
        ui.open_file("toolbox/dyck_languages/tool.toml")
        ui.go_to_line(1)
        ui.page.keyboard.press("End")
        ui.page.keyboard.type(" = [unclosed")
        ui.run_command("File: Save")
    with ui.step("the Problems panel shows it"):
        rows = ui.problems()
        expect(rows.filter(has_text=re.compile("tool.toml|dyck_languages")).first).to_be_visible(timeout=WAIT_MS)
    with ui.step("and the Toolbox view marks the tool"):
        ui.show_toolbox()
        expect(ui.tool_row("dyck_languages").locator(".codicon-error")).to_be_visible(timeout=WAIT_MS)


def test_output_is_clean(vscode: Instance) -> None:
    output = vscode.output()
    assert "Cancel notification for unknown message id" not in output
    assert "Traceback" not in output
