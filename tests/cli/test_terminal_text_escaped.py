"""Text from tools and models reaches the terminal escaped: C0 and C1 controls (but newline and
tab) and bidi overrides are shown as ``\\uXXXX``; ``--json`` stays exact JSON, and an answer
holding such characters is flagged."""

from __future__ import annotations

import json

import pytest

from hostile_tool import HOSTILE, LONE, LONE_TRIGGER, TRIGGER, raw_controls, verify, write_hostile_tool

pytestmark = pytest.mark.docker


@pytest.fixture
def hostile(latm):
    name = write_hostile_tool(latm.root / "toolbox")
    verify(latm.root)
    return name


def test_solve_prints_a_hostile_answer_escaped_and_flagged(latm, hostile):
    run = latm("solve", "--tool", hostile, TRIGGER)
    assert run.returncode == 0, run.stderr
    assert raw_controls(run.stdout) == [] and raw_controls(run.stderr) == []
    answer, how = run.stdout.splitlines()
    assert answer == "\\u001b]0;owned\\u0007\\u001b[2J\\u001b[31mred\\u001b[0m\\u000dover \\u202eevil\\u202c \\u009b31m"
    assert how == f"  ({hostile}; no model; control characters escaped)"
    plain = latm("solve", "--tool", hostile, "Echo the word: plain")
    assert plain.stdout.splitlines() == ["plain", f"  ({hostile}; no model)"]


def test_json_output_is_exact_and_flagged(latm, hostile):
    run = latm("solve", "--tool", hostile, TRIGGER, "--json")
    assert run.returncode == 0 and raw_controls(run.stdout) == [], run.stderr
    record = json.loads(run.stdout)
    assert record["answer"] == HOSTILE and record["control_characters"] is True
    plain = json.loads(latm("solve", "--tool", hostile, "Echo the word: plain", "--json").stdout)
    assert plain["answer"] == "plain" and plain["control_characters"] is False


def test_batch_lines_are_exact_json_and_flagged(latm, hostile, tmp_path):
    questions = tmp_path / "questions.jsonl"
    questions.write_text(json.dumps({"question": TRIGGER}) + "\n" + json.dumps({"question": "Echo the word: fig"}) + "\n")
    run = latm("solve", "--batch", str(questions), "--tool", hostile)
    assert run.returncode == 0 and raw_controls(run.stdout) == [], run.stderr
    first, second = (json.loads(line) for line in run.stdout.splitlines())
    assert (first["answer"], first["control_characters"]) == (HOSTILE, True)
    assert (second["answer"], second["control_characters"]) == ("fig", False)


def test_list_show_check_and_pending_print_escaped_text(latm, hostile):
    question = "\x1b[2J\u202eWhat is the capital of the moon?"
    assert latm("solve", question).returncode == 1  # no tool fits: kept as pending
    runs = {args: latm(*args) for args in (("list",), ("show", hostile), ("check",), ("pending",), ("stats",))}
    for args, run in runs.items():
        assert run.returncode == 0, (args, run.stderr)
        assert raw_controls(run.stdout) == [] and raw_controls(run.stderr) == [], args
    assert "Echo a word.\\u001b[2J\\u001b]0;owned\\u0007\\u2066" in runs[("list",)].stdout
    assert "return word  # \\u202e a bidi override in a comment" in runs[("show", hostile)].stdout
    assert "\\u001b[2J\\u202eWhat is the capital of the moon?" in runs[("pending",)].stdout


def test_a_lone_surrogate_in_an_answer_is_escaped_not_a_crash(latm, hostile):
    """Not a character, so no UTF-8 stream can carry it: printing it raw was a traceback."""
    run = latm("solve", "--tool", hostile, LONE_TRIGGER)
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    assert run.stdout.splitlines() == ["half \\ud800 of a pair", f"  ({hostile}; no model; control characters escaped)"]
    record = json.loads(latm("solve", "--tool", hostile, LONE_TRIGGER, "--json").stdout)
    assert record["answer"] == LONE and record["control_characters"] is True


def test_log_lines_naming_a_repositorys_files_are_escaped(latm):
    """A committed folder whose name looks like a dead writer's leftover is tidied at start, and the
    log line that says so names it: the name is the repository's text, so it is escaped too."""
    name = ".adder.new-\x1b]0;owned\x07\x1b[2J\u202e"
    (latm.root / "toolbox" / name).mkdir()
    run = latm("list")
    assert run.returncode == 0, run.stderr
    assert raw_controls(run.stderr) == [] and ".adder.new-\\u001b]0;owned\\u0007\\u001b[2J\\u202e" in run.stderr
