"""Zero-model path benchmark: answering BIG-Bench Hard test splits with the committed tools'
verified parsers, no model, every call in the warm Docker sandbox.

    python tests/bench/solve_bench.py [--runs N] [--out PATH]

For each committed tool (toolbox/): a batch of its whole test split (examples 10..249) through
``latm.solve.solve_batch`` (read JSONL, parse + call + format per question in the sandbox, write
JSONL), timed end to end, median of N runs after one warm-up; and the latency of single
``latm.solve.solver`` calls (one question, one sandbox job: what the editor's "solve" waits for).
Prints a table with the machine's description and writes JSON (default .latm/bench/solve_bench.json).
Needs Docker and the image (`latm sandbox build --offline`).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchlib import machine, machine_line, percentile, write_report
from latm.solve import solve, solve_batch
from latm.make import verify_tool
from latm.sandbox.docker_engine import connect
from latm.settings import Settings
from latm.workspace import Workspace

HERE = Path(__file__).resolve()
REPO = HERE.parents[2]
sys.path.insert(0, str(HERE.parents[1]))
from bbh import BBH  # noqa: E402
SINGLES = 60


def test_split(name: str) -> list[dict]:
    return json.loads((BBH / f"{name}.json").read_text())["examples"][10:]


def bench_tool(ws: Workspace, name: str, runs: int, scratch: Path) -> dict:
    assert verify_tool(ws, name).ok, f"{name} does not verify"
    test = test_split(name)
    source = scratch / f"{name}.jsonl"
    source.write_text("".join(json.dumps({"question": e["input"]}) + "\n" for e in test))
    seconds = []
    for run in range(runs + 1):  # run 0 warms the containers and is not counted
        started = time.perf_counter()
        summary = solve_batch(ws, source, scratch / "out.jsonl", name)
        if run:
            seconds.append(time.perf_counter() - started)
    correct = sum(a.answer == e["target"] for a, e in zip(summary.answers, test))
    singles = []
    for example in test[:SINGLES]:
        started = time.perf_counter()
        answer = solve(ws, example["input"], name)
        singles.append((time.perf_counter() - started) * 1000)
        assert answer.path == "parser"
    median = statistics.median(seconds)
    return {"questions": len(test), "correct": correct, "tokens": summary.tokens, "paths": summary.by_path,
            "batch_median_s": round(median, 4), "batch_best_s": round(min(seconds), 4),
            "questions_per_s": round(len(test) / median, 1), "ms_per_question": round(1000 * median / len(test), 3),
            "single_p50_ms": round(percentile(singles, 50), 2), "single_p95_ms": round(percentile(singles, 95), 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=REPO / ".latm" / "bench" / "solve_bench.json")
    args = parser.parse_args()
    host = machine(docker_engine=connect().version().get("Version"))
    scratch = Path(tempfile.mkdtemp(prefix="latm-solve-bench-"))
    shutil.copytree(REPO / "toolbox", scratch / "toolbox")
    ws = Workspace(scratch, dataclasses.replace(Settings(), sandbox="docker"))
    try:
        names = sorted(p.name for p in (scratch / "toolbox").iterdir() if (p / "tool.toml").is_file())
        tools = {name: bench_tool(ws, name, args.runs, scratch) for name in names}
    finally:
        ws.close()
        shutil.rmtree(scratch, ignore_errors=True)
    report = {"machine": host, "sandbox": "docker", "pool": Settings().sandbox_pool, "runs": args.runs, "tools": tools}
    print(machine_line(host))
    print(f"zero-model path: Docker sandbox, pool {report['pool']}; median of {args.runs} runs")
    print(f"{'tool':28} {'questions':>9} {'correct':>7} {'tokens':>6} {'batch s':>8} {'q/s':>7} {'ms/q':>6} "
          f"{'single p50':>10} {'p95 ms':>7}")
    for name, t in tools.items():
        print(f"{name:28} {t['questions']:>9} {t['correct']:>7} {t['tokens']:>6} {t['batch_median_s']:>8.3f} "
              f"{t['questions_per_s']:>7.1f} {t['ms_per_question']:>6.2f} {t['single_p50_ms']:>10.2f} {t['single_p95_ms']:>7.2f}")
    write_report(report, args.out)
    ok = all(t["correct"] >= 0.99 * t["questions"] and t["tokens"] == 0 for t in tools.values())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
