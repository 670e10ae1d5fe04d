"""``.latm/`` on a full or read-only file system (a real tmpfs mounted over it): the answer or the
made tool is still given, the lost bookkeeping is one warning per file, and a failed make shows
its own error, not the one of saving its conversation."""

from __future__ import annotations

import errno
import json
import os
import subprocess
from pathlib import Path

import pytest

from families import BBH, WORD_SORTING
from latm.examples import read_examples_file

pytestmark = [pytest.mark.docker,
              pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs over .latm/ needs root")]
QUESTION = "Sort the following words alphabetically: List: pear apple fig"


def mount_state(root: Path, *options: str) -> Path:
    state = root / ".latm"
    state.mkdir(exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join(("size=64k", *options)), "tmpfs", str(state)], check=True)
    return state


def fill(folder: Path) -> None:
    """Write until the file system says it is full."""
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as err:
        assert err.errno == errno.ENOSPC
    finally:
        os.close(fd)


@pytest.fixture
def full_state(latm):
    state = mount_state(latm.root)
    try:
        fill(state)
        yield state
    finally:
        subprocess.run(["umount", str(state)], check=True)


@pytest.fixture
def read_only_state(latm):
    state = mount_state(latm.root, "ro")
    try:
        yield state
    finally:
        subprocess.run(["umount", str(state)], check=True)


def warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "could not write" in line]


def test_solve_still_answers_and_warns_once(latm, committed_tool, full_state):
    run = latm("solve", "--tool", committed_tool, QUESTION)
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    assert run.stdout.splitlines()[0] == "apple fig pear"
    (warning,) = warnings(run.stderr)
    assert str(full_state / "answers.jsonl") in warning and "No space left on device" in warning


def test_a_batch_warns_once_not_per_question(latm, committed_tool, full_state, tmp_path):
    questions = tmp_path / "questions.jsonl"
    words = ["pear apple", "fig date", "kiwi lime", "plum nut", "yam oat"]
    questions.write_text("".join(json.dumps({"question": f"Sort the following words alphabetically: List: {w}"}) + "\n"
                                 for w in words))
    run = latm("solve", "--batch", str(questions), "--tool", committed_tool)
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    assert [json.loads(line)["answer"] for line in run.stdout.splitlines()] == [" ".join(sorted(w.split())) for w in words]
    assert len(warnings(run.stderr)) == 1, run.stderr


def test_a_read_only_state_folder_still_answers(latm, committed_tool, read_only_state):
    run = latm("solve", "--tool", committed_tool, QUESTION)
    assert run.returncode == 0 and run.stdout.splitlines()[0] == "apple fig pear", run.stderr
    (warning,) = warnings(run.stderr)
    assert "Read-only file system" in warning


def test_make_writes_its_tool_and_warns_once_about_the_ledger(latm, scripted_llm, full_state):
    validation = read_examples_file(BBH / "word_sorting.json").examples[3:6]
    scripted_llm.push(WORD_SORTING.proposal(), WORD_SORTING.tests(validation), WORD_SORTING.wrap(validation),
                      WORD_SORTING.parser_reply())
    run = latm("make", str(BBH / "word_sorting.json"))
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    assert run.stdout.startswith("made word_sorting: verified 9/9")
    ledger, copy = warnings(run.stderr)  # four model calls, one warning; and the version's copy kept for rollback
    assert str(full_state / "ledger.jsonl") in ledger and str(full_state / "history" / "word_sorting" / "1") in copy


def test_a_failed_make_shows_its_own_error(latm, scripted_llm, full_state, tmp_path):
    examples = tmp_path / "examples.md"
    examples.write_text("".join(f"Question: What is {i} plus {i}?\nAnswer: {2 * i}\n\n" for i in range(6)))
    junk = "```python\ndef double(n:\n    return n +\n```"
    scripted_llm.push(junk, junk, junk)
    run = latm("make", str(examples), "--name", "doubler")
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    error = run.stderr.splitlines()[-1]
    assert error.startswith("latm: Could not make the tool 'doubler': the propose stage failed after 3 attempt(s)")
    assert "SyntaxError" in error and "Nothing was written" in error
    assert f"The conversation could not be saved in {full_state / 'failed'} (No space left on device)." in error
    assert len(warnings(run.stderr)) == 1  # the ledger's, once for three calls
