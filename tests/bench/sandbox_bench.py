"""Sandbox benchmark: what one tool call costs, run the different ways, on this machine.

    python tests/bench/sandbox_bench.py [--quick] [--out PATH]

Per-call latency (p50/p95, sequential calls of a small tool) for:
  in-process exec (the reference notebooks' way; no isolation, for scale), a host ``python3``
  subprocess per call, ``docker run`` per call (a fresh hardened container), latm's warm Docker
  sandbox, and latm's process backend (one worker per run, and per call inside a run of 100).
Plus the cold start of the Docker pool (open to first answer, and to a full pool) and the
throughput of the warm sandbox with 1, 2, 4 and 8 concurrent callers.

Prints a table with the machine's description and writes JSON (default .latm/bench/sandbox_bench.json).
Needs Docker and the image (`latm sandbox build --offline`).
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from benchlib import load_average, machine, machine_line, percentile, write_report
from latm.sandbox import Call, open_sandbox
from latm.sandbox.containers import hardening
from latm.sandbox.docker_backend import DockerSandbox
from latm.sandbox.docker_engine import connect
from latm.sandbox.process_backend import ProcessSandbox, interpreter
from latm.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: the sandbox settings the tests use
from sandbox_settings import sandbox_settings  # noqa: E402 - LATM_SANDBOX_IMAGE honoured

TOOL = "def count_vowels(text):\n    return sum(ch in 'aeiou' for ch in text.lower())\n"
ARGS = {"text": "Tools are made once and used many times"}
EXPECTED = 14
SCRIPT = TOOL + f"print(count_vowels({ARGS['text']!r}))\n"


def percentiles(samples_ms: list) -> dict:
    return {"n": len(samples_ms), "p50_ms": round(percentile(samples_ms, 50), 3),
            "p95_ms": round(percentile(samples_ms, 95), 3), "mean_ms": round(statistics.fmean(samples_ms), 3)}


def timed(call, n: int, warmup: int = 3) -> dict:
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return percentiles(samples)


# ------------------------------------------------------------------------- the ways to call
def in_process(n: int) -> dict:
    def call():
        namespace = {}
        exec(compile(TOOL, "<tool>", "exec"), namespace)
        assert namespace["count_vowels"](**ARGS) == EXPECTED
    return timed(call, n)


def host_subprocess(n: int) -> dict:
    def call():
        out = subprocess.run([interpreter(), "-I", "-S", "-c", SCRIPT], capture_output=True, text=True, check=True)
        assert int(out.stdout) == EXPECTED
    return timed(call, n)


def docker_run_per_call(settings: Settings, n: int) -> dict:
    """A fresh container per call with the same hardening (``docker run --rm`` through the API)."""
    api = connect().api
    config = hardening(api, settings.memory_mb)
    config["AutoRemove"] = False  # removed below, after reading its output from the log
    config["LogConfig"] = {"Type": "json-file", "Config": {}}

    def call():
        cid = api.create_container(settings.sandbox_image, entrypoint=["python3", "-I", "-S", "-c", SCRIPT],
                                   user="65534:65534", host_config=config, network_disabled=True)["Id"]
        try:
            api.start(cid)
            api.wait(cid)
            assert int(api.logs(cid, stdout=True, stderr=False)) == EXPECTED
        finally:
            api.remove_container(cid, force=True)
    return timed(call, n, warmup=1)


def sandbox_calls(sandbox, n: int) -> dict:
    def call():
        result = sandbox.run(TOOL, [Call(entry="count_vowels", args=ARGS)])[0]
        assert result.value == EXPECTED, result.describe()
    return timed(call, n, warmup=20)


def calls_inside_one_run(sandbox, n: int) -> dict:
    start = time.perf_counter()
    results = sandbox.run(TOOL, [Call(entry="count_vowels", args=ARGS)] * n)
    total = (time.perf_counter() - start) * 1000
    assert all(r.value == EXPECTED for r in results)
    inner = percentiles([r.duration_ms for r in results])
    return {"n": n, "per_call_ms": round(total / n, 3), "worker_p50_ms": inner["p50_ms"], "worker_p95_ms": inner["p95_ms"]}


def cold_start(settings: Settings, rounds: int) -> dict:
    first, full = [], []
    for _ in range(rounds):
        start = time.perf_counter()
        with DockerSandbox.open(settings) as sandbox:
            assert sandbox.run(TOOL, [Call(entry="count_vowels", args=ARGS)])[0].value == EXPECTED
            first.append((time.perf_counter() - start) * 1000)
            while sandbox.status().warm_containers < settings.sandbox_pool:
                time.sleep(0.005)
            full.append((time.perf_counter() - start) * 1000)
    return {"pool": settings.sandbox_pool, "first_answer": percentiles(first), "full_pool": percentiles(full)}


def throughput(sandbox, callers: int, seconds: float) -> dict:
    counts = [0] * callers
    stop = time.perf_counter() + seconds

    def caller(k: int) -> None:
        while time.perf_counter() < stop:
            assert sandbox.run(TOOL, [Call(entry="count_vowels", args=ARGS)])[0].value == EXPECTED
            counts[k] += 1

    threads = [threading.Thread(target=caller, args=(k,)) for k in range(callers)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    return {"callers": callers, "calls": sum(counts), "calls_per_s": round(sum(counts) / elapsed, 1)}


# ------------------------------------------------------------------------------ reporting
def table(report: dict) -> str:
    lat = report["latency"]
    rows = [("in-process exec (no isolation)", lat["in_process_exec"]),
            ("host python3 subprocess per call", lat["host_subprocess"]),
            ("docker run per call (hardened)", lat["docker_run_per_call"]),
            ("latm warm Docker sandbox", lat["latm_docker_warm"]),
            ("latm process backend, one run per call", lat["latm_process_per_run"])]
    lines = [f"{'how one call runs':<42} {'p50 ms':>9} {'p95 ms':>9} {'n':>6}"]
    lines += [f"{name:<42} {r['p50_ms']:>9.3f} {r['p95_ms']:>9.3f} {r['n']:>6}" for name, r in rows]
    inside = lat["latm_process_calls_in_one_run"]
    lines.append(f"{'latm process backend, 100 calls in a run':<42} {inside['worker_p50_ms']:>9.3f} "
                 f"{inside['worker_p95_ms']:>9.3f} {inside['n']:>6}   ({inside['per_call_ms']} ms per call overall)")
    inside = lat["latm_docker_calls_in_one_run"]
    lines.append(f"{'latm Docker sandbox, 100 calls in a run':<42} {inside['worker_p50_ms']:>9.3f} "
                 f"{inside['worker_p95_ms']:>9.3f} {inside['n']:>6}   ({inside['per_call_ms']} ms per call overall)")
    cold = report["cold_start"]
    lines.append(f"\ncold start of the pool ({cold['pool']} containers): first answer p50 "
                 f"{cold['first_answer']['p50_ms']:.0f} ms, full pool p50 {cold['full_pool']['p50_ms']:.0f} ms")
    lines.append(f"warm sandbox vs docker run per call: {report['speedup_vs_docker_run']}x faster (p50)")
    lines.append("throughput of the warm sandbox: " + ", ".join(
        f"{t['callers']} caller(s) {t['calls_per_s']}/s" for t in report["throughput"]))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples (a smoke run)")
    parser.add_argument("--out", default=".latm/bench/sandbox_bench.json", help="where to write the JSON")
    args = parser.parse_args()
    scale = 0.2 if args.quick else 1.0
    n = lambda count: max(5, int(count * scale))  # noqa: E731
    settings = sandbox_settings(sandbox="docker")
    report = {"machine": machine(docker_engine=connect().version().get("Version")), "tool": TOOL, "settings": {"pool": settings.sandbox_pool,
              "timeout_s": settings.timeout_s, "memory_mb": settings.memory_mb}}
    latency = {"in_process_exec": in_process(n(5000)), "host_subprocess": host_subprocess(n(100)),
               "docker_run_per_call": docker_run_per_call(settings, n(30))}
    with open_sandbox(settings) as sandbox:
        latency["latm_docker_warm"] = sandbox_calls(sandbox, n(2000))
        latency["latm_docker_calls_in_one_run"] = calls_inside_one_run(sandbox, 100)
        report["throughput"] = [throughput(sandbox, callers, 3.0 * scale) for callers in (1, 2, 4, 8)]
    with ProcessSandbox(dataclasses.replace(settings, sandbox="process")) as sandbox:
        latency["latm_process_per_run"] = sandbox_calls(sandbox, n(100))
        latency["latm_process_calls_in_one_run"] = calls_inside_one_run(sandbox, 100)
    report["latency"] = latency
    report["cold_start"] = cold_start(settings, n(10))
    report["speedup_vs_docker_run"] = round(latency["docker_run_per_call"]["p50_ms"] / latency["latm_docker_warm"]["p50_ms"])
    report["machine"]["load_average_at_end"] = load_average()

    print(machine_line(report["machine"]))
    print(table(report))
    print()
    write_report(report, Path(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
