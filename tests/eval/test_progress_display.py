"""The CLI's progress display: a tqdm bar with rate and time left on a terminal, plain lines
otherwise; the real CLI under a real pseudo-terminal."""

from __future__ import annotations

import io
import json
import os
import pty
import subprocess
import sys
import threading

import pytest

from eval_support import bbh, latm_env, write_jsonl
from latm.cli.display import Display
from latm.progress import ProgressEvent


def counted(display, stage, total):
    for done in range(total + 1):
        display(ProgressEvent(stage, f"{stage} {done}/{total}", done / total, done, total))


def test_a_terminal_gets_a_bar_with_rate_and_time_left():
    stream = io.StringIO()
    display = Display(stream, terminal=True)
    counted(display, "tool-parser", 40)
    for fraction, message in ((0.0, "propose 1/3"), (0.3, "verify 1/3"), (0.55, "wrap")):
        display(ProgressEvent(message.split()[0], message, fraction))
    display.close()
    shown = stream.getvalue()
    assert "tool-parser: 100%|" in shown and "40/40" in shown and "it/s" in shown and "\r" in shown
    assert "wrap:  55%|" in shown  # the bar shows the latest message (updates are drawn at most every 0.2 s)


def test_elsewhere_plain_lines_and_a_counted_stage_at_most_every_tenth():
    stream = io.StringIO()
    display = Display(stream, terminal=False)
    counted(display, "user-cot", 1000)
    display(ProgressEvent("propose", "propose 1/3", 0.0))
    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue()
    assert lines[0].startswith("latm: user-cot: 0/1000 [") and lines[-2].startswith("latm: user-cot: 1000/1000 [")
    assert "it/s]" in lines[-2] and len(lines) == 12
    assert lines[-1] == "latm: propose 1/3"  # what the other commands printed before, unchanged


def run_on_a_terminal(args, env, cwd):
    """Run the CLI with stderr on a pseudo-terminal; (exit code, stdout, what the terminal showed)."""
    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "latm", *args], cwd=cwd, env=env, stdout=subprocess.PIPE,
                               stderr=follower, text=True)
    os.close(follower)
    shown = bytearray()

    def read():
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed with the process
                return
            if not chunk:
                return
            shown.extend(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    stdout, _ = process.communicate(timeout=600)
    reader.join(30)
    os.close(leader)
    return process.returncode, stdout, shown.decode("utf-8", "replace")


@pytest.mark.docker
def test_latm_eval_and_solve_batch_draw_bars_on_a_terminal(project, tmp_path):
    data = write_jsonl(tmp_path / "q.jsonl", bbh("word_sorting")[:12])
    code, stdout, shown = run_on_a_terminal(
        ["eval", str(data), "--tool", "word_sorting", "--methods", "tool-parser", "--json", "--root", str(project)],
        latm_env(), project)
    assert code == 0, shown
    assert json.loads(stdout)["methods"][0]["correct"] == 12
    assert "tool-parser: 100%|" in shown and "12/12" in shown and "it/s" in shown and "\r" in shown

    questions = tmp_path / "questions.jsonl"
    questions.write_text("".join(json.dumps({"question": q["question"]}) + "\n" for q in bbh("word_sorting")[:5]))
    code, stdout, shown = run_on_a_terminal(["solve", "--batch", str(questions), "--tool", "word_sorting", "--root",
                                             str(project)], latm_env(), project)
    assert code == 0, shown
    assert len(stdout.splitlines()) == 5 and "solve 5/5: 100%|" in shown and "\r" in shown
