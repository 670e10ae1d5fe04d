"""The parsed toolbox kept in ``.latm/cache/registry.json`` (issue 10): a hit loads what a cold
load does without re-reading unchanged tools; changes are picked up tool by tool; a damaged,
stale, edited, forged or linked cache is rebuilt and never trusted; concurrent writers leave a
whole file. Real files throughout; the only thing set by hand is how recent a change must be to
count as too recent to cache (files written by the test are seconds old)."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys

import pytest

from latm import collector
from latm.errors import ToolboxError
from latm.toolbox import cache_file, registry_cache, store
from latm.toolbox.registry import Registry
from latm.toolbox.registry_cache import RegistryCache
from cache_support import recorded, rewrite_body
from test_toolbox import break_tools
from toolbox_support import python_with_latm


@pytest.fixture
def settled(monkeypatch):
    """Every file counts as settled (by default a change in the last 2 s keeps a tool out of the cache)."""
    monkeypatch.setattr(registry_cache, "RACY_S", -3600.0)


@pytest.fixture
def parsed(monkeypatch):
    """The names of the folders read and parsed (not taken from the cache) since the last call."""
    return recorded(monkeypatch, registry_cache, "load_folder", lambda folder: folder.name)


def project(tmp_path, tool_files):
    toolbox = tmp_path / "toolbox"
    break_tools(toolbox, tool_files)  # good and broken tools alike
    store.write_tool(toolbox, tool_files(name="second"))
    return toolbox, tmp_path / ".latm"


def load(toolbox, state):
    return Registry(toolbox, RegistryCache(state)).load()


def same(a: Registry, b: Registry) -> None:
    assert a.tools == b.tools
    assert a.broken == b.broken
    assert a.problems() == b.problems()


def test_a_hit_loads_what_a_cold_load_does_without_parsing_anything(tmp_path, tool_files, settled, parsed):
    toolbox, state = project(tmp_path, tool_files)
    cold = Registry(toolbox).load()
    first = load(toolbox, state)
    assert parsed() == set(cold.tools) | set(cold.broken)
    assert (state / "cache" / "registry.json").is_file() and (state / ".gitignore").read_text() == "*\n"
    again = load(toolbox, state)
    assert parsed() == set()
    same(again, cold)
    same(first, cold)
    assert again.tools["good"].key == cold.tools["good"].key != ""


def test_changed_added_and_removed_tools_are_picked_up_and_only_they_are_parsed(tmp_path, tool_files, settled, parsed):
    toolbox, state = project(tmp_path, tool_files)
    load(toolbox, state)
    parsed()
    store.write_tool(toolbox, tool_files(name="good", summary="Add two numbers, now said differently."))
    store.write_tool(toolbox, tool_files(name="added"))
    store.delete_tool(toolbox, "second")
    (toolbox / "syntax" / "tool.py").write_text("def add(a, b):\n    return a + b\n")  # fixed in place
    loaded = load(toolbox, state)
    assert parsed() == {"good", "added", "syntax"}
    same(loaded, Registry(toolbox).load())
    assert loaded.tools["good"].manifest.summary == "Add two numbers, now said differently."
    assert "second" not in loaded.tools and "added" in loaded.tools
    assert load(toolbox, state).tools.keys() == loaded.tools.keys() and parsed() == set()


def test_a_just_changed_tool_is_not_cached(tmp_path, tool_files, parsed):
    toolbox = tmp_path / "toolbox"
    store.write_tool(toolbox, tool_files())  # written now: a change in the same clock tick could go unseen
    for _ in range(2):
        load(toolbox, tmp_path / ".latm")
        assert parsed() == {"adder"}  # read each time
    assert not (tmp_path / ".latm" / "cache" / "registry.json").exists()


def edit_manifest(name, change):
    """Change tool ``name``'s cached manifest (JSON text within the cache) with ``change(data)``."""
    def edit(body):
        entry = body[name]["tool"]
        data = json.loads(entry["manifest"])
        change(data)
        entry["manifest"] = json.dumps(data)
    return edit


DAMAGE = {
    "truncated": lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]),
    "empty": lambda p: p.write_bytes(b""),
    "not json": lambda p: p.write_bytes(b"\x00\xff garbage\n{"),
    "edited, hash left": lambda p: p.write_text(p.read_text().replace("Add two numbers.", "Subtract two numbers.", 1)),
    "edited, hash fixed, an unknown state": lambda p: rewrite_body(p, lambda d: d["good"]["tool"].__setitem__("state", "fine")),
    "edited, hash fixed, problem of the wrong shape": lambda p: rewrite_body(
        p, lambda d: d["no_code"].__setitem__("problems", [["tool.py", "one", "x", "error", ""]])),
    "edited, hash fixed, another tool's entry": lambda p: rewrite_body(p, lambda d: d["good"].__setitem__("tool", d["second"]["tool"])),
    "other code": lambda p: p.write_text(p.read_text().replace('"key": "', '"key": "0', 1)),
    "other format": lambda p: p.write_text(p.read_text().replace('"format": 1', '"format": 99', 1)),
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_or_stale_cache_is_rebuilt_and_the_result_is_right(tmp_path, tool_files, settled, parsed, damage):
    toolbox, state = project(tmp_path, tool_files)
    cold = load(toolbox, state)
    everything = parsed()
    DAMAGE[damage](state / "cache" / "registry.json")
    same(load(toolbox, state), cold)
    assert parsed() == everything  # nothing of the damaged cache was used
    load(toolbox, state)
    assert parsed() == set()  # and it was written anew


# A manifest is checked when it is first used (routing 1,000 tools looks at none of them).
MANIFEST_DAMAGE = {
    "a summary of the wrong type": ("good", edit_manifest("good", lambda m: m.__setitem__("summary", 5))),
    "an example that is no table": ("good", edit_manifest("good", lambda m: m["examples"].__setitem__(0, "x"))),
    "another tool's manifest": ("good", lambda d: d["good"]["tool"].__setitem__("manifest", d["second"]["tool"]["manifest"])),
    "no JSON": ("good", lambda d: d["good"]["tool"].__setitem__("manifest", "{\"name\": ")),
    "JSON that is no table": ("good", lambda d: d["good"]["tool"].__setitem__("manifest", "[1, 2]")),
}


@pytest.mark.parametrize("damage", sorted(MANIFEST_DAMAGE))
def test_a_damaged_manifest_is_read_from_the_files_when_used_and_the_cache_rebuilt(
        tmp_path, tool_files, settled, parsed, damage):
    toolbox, state = project(tmp_path, tool_files)
    cold = load(toolbox, state)
    everything = parsed()
    name, change = MANIFEST_DAMAGE[damage]
    rewrite_body(state / "cache" / "registry.json", change)
    loaded = load(toolbox, state)
    assert parsed() == set()
    assert loaded.tools[name].manifest == cold.tools[name].manifest  # checked as it is used: from the files
    assert parsed() == {name}
    same(loaded, cold)
    assert not (state / "cache" / "registry.json").exists()
    same(load(toolbox, state), cold)
    assert parsed() == everything  # nothing of the damaged cache is used again
    load(toolbox, state)
    assert parsed() == set()  # and it was written anew


def test_a_forged_entry_with_its_hash_fixed_does_not_match_the_files(tmp_path, tool_files, settled, parsed):
    """What a repository could commit: it knows the files' contents, never their inodes and change times."""
    toolbox, state = project(tmp_path, tool_files)
    cold = load(toolbox, state)
    parsed()
    rewrite_body(state / "cache" / "registry.json", lambda d: [e.__setitem__("stat", [0] * len(e["stat"])) for e in d.values()])
    same(load(toolbox, state), cold)
    assert parsed() == set(cold.tools) | set(cold.broken)


def test_a_cache_file_that_is_a_link_is_ignored(tmp_path, tool_files, settled, parsed):
    toolbox, state = project(tmp_path, tool_files)
    cold = load(toolbox, state)
    everything = parsed()
    cache = state / "cache" / "registry.json"
    elsewhere = tmp_path / "planted.json"
    os.replace(cache, elsewhere)
    cache.symlink_to(elsewhere)
    same(load(toolbox, state), cold)
    assert parsed() == everything
    assert not cache.is_symlink() and elsewhere.is_file()  # replaced by a file, never written through


def test_a_linked_latm_folder_is_neither_read_nor_written(tmp_path, tool_files, settled, parsed):
    toolbox, _ = project(tmp_path, tool_files)
    real = tmp_path / "real_state"
    load(toolbox, real)  # a valid cache, there
    parsed()
    before = (real / "cache" / "registry.json").read_bytes()
    (tmp_path / "linked").symlink_to(real)
    cold = Registry(toolbox).load()
    same(load(toolbox, tmp_path / "linked"), cold)
    assert parsed() == set(cold.tools) | set(cold.broken)
    assert (real / "cache" / "registry.json").read_bytes() == before


WRITER = """
import sys
from latm.toolbox import cache_file
for i in range(40):
    cache_file.write(sys.argv[1], "registry", "test", "k", {"writer": sys.argv[2], "i": i, "pad": "x" * 200000})
"""


def test_two_processes_writing_at_once_leave_a_whole_cache(tmp_path):
    state = tmp_path / ".latm"
    assert cache_file.write(state, "registry", "test", "k", {"writer": "first", "i": -1, "pad": ""})
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(state), name]) for name in ("a", "b")]
    seen = set()
    while any(w.poll() is None for w in writers):
        body = cache_file.read(state, "registry", "test", "k")
        assert body is not None, "a reader saw a partial or damaged cache"
        seen.add(body["writer"])
    assert [w.returncode for w in writers] == [0, 0]
    last = cache_file.read(state, "registry", "test", "k")
    assert last is not None and last["writer"] in ("a", "b") and last["i"] == 39
    assert [p.name for p in (state / "cache").iterdir()] == ["registry.json"]  # no temporary files left


def test_two_latm_processes_loading_at_once_leave_a_cache_that_loads_right(tmp_path, tool_files):
    toolbox, state = project(tmp_path, tool_files)
    script = ("from pathlib import Path\nfrom latm.toolbox import registry_cache\nregistry_cache.RACY_S = -3600.0\n"
              f"from latm.toolbox.registry import Registry\nRegistry(Path({str(toolbox)!r}), "
              f"registry_cache.RegistryCache(Path({str(state)!r}))).load()\n")
    loaders = [python_with_latm(script) for _ in range(2)]
    assert [p.wait(timeout=120) for p in loaders] == [0, 0]
    body = cache_file.read(state, registry_cache.NAME, registry_cache.KIND, f"{registry_cache.CODE}:{toolbox}")
    assert body is not None and set(body) == set(Registry(toolbox).load().tools) | set(Registry(toolbox).load().broken)


def test_a_state_the_files_do_not_have_fails_the_tool_as_soon_as_its_manifest_is_used(tmp_path, tool_files, settled, parsed):
    """A hand-edited tool cached as verified (hash fixed) would be routed to; it is never run as one."""
    toolbox, state = project(tmp_path, tool_files)
    cold = load(toolbox, state)
    parsed()
    rewrite_body(state / "cache" / "registry.json", lambda d: d["hash_changed"]["tool"].__setitem__("state", "verified"))
    lied = load(toolbox, state).tools["hash_changed"]
    with pytest.raises(ToolboxError, match="not what latm's toolbox cache recorded"):
        lied.manifest
    assert parsed() == {"hash_changed"} and not (state / "cache" / "registry.json").exists()
    same(load(toolbox, state), cold)
    assert cold.tools["hash_changed"].state == "edited"


def test_a_load_pauses_the_garbage_collector_and_always_resumes_it(tmp_path, tool_files, settled, monkeypatch):
    toolbox, state = project(tmp_path, tool_files)
    seen, real = [], registry_cache._load_all
    monkeypatch.setattr(registry_cache, "_load_all", lambda *args: (seen.append(gc.isenabled()), real(*args))[1])
    load(toolbox, state)
    assert seen == [False] and gc.isenabled()
    monkeypatch.setattr(registry_cache, "_load_all", lambda *args: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        load(toolbox, state)
    assert gc.isenabled()


def test_overlapping_loads_resume_the_collector_when_the_last_ends_and_leave_it_as_they_found_it():
    first, second = collector.paused(), collector.paused()  # e.g. two threads of the language server
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert not gc.isenabled()
    second.__exit__(None, None, None)
    assert gc.isenabled()
    gc.disable()  # the program's own choice
    try:
        with collector.paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
