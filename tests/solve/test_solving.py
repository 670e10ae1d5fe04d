"""Tool using: the zero-model path, the user-model path, the fallback between them, multiple
choice, batches, verify and import. Real SDK, scripted server, real Docker sandbox."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest

from model_support import make_family_tool, reference_transcript, run_tool_tests, tree_bytes
from families import FAMILIES, TEMPORAL_SEQUENCES, WORD_SORTING, block, split, temporal_user_reply
from latm.make import import_latm, verify_tool
from latm.solve import solve, solve_batch
from latm.make.verify import read_tool
from latm.errors import InputFileError, ToolboxError, VerificationFailed
from latm.toolbox.store import ToolFiles, write_tool

pytestmark = pytest.mark.docker
REPO_TOOLBOX = Path(__file__).resolve().parents[2] / "toolbox"


def drop_parser(ws, name):
    """The same tool without its question parser: only the user-model path is left."""
    manifest, code = read_tool(ws.toolbox_dir / name)
    write_tool(ws.toolbox_dir, ToolFiles(dataclasses.replace(manifest, parser=None), code))
    return verify_tool(ws, name)


def asked_question(messages) -> str:
    return messages[-1]["content"].rsplit("\nQuestion: ", 1)[1]


def user_model(task, junk=(), broken=()):
    """The scripted tool user; questions in ``junk`` get prose, in ``broken`` code that raises."""
    reply = temporal_user_reply if task == "temporal_sequences" else FAMILIES[task].user_reply

    def respond(messages, model):
        question = asked_question(messages)
        if question in junk:
            return "Looking at the list, I believe the answer is probably the first option."
        if question in broken:
            return "```python\nret = solve_question(question)\nans = ret\n```"
        return reply(question)

    return respond


def write_questions(path, questions):
    path.write_text("".join(json.dumps({"question": q}) + "\n" for q in questions))
    return path


def read_answers(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_zero_model_path_uses_no_model(scripted_llm, workspace, llm):
    make_family_tool(scripted_llm, workspace, llm, "word_sorting")
    calls_after_making = len(scripted_llm.requests)
    answer = solve(workspace, "Sort the following words alphabetically: List: pear apple fig", "word_sorting")
    assert (answer.answer, answer.path, answer.tokens, answer.error) == ("apple fig pear", "parser", 0, "")
    assert len(scripted_llm.requests) == calls_after_making


def test_parser_failure_falls_back_to_the_user_model(scripted_llm, workspace, llm):
    make_family_tool(scripted_llm, workspace, llm, "word_sorting")
    scripted_llm.push("```python\nwords = ['pear', 'apple']\nret = sort_words_alphabetically(words)\nans = ' '.join(ret)\n```")
    answer = solve(workspace, "Please put pear and apple in alphabetical order.", "word_sorting")
    assert (answer.answer, answer.path) == ("apple pear", "user_model")
    assert answer.tokens > 0 and "question parser failed" in answer.fallback and "IndexError" in answer.fallback
    shown = scripted_llm.chat_requests()[-1].prompt
    assert "def sort_words_alphabetically" in shown and "def parse_question" not in shown
    assert shown.count("Solution:") == 3 and shown.endswith("Question: Please put pear and apple in alphabetical order.")
    ledger = [json.loads(line) for line in (workspace.state_dir / "ledger.jsonl").read_text().splitlines()]
    assert ledger[-1]["role"] == "user" and ledger[-1]["model"] == "gpt-4o-mini" and ledger[-1]["tool"] == "word_sorting"


def test_an_answer_that_is_not_an_option_is_rejected(scripted_llm, workspace, llm):
    make_family_tool(scripted_llm, workspace, llm, "temporal_sequences")
    question = split("temporal_sequences")[2][0].question.split("Options:")[0] + "Options:\n(A) 1am to 2am\n(B) 3am to 4am"
    scripted_llm.respond = user_model("temporal_sequences")
    answer = solve(workspace, question, "temporal_sequences")
    assert answer.path == "user_model" and "is not one of the options" in answer.fallback


def test_option_text_from_the_user_model_maps_to_its_letter(scripted_llm, workspace, llm):
    make_family_tool(scripted_llm, workspace, llm, "temporal_sequences")
    drop_parser(workspace, "temporal_sequences")
    example = split("temporal_sequences")[2][0]
    scripted_llm.respond = user_model("temporal_sequences")
    answer = solve(workspace, example.question, "temporal_sequences")
    assert answer.path == "user_model" and answer.answer == example.answer
    assert "ans = f'" in FAMILIES["temporal_sequences"].call(example.question)  # the model returned the text


@pytest.mark.parametrize("reply, error", [
    ("The words in order are: apple pear.", "no ```python block"),
    ("```python\nans = sort_the_words(['pear', 'apple'])\n```", "NameError"),
    ("```python\nwords = ['pear', 'apple']\nprint(sorted(words))\n```", "does not set the variable `ans`"),
])
def test_unusable_user_model_replies_become_errors(scripted_llm, workspace, llm, reply, error):
    make_family_tool(scripted_llm, workspace, llm, "word_sorting")
    drop_parser(workspace, "word_sorting")
    scripted_llm.push(reply)
    answer = solve(workspace, "Sort the following words alphabetically: List: pear apple", "word_sorting")
    assert answer.answer is None and answer.path == "user_model" and error in answer.error and answer.tokens > 0


@pytest.mark.parametrize("task", sorted(FAMILIES))
def test_whole_test_split_through_both_paths(scripted_llm, workspace, llm, tmp_path, task, capsys):
    make_family_tool(scripted_llm, workspace, llm, task)
    test = split(task)[2]
    questions = write_questions(tmp_path / "in.jsonl", [e.question for e in test])

    summary = solve_batch(workspace, questions, tmp_path / "parser.jsonl", task)
    rows = read_answers(tmp_path / "parser.jsonl")
    parser_accuracy = sum(r["answer"] == e.answer for r, e in zip(rows, test)) / len(test)
    odd = [r for r, e in zip(rows, test) if r["answer"] != e.answer or r["path"] != "parser"][:3]
    assert len(rows) == len(test) == 240 and summary.tokens == 0 and summary.by_path == {"parser": 240}, odd
    assert parser_accuracy >= 0.99, odd

    drop_parser(workspace, task)
    junk = {e.question for e in test[7::40]}
    broken = {e.question for e in test[27::40]}
    scripted_llm.respond = user_model(task, junk, broken)
    summary = solve_batch(workspace, questions, tmp_path / "user.jsonl", task)
    rows = read_answers(tmp_path / "user.jsonl")
    user_accuracy = sum(r["answer"] == e.answer for r, e in zip(rows, test)) / len(test)
    sabotaged = [e.question in junk | broken for e in test]
    odd = [r for r, e, bad in zip(rows, test, sabotaged) if (r["error"] != "") != bad or (not bad and r["answer"] != e.answer)]
    assert odd == [], odd[:3]
    assert {r["path"] for r in rows} == {"user_model"} and all(r["tokens"] > 0 for r in rows)
    with capsys.disabled():
        print(f"\n{task}: zero-model path {parser_accuracy:.1%} of {len(test)}, 0 tokens; user-model path "
              f"{user_accuracy:.1%} ({sum(sabotaged)} scripted junk/broken replies), {summary.tokens} tokens")


def test_batch_keeps_order_and_reports_bad_lines(scripted_llm, workspace, llm, tmp_path):
    make_family_tool(scripted_llm, workspace, llm, "word_sorting")
    source = tmp_path / "in.jsonl"
    source.write_text('{"question": "Sort the following words alphabetically: List: b a"}\nnot json\n\n'
                      '{"q": "wrong key"}\n{"question": "Sort the following words alphabetically: List: d c"}\n')
    events = []
    summary = solve_batch(workspace, source, tmp_path / "out.jsonl", "word_sorting", progress=events.append)
    rows = read_answers(tmp_path / "out.jsonl")
    assert [r["answer"] for r in rows] == ["a b", None, None, "c d"]
    assert rows[1]["error"].startswith("line 2: not valid JSON") and rows[2]["error"].startswith("line 4: expected")
    assert set(rows[0]) == {"question", "tool", "answer", "path", "tokens", "error", "reply", "control_characters",
                            "warning"}
    assert (summary.total, summary.answered, summary.errors) == (4, 2, 2)
    assert events[-1].message == "4/4"


def test_user_model_down_fails_the_batch_fast(scripted_llm, workspace, llm, tmp_path):
    make_family_tool(scripted_llm, workspace, llm, "word_sorting")
    drop_parser(workspace, "word_sorting")
    llm.settings = dataclasses.replace(llm.settings, user_model="gpt-9")
    questions = write_questions(tmp_path / "in.jsonl", [e.question for e in split("word_sorting")[2][:5]])
    summary = solve_batch(workspace, questions, tmp_path / "out.jsonl", "word_sorting")
    rows = read_answers(tmp_path / "out.jsonl")
    assert summary.errors == 5 and all("does not know the model 'gpt-9'" in r["error"] for r in rows)
    assert sum(r.model == "gpt-9" for r in scripted_llm.chat_requests()) == 1


def test_verify_refuses_a_failing_hand_edit_and_solving_refuses_the_edited_tool(scripted_llm, workspace, llm):
    made = make_family_tool(scripted_llm, workspace, llm, "word_sorting")
    code_path = made.path / "tool.py"
    code_path.write_text(code_path.read_text().replace("return sorted(words)", "return sorted(words)[::-1]"))
    result = verify_tool(workspace, "word_sorting")
    assert not result.ok and (result.passed, result.total) == (0, 9) and result.edit == "refused"
    assert result.failures[0].startswith("use case: Sort the following words") and "expected" in result.failures[0]
    manifest, _ = read_tool(made.path)
    assert manifest.verification.passed == 9 and manifest.version == 1  # nothing was written
    with pytest.raises(VerificationFailed, match=r"edited by hand and the edit is not verified.*latm verify word_sorting"):
        solve(workspace, "Sort the following words alphabetically: List: b a", "word_sorting")
    assert run_tool_tests(made.path).returncode != 0


def test_committed_example_tools_verify_and_solve_their_test_splits(workspace, llm, tmp_path, capsys):
    shutil.copytree(REPO_TOOLBOX, workspace.toolbox_dir)
    for name in sorted(p.name for p in workspace.toolbox_dir.iterdir() if (p / "tool.toml").is_file()):
        result = verify_tool(workspace, name)
        assert result.ok, result.failures
        test = split(name)[2]
        questions = write_questions(tmp_path / f"{name}.jsonl", [e.question for e in test])
        summary = solve_batch(workspace, questions, tmp_path / f"{name}.out.jsonl", name)
        rows = read_answers(tmp_path / f"{name}.out.jsonl")
        accuracy = sum(r["answer"] == e.answer for r, e in zip(rows, test)) / len(test)
        assert summary.by_path == {"parser": len(test)} and summary.tokens == 0 and accuracy >= 0.99
        assert run_tool_tests(workspace.toolbox_dir / name).returncode == 0
        with capsys.disabled():
            print(f"\ncommitted tool {name}: verified {result.passed}/{result.total}; zero-model path "
                  f"{accuracy:.1%} of {len(test)} in {summary.seconds:.2f} s, 0 tokens")


def test_import_a_reference_transcript(scripted_llm, workspace, llm, tmp_path):
    family = FAMILIES["chinese_remainder_theorem"]
    train, validation, test = split("chinese_remainder_theorem")
    path = tmp_path / "crt.json"
    path.write_text(json.dumps(reference_transcript(family, train, validation)))
    result = import_latm(workspace, path, "crt")
    manifest = result.manifest
    assert manifest.provenance.origin == "imported" and manifest.verification.ok and manifest.parser is None
    assert manifest.entry == "find_number" and [e.split for e in manifest.examples] == ["train"] * 3 + ["validation"] * 3
    assert all(u.code.rstrip().endswith(f"ans = ans{i}") for i, u in enumerate(manifest.use_cases, 1))
    assert run_tool_tests(result.path).returncode == 0
    scripted_llm.respond = user_model("chinese_remainder_theorem")
    answer = solve(workspace, test[0].question, "crt")
    assert (answer.answer, answer.path) == (test[0].answer, "user_model")


def test_import_falls_back_to_the_transcripts_tests_for_use_cases(workspace, tmp_path):
    train, validation, _ = split("word_sorting")
    messages = reference_transcript(WORD_SORTING, train, validation)
    messages[-1]["content"] = messages[-1]["content"].split("Use cases:")[0]
    path = tmp_path / "t.json"
    path.write_text(json.dumps(messages))
    result = import_latm(workspace, path, "words")
    assert [u.question for u in result.manifest.use_cases] == [e.question for e in validation]


def test_import_of_a_wrong_tool_writes_nothing(workspace, tmp_path):
    train, validation, _ = split("word_sorting")
    messages = reference_transcript(WORD_SORTING, train, validation)
    messages[-1]["content"] = messages[-1]["content"].replace("return sorted(words)", "return words")
    path = tmp_path / "t.json"
    path.write_text(json.dumps(messages))
    workspace.toolbox_dir.mkdir()
    before = tree_bytes(workspace.toolbox_dir)
    with pytest.raises(VerificationFailed, match="does not answer 3 of its 3 verification question"):
        import_latm(workspace, path, "words")
    assert tree_bytes(workspace.toolbox_dir) == before


@pytest.mark.parametrize("content, message", [
    ("not json", "Cannot read the transcript"),
    (json.dumps({"role": "user"}), "is not a LATM transcript"),
    (json.dumps([{"role": "user", "content": "hello"}]), "no verification examples"),
])
def test_import_of_something_else_is_refused(workspace, tmp_path, content, message):
    path = tmp_path / "t.json"
    path.write_text(content)
    with pytest.raises((InputFileError, ToolboxError, VerificationFailed), match=message):
        import_latm(workspace, path, "words")


def test_batch_routes_each_question_and_hands_unknown_ones_over(scripted_llm, workspace, llm, tmp_path):
    from latm.solve import Answer

    make_family_tool(scripted_llm, workspace, llm, "word_sorting")
    kept = []

    def unknown(question):
        kept.append(question)
        return Answer(question, "", None, "refused", 0, "kept as pending")

    questions = write_questions(tmp_path / "in.jsonl", ["Sort the following words alphabetically: List: b a",
                                                        "What is 2 + 2?"])
    summary = solve_batch(workspace, questions, None, route=lambda q: "word_sorting" if "Sort" in q else None,
                          unknown=unknown)
    assert [(a.tool, a.answer, a.path) for a in summary.answers] == [("word_sorting", "a b", "parser"), ("", None, "refused")]
    assert kept == ["What is 2 + 2?"] and summary.out_path is None


def test_import_maps_option_numbers_to_letters(workspace, tmp_path):
    """The reference's multiple-choice use cases set ``ans`` to the option's 1-based number."""
    from families import temporal_call

    def numbered_call(question):
        texts = [line.split(" ", 1)[1] for line in question.split("Options:")[1].strip().splitlines()]
        return temporal_call(question, letter=False) + f"\noptions = {texts!r}\nans = options.index(ans) + 1"

    family = dataclasses.replace(TEMPORAL_SEQUENCES, call=numbered_call)
    train, validation, _ = split("temporal_sequences")
    path = tmp_path / "t.json"
    path.write_text(json.dumps(reference_transcript(family, train, validation)))
    result = import_latm(workspace, path, "temporal")
    assert result.manifest.verification.ok
    assert all("# the option's letter" in u.code for u in result.manifest.use_cases)
    assert run_tool_tests(result.path).returncode == 0


# What a real local model showed (issue 17): the user model's reply is read for this question only.

ASKED = "Sort the following words alphabetically: List: pear apple"


def user_path_tool(server, ws, llm):
    """word_sorting without its parser: every question goes to the user model."""
    make_family_tool(server, ws, llm, "word_sorting")
    drop_parser(ws, "word_sorting")
    return ws.registry.get("word_sorting")


def test_the_user_model_gets_max_tokens_and_a_stop_at_the_next_question(scripted_llm, workspace, llm):
    user_path_tool(scripted_llm, workspace, llm)
    scripted_llm.push(WORD_SORTING.user_reply(ASKED) + "\n\nQuestion: Sort these: List: b a\nSolution:\n"
                      + block("ans = 'a b'"))
    answer = solve(workspace, ASKED, "word_sorting")
    request = scripted_llm.chat_requests()[-1]
    assert request.body["max_tokens"] == 512 and request.body["stop"] == ["\nQuestion:"]
    assert (answer.answer, answer.error) == ("apple pear", "")


def test_an_invented_follow_on_question_does_not_overwrite_the_answer(scripted_llm, workspace, llm):
    user_path_tool(scripted_llm, workspace, llm)
    invented = "Sort the following words alphabetically: List: zeta alpha"
    scripted_llm.push(f"{block(WORD_SORTING.call(ASKED))}\n\n**Question:** {invented}\n**Solution:**\n{block(WORD_SORTING.call(invented))}\n")
    answer = solve(workspace, ASKED, "word_sorting")
    assert (answer.answer, answer.error) == ("apple pear", "")


def test_a_reply_that_answers_only_an_invented_question_gives_no_answer(scripted_llm, workspace, llm):
    user_path_tool(scripted_llm, workspace, llm)
    invented = "Sort the following words alphabetically: List: zeta alpha"
    reply = f"Question: {invented}\nSolution:\n{block(WORD_SORTING.call(invented))}\n"
    scripted_llm.push(reply)
    answer = solve(workspace, ASKED, "word_sorting")
    assert answer.answer is None and "another question" in answer.error
    assert answer.record()["reply"] == reply


def test_a_copied_use_case_is_never_taken_as_the_answer(scripted_llm, workspace, llm):
    tool = user_path_tool(scripted_llm, workspace, llm)
    copied = tool.manifest.use_cases[0].code
    parsed_only = "words = ['pear', 'apple']\nret = sort_words_alphabetically(words)"
    scripted_llm.push(f"{block(parsed_only)}\n\nFor example:\n{block(copied)}")
    answer = solve(workspace, ASKED, "word_sorting")
    assert answer.answer is None and "does not set the variable `ans`" in answer.error


def test_a_cut_off_reply_is_a_failed_answer_that_keeps_the_reply(scripted_llm, workspace, llm):
    user_path_tool(scripted_llm, workspace, llm)
    llm.settings = dataclasses.replace(llm.settings, user_max_tokens=60)
    scripted_llm.push(WORD_SORTING.user_reply(ASKED) + "\n\nThen the next one is " + "more words " * 100)
    answer = solve(workspace, ASKED, "word_sorting")
    assert answer.answer is None and "cut off" in answer.error and "user_max_tokens" in answer.error
    record = answer.record()
    assert record["reply"].startswith("To answer this") and record["tokens"] > 60
    ledger = [json.loads(line) for line in (workspace.state_dir / "ledger.jsonl").read_text().splitlines()]
    assert ledger[-1]["outcome"] == "truncated" and ledger[-1]["tokens_out"] == 60


def test_a_failed_answer_keeps_a_size_capped_reply(scripted_llm, workspace, llm):
    from latm.solve.solver import REPLY_KEPT

    user_path_tool(scripted_llm, workspace, llm)
    llm.settings = dataclasses.replace(llm.settings, user_max_tokens=100_000)
    scripted_llm.push("I think the words are sorted like this. " * 2000)
    answer = solve(workspace, ASKED, "word_sorting")
    kept = answer.record()["reply"]
    assert answer.answer is None and "no ```python block" in answer.error
    assert kept.startswith("I think the words") and len(kept) <= REPLY_KEPT + 40 and "characters not kept" in kept


def test_a_context_overflow_is_a_clear_error_for_each_question(scripted_llm, workspace, llm, tmp_path):
    user_path_tool(scripted_llm, workspace, llm)
    asked_before = len(scripted_llm.chat_requests())
    scripted_llm.context_tokens = 50
    questions = write_questions(tmp_path / "in.jsonl", [ASKED, "Sort the following words alphabetically: List: d c"])
    summary = solve_batch(workspace, questions, None, "word_sorting")
    assert [a.answer for a in summary.answers] == [None, None]
    assert all("no longer fits" in a.error and "larger context" in a.error for a in summary.answers)
    assert len(scripted_llm.chat_requests()) - asked_before == 2  # each question was asked: one long question fails alone

