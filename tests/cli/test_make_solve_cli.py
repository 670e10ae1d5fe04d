"""Making and solving through the ``latm`` command line, as a user runs it: make from a BIG-Bench file
against the scripted server, the tool's own tests, solve (one and a batch), verify, import."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from model_support import TEST_KEY, TEST_KEY_ENV, reference_transcript, run_tool_tests
from families import BBH, CHINESE_REMAINDER, WORD_SORTING, split
from latm.examples import read_examples_file

pytestmark = pytest.mark.docker


@pytest.fixture
def latm(scripted_llm, tmp_path):
    root = tmp_path / "project"
    root.mkdir()
    env = {**os.environ, "LATM_BASE_URL": scripted_llm.url, "LATM_API_KEY_ENV": TEST_KEY_ENV, TEST_KEY_ENV: TEST_KEY,
           "LATM_SANDBOX": "docker"}

    def run(*args, stdin=None):
        return subprocess.run([sys.executable, "-m", "latm", *args, "--root", str(root)], env=env, input=stdin,
                              capture_output=True, text=True, timeout=300)

    run.root = root
    return run


def test_make_from_a_bbh_file_then_solve_verify_and_import(scripted_llm, latm, tmp_path):
    examples = read_examples_file(BBH / "word_sorting.json").examples
    validation = examples[3:6]  # the file's first 3 examples train, the next 3 validate
    scripted_llm.push(WORD_SORTING.proposal(), WORD_SORTING.tests(validation), WORD_SORTING.wrap(validation),
                      WORD_SORTING.parser_reply())
    made = latm("make", str(BBH / "word_sorting.json"))
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("made word_sorting: verified 9/9 in the docker sandbox; with a question parser")
    assert all(f"latm: {step}" in made.stderr.splitlines() for step in ("propose 1/3", "verify 1/3", "wrap", "parser 1/3"))
    folder = latm.root / "toolbox" / "word_sorting"
    assert run_tool_tests(folder).returncode == 0
    ledger = [json.loads(line) for line in (latm.root / ".latm" / "ledger.jsonl").read_text().splitlines()]
    assert [(e["role"], e["tool"], e["outcome"]) for e in ledger] == [("maker", "word_sorting", "ok")] * 4

    one = latm("solve", "Sort the following words alphabetically: List: pear apple fig", "--tool", "word_sorting")
    assert one.returncode == 0 and one.stdout.splitlines()[0] == "apple fig pear" and "no model" in one.stdout

    test = split("word_sorting")[2][:20]
    batch_in = tmp_path / "in.jsonl"
    batch_in.write_text("".join(json.dumps({"question": e.question}) + "\n" for e in test))
    batch = latm("solve", "--batch", str(batch_in))
    rows = [json.loads(line) for line in batch.stdout.splitlines()]
    assert batch.returncode == 0 and [r["answer"] for r in rows] == [e.answer for e in test]
    assert {(r["tool"], r["path"], r["tokens"]) for r in rows} == {("word_sorting", "parser", 0)}

    verified = latm("verify", "--json")
    assert verified.returncode == 0 and json.loads(verified.stdout)["tools"][0]["passed"] == 9

    train, val, _ = split("chinese_remainder_theorem")
    transcript = tmp_path / "crt.json"
    transcript.write_text(json.dumps(reference_transcript(CHINESE_REMAINDER, train, val)))
    imported = latm("import-latm", str(transcript), "--name", "crt")
    assert imported.returncode == 0 and imported.stdout.startswith("imported crt: verified 3/3")
    listed = latm("list", "--json")
    assert {t["name"] for t in json.loads(listed.stdout)["tools"]} == {"word_sorting", "crt"}


def test_make_with_too_few_examples_exits_1_with_the_count(latm, tmp_path):
    source = tmp_path / "few.txt"
    source.write_text("Q: 1+1\nA: 2\n\nQ: 2+2\nA: 4\n")
    result = latm("make", str(source))
    assert result.returncode == 1
    assert result.stderr.strip() == "latm: 6 examples needed (3 train + 3 validation), 2 found."


def test_common_flags_go_before_or_after_the_command(scripted_llm, latm, tmp_path):
    env = {**os.environ, TEST_KEY_ENV: TEST_KEY}
    before = subprocess.run([sys.executable, "-m", "latm", "-v", "--json", "--root", str(latm.root), "list"],
                            env=env, capture_output=True, text=True, timeout=120)
    after = subprocess.run([sys.executable, "-m", "latm", "list", "-v", "--json", "--root", str(latm.root)],
                           env=env, capture_output=True, text=True, timeout=120)
    assert before.returncode == after.returncode == 0, before.stderr
    assert json.loads(before.stdout) == json.loads(after.stdout) and "tools" in json.loads(before.stdout)


def test_a_failed_make_keeps_library_logs_quiet_and_is_no_tool_in_stats(scripted_llm, latm, tmp_path):
    junk = "I would write a function, but first: ```python\ndef sort(:\n```"
    scripted_llm.push(junk, junk, junk)
    quiet = latm("--maker-model", "gpt-4.1", "make", str(BBH / "word_sorting.json"), "--name", "words")
    assert quiet.returncode == 1 and "the propose stage failed" in quiet.stderr
    assert "HTTP Request" not in quiet.stderr and "propose 1/3" in quiet.stderr
    assert {r.model for r in scripted_llm.chat_requests()} == {"gpt-4.1"}

    scripted_llm.push(junk, junk, junk)
    verbose = latm("-v", "make", str(BBH / "word_sorting.json"), "--name", "words")
    assert verbose.returncode == 1 and "HTTP Request: POST" in verbose.stderr

    shown = latm("stats", "--json")
    data = json.loads(shown.stdout)
    assert data["tools"] == [] and data["making"]["calls"] == 6
    assert "words" not in latm("stats").stdout


def test_batch_summary_when_nothing_was_answered(latm, tmp_path):
    batch_in = tmp_path / "in.jsonl"
    batch_in.write_text('{"question": "What is the capital of France?"}\n')
    batch = latm("solve", "--batch", str(batch_in))
    summary = [line for line in batch.stderr.splitlines() if " answered" in line]
    assert summary and summary[-1].startswith("latm: 0/1 answered, 1 errors") and "{" not in summary[-1]
