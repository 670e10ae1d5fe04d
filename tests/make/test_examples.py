"""Examples from highlighted text and files, and the messages when there are too few."""

from __future__ import annotations

import json

import pytest

from latm.examples import parse_examples, read_examples_file, scan_examples, split_examples
from latm.errors import InputFileError, NotEnoughExamples

from bbh import BBH  # noqa: E402


def pairs(text):
    return [(e.question, e.answer) for e in parse_examples(text)]


def test_question_answer_blocks_with_multiline_questions():
    text = """Some prose the user also highlighted.

Question: Today is Christmas Eve of 1937. What is the date tomorrow in MM/DD/YYYY?
Options:
(A) 12/11/1937
(B) 12/25/1937
Answer: (B)

Question: Sort the following words alphabetically: List: b a
Answer: a b
"""
    assert pairs(text) == [
        ("Today is Christmas Eve of 1937. What is the date tomorrow in MM/DD/YYYY?\nOptions:\n(A) 12/11/1937\n(B) 12/25/1937", "(B)"),
        ("Sort the following words alphabetically: List: b a", "a b"),
    ]
    assert scan_examples(text).format == "question-answer"
    assert scan_examples(text).lines == [3, 9]


def test_q_a_markers_in_python_comments_and_bold_markdown():
    text = "# Q: 2 + 2 =\n# A: 4\n#\n# Q: 3 * 3 =\n# A:\n# 9\n"
    assert pairs(text) == [("2 + 2 =", "4"), ("3 * 3 =", "9")]
    assert pairs("**Question:** 1 + 1\n**Answer:** 2") == [("1 + 1", "2")]


def test_missing_answers_duplicates_and_conflicts_are_reported():
    text = "\n".join([
        "Question: one", "Answer: 1", "",
        "Question: two", "",
        "Question: one", "Answer: 1", "",
        "Question: three", "Answer: 3", "",
        "Question: three", "Answer: 4", "",
        "Question: five", "Answer:",
    ])
    scan = scan_examples(text)
    assert [(e.question, e.answer) for e in scan.examples] == [("one", "1")]
    assert scan.missing_answers == [4, 15]
    assert scan.duplicates == [6]
    assert scan.conflicts == [9, 12]
    assert scan.issues() == ["1 duplicate ignored (line 6)", "2 questions with conflicting answers ignored (lines 9, 12)",
                             "2 questions without an answer (lines 4, 15)"]


def test_markdown_table():
    text = """| # | Question | Answer | note |
|---|:--------|-------:|------|
| 1 | Sort: b a | a b | easy |
| 2 | Pipe \\| inside<br>two lines | yes | |
| 3 | no answer here |  | |
"""
    scan = scan_examples(text)
    assert scan.format == "markdown-table"
    assert [(e.question, e.answer) for e in scan.examples] == [("Sort: b a", "a b"), ("Pipe | inside\ntwo lines", "yes")]
    assert scan.missing_answers == [5]


def test_json_lines_with_a_broken_line():
    text = '{"question": "2+2", "answer": "4"}\n{"question": "3+3", "answer": 6}\n{"question": "oops"\n{"input": "x", "target": "y"}\n'
    scan = scan_examples(text)
    assert scan.format == "json-lines"
    assert [(e.question, e.answer) for e in scan.examples] == [("2+2", "4"), ("3+3", "6"), ("x", "y")]
    assert scan.invalid and scan.invalid[0].startswith("line 3: not valid JSON")


def test_big_bench_json_text_and_list_of_objects():
    doc = {"examples": [{"input": "a", "target": "1"}, {"input": "b", "target": ["2", "two"]},
                        {"input": "c", "target_scores": {"x": 0, "y": 1}}]}
    scan = scan_examples(json.dumps(doc, indent=2))
    assert scan.format == "big-bench" and [(e.question, e.answer) for e in scan.examples] == [("a", "1"), ("b", "2"), ("c", "y")]
    assert pairs(json.dumps([{"question": "q", "answer": "r"}])) == [("q", "r")]


@pytest.mark.parametrize("task", ["word_sorting", "dyck_languages", "date_understanding", "chinese_remainder_theorem"])
def test_bbh_files(task):
    data = json.loads((BBH / f"{task}.json").read_text())
    scan = read_examples_file(BBH / f"{task}.json")
    assert scan.format == "big-bench"
    questions = [e["input"] for e in data["examples"]]
    assert len(scan.examples) == len(set(questions))
    assert scan.examples[0].question == data["examples"][0]["input"]
    assert scan.examples[0].answer == data["examples"][0]["target"]


def test_split_takes_train_then_validation():
    scan = scan_examples("\n\n".join(f"Q: {i}+{i}\nA: {2 * i}" for i in range(8)))
    chosen = split_examples(scan, train=3, validation=3)
    assert [e.split for e in chosen] == ["train"] * 3 + ["validation"] * 3
    assert [e.question for e in chosen] == [f"{i}+{i}" for i in range(6)]


def test_too_few_examples_says_how_many_are_needed():
    scan = scan_examples("\n\n".join(f"Q: {i}\nA: {i}" for i in range(4)) + "\n\nQ: 0\nA: 0\n\nQ: 9\n")
    with pytest.raises(NotEnoughExamples) as caught:
        split_examples(scan, 3, 3)
    assert str(caught.value) == ("6 examples needed (3 train + 3 validation), 4 found; 1 duplicate ignored (line 13); "
                                 "1 question without an answer (line 16).")


def test_no_examples_at_all_names_the_formats():
    assert parse_examples("def f(x):\n    return x\n") == []
    with pytest.raises(NotEnoughExamples, match=r"0 found\. Give them as Question:/Answer: blocks"):
        split_examples(scan_examples("just some words"), 2, 1)


def test_unreadable_file(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"\xff\xfe\x00junk")
    with pytest.raises(InputFileError, match=r"Cannot read the examples file .*bad.txt: not UTF-8 text \(byte 0xff at offset 0\)"):
        read_examples_file(path)
