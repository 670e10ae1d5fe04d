"""One crafted file breaks only its own tool: nesting and size have limits that are checked before
any parser runs, and every other tool and command keeps working (issue 16, item 10)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from latm.toolbox import manifest as mf
from latm.toolbox import store
from latm.toolbox.registry import Registry
from toolbox_support import latm

DEEP = 100_000
CRAFTED_TOML = {  # tool name: the line appended to its tool.toml
    "deep_array": "crafted = " + "[" * DEEP + "]" * DEEP,
    "deep_table": "crafted = " + "{a = " * DEEP + "1" + "}" * DEEP,
    "huge_toml": "# " + "x" * (8 << 20),
}
CRAFTED_CODE = {  # tool name: the line appended to its tool.py
    "deep_unary": "crafted = " + "-" * DEEP + "1",  # MemoryError in the parser
    "deep_not": "crafted = " + "not " * DEEP + "1",  # MemoryError in the parser
    "long_sum": "crafted = " + "+".join(["1"] * DEEP),  # RecursionError building the tree
    "long_attribute": "crafted = a" + ".a" * DEEP,  # RecursionError building the tree
    "deep_but_parses": "crafted = " + "+".join(["1"] * 600),  # parses; too deep for ast.unparse and friends
    "huge_code": "# " + "x" * (8 << 20),
}


def crafted_toolbox(toolbox: Path, make_files) -> None:
    store.write_tool(toolbox, make_files(name="adder"))
    for name, line in CRAFTED_TOML.items():
        folder = store.write_tool(toolbox, make_files(name=name))
        with open(folder / "tool.toml", "a") as handle:
            handle.write(line + "\n")
    for name, line in CRAFTED_CODE.items():
        code = make_files().code + line + "\n"
        store.write_tool(toolbox, make_files(name=name, code=code))  # the recorded hash matches


def test_nesting_and_size_limits_of_a_manifest():
    with pytest.raises(mf.ManifestError, match="nested more than"):
        mf.loads(CRAFTED_TOML["deep_array"])
    with pytest.raises(mf.ManifestError, match="nested more than"):
        mf.loads(CRAFTED_TOML["deep_table"])
    with pytest.raises(mf.ManifestError, match="Exceeds the limit"):
        mf.loads("format_version = 0x" + "f" * 5000)  # a ValueError when the number is shown
    # Brackets inside strings and comments are not nesting.
    quoted = 'q = "' + "[" * 500 + '"\nr = """' + "{" * 500 + '"""\ns = \'' + "[" * 500 + "'\n# " + "[" * 500
    with pytest.raises(mf.ManifestError, match="name: missing"):
        mf.loads(quoted)


def test_a_crafted_file_breaks_only_its_own_tool(toolbox, tool_files):
    crafted_toolbox(toolbox, tool_files)
    registry = Registry(toolbox).load()
    assert list(registry.tools) == ["adder"]
    assert sorted(registry.broken) == sorted([*CRAFTED_TOML, *CRAFTED_CODE])
    says = {name: " ".join(p.message for p in problems) for name, problems in registry.broken.items()}
    assert all("nested" in says[n] for n in ("deep_array", "deep_table", "deep_unary", "deep_not", "long_sum",
                                             "long_attribute", "deep_but_parses")), says
    assert "larger than" in says["huge_toml"] and "larger than" in says["huge_code"]


def test_every_command_keeps_working_next_to_a_crafted_tool(tmp_path, tool_files):
    crafted_toolbox(tmp_path / "toolbox", tool_files)
    listed = latm("list", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.startswith("adder ") and f"({len(CRAFTED_TOML) + len(CRAFTED_CODE)} broken: " in listed.stdout

    checked = latm("check", "--json", cwd=tmp_path)
    data = json.loads(checked.stdout)
    assert checked.returncode == 1 and data["tools"] == ["adder"]
    assert sorted(data["broken"]) == sorted([*CRAFTED_TOML, *CRAFTED_CODE])
    assert "Traceback" not in checked.stderr

    solved = latm("solve", "What is 40 plus 2?", "--tool", "adder", cwd=tmp_path, env={"LATM_SANDBOX": "process"})
    assert solved.returncode == 0, solved.stderr
    assert solved.stdout.splitlines()[0] == "42"
    shown = latm("show", "deep_unary", cwd=tmp_path)
    assert shown.returncode == 1 and "broken" in shown.stderr and "Traceback" not in shown.stderr
