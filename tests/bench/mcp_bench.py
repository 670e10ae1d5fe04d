"""MCP benchmark: what serving a tool over MCP adds to a call of it, on this machine.

    python tests/bench/mcp_bench.py [--samples 300] [--calls 96] [--mode legacy|auto] [--quick] [--out PATH]

Against a real ``latm mcp`` over stdio (the SDK's own client, a copy of the committed toolbox,
the Docker sandbox), with ``word_sorting`` on twelve words:
- latency of one call, sequential: straight on a warm sandbox in this process (``sandbox.run``
  of the same code and arguments) and through MCP (``tools/call`` round trip), the two taken in
  turn so that both meet the same load; what MCP adds is the difference of the two p50s (goal:
  at most 2 ms; printed, not asserted), shown with the p50 of the paired differences;
- host CPU per call, which the machine's load does not inflate: this process's for the direct
  calls; the server's and this client's for the MCP calls;
- throughput through MCP with 1, 4 and 16 concurrent calls (``--calls`` calls at each level),
  beside the sandbox's own with as many threads (both are bound by its warm containers).

Prints a table with the machine's description and writes JSON (default .latm/bench/mcp_bench.json).
Needs Docker and the image (`latm sandbox build --offline`).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import anyio

HERE = Path(__file__).resolve()
sys.path[:0] = [str(HERE.parent), str(HERE.parents[1]), str(HERE.parents[1] / "mcp")]

from benchlib import finish, machine, package_versions, percentile  # noqa: E402
from mcp_support import User, connect, trusted_project  # noqa: E402

from latm.sandbox import Call, open_sandbox  # noqa: E402
from latm.sandbox.docker_engine import connect as docker_engine  # noqa: E402
from latm.settings import Settings  # noqa: E402
from latm.toolbox.registry import Registry  # noqa: E402

TOOL = "word_sorting"
WORDS = "thrill splutter panicking scorch same dot prod obstetric malton onus drumhead delmarva".split()
ARGS = {"words": WORDS}
EXPECTED = sorted(WORDS)
CONCURRENCY = (1, 4, 16)
GOAL_ADDED_MS = 2.0


def summary(samples_ms: list[float]) -> dict:
    return {"n": len(samples_ms), "p50_ms": round(percentile(samples_ms, 50), 3),
            "p95_ms": round(percentile(samples_ms, 95), 3), "mean_ms": round(statistics.fmean(samples_ms), 3)}


def server_cpu_s() -> float:
    """User + system CPU seconds of this process's children (the ``latm mcp`` server)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        for child in (task / "children").read_text().split():
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


async def measure(code: str, entry: str, root: Path, env: dict, mode: str, samples: int, calls: int) -> dict:
    with open_sandbox(dataclasses.replace(Settings(), sandbox="docker")) as sandbox:
        def direct() -> float:
            start = time.perf_counter()
            (result,) = sandbox.run(code, [Call(entry=entry, args=ARGS)])
            elapsed = (time.perf_counter() - start) * 1000
            assert result.value == EXPECTED, result.describe()
            return elapsed

        async with connect(root, env, "stdio", mode) as session:
            agent = session.client

            async def through_mcp() -> float:
                start = time.perf_counter()
                result = await agent.call_tool(TOOL, ARGS)
                elapsed = (time.perf_counter() - start) * 1000
                assert result.structured_content == {"result": EXPECTED}, result.content
                return elapsed

            for _ in range(5):
                direct()
                await through_mcp()
            pairs, cpu = [], {"direct": 0.0, "server": 0.0, "client": 0.0}
            for _ in range(samples):  # in turn: both meet the same load
                before = time.process_time()
                direct_ms = direct()
                cpu["direct"] += time.process_time() - before
                before, server_before = time.process_time(), server_cpu_s()
                mcp_ms = await through_mcp()
                cpu["client"] += time.process_time() - before
                cpu["server"] += server_cpu_s() - server_before
                pairs.append((direct_ms, mcp_ms))
            rates = {"mcp": [], "direct": []}
            for level in CONCURRENCY:
                limiter = anyio.CapacityLimiter(level)

                async def limited() -> None:
                    async with limiter:
                        await through_mcp()

                start = time.perf_counter()
                async with anyio.create_task_group() as group:
                    for _ in range(calls):
                        group.start_soon(limited)
                rates["mcp"].append(rate(level, calls, start))
                with ThreadPoolExecutor(level) as pool:
                    start = time.perf_counter()
                    list(pool.map(lambda _: direct(), range(calls)))
                rates["direct"].append(rate(level, calls, start))
    return {"pairs": pairs, "cpu_ms_per_call": {k: round(v / samples * 1000, 3) for k, v in cpu.items()},
            "throughput": rates}


def rate(level: int, calls: int, start: float) -> dict:
    return {"concurrent": level, "calls": calls, "calls_per_s": round(calls / (time.perf_counter() - start), 1)}


def table(report: dict) -> str:
    lat, cpu = report["latency"], report["cpu_ms_per_call"]
    lines = [f"{'one call of ' + TOOL + ', sequential':<44} {'p50 ms':>9} {'p95 ms':>9} {'n':>6}"]
    for label, key in (("straight on the sandbox (this process)", "direct"), ("through MCP over stdio", "mcp")):
        lines.append(f"{label:<44} {lat[key]['p50_ms']:>9.3f} {lat[key]['p95_ms']:>9.3f} {lat[key]['n']:>6}")
    added = report["added_p50_ms"]
    lines.append(f"MCP adds {added:.3f} ms at p50 (goal: at most {GOAL_ADDED_MS:g} ms: "
                 f"{'met' if added <= GOAL_ADDED_MS else 'NOT met'}); p50 of the paired differences "
                 f"{report['paired_difference']['p50_ms']:.3f} ms")
    lines.append(f"host CPU per call: direct {cpu['direct']:.3f} ms; through MCP {cpu['server']:.3f} ms in the server "
                 f"+ {cpu['client']:.3f} ms in the client")
    lines.append(f"\n{'concurrent calls':<20} {'MCP calls/s':>12} {'sandbox calls/s':>16}")
    for mcp_rate, direct_rate in zip(report["throughput"]["mcp"], report["throughput"]["direct"]):
        lines.append(f"{mcp_rate['concurrent']:<20} {mcp_rate['calls_per_s']:>12} {direct_rate['calls_per_s']:>16}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=300, help="sequential calls timed each way")
    parser.add_argument("--calls", type=int, default=96, help="calls at each concurrency level")
    parser.add_argument("--mode", choices=["legacy", "auto"], default="legacy",
                        help="protocol era: legacy (2025 handshake, today's clients) or auto (2026-07-28)")
    parser.add_argument("--quick", action="store_true", help="a fifth of the samples and calls (a smoke run)")
    parser.add_argument("--out", default=".latm/bench/mcp_bench.json", help="where to write the JSON")
    args = parser.parse_args()
    samples, calls = (max(20, args.samples // 5), max(16, args.calls // 5)) if args.quick else (args.samples, args.calls)
    report = {"machine": machine(docker_engine=docker_engine().version().get("Version"), **package_versions("mcp")),
              "tool": TOOL, "arguments": ARGS, "mode": args.mode, "transport": "stdio",
              "settings": {"sandbox": "docker", "pool": Settings().sandbox_pool}}
    with tempfile.TemporaryDirectory(prefix="latm-mcp-bench-") as folder:
        (Path(folder) / "home").mkdir()
        user = User(Path(folder) / "home")
        root = trusted_project(Path(folder), user)
        tool = Registry(root / "toolbox").load().get(TOOL)
        found = anyio.run(measure, tool.code, tool.manifest.entry, root, user.env(), args.mode, samples, calls)
    direct_ms, mcp_ms = [d for d, _ in found["pairs"]], [m for _, m in found["pairs"]]
    report["latency"] = {"direct": summary(direct_ms), "mcp": summary(mcp_ms)}
    report["added_p50_ms"] = round(report["latency"]["mcp"]["p50_ms"] - report["latency"]["direct"]["p50_ms"], 3)
    report["paired_difference"] = summary([m - d for d, m in found["pairs"]])
    report["goal_added_p50_ms"] = GOAL_ADDED_MS
    report["cpu_ms_per_call"] = found["cpu_ms_per_call"]
    report["throughput"] = found["throughput"]
    return finish(report, table(report), Path(args.out))


if __name__ == "__main__":
    sys.exit(main())
