"""Ctrl-C part-way leaves a valid partial report; the same command again asks the model only for
the questions it has no answer for, and a third run asks nothing. The real CLI, stopped by a real
SIGINT; the scripted server counts the requests."""

from __future__ import annotations

import json
import signal
import itertools
import subprocess
import sys
import threading
import time

from eval_support import REPO, bbh, by_method, latm, latm_env, plan_for, responder, results, write_jsonl

QUESTIONS = bbh("word_sorting")[:24]
WAIT_S = 120


def held_after(respond, count, release):
    """``respond``, but requests after the first ``count`` wait for ``release``: the run is surely
    part-way when it is interrupted, however slowly this machine runs it."""
    seen = itertools.count(1)

    def answer(messages, model):
        if next(seen) > count:
            release.wait(WAIT_S)
        return respond(messages, model)
    return answer


def _ctrl_c_as_in_a_terminal() -> None:
    """SIGINT as a user's shell leaves it: a test run started in the background (``nohup … &``)
    ignores it, and a child would inherit that and never see the Ctrl-C this test sends."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def wait_for(condition, what):
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_an_interrupted_run_is_resumed_from_the_cache(scripted_llm, project, tmp_path):
    data = write_jsonl(tmp_path / "questions.jsonl", QUESTIONS)
    plan = plan_for([q["question"] for q in QUESTIONS], {"user-direct": 0})
    release = threading.Event()
    scripted_llm.respond = held_after(responder(plan), 8, release)
    env = latm_env(scripted_llm.url)
    args = ["eval", str(data), "--tool", "word_sorting", "--methods", "user-direct", "--concurrency", "2", "--json"]

    first = subprocess.Popen([sys.executable, "-m", "latm", *args, "--out", str(tmp_path / "first"), "--root", str(project)],
                             cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             preexec_fn=_ctrl_c_as_in_a_terminal)
    wait_for(lambda: len(scripted_llm.chat_requests()) >= 8, "8 requests")
    first.send_signal(signal.SIGINT)
    release.set()  # the held requests answer now, whether or not latm waits for them on Ctrl-C
    stdout, stderr = first.communicate(timeout=WAIT_S)

    assert first.returncode == 130, stderr
    partial = json.loads(stdout)
    answered = by_method(partial)["user-direct"]
    assert partial["status"] == "interrupted" and answered["status"] == "interrupted"
    assert 0 < answered["total"] < len(QUESTIONS)
    saved = results(tmp_path / "first")
    assert saved["status"] == "interrupted" and len(saved["questions"]) == answered["total"]
    assert "Interrupted: a partial report" in (tmp_path / "first" / "report.md").read_text()
    assert "partial report" in stderr
    cached = (project / ".latm" / "eval" / "cache" / "user-direct.jsonl").read_text().splitlines()
    assert answered["total"] <= len(cached) < len(QUESTIONS)

    scripted_llm.respond = responder(plan)
    asked_before = len(scripted_llm.chat_requests())
    second = latm(project, *args, "--out", str(tmp_path / "second"), env=env)

    assert second.returncode == 0, second.stderr
    assert len(scripted_llm.chat_requests()) - asked_before == len(QUESTIONS) - len(cached)
    done = by_method(json.loads(second.stdout))["user-direct"]
    assert (done["status"], done["total"], done["cached"]) == ("done", len(QUESTIONS), len(cached))
    assert done["correct"] == list(plan["user-direct"].values()).count("right")
    assert done["spent_usd"] < done["cost_usd"]

    asked_before = len(scripted_llm.chat_requests())
    third = latm(project, *args, "--out", str(tmp_path / "third"), env=env)
    assert third.returncode == 0 and len(scripted_llm.chat_requests()) == asked_before
    again = by_method(json.loads(third.stdout))["user-direct"]
    assert (again["cached"], again["spent_usd"], again["correct"], again["cost_usd"]) == (
        len(QUESTIONS), 0.0, done["correct"], done["cost_usd"])


def test_a_torn_cache_line_is_skipped_and_asked_again(scripted_llm, project, tmp_path):
    data = write_jsonl(tmp_path / "questions.jsonl", QUESTIONS[:4])
    plan = plan_for([q["question"] for q in QUESTIONS[:4]], {"user-direct": 0})
    scripted_llm.respond = responder(plan)
    env = latm_env(scripted_llm.url)
    args = ["eval", str(data), "--tool", "word_sorting", "--methods", "user-direct", "--json"]
    assert latm(project, *args, env=env).returncode == 0
    cache = project / ".latm" / "eval" / "cache" / "user-direct.jsonl"
    lines = cache.read_text().splitlines()
    cache.write_text("\n".join(lines[:3]) + "\n" + lines[3][: len(lines[3]) // 2])  # a crash mid-write
    asked_before = len(scripted_llm.chat_requests())

    run = latm(project, *args, env=env)

    assert run.returncode == 0, run.stderr
    assert len(scripted_llm.chat_requests()) - asked_before == 1
    assert by_method(json.loads(run.stdout))["user-direct"]["cached"] == 3
    assert all(json.loads(line) for line in cache.read_text().splitlines()[-1:])


def test_the_cli_module_is_importable_without_a_display():
    """Guard for the subprocess runs above: ``python -m latm`` resolves to this worktree."""
    found = subprocess.run([sys.executable, "-c", "import latm; print(latm.__file__)"], env=latm_env(),
                           capture_output=True, text=True)
    assert found.stdout.strip().startswith(str(REPO / "server"))
