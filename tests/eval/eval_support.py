"""The scripted models of the evaluation tests, and how the tests run ``latm eval``.

Each method's prompt is recognised by its wording; the reply is what a model would write, right,
wrong or junk as a test's ``plan`` says for that question, so a test knows which answers must
score as correct. The "reading" of a question is ordinary Python on its text.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from bbh import BBH
from families import block
from sandbox_settings import clean_env

REPO = Path(__file__).resolve().parents[2]
TEST_KEY_ENV = "SCRIPTED_LLM_TEST_KEY"
TEST_KEY = "sk-test-eval-5c1d0e"
MODES = ("right", "wrong", "junk")


def bbh(task: str) -> list[dict]:
    return [{"question": e["input"], "answer": e["target"]} for e in json.loads((BBH / f"{task}.json").read_text())["examples"]]


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def project_with_tools(root: Path, *names: str) -> Path:
    (root / "toolbox").mkdir(parents=True)
    for name in names:
        shutil.copytree(REPO / "toolbox" / name, root / "toolbox" / name)
    return root


def method_of(prompt: str, model: str) -> str:
    if "Use cases:" in prompt:
        return "tool-user"
    if "Write a Python program" in prompt:
        return "program"
    if 'starts with "Answer:"' in prompt:
        return "user-direct"
    if "step by step" in prompt:
        return "maker-cot" if model == "gpt-4o" else "user-cot"
    raise AssertionError(f"no method asks this: {prompt[:200]}")


def asked(prompt: str) -> str:
    """The question a prompt asks: after its last "Question: " (or "Q: " in a few-shot prompt)."""
    if "\nQ: " in prompt and prompt.rstrip().endswith("Let's think step by step."):
        return prompt.rsplit("\nQ: ", 1)[1].rsplit("\nA: Let's think step by step.", 1)[0]
    return prompt.rsplit("Question: ", 1)[1]


def words_of(question: str) -> list[str]:
    return question.split("List:", 1)[1].split()


def word_sorting_reply(method: str, question: str, mode: str, prompt: str = "") -> str:
    """What a model writes for a word-sorting question, as ``mode`` says; a tool user calls the
    function the prompt shows."""
    words = words_of(question)
    right, wrong = " ".join(sorted(words)), " ".join(words[::-1])
    if method == "tool-user":
        entry = re.search(r"^def (\w+)\(", prompt, re.MULTILINE).group(1)
        call = f"words = {words!r}\nret = {entry}(words)\n"
        right_call, wrong_call = call + "ans = ' '.join(ret)", call + "ans = ' '.join(reversed(ret))"
        return {"right": "I parse the list and call the function.\n\n" + block(right_call),
                "wrong": "I call the function.\n\n" + block(wrong_call),
                "junk": "I'm sorry, I can't run code. The words sorted are probably in the list above."}[mode]
    if method == "program":
        return {"right": "Here is a program:\n\n" + block(f"words = {words!r}\nans = ' '.join(sorted(words))"),
                "wrong": block(f"words = {words!r}\nans = ' '.join(words)"),
                "junk": block("ans = sort_everything(question_text)")}[mode]
    if method == "user-direct":
        return {"right": f"Answer: {right}", "wrong": f"Answer: {wrong}",
                "junk": "Sure! Sorting words is fun.\nLet me know if you need anything else."}[mode]
    return {"right": f"Let's think step by step.\nThe first letters are {', '.join(w[0] for w in words)}.\nSo the answer is {right}.",
            "wrong": f"Let's think step by step.\nI keep the order of the list.\nSo the answer is {wrong}.",
            "junk": "Let's think step by step.\nThe list is long, and I lost count."}[mode]


def plan_for(questions: list[str], offsets: dict[str, int]) -> dict[str, dict[str, str]]:
    """method -> question -> mode: right, right, wrong, junk, ... shifted per method."""
    cycle = ("right", "right", "wrong", "junk")
    return {m: {q: cycle[(i + shift) % len(cycle)] for i, q in enumerate(questions)} for m, shift in offsets.items()}


def responder(plan: dict[str, dict[str, str]], reply=word_sorting_reply):
    def respond(messages, model):
        prompt = messages[-1]["content"]
        method = method_of(prompt, model)
        question = asked(prompt)
        return reply(method, question, plan[method][question], prompt)

    return respond


def latm_env(server_url: str | None = None, **extra: str) -> dict:
    env = clean_env()
    env.update({"PYTHONPATH": str(REPO / "server"), "LATM_API_KEY_ENV": TEST_KEY_ENV, "LATM_SANDBOX": "docker",
                "XDG_CONFIG_HOME": "/nonexistent-latm-config", "LATM_LLM_TIMEOUT_S": "10"})
    if server_url:
        env.update({"LATM_BASE_URL": server_url, TEST_KEY_ENV: TEST_KEY})
    env.update(extra)
    return env


def latm(root: Path, *args: str, env: dict, **options) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "latm", *args, "--root", str(root)], cwd=root, env=env,
                          capture_output=True, text=True, timeout=600, **options)


def results(out: Path) -> dict:
    return json.loads((out / "results.json").read_text(encoding="utf-8"))


def by_method(summary: dict) -> dict[str, dict]:
    return {m["method"]: m for m in summary["methods"]}


def tokens(text: str) -> int:
    return len(re.findall(r"\w+|[^\w\s]", text or ""))
