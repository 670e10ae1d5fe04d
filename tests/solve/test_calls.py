"""An answer's code: the user model's as it ran, a parser answer's literal call on request, and
the imports either needs beside the toolbox. Real SDK, scripted server, real Docker sandbox."""

from __future__ import annotations

import dataclasses

import pytest

from latm.solve import solve
from latm.solve.calls import NoCall, import_lines, with_call
from latm.toolbox.manifest import Example, Manifest, ParserEntry, Provenance, Verification
from latm.toolbox.store import ToolFiles, write_tool
from latm.workspace import Workspace

pytestmark = pytest.mark.docker

CODE = '''"""The hypotenuse of a right triangle."""

import math
import re

UNITS = "cm"


def hypotenuse(a, b):
    """Length of the hypotenuse of a right triangle with legs a and b."""
    return math.hypot(a, b)


def parse_question(question):
    a, b = (int(n) for n in re.findall(r"\\d+", question))
    return {"a": a, "b": b}


def format_answer(result, question):
    return f"{result:g} {UNITS}"
'''
LEGS = [(3, 4), (6, 8), (5, 12), (8, 15), (9, 12), (12, 16)]
QUESTION = "How long is the hypotenuse of a right triangle with legs 20 and 21?"
# The tool user reads a constant of the tool and a module the tool imported.
USER_CODE = "legs = [20, 21]\nlength = hypotenuse(*legs)\nans = f'{math.floor(length)} {UNITS}'\n"


def write_hypotenuse(ws, name: str, parser: bool) -> None:
    examples = tuple(Example(f"How long is the hypotenuse of a right triangle with legs {a} and {b}?",
                             f"{(a * a + b * b) ** 0.5:g} cm", "train" if i < 3 else "validation")
                     for i, (a, b) in enumerate(LEGS))
    manifest = Manifest(name=name, summary="The hypotenuse of a right triangle.", entry="hypotenuse",
                        signature="hypotenuse(a, b)", provenance=Provenance("hand-written", "", "2026-11-21T00:00:00Z"),
                        verification=Verification(6, 6, "2026-11-21T00:00:00Z", "docker"), examples=examples,
                        parser=ParserEntry(verified_on=6) if parser else None)
    write_tool(ws.toolbox_dir, ToolFiles(manifest, CODE))
    ws.registry.reload({name})


def test_a_user_model_answer_carries_its_code_and_imports_what_it_reads(scripted_llm, workspace, llm):
    write_hypotenuse(workspace, "hypotenuse_by_model", parser=False)
    scripted_llm.push(f"I call the tool with the two legs.\n\n```python\n{USER_CODE}```")
    answer = solve(workspace, QUESTION, "hypotenuse_by_model")
    assert (answer.answer, answer.path) == ("29 cm", "user_model")
    assert answer.code == USER_CODE
    tool = workspace.registry.get("hypotenuse_by_model")
    assert with_call(workspace, tool, answer) is answer  # nothing to run: the code is there
    assert import_lines(workspace, tool, answer.code) == [
        "import math", "from toolbox.hypotenuse_by_model.tool import hypotenuse, UNITS"]


def test_a_parser_answer_gets_its_literal_call_on_request(workspace, llm):
    write_hypotenuse(workspace, "hypotenuse", parser=True)
    answer = solve(workspace, QUESTION, "hypotenuse")
    assert (answer.answer, answer.path, answer.code) == ("29 cm", "parser", "")
    tool = workspace.registry.get("hypotenuse")
    called = with_call(workspace, tool, answer)
    assert called.code == "ans = hypotenuse(a=20, b=21)\n" and called.answer == answer.answer
    assert import_lines(workspace, tool, called.code) == ["from toolbox.hypotenuse.tool import hypotenuse"]


def test_no_import_from_a_toolbox_folder_python_cannot_import(workspace):
    ws = Workspace(workspace.root, dataclasses.replace(workspace.settings, toolbox="my-tools"))
    write_hypotenuse(ws, "hypotenuse", parser=True)
    with pytest.raises(NoCall, match="not an importable package path"):
        import_lines(ws, ws.registry.get("hypotenuse"), "ans = hypotenuse(a=20, b=21)\n")
