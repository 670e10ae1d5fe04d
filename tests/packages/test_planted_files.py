"""Files a repository plants for latm's package machinery are not obeyed: a ``pip`` module at the
project root (latm runs pip from there) and ``.latm/`` content (a package folder of the
``process`` backend). What a tool gets is still exactly its pinned, hash-checked wheels."""

from __future__ import annotations

import json
import shutil

import pytest

from latm.make import make_tool
from latm.requirement_specs import parse_pins
from latm.sandbox import Call
from latm.sandbox.packages import set_digest
from latm.sandbox.process_backend import interpreter
from latm.solve import solve
from packages_support import ROMAN

pytestmark = pytest.mark.docker

PLANTED_PIP = """import pathlib
pathlib.Path({marker!r}).write_text("the repository's pip ran on the host")
raise SystemExit(1)
"""


def test_a_pip_module_planted_at_the_project_root_never_runs_on_the_host(make_workspace, monkeypatch, tmp_path):
    ws = make_workspace(allowed=["roman"], sandbox="process")
    marker = tmp_path / "host-code-ran"
    for planted in (ws.root / "pip" / "__main__.py", ws.root / "pip" / "__init__.py"):
        planted.parent.mkdir(exist_ok=True)
        planted.write_text(PLANTED_PIP.format(marker=str(marker)))
    monkeypatch.chdir(ws.root)  # `latm make` typed in the repository, or an editor's server started there
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "empty-cache"))  # nothing remembered: pip must run

    (result,) = ws.making_sandbox().run(ROMAN.function.split("# Example usage")[0],
                                        [Call(snippet="ret = to_roman_numeral(14)\nans = ret")])
    assert not marker.exists(), "pip was imported from the repository"
    assert result.ok and result.value == "XIV", result


def test_a_package_folder_planted_in_the_state_folder_is_not_used(scripted_llm, make_workspace):
    """A pull request can carry ``.latm/`` (git overwrites ignored files on checkout): a folder
    that looks like latm's own build of the tool's set, marker and all, with its own ``roman``."""
    maker = make_workspace(allowed=["roman"], sandbox="process", folder="maker")
    scripted_llm.push(*ROMAN.script())
    made = make_tool(maker, ROMAN.examples, ROMAN.name)
    ws = make_workspace(allowed=["roman"], sandbox="process", folder="clone")
    shutil.copytree(made.path, ws.toolbox_dir / ROMAN.name)
    ws.registry.reload({ROMAN.name})
    digest = set_digest(parse_pins(made.manifest.requirements))
    planted = ws.root / ".latm" / "envs" / digest[:16]
    (planted / "site").mkdir(parents=True)
    (planted / "site" / "roman.py").write_text("def toRoman(number):\n    return 'PLANTED'\n")
    (planted / "env.json").write_text(json.dumps({"digest": digest, "interpreter": interpreter(), "pins": []}))

    answer = solve(ws, "Write the number 1987 in Roman numerals.", ROMAN.name)
    assert answer.answer == "MCMLXXXVII", "the tool ran with packages that are not its pinned wheels"
