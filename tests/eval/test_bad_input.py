"""Bad input gets one clear line and no run; a method that cannot run is skipped with its reason
while the others run."""

from __future__ import annotations

import json

import pytest

from eval_support import bbh, by_method, latm, latm_env, write_jsonl


def one_error_line(run) -> str:
    lines = [line for line in run.stderr.splitlines() if line.startswith("latm: ")]
    assert run.returncode == 1 and len(lines) == 1, run.stderr
    return lines[0]


def test_too_few_examples_for_the_splits(project, tmp_path):
    data = write_jsonl(tmp_path / "five.jsonl", bbh("word_sorting")[:6])
    run = latm(project, "eval", str(data), "--make", "sorter", env=latm_env())
    line = one_error_line(run)
    assert "6 example(s)" in line and "the first 6 make the tool (3 train + 3 validation)" in line
    assert "no test question is left" in line and not (project / "toolbox" / "sorter").exists()


def test_skip_past_the_end(project, tmp_path):
    data = write_jsonl(tmp_path / "four.jsonl", bbh("word_sorting")[:4])
    line = one_error_line(latm(project, "eval", str(data), "--tool", "word_sorting", "--skip", "4", env=latm_env()))
    assert "4 are skipped" in line and "smaller --skip" in line


def test_questions_without_answers(project, tmp_path):
    data = tmp_path / "questions.jsonl"
    data.write_text("".join(json.dumps({"question": q["question"]}) + "\n" for q in bbh("word_sorting")[:5]))
    line = one_error_line(latm(project, "eval", str(data), "--tool", "word_sorting", env=latm_env()))
    assert "5 question(s) and none has an answer" in line


def test_a_file_with_no_examples(project, tmp_path):
    data = tmp_path / "notes.md"
    data.write_text("Just some notes, nothing to evaluate.\n")
    assert "no examples found" in one_error_line(latm(project, "eval", str(data), "--tool", "word_sorting", env=latm_env()))


def test_an_unreadable_cot_prompt_and_a_taken_tool_name(project, tmp_path):
    data = write_jsonl(tmp_path / "q.jsonl", bbh("word_sorting")[:10])
    line = one_error_line(latm(project, "eval", str(data), "--tool", "word_sorting", "--cot-prompt",
                               str(tmp_path / "missing.txt"), env=latm_env()))
    assert "Cannot read the chain-of-thought prompt" in line
    line = one_error_line(latm(project, "eval", str(data), "--make", "word_sorting", env=latm_env()))
    assert "already in the toolbox" in line and "--tool word_sorting" in line
    line = one_error_line(latm(project, "eval", str(data), "--tool", "nosuchtool", env=latm_env()))
    assert "No tool named 'nosuchtool'" in line


def test_an_unknown_method_is_an_argument_error(project, tmp_path):
    data = write_jsonl(tmp_path / "q.jsonl", bbh("word_sorting")[:3])
    run = latm(project, "eval", str(data), "--tool", "word_sorting", "--methods", "tool-parser,guessing", env=latm_env())
    assert run.returncode == 2 and "unknown method(s) guessing" in run.stderr


@pytest.mark.docker
def test_methods_that_need_a_key_are_skipped_and_the_rest_run(project, tmp_path):
    data = write_jsonl(tmp_path / "q.jsonl", bbh("word_sorting")[:5])
    run = latm(project, "eval", str(data), "--tool", "word_sorting", "--json", "--out", str(tmp_path / "out"),
               env=latm_env())  # no key in SCRIPTED_LLM_TEST_KEY
    assert run.returncode == 0, run.stderr
    methods = by_method(json.loads(run.stdout))
    assert (methods["tool-parser"]["status"], methods["tool-parser"]["correct"]) == ("done", 5)
    for name in ("tool-user", "user-direct", "user-cot", "maker-cot", "program"):
        assert methods[name]["status"] == "skipped" and methods[name]["total"] == 0
        assert "no API key is set: set SCRIPTED_LLM_TEST_KEY" in methods[name]["reason"]
    report = (tmp_path / "out" / "report.md").read_text()
    assert "Skipped:\n- `tool-user`: needs the user model (gpt-4o-mini) and no API key is set" in report
    assert "tool-user" in run.stderr and "skipped" in run.stderr


@pytest.mark.docker
def test_an_endpoint_that_refuses_the_model_stops_that_method_only(scripted_llm, project, tmp_path):
    data = write_jsonl(tmp_path / "q.jsonl", bbh("word_sorting")[:5])
    env = latm_env(scripted_llm.url, LATM_USER_MODEL="no-such-model")
    run = latm(project, "eval", str(data), "--tool", "word_sorting", "--methods", "user-direct,tool-parser", "--json",
               env=env)
    assert run.returncode == 0, run.stderr
    methods = by_method(json.loads(run.stdout))
    assert methods["user-direct"]["status"] == "stopped" and "does not know the model 'no-such-model'" in methods["user-direct"]["reason"]
    assert methods["tool-parser"]["correct"] == 5


def test_results_are_not_written_through_a_linked_state_folder(project, tmp_path):
    """The default results folder is in ``.latm/eval``: a ``.latm`` committed as a link is refused
    before anything runs, and the line says to remove it or to give ``--out``."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (project / ".latm").symlink_to(elsewhere)
    data = write_jsonl(tmp_path / "q.jsonl", bbh("word_sorting")[:10])
    run = latm(project, "eval", str(data), "--tool", "word_sorting", "--methods", "tool-parser", env=latm_env())
    errors = [line for line in run.stderr.splitlines() if line.startswith("latm: ") and "warning" not in line]
    assert run.returncode == 1 and len(errors) == 1, run.stderr
    assert "symbolic link" in errors[0] and "--out" in errors[0], errors
    assert list(elsewhere.iterdir()) == []
