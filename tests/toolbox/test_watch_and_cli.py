import json
import shutil
import subprocess
import sys
import threading
import time

from latm.toolbox import store
from latm.toolbox.registry import Registry
from latm.toolbox.watch import ToolboxWatcher


def latm(*args, cwd):
    return subprocess.run([sys.executable, "-m", "latm", *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def wait_for(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_a_burst_of_50_new_tools_is_one_reload(tmp_path, toolbox, tool_files):
    # Prepare 50 tools elsewhere, then move them in at once, as a `git pull` would.
    staging = tmp_path / "incoming"
    for i in range(50):
        store.write_tool(staging, tool_files(name=f"tool_{i:02d}"))
    toolbox.mkdir()
    registry = Registry(toolbox).load()
    batches = []
    done = threading.Event()
    watcher = ToolboxWatcher(registry, on_reload=lambda names: (batches.append(names), done.set()),
                             debounce_ms=1600, step_ms=300).start()
    try:
        time.sleep(0.5)  # let the watcher arm
        for folder in sorted(staging.iterdir()):
            if not folder.name.startswith("."):
                shutil.move(str(folder), toolbox / folder.name)
        assert done.wait(15), "no reload after the burst"
        time.sleep(2.0)  # a second reload would come within one debounce window
        assert watcher.reloads == 1
        assert len(batches[0]) == 50
        assert sorted(registry.tools) == [f"tool_{i:02d}" for i in range(50)]
        assert registry.broken == {}
        # And a single edit afterwards is seen too, as its own small reload.
        (toolbox / "tool_07" / "tool.py").write_text("def add(a, b):\n    return a +\n")
        assert wait_for(lambda: "tool_07" in registry.broken)
        assert watcher.reloads == 2 and "tool_07" not in registry.tools
    finally:
        watcher.stop()


def test_cli_list_json_lists_the_committed_tools():
    run = latm("list", "--json", cwd=".")
    assert run.returncode == 0, run.stderr
    names = {tool["name"] for tool in json.loads(run.stdout)["tools"]}
    assert {"word_sorting", "dyck_languages", "chinese_remainder_theorem"} <= names


def test_cli_check_flags_a_broken_manifest_with_file_and_reason(tmp_path, toolbox, tool_files):
    store.write_tool(toolbox, tool_files(name="fine"))
    store.write_tool(toolbox, tool_files(name="broken"))
    manifest = toolbox / "broken" / "tool.toml"
    manifest.write_text(manifest.read_text().replace('entry = "add"', "entry = 42"))
    run = latm("check", cwd=tmp_path)
    assert run.returncode == 1
    assert f"{manifest}:5: error: entry: expected str, got int" in run.stdout
    assert "1 tools ok, 0 regressed, 0 edited (not verified), 1 broken" in run.stdout
    data = json.loads(latm("check", "--json", cwd=tmp_path).stdout)
    assert data["ok"] is False and data["broken"] == ["broken"] and data["tools"] == ["fine"]
    manifest.unlink()
    shutil.rmtree(toolbox / "broken")
    assert latm("check", cwd=tmp_path).returncode == 0


def test_cli_show_unknown_tool_is_a_clear_error(tmp_path):
    run = latm("show", "nope", cwd=tmp_path)
    assert run.returncode == 1 and "No tool named 'nope'" in run.stderr
    run = latm("show", "../../etc", "--json", cwd=tmp_path)
    assert run.returncode == 1 and json.loads(run.stdout)["type"] == "InvalidToolName"


def test_committed_toolbox_passes_its_own_generated_tests():
    # What a user's CI does with a committed toolbox: `pytest toolbox/`.
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "toolbox"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "27 passed" in run.stdout  # 3 tools x (3 use cases + 6 parser cases)
    assert latm("check", cwd=".").returncode == 0


def test_cli_list_counts_each_tools_answers(tmp_path, toolbox, tool_files):
    from latm.questions.answer_log import record_answer
    from latm.workspace import Workspace

    store.write_tool(toolbox, tool_files(name="adder"))
    store.write_tool(toolbox, tool_files(name="other"))
    ws = Workspace.open(tmp_path)
    for question in ("What is 1 plus 2?", "What is 3 plus 4?"):
        record_answer(ws, question, "adder", "parser")
    listing = json.loads(latm("list", "--json", cwd=tmp_path).stdout)
    assert {t["name"]: t["uses"] for t in listing["tools"]} == {"adder": 2, "other": 0}
    assert "2 uses" in latm("list", cwd=tmp_path).stdout


def test_cli_show_reports_the_tools_uses_as_list_does(tmp_path, toolbox, tool_files):
    from latm.questions.answer_log import record_answer
    from latm.workspace import Workspace

    store.write_tool(toolbox, tool_files(name="adder"))
    ws = Workspace.open(tmp_path)
    for question in ("What is 1 plus 2?", "What is 3 plus 4?"):
        record_answer(ws, question, "adder", "parser")
    shown = json.loads(latm("show", "adder", "--json", cwd=tmp_path).stdout)
    assert shown["uses"] == 2
    assert "uses:      2" in latm("show", "adder", cwd=tmp_path).stdout


def test_latm_keeps_its_state_folder_out_of_git(tmp_path, toolbox, tool_files):
    from latm.questions.answer_log import record_answer
    from latm.workspace import Workspace

    store.write_tool(toolbox, tool_files(name="adder"))
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    record_answer(Workspace.open(tmp_path), "What is 1 plus 2?", "adder", "parser")
    assert (tmp_path / ".latm" / ".gitignore").read_text() == "*\n"
    untracked = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=tmp_path,
                               capture_output=True, text=True, check=True).stdout
    assert ".latm" not in untracked and "toolbox/adder/tool.py" in untracked
