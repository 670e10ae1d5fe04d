"""Where answers and calls go in a document (pure text work, no server)."""

from __future__ import annotations

import pytest
from lsp_support import apply_edits
from lsprotocol import types
from pygls.workspace import TextDocument

from latm.lsp import edits


def doc(text: str, name: str = "notes.md") -> TextDocument:
    return TextDocument(f"file:///project/{name}", text, version=1)


def at(line: int, start: int = 0, end_line: int | None = None, end: int = 0) -> types.Range:
    return types.Range(types.Position(line, start), types.Position(line if end_line is None else end_line, end))


def answered(text: str, line: int, answer: str, name: str = "notes.md") -> str:
    document = doc(text, name)
    return apply_edits(text, edits.answer_edit(document, edits.selection(document, at(line)), answer))


@pytest.mark.parametrize("text, line, expected", [
    ("Intro\nQuestion: What is 2 plus 2?\nMore\n", 1, "Intro\nQuestion: What is 2 plus 2?\nAnswer: 4\nMore\n"),
    ("Q: What is 2 plus 2?", 0, "Q: What is 2 plus 2?\nAnswer: 4"),  # last line, no newline at the end
    ("> Question: What is 2 plus 2?\n", 0, "> Question: What is 2 plus 2?\n> Answer: 4\n"),
    ("Question: What is 2 plus 2?\nAnswer: 5\nNext\n", 0, "Question: What is 2 plus 2?\nAnswer: 4\nNext\n"),  # replaced
])
def test_answer_goes_right_after_the_question(text, line, expected):
    assert answered(text, line, "4") == expected


@pytest.mark.parametrize("following", ["A) 3", "a. three", "a: 3", "answer: mine", "ANSWER: 3", "> Answer: quoted"])
def test_a_line_latm_did_not_write_is_kept_and_the_answer_inserted(following):
    text = f"Question: Which is three?\n{following}\nB) 4\n"
    assert answered(text, 0, "A") == f"Question: Which is three?\nAnswer: A\n{following}\nB) 4\n"


def test_an_earlier_answer_of_several_lines_is_replaced_as_a_whole():
    text = "Question: List two words?\nNext line\n"
    first = answered(text, 0, "alpha\nbeta\n\ngamma")
    assert first == "Question: List two words?\nAnswer: alpha\n        beta\n        \n        gamma\nNext line\n"
    assert answered(first, 0, "delta") == "Question: List two words?\nAnswer: delta\nNext line\n"
    assert answered(answered(first, 0, "x\ny"), 0, "z") == "Question: List two words?\nAnswer: z\nNext line\n"


def test_in_python_an_earlier_answer_comment_is_replaced_whole_and_code_after_it_kept():
    text = "def f():\n    # What two words?\n    x = 1\n"
    first = answered(text, 1, "a\nb", "demo.py")
    assert first == "def f():\n    # What two words?\n    # Answer: a\n    #         b\n    x = 1\n"
    assert answered(first, 1, "c", "demo.py") == "def f():\n    # What two words?\n    # Answer: c\n    x = 1\n"


@pytest.mark.parametrize("text, expected", [
    ("Question: What is 2 plus 2?\r\nMore\r\n", "Question: What is 2 plus 2?\r\nAnswer: 4\r\n        four\r\nMore\r\n"),
    ("Question: What is 2 plus 2?\r\nAnswer: 5\r\n        five\r\nMore\r\n",
     "Question: What is 2 plus 2?\r\nAnswer: 4\r\n        four\r\nMore\r\n"),
    ("Intro\r\nQuestion: What is 2 plus 2?", "Intro\r\nQuestion: What is 2 plus 2?\r\nAnswer: 4\r\n        four"),
], ids=["inserted", "replaced", "at_the_end"])
def test_in_a_crlf_document_the_answer_uses_crlf(text, expected):
    line = next(i for i, l in enumerate(text.splitlines()) if l.startswith("Question"))
    assert answered(text, line, "4\nfour") == expected


def test_in_a_crlf_document_a_call_and_its_import_use_crlf():
    source = '"""Doc."""\r\nimport os\r\n\r\n# Sort b a\r\n'
    document = doc(source, "demo.py")
    code = apply_edits(source, edits.call_edits(document, edits.selection(document, at(3)),
                                                "from toolbox.sorter.tool import sort", "words = ['b', 'a']\nans = sort(words)"))
    assert code == ('"""Doc."""\r\nimport os\r\nfrom toolbox.sorter.tool import sort\r\n\r\n# Sort b a\r\n'
                    "words = ['b', 'a']\r\nans = sort(words)\r\n")


def test_in_python_the_answer_is_a_comment():
    text = "def f():\n    # What is 2 plus 2?\n    x = ask('What is 3 plus 3?')\n"
    assert answered(text, 1, "4", "demo.py").splitlines()[2] == "    # Answer: 4"
    assert answered(text, 2, "6", "demo.py").splitlines()[3] == "    # Answer: 6"


def test_question_text_drops_labels_and_markers():
    assert edits.question_text("  # Question: What is 2 plus 2?") == "What is 2 plus 2?"
    assert edits.question_text("- Q: Sort these\n  words: b a") == "Sort these words: b a"
    assert edits.looks_like_question("> Q: Sort b a") and not edits.looks_like_question("x = 1")


def test_selection_of_whole_lines_ends_on_the_last_selected_line():
    document = doc("a\nQuestion: one?\nQuestion: two?\nc\n")
    sel = edits.selection(document, at(1, 0, end_line=3, end=0))
    assert (sel.first_line, sel.last_line) == (1, 2) and sel.text == "Question: one?\nQuestion: two?\n"


def test_relocate_finds_the_question_after_lines_were_added_above():
    before = doc("Title\nQuestion: What is 2 plus 2?\n")
    sel = edits.selection(before, at(1))
    after = doc("Title\nnew line\nanother\nQuestion: What is 2 plus 2?\n")
    moved = edits.relocate(after, sel)
    assert (moved.first_line, moved.last_line) == (3, 3)
    assert edits.relocate(doc("Title\nQuestion: changed\n"), sel) is None


@pytest.mark.parametrize("source, line", [
    ("x = 1\n", 0),
    ('"""Doc."""\n\nx = 1\n', 1),
    ('#!/usr/bin/env python\n"""A\nlonger doc.\n"""\nimport os\nfrom a import b\n\nx = 1\n', 6),
    ("import os\n\n\ndef f():\n    import sys\n", 1),
])
def test_import_goes_after_the_leading_imports(source, line):
    assert edits.import_position(source.splitlines(keepends=True)) == line


def test_call_in_markdown_is_a_fenced_block_and_in_python_gets_its_import_once():
    text = "Question: Sort b a\n"
    document = doc(text)
    block = apply_edits(text, edits.call_edits(document, edits.selection(document, at(0)),
                                               "from toolbox.sorter.tool import sort", "ans = sort(words=['b', 'a'])"))
    assert block == ("Question: Sort b a\n```python\nfrom toolbox.sorter.tool import sort\n"
                     "ans = sort(words=['b', 'a'])\n```\n")
    source = "from toolbox.sorter.tool import sort\n\n# Sort b a\n"
    document = doc(source, "demo.py")
    code = apply_edits(source, edits.call_edits(document, edits.selection(document, at(2)),
                                                "from toolbox.sorter.tool import sort", "ans = sort(words=['b', 'a'])"))
    assert code == "from toolbox.sorter.tool import sort\n\n# Sort b a\nans = sort(words=['b', 'a'])\n"
