"""Evaluation benchmark: ``latm eval`` on the committed tools, and a long run at scale.

    python tests/bench/eval_bench.py [--quick] [--out PATH]

1. The committed tools (toolbox/: word_sorting, dyck_languages, chinese_remainder_theorem) on
   their BIG-Bench Hard files (../shared/data/bbh), method ``tool-parser`` (no model), the
   paper's test set (examples 11..250: ``--skip 10``; ``--quick`` takes 60 of them), each run as
   the real CLI in a fresh project, in the Docker sandbox (``auto``: process without Docker).
2. Scale: ``latm eval --methods user-direct --concurrency 16`` on synthetic word-sorting
   questions (JSON lines) against the scripted OpenAI-compatible endpoint on loopback, at two
   sizes (1,000 and 10,000; ``--quick`` 500 and 2,000), each in a fresh project (nothing cached).
   Throughput is questions per second of the whole CLI run; peak memory is the CLI process's
   maximum resident set (``wait4``). Memory should stay flat as the question count grows.

Prints tables with the machine's description and writes JSON (default .latm/bench/eval_bench.json).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()
REPO = HERE.parents[2]
sys.path[:0] = [str(HERE.parents[1])]

from bbh import BBH  # noqa: E402
from benchlib import machine, machine_line, package_versions, write_report  # noqa: E402
from scripted_llm import ScriptedLLM  # noqa: E402

TOOLS = ("word_sorting", "dyck_languages", "chinese_remainder_theorem")
KEY_ENV, KEY = "EVAL_BENCH_KEY", "sk-bench-not-a-key"
WORDS = ("apple pear fig plum kiwi lime lemon mango melon grape olive peach cherry berry guava papaya quince date "
         "apricot banana cocoa coconut damson elder feijoa hazel jujube kumquat lychee medlar nectarine").split()


def env(**extra: str) -> dict:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("LATM_", "OPENAI_"))}
    return base | {"PYTHONPATH": str(REPO / "server"), "XDG_CONFIG_HOME": tempfile.gettempdir() + "/latm-bench-no-config",
                   **extra}


def latm_eval(project: Path, *args: str, environ: dict) -> tuple[dict, float, int]:
    """Run ``latm eval ... --json``; (summary, seconds, peak resident set in KB of that process)."""
    started = time.monotonic()
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen([sys.executable, "-m", "latm", "eval", *args, "--json", "--root", str(project)],
                                   cwd=project, env=environ, stdout=stdout, stderr=stderr)
        _, status, usage = os.wait4(process.pid, 0)  # this process's own peak memory
        seconds = time.monotonic() - started
        code = os.waitstatus_to_exitcode(status)
        stdout.seek(0)
        stderr.seek(0)
        if code != 0:
            raise SystemExit(f"latm eval failed ({code}):\n{stderr.read().decode()[-3000:]}")
        return json.loads(stdout.read()), seconds, usage.ru_maxrss


def committed_tools(quick: bool, workdir: Path) -> list[dict]:
    rows = []
    for name in TOOLS:
        project = workdir / f"tools-{name}"
        shutil.copytree(REPO / "toolbox" / name, project / "toolbox" / name)
        limit = ["--limit", "60"] if quick else []
        summary, seconds, _ = latm_eval(project, str(BBH / f"{name}.json"), "--tool", name, "--methods", "tool-parser",
                                        "--skip", "10", *limit, "--out", str(project / "out"), environ=env())
        record = summary["methods"][0]
        rows.append({"tool": name, "correct": record["correct"], "total": record["total"], "accuracy": record["accuracy"],
                     "ci95": record["ci95"], "p50_ms": record["latency_ms"]["p50"], "p95_ms": record["latency_ms"]["p95"],
                     "errors": record["errors"], "seconds": round(seconds, 2), "sandbox": summary["settings"]["sandbox"]})
    return rows


def synthetic(path: Path, count: int, seed: int = 7) -> None:
    """``count`` distinct word-sorting questions with their answers, as JSON lines."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as out:
        for number in range(count):
            words = rng.sample(WORDS, rng.randint(3, 9)) + [f"w{number}"]
            rng.shuffle(words)
            question = f"Sort the following words alphabetically: List: {' '.join(words)}"
            out.write(json.dumps({"question": question, "answer": " ".join(sorted(words))}) + "\n")


def direct_answer(messages: list, model: str) -> str:
    """The scripted user model: reads the list and answers on an "Answer:" line."""
    question = messages[-1]["content"].rsplit("Question: ", 1)[1]
    return "Answer: " + " ".join(sorted(question.split("List:", 1)[1].split()))


def at_scale(sizes: tuple[int, int], workdir: Path) -> list[dict]:
    rows = []
    with ScriptedLLM(respond=direct_answer) as server:
        environ = env(LATM_BASE_URL=server.url, LATM_API_KEY_ENV=KEY_ENV, **{KEY_ENV: KEY})
        for size in sizes:
            project = workdir / f"scale-{size}"
            data = workdir / f"questions-{size}.jsonl"
            synthetic(data, size)
            asked = len(server.requests)
            summary, seconds, peak_kb = _scale_run(project, data, environ)
            record = summary["methods"][0]
            if record["status"] != "done":
                raise SystemExit(f"the {size:,}-question run ended {record['status']}: {record['reason']}")
            rows.append({"questions": size, "answered": record["total"], "correct": record["correct"],
                         "requests": len(server.requests) - asked, "seconds": round(seconds, 2),
                         "questions_per_s": round(size / seconds, 1), "peak_rss_mb": round(peak_kb / 1024, 1),
                         "p50_ms": record["latency_ms"]["p50"], "p95_ms": record["latency_ms"]["p95"]})
    return rows


def _scale_run(project: Path, data: Path, environ: dict) -> tuple[dict, float, int]:
    """The tool is a copy of word_sorting: ``user-direct`` never calls it, but eval names a tool."""
    shutil.copytree(REPO / "toolbox" / "word_sorting", project / "toolbox" / "word_sorting")
    return latm_eval(project, str(data), "--tool", "word_sorting", "--methods", "user-direct", "--concurrency", "16",
                     "--out", str(project / "out"), environ=environ)


def print_tables(tools: list[dict], scale: list[dict]) -> None:
    print("\nlatm eval, tool-parser (no model), BIG-Bench Hard, test set = examples 11.. of 250")
    print(f"{'tool':<27} {'correct':>9} {'accuracy':>9} {'95% CI':>14} {'p50 ms':>8} {'p95 ms':>8} {'run s':>7}  sandbox")
    for r in tools:
        low, high = (x * 100 for x in r["ci95"])
        print(f"{r['tool']:<27} {r['correct']:>4}/{r['total']:<4} {r['accuracy'] * 100:8.1f}% {low:6.1f}–{high:5.1f}% "
              f"{r['p50_ms']:8.1f} {r['p95_ms']:8.1f} {r['seconds']:7.1f}  {r['sandbox']}")
    print("\nlatm eval --methods user-direct --concurrency 16, scripted endpoint on loopback, fresh cache")
    print(f"{'questions':>10} {'answered':>9} {'requests':>9} {'run s':>7} {'q/s':>7} {'peak RSS MB':>12} {'p50 ms':>8} {'p95 ms':>8}")
    for r in scale:
        print(f"{r['questions']:>10,} {r['answered']:>9,} {r['requests']:>9,} {r['seconds']:7.1f} {r['questions_per_s']:7.1f} "
              f"{r['peak_rss_mb']:12.1f} {r['p50_ms']:8.1f} {r['p95_ms']:8.1f}")
    small, large = scale
    print(f"peak memory at {large['questions']:,} questions is {large['peak_rss_mb'] / small['peak_rss_mb']:.2f}x that at "
          f"{small['questions']:,} (flat is 1.0; the question count grew {large['questions'] / small['questions']:.0f}x)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer questions (for CI)")
    parser.add_argument("--out", type=Path, default=REPO / ".latm" / "bench" / "eval_bench.json")
    args = parser.parse_args(argv)
    described = machine(**package_versions("openai", "matplotlib", "tqdm"))
    print(machine_line(described))
    with tempfile.TemporaryDirectory(prefix="latm-eval-bench-") as tmp:
        tools = committed_tools(args.quick, Path(tmp))
        scale = at_scale((500, 2000) if args.quick else (1000, 10000), Path(tmp))
    print_tables(tools, scale)
    write_report({"machine": described, "quick": args.quick, "committed_tools": tools, "scale": scale}, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
