"""``insert = "call"`` for a tool without a question parser: the code the user model wrote, run in
the sandbox, goes into the Python file with the tool's import."""

from __future__ import annotations

import ast
import dataclasses

import pytest
from families import WORD_SORTING, split
from lsp_support import bbh_family, examples_markdown, llm_env, maker_responder

from latm.make.verify import read_tool
from latm.toolbox.store import ToolFiles, write_tool

pytestmark = pytest.mark.docker

QUESTION = split("word_sorting")[2][4].question


def parsers(editor) -> dict[str, bool]:
    """Whether each tool has a question parser, as the latest toolboxChanged notifications say."""
    return {t["name"]: t["parser"] for change in editor.toolbox_changes() for t in change["tools"]}


async def test_a_user_model_answer_is_inserted_as_the_code_it_ran(root, open_editor, llm, docker_sandbox):
    llm.respond = maker_responder(bbh_family(WORD_SORTING))
    editor = await open_editor(root, env=llm_env(llm.url, LATM_INSERT="call"))
    notes = editor.open(root / "notes.md", examples_markdown("word_sorting"))
    await editor.command("latm.makeTool", {"uri": notes, "name": "word_sorting",
                                           "range": {"start": {"line": 0, "character": 0}, "end": {"line": 20, "character": 0}}})
    folder = root / "toolbox" / "word_sorting"
    manifest, code = read_tool(folder)  # the parser dropped: only the user model can answer
    write_tool(root / "toolbox", ToolFiles(dataclasses.replace(manifest, parser=None), code))
    await editor.wait_for(lambda: parsers(editor).get("word_sorting") is False, what="the tool reloaded without parser")
    llm.respond = lambda messages, model: WORD_SORTING.user_reply(messages[-1]["content"].rsplit("\nQuestion: ", 1)[1])

    source = f'"""Sorting demo."""\n\nimport os\n\n\ndef main():\n    # {QUESTION}\n    pass\n'
    doc = editor.open(root / "demo.py", source, "python")
    solve = next(a for a in await editor.actions(doc, (6, 8)) if a.title == "Solve with tool: word_sorting").command
    result = await editor.command(solve.command, *solve.arguments)  # insert = "call" is the setting

    words = QUESTION.split("List:", 1)[1].split()
    expected = " ".join(sorted(words))
    assert (result["path"], result["applied"], result["answer"]) == ("user_model", True, expected)
    assert result["message"] == f"Answer from word_sorting (the user model, {result['tokens']} tokens): {expected}"
    assert editor.documents[doc].splitlines() == [
        '"""Sorting demo."""', "", "import os", "from toolbox.word_sorting.tool import sort_words_alphabetically", "", "",
        "def main():", f"    # {QUESTION}", f"    words = {words!r}", "    ret = sort_words_alphabetically(words)",
        "    ans = ' '.join(ret)", "    pass",
    ]
    ast.parse(editor.documents[doc])  # still a Python file
