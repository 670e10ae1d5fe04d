"""Files a user names on the command line: a problem with one is one line naming the file and
the problem, exit status 2, never a traceback; a byte-order mark is read as nothing."""

from __future__ import annotations

import json
import os

import pytest

LIMIT = 64 << 20  # the README's input size limit: 64 MiB
DEEP = "[" * 100_000 + "]" * 100_000

COMMANDS = {
    "solve --batch": lambda path: ("solve", "--batch", str(path)),
    "make": lambda path: ("make", str(path)),
    "import-latm": lambda path: ("import-latm", str(path), "--name", "imported"),
}


def missing(tmp_path):
    return tmp_path / "nowhere.jsonl", "no such file"


def folder(tmp_path):
    return tmp_path, "is a folder"


def not_utf8(tmp_path):
    path = tmp_path / "latin1.jsonl"
    path.write_bytes('{"question": "Qu\'est-ce qu\'un café ?"}\n'.encode("latin-1"))
    return path, "not UTF-8"


def device(tmp_path):
    return "/dev/zero", "not a regular file"


def too_large(tmp_path):
    path = tmp_path / "huge.jsonl"
    with open(path, "wb") as out:  # sparse: no disk space used
        out.truncate(LIMIT + 1)
    return path, "larger than 64 MiB"


@pytest.mark.parametrize("problem", [missing, folder, not_utf8, device, too_large])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_an_unreadable_input_file_is_one_line_and_exit_2(latm, tmp_path, command, problem):
    path, why = problem(tmp_path)
    run = latm(*COMMANDS[command](path), memory_mb=1024)  # /dev/zero read whole would exhaust memory
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    (line,) = run.stderr.splitlines()
    assert line.startswith("latm: ") and str(path) in line and why in line, line
    assert run.stdout == ""


@pytest.mark.parametrize("command", ["make", "import-latm"])
def test_deeply_nested_json_is_one_line_and_exit_2(latm, tmp_path, command):
    path = tmp_path / "deep.json"
    path.write_text('{"examples": ' + DEEP + "}")
    run = latm(*COMMANDS[command](path))
    assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr
    (line,) = run.stderr.splitlines()
    assert str(path) in line and "nested too deeply" in line, line


def test_make_reads_examples_from_stdin_under_the_same_rules(latm):
    run = latm("make", "-", "--name", "from_stdin", stdin="Q: café\nA: x\n".encode("latin-1"), text=False)
    assert run.returncode == 2 and run.stderr.decode().splitlines() == [
        "latm: Cannot read the examples from stdin: not UTF-8 text (byte 0xe9 at offset 6); save the file as UTF-8."]
    run = latm("make", "-", stdin=b"Q: x\n" * (LIMIT // 5 + 1), text=False)
    assert run.returncode == 2 and "larger than 64 MiB" in run.stderr.decode(), run.stderr


@pytest.mark.docker
def test_a_deeply_nested_batch_line_is_that_lines_error(latm, tmp_path, committed_tool):
    questions = tmp_path / "questions.jsonl"
    questions.write_text(DEEP + "\n" + json.dumps({"question": "Sort the following words alphabetically: List: b a"}) + "\n")
    run = latm("solve", "--batch", str(questions), "--tool", committed_tool)
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    first, second = (json.loads(line) for line in run.stdout.splitlines())
    assert first["answer"] is None and first["error"] == "line 1: not valid JSON (nested too deeply)"
    assert second["answer"] == "a b"


@pytest.mark.docker
def test_a_byte_order_mark_is_read_as_nothing(latm, tmp_path, committed_tool):
    words = ["pear apple", "fig date", "kiwi lime"]
    questions = tmp_path / "questions.jsonl"
    lines = "".join(json.dumps({"question": f"Sort the following words alphabetically: List: {w}"}) + "\n" for w in words)
    questions.write_bytes(b"\xef\xbb\xbf" + lines.encode())
    run = latm("solve", "--batch", str(questions), "--tool", committed_tool)
    assert run.returncode == 0, run.stderr
    assert [json.loads(line)["answer"] for line in run.stdout.splitlines()] == [" ".join(sorted(w.split())) for w in words]


def test_a_byte_order_mark_does_not_drop_the_first_example(latm, scripted_llm, tmp_path):
    examples = tmp_path / "examples.md"
    text = "".join(f"Question: What is {i} plus {i}?\nAnswer: {2 * i}\n\n" for i in range(6))
    examples.write_bytes(b"\xef\xbb\xbf" + text.encode())
    scripted_llm.respond = lambda messages, model: "I cannot write that function."
    run = latm("make", str(examples), "--name", "doubler")
    assert run.returncode == 1 and "6 examples needed" not in run.stderr, run.stderr
    assert "What is 0 plus 0?" in scripted_llm.chat_requests()[0].prompt  # the first example was read


def test_a_fifo_is_refused_without_waiting_for_a_writer(latm, tmp_path):
    fifo = tmp_path / "questions.fifo"
    os.mkfifo(fifo)
    run = latm("solve", "--batch", str(fifo))
    assert run.returncode == 2 and run.stderr.strip().endswith("is not a regular file (a FIFO); give a file."), run.stderr


def test_a_planted_state_file_is_neither_read_endlessly_nor_written_through(latm, tmp_path, committed_tool):
    """A repository may carry ``.latm/``: its files are latm's own records, read only when they
    are regular files and appended to only when they are not symlinks."""
    outside = tmp_path / "outside.txt"
    outside.write_text("someone else's file\n")
    (latm.root / ".latm").mkdir()
    (latm.root / ".latm" / "answers.jsonl").symlink_to("/dev/zero")
    (latm.root / ".latm" / "pending.jsonl").symlink_to(outside)
    run = latm("list", memory_mb=1024)
    assert run.returncode == 0 and run.stdout.startswith("word_sorting"), run.stderr
    assert "could not read" in run.stderr and "answers.jsonl" in run.stderr
    refused = latm("solve", "What is the capital of the moon?")  # no tool fits: kept as pending
    assert refused.returncode == 1 and "Traceback" not in refused.stderr, refused.stderr
    assert outside.read_text() == "someone else's file\n"


@pytest.mark.docker
@pytest.mark.parametrize("linked", [".latm", ".latm/locks"])
def test_a_state_folder_reached_through_a_link_is_never_written_through(latm, tmp_path, committed_tool, linked):
    """A repository's ``.latm`` (or ``.latm/locks``) that is a link to a folder elsewhere: latm
    writes no record, question or lock there; the answer is still given and the record is a warning."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (latm.root / linked).parent.mkdir(exist_ok=True)
    (latm.root / linked).symlink_to(elsewhere)
    answered = latm("solve", "--tool", committed_tool, "Sort the following words alphabetically: List: pear fig")
    assert answered.returncode == 0 and answered.stdout.splitlines()[0] == "fig pear", answered.stderr
    refused = latm("solve", "What is the capital of the moon?")  # no tool fits: kept as pending
    assert refused.returncode == 1 and "Traceback" not in refused.stderr, refused.stderr
    verified = latm("verify", committed_tool)
    assert "Traceback" not in verified.stderr, verified.stderr
    assert sorted(p.name for p in elsewhere.rglob("*")) == []
    if linked == ".latm":
        assert "symbolic link" in answered.stderr and verified.returncode == 1, verified.stdout + verified.stderr


def test_a_failed_make_does_not_save_its_conversation_through_a_linked_state_folder(latm, scripted_llm, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (latm.root / ".latm").symlink_to(elsewhere)
    examples = tmp_path / "examples.md"
    examples.write_text("".join(f"Question: What is {i} plus {i}?\nAnswer: {2 * i}\n\n" for i in range(6)))
    scripted_llm.push(*["```python\ndef double(n:\n    return n +\n```"] * 3)
    run = latm("make", str(examples), "--name", "doubler")
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    error = run.stderr.splitlines()[-1]
    assert "the propose stage failed" in error and "The conversation could not be saved" in error
    assert "symbolic link" in error
    assert list(elsewhere.iterdir()) == []


LONE = "What is \ud800 the capital?"  # half of a UTF-16 pair: no character, so no UTF-8 file can hold it


@pytest.mark.parametrize("command", ["make", "import-latm"])
def test_json_holding_a_lone_surrogate_is_one_line_and_exit_2(latm, tmp_path, command):
    """``"\\ud800"`` is a valid JSON escape that decodes to no character; nothing latm writes could hold it."""
    path = tmp_path / "examples.json"
    examples = {"examples": [{"input": f"{LONE} ({i})", "target": str(i)} for i in range(6)]}
    transcript = [{"role": "user", "content": LONE}, {"role": "assistant", "content": "```python\ndef f():\n    pass\n```"}]
    path.write_text(json.dumps(examples if command == "make" else transcript))
    run = latm(*COMMANDS[command](path))
    assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr
    (line,) = run.stderr.splitlines()
    assert str(path) in line and "lone surrogate" in line, line


@pytest.mark.docker
def test_a_batch_line_holding_a_lone_surrogate_is_that_lines_error(latm, tmp_path, committed_tool):
    questions = tmp_path / "questions.jsonl"
    questions.write_text(json.dumps({"question": LONE}) + "\n"
                         + json.dumps({"question": "Sort the following words alphabetically: List: b a"}) + "\n")
    run = latm("solve", "--batch", str(questions), "--tool", committed_tool)
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    first, second = (json.loads(line) for line in run.stdout.splitlines())
    assert first["answer"] is None and "line 1: not valid JSON" in first["error"] and "lone surrogate" in first["error"]
    assert second["answer"] == "a b"


def test_an_argument_that_is_not_utf8_is_one_line_and_exit_2(latm):
    """A byte that is not UTF-8 in an argument reaches Python as a lone surrogate (\\udcff)."""
    run = latm("solve", "What is \udcff the capital?")
    assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr
    assert run.stderr.splitlines() == ["latm: the question argument is not UTF-8 text; give it as UTF-8."]
    assert not (latm.root / ".latm" / "pending.jsonl").exists()
