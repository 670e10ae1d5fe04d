"""The loop of a toolbox that learns, from the command line as a user runs it: feedback, a
regressed tool in list/check/solve, repair, history, rollback, a make refused because a tool
already answers, prune. The scripted model server; tool code only in the real Docker sandbox."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from families import WORD_SORTING, block, split

pytestmark = pytest.mark.docker

REPO_TOOLBOX = Path(__file__).resolve().parents[2] / "toolbox"

MIXED_CASE = ("Sort the following words alphabetically: List: Banana apple cherry", "apple Banana cherry")
CASE_BLIND_PATCH = ("Python sorts capital letters before small ones. Comparing the words in lower case fixes it:\n\n"
                    + block('def sort_words(words: list[str]) -> list[str]:\n'
                            '    """Return ``words`` in alphabetical order, ignoring case."""\n'
                            '    return sorted(words, key=str.lower)'))


def examples_file(tmp_path, examples) -> str:
    path = tmp_path / "examples.jsonl"
    path.write_text("".join(json.dumps({"question": e.question, "answer": e.answer}) + "\n" for e in examples))
    return str(path)


def git(root, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout


def test_feedback_regresses_then_repair_history_and_rollback(scripted_llm, latm, committed_tool):
    fed = latm("feedback", "word_sorting", "--question", MIXED_CASE[0], "--answer", MIXED_CASE[1])
    assert fed.returncode == 0, fed.stderr
    assert "word_sorting is REGRESSED" in fed.stdout and "got 'Banana apple cherry'" in fed.stdout

    assert "REGRESSED 9/10" in latm("list").stdout
    check = latm("check")
    assert check.returncode == 1 and "1 regressed" in check.stdout and "expected 'apple Banana cherry'" in check.stdout
    solved = latm("solve", "Sort the following words alphabetically: List: pear fig", "--tool", "word_sorting")
    assert solved.returncode == 0 and solved.stdout.startswith("fig pear")
    assert "warning: tool 'word_sorting' is regressed" in solved.stdout

    scripted_llm.push(CASE_BLIND_PATCH)
    fixed = latm("repair", "word_sorting")
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout.startswith("repaired word_sorting: version 2, verified 10/10") and "1 maker call(s)" in fixed.stdout
    assert latm("check").returncode == 0

    shown = latm("history", "word_sorting")
    assert "v1" in shown.stdout and "hand-written" in shown.stdout and "repaired" in shown.stdout
    assert shown.stdout.count("kept here") == 2  # both versions can be restored on this machine
    back = latm("rollback", "word_sorting", "--json")
    data = json.loads(back.stdout)
    assert (data["restored"], data["version"], data["state"]) == (1, 3, "regressed")
    assert "key=str.lower" not in (latm.root / "toolbox" / "word_sorting" / "tool.py").read_text()


def test_a_make_is_refused_when_a_tool_already_answers(scripted_llm, latm, committed_tool, tmp_path):
    examples = split("word_sorting")[2][:6]
    path = examples_file(tmp_path, examples)
    refused = latm("make", path)
    assert refused.returncode == 3
    assert "Tool 'word_sorting' already answers all 6 examples" in refused.stderr
    assert f"latm feedback word_sorting --file {path}" in refused.stderr and "--force" in refused.stderr
    assert scripted_llm.chat_requests() == [] and sorted(p.name for p in (latm.root / "toolbox").iterdir()) == [
        "word_sorting"]

    added = latm("feedback", "word_sorting", "--file", path)
    assert added.returncode == 0 and "6 reported example(s) added" in added.stdout and "answers them right" in added.stdout

    validation = examples[3:]
    scripted_llm.push(WORD_SORTING.proposal(), WORD_SORTING.tests(validation), WORD_SORTING.wrap(validation),
                      WORD_SORTING.parser_reply())
    forced = latm("make", path, "--force", "--name", "second_sorter")
    assert forced.returncode == 0, forced.stderr
    assert (latm.root / "toolbox" / "second_sorter" / "tool.toml").is_file()


def test_prune_lists_removes_and_commits_tools_nobody_used(scripted_llm, latm, tmp_path):
    ten_days_ago = (datetime.now(timezone.utc) - timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for name in ("word_sorting", "dyck_languages", "chinese_remainder_theorem"):
        shutil.copytree(REPO_TOOLBOX / name, latm.root / "toolbox" / name)
        manifest = latm.root / "toolbox" / name / "tool.toml"  # written ten days ago
        manifest.write_text(re.sub(r'(?m)^created = ".*"$', f'created = "{ten_days_ago}"', manifest.read_text()))
    git(latm.root, "init", "-q", "-b", "main")
    git(latm.root, "config", "user.email", "dev@example.com")
    git(latm.root, "config", "user.name", "Dev")
    git(latm.root, "add", "toolbox")
    git(latm.root, "commit", "-qm", "tools")
    assert latm("solve", "Complete the rest of the sequence, making sure that the parentheses are closed "
                "properly. Input: ( [").returncode == 0  # dyck_languages is used now
    sorting = latm("feedback", "word_sorting", "--question", "Sort the following words alphabetically: List: b a",
                   "--answer", "a b")  # word_sorting has a reported example: never pruned
    assert sorting.returncode == 0

    assert "No tool unused for 30 days" in latm("prune", "--unused-days", "30").stdout  # all made 10 days ago
    dry = latm("prune", "--unused-days", "5", "--json")
    assert [u["name"] for u in json.loads(dry.stdout)["unused"]] == ["chinese_remainder_theorem"]
    assert (latm.root / "toolbox" / "chinese_remainder_theorem").is_dir()  # a dry run

    pruned = latm("prune", "--unused-days", "5", "--yes", "--commit")
    assert pruned.returncode == 0, pruned.stderr
    assert not (latm.root / "toolbox" / "chinese_remainder_theorem").exists()
    assert git(latm.root, "log", "-1", "--format=%s").strip() == "Remove latm tool chinese_remainder_theorem"
    assert "chinese_remainder_theorem" not in git(latm.root, "ls-files", "toolbox")
    assert "word_sorting" in git(latm.root, "status", "--porcelain")  # the user's other change is not committed


def test_a_hand_edit_waits_unused_until_latm_verify_accepts_it(latm, committed_tool):
    code = latm.root / "toolbox" / "word_sorting" / "tool.py"
    code.write_text(code.read_text().replace("return sorted(words)", "return sorted(words, key=str.casefold)"))
    assert "edited, not verified" in latm("list").stdout
    check = latm("check")
    assert check.returncode == 1 and "1 edited (not verified)" in check.stdout
    refused = latm("solve", "Sort the following words alphabetically: List: pear fig", "--tool", "word_sorting")
    assert refused.returncode != 0 and "edited by hand and the edit is not verified" in refused.stderr

    accepted = latm("verify", "word_sorting")
    assert accepted.returncode == 0 and "the hand edit is accepted as version 2" in accepted.stdout
    assert latm("check").returncode == 0
    shown = latm("history", "word_sorting").stdout
    v1, v2 = [line for line in shown.splitlines() if " v1 " in line or " v2 " in line]
    assert "hand-written" in v1 and "not kept here" in v1  # latm never had v1's code: it came as the edit's base
    assert "edited by hand" in v2 and v2.endswith(" kept here")
    solved = latm("solve", "Sort the following words alphabetically: List: pear Fig", "--tool", "word_sorting")
    assert solved.stdout.startswith("Fig pear") and "warning" not in solved.stdout
