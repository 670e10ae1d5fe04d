"""``latm route`` and ``latm pending`` as a person or a script runs them."""

from __future__ import annotations

import json
import subprocess
import sys

from stand_ins import bbh


def latm(root, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "latm", *args, "--root", str(root)], capture_output=True, text=True,
                          timeout=60)


def test_route_shows_the_decision_candidates_and_why(bbh_toolbox):
    root = bbh_toolbox.parent
    question = bbh("dyck_languages")[50].question
    done = latm(root, "route", question, "--offline", "--json")
    assert done.returncode == 0, done.stderr
    decision = json.loads(done.stdout)
    assert decision["tool"] == "dyck_languages" and decision["how"] == "clear" and not decision["used_model"]
    assert decision["candidates"][0]["name"] == "dyck_languages" and decision["candidates"][0]["fit"] >= 0.85
    text = latm(root, "route", bbh("web_of_lies")[50].question, "--offline").stdout
    assert text.startswith("No tool fits.") and "why: No tool fits" in text and "candidates" in text


def test_pending_answers_groups_and_examples(bbh_toolbox):
    root = bbh_toolbox.parent
    lies = bbh("web_of_lies")[20:26]
    for e in lies:
        assert latm(root, "pending", "--answer", e.question, e.answer).returncode == 0
    listed = json.loads(latm(root, "pending", "--json").stdout)
    [group] = listed["groups"]
    assert (group["answered"], group["needed"], group["ready"], listed["skipped_lines"]) == (6, 6, True, 0)
    assert f"latm pending --make {group['id']}" in latm(root, "pending").stdout
    lines = latm(root, "pending", "--examples", group["id"]).stdout.splitlines()
    assert [json.loads(line) for line in lines] == [{"question": e.question, "answer": e.answer} for e in lies]


def test_an_unknown_group_and_an_empty_question_are_clear_errors(bbh_toolbox):
    root = bbh_toolbox.parent
    done = latm(root, "pending", "--examples", "gnothere")
    assert done.returncode == 1 and "No pending group 'gnothere'" in done.stderr and done.stdout == ""
    done = latm(root, "route", "   ", "--json")
    assert done.returncode == 1 and json.loads(done.stdout)["type"] == "EmptyQuestion"
