import subprocess
import sys
from pathlib import Path

import pytest

from latm.errors import InvalidToolName, ToolNotFound
from latm.toolbox import manifest as mf
from latm.toolbox import store
from latm.toolbox.names import suggest_name, validate_name
from latm.toolbox.registry import Registry


@pytest.mark.parametrize("bad", ["", "A", "1tool", "../etc", "a/b", "a\\b", "..", "a.b", "tool\x00", "tооl",
                                 "ｔool", "a" * 65, None, 3, "tool-name", " tool"])
def test_invalid_names_are_refused_before_any_file_is_touched(bad, toolbox, tool_files):
    with pytest.raises(InvalidToolName):
        validate_name(bad)
    files = tool_files()
    with pytest.raises(InvalidToolName):
        store.write_tool(toolbox, store.ToolFiles(files.manifest.__class__(**{**vars(files.manifest), "name": bad}), files.code))
    assert not toolbox.exists()


def test_suggested_names_are_valid():
    for text in ["Word Sorting", "../../x", "123", "", "dyck_languages.json"]:
        assert validate_name(suggest_name(text))


def test_written_tool_round_trips_and_its_generated_tests_pass(toolbox, tool_files):
    folder = store.write_tool(toolbox, tool_files())
    assert sorted(p.name for p in folder.iterdir()) == ["test_tool.py", "tool.py", "tool.toml"]
    manifest = mf.loads((folder / "tool.toml").read_text())
    assert manifest.provenance.tool_hash == mf.tool_hash((folder / "tool.py").read_text())
    assert manifest == mf.loads(mf.dumps(manifest))
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", str(toolbox)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "9 passed" in run.stdout  # 3 use cases + 6 parser cases


def test_generated_tests_fail_when_the_tool_is_wrong(toolbox, tool_files):
    store.write_tool(toolbox, tool_files(code=tool_files().code.replace("return a + b", "return a - b")))
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", str(toolbox)], capture_output=True, text=True)
    assert run.returncode == 1 and "9 failed" in run.stdout


def test_rewrite_replaces_the_whole_folder(toolbox, tool_files):
    store.write_tool(toolbox, tool_files())
    (toolbox / "adder" / "stale.txt").write_text("left from the old version")
    store.write_tool(toolbox, tool_files(summary="Adds."))
    assert not (toolbox / "adder" / "stale.txt").exists()
    assert mf.loads((toolbox / "adder" / "tool.toml").read_text()).summary == "Adds."
    assert [p.name for p in toolbox.iterdir() if p.name.startswith(".")] == []


def test_interrupted_write_leaves_the_old_tool_byte_identical(toolbox, tool_files, monkeypatch):
    folder = store.write_tool(toolbox, tool_files())
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    real = store._write_synced
    calls = []

    def crash_on_second_file(path, text):
        calls.append(path)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real(path, text)

    monkeypatch.setattr(store, "_write_synced", crash_on_second_file)
    with pytest.raises(OSError):
        store.write_tool(toolbox, tool_files(code="def add(a, b):\n    return 0\n"))
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert [p.name for p in toolbox.iterdir() if p.name.startswith(".")] == []


def test_killed_writer_leaves_the_old_tool_intact(toolbox, tool_files):
    folder = store.write_tool(toolbox, tool_files())
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    # A writer process killed (SIGKILL) in the middle of writing the new version.
    script = (
        "import os, sys\nfrom pathlib import Path\nfrom latm.toolbox import store\n"
        "sys.path.insert(0, %r)\nfrom conftest import make_files\n"
        "real = store._write_synced\n"
        "def die(path, text):\n    real(path, text)\n    os.kill(os.getpid(), 9)\n"
        "store._write_synced = die\n"
        "store.write_tool(Path(%r), make_files(summary='new'))\n"
    ) % (str(Path(__file__).parent), str(toolbox))
    run = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert run.returncode == -9
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    registry = Registry(toolbox).load()
    assert list(registry.tools) == ["adder"] and registry.broken == {}


def test_delete_tool(toolbox, tool_files):
    store.write_tool(toolbox, tool_files())
    store.delete_tool(toolbox, "adder")
    assert not (toolbox / "adder").exists()
    with pytest.raises(ToolNotFound):
        store.delete_tool(toolbox, "adder")
    with pytest.raises(InvalidToolName):
        store.delete_tool(toolbox, "../toolbox")


def break_tools(toolbox: Path, tool_files) -> None:
    for name in ("good", "bad_toml", "no_code", "hash_changed", "syntax", "wrong_name", "no_entry"):
        store.write_tool(toolbox, tool_files(name=name))
    (toolbox / "bad_toml" / "tool.toml").write_text('name = "bad_toml"\nsummary = "x\nentry = "add"\n')
    (toolbox / "no_code" / "tool.py").unlink()
    with open(toolbox / "hash_changed" / "tool.py", "a") as handle:
        handle.write("\n# edited by hand\n")
    text = (toolbox / "syntax" / "tool.toml").read_text()
    (toolbox / "syntax" / "tool.py").write_text("def add(a, b):\n    return a +\n")
    (toolbox / "syntax" / "tool.toml").write_text(text)
    toml = toolbox / "wrong_name" / "tool.toml"
    toml.write_text(toml.read_text().replace('name = "wrong_name"', 'name = "other"'))
    toml = toolbox / "no_entry" / "tool.toml"
    toml.write_text(toml.read_text().replace('entry = "add"', 'entry = "missing"'))
    (toolbox / "Bad-Folder").mkdir()


def test_registry_reports_each_broken_tool_and_serves_the_rest(toolbox, tool_files):
    break_tools(toolbox, tool_files)
    registry = Registry(toolbox).load()
    assert sorted(registry.tools) == ["good", "hash_changed"]  # a hand edit loads, waiting to be accepted
    assert registry.tools["hash_changed"].state == "edited" and not registry.tools["hash_changed"].usable
    problems = {p.path.relative_to(toolbox).parts[0]: p for p in registry.problems()}
    assert set(problems) == {"bad_toml", "no_code", "hash_changed", "syntax", "wrong_name", "no_entry", "Bad-Folder"}
    assert problems["bad_toml"].path.name == "tool.toml" and problems["bad_toml"].line == 2
    assert "not valid TOML" in problems["bad_toml"].message
    assert "missing file tool.py" in problems["no_code"].message
    edited = problems["hash_changed"]
    assert edited.severity == "error" and edited.code == "latm.edited" and edited.path.name == "tool.py"
    assert "edited, not verified" in edited.message and "latm verify hash_changed" in edited.message
    assert problems["syntax"].path.name == "tool.py" and problems["syntax"].line == 2
    assert "does not match its folder" in problems["wrong_name"].message
    assert "'missing'" in problems["no_entry"].message
    with pytest.raises(ToolNotFound, match="broken"):
        registry.get("syntax")


def test_manifest_schema_errors_point_at_the_line(tool_files):
    text = mf.dumps(tool_files().manifest).replace('origin = "hand-written"', 'origin = "found on the internet"')
    with pytest.raises(mf.ManifestError) as caught:
        mf.loads(text)
    assert "provenance.origin" in caught.value.message
    assert text.splitlines()[caught.value.line - 1].startswith("origin")


def test_incremental_reload_only_touches_named_tools(toolbox, tool_files):
    store.write_tool(toolbox, tool_files(name="one"))
    store.write_tool(toolbox, tool_files(name="two"))
    registry = Registry(toolbox).load()
    first_two = registry.tools["two"]
    store.write_tool(toolbox, tool_files(name="one", summary="changed"))
    store.delete_tool(toolbox, "two")
    registry.reload({"one"})
    assert registry.tools["one"].manifest.summary == "changed"
    assert registry.tools["two"] is first_two  # not reloaded, so not yet seen as deleted
    registry.reload({"two"})
    assert "two" not in registry.tools


def test_pytest_on_the_toolbox_runs_tool_code_outside_any_sandbox(toolbox, tool_files, tmp_path):
    """What the trust model leaves to the user: latm runs tool code only in its sandbox, but
    ``pytest toolbox/`` (the generated tests) imports each tool.py on the machine that runs it."""
    marker = tmp_path / "ran-on-the-host"
    code = tool_files().code + f"\n\nopen({str(marker)!r}, 'w').close()\n"
    store.write_tool(toolbox, tool_files(code=code))
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(toolbox)],
                         cwd=toolbox, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert marker.exists()
