"""Language-server benchmark: `latm serve` over stdio with a toolbox of 1,000 tools.

    python tests/bench/lsp_bench.py [--tools 1000] [--samples 400] [--out PATH]

Measures, against the real server process (pytest-lsp's client, no pytest):
- initialize: the request's round trip (the process already running), and from spawning the
  process to the answer; then until the workspace is ready (1,000 tools loaded, routing index built);
- textDocument/codeAction latency p50/p95: idle, and while a make runs (a scripted maker whose
  replies take a second each, every piece of model code run in the real Docker sandbox);
  half the requests are a cursor on a question (routing over the whole toolbox), half a
  selection of six solved examples (parsing them);
- reload: one tool changed on disk until the client gets ``latm/toolboxChanged`` naming it
  (the server's own watcher, no client event), and 100 changed at once until all 100 were
  named; plus the registry reload itself, timed in this process for comparison;
- resident memory (VmRSS) of the server with the 1,000 tools loaded, and at the end.

Prints a table with the machine's description and writes JSON (default .latm/bench/lsp_bench.json).
Targets: code action p95 <= 50 ms (also during a make), initialize <= 500 ms, one-tool reload <= 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()
TESTS = HERE.parents[1]
sys.path[:0] = [str(TESTS), str(TESTS / "lsp"), str(HERE.parent)]

from benchlib import machine, machine_line, package_versions, percentile, write_report  # noqa: E402
from stand_ins import bbh, write_stand_in  # noqa: E402
from families import WORD_SORTING  # noqa: E402
from lsp_support import (  # noqa: E402
    bbh_family, examples_markdown, initialize, launch_editor, llm_env, maker_responder, server_env, stop_editor,
)
from route_bench import SYLLABLES, synthetic_examples, write_fast  # noqa: E402
from scripted_llm import Delay, ScriptedLLM  # noqa: E402

from latm.sandbox.docker_engine import connect  # noqa: E402
from latm.toolbox.registry import Registry  # noqa: E402

SETTLE_S = 3.0  # long enough for the process to have imported everything it needs
MAKER_DELAY_S = 1.0  # each maker reply: a slow model, so the make lasts while actions are timed
TARGETS = {"code_action_p95_ms": 50.0, "initialize_ms": 500.0, "reload_one_ms": 100.0}


def summary(values: list[float]) -> dict:
    return {"n": len(values), "p50_ms": round(percentile(values, 50), 2), "p95_ms": round(percentile(values, 95), 2),
            "max_ms": round(max(values), 2)}


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def lay_out(toolbox: Path, tools: int, rnd: random.Random, vocabulary: list[str]) -> list[str]:
    """The word-sorting stand-in (so questions route somewhere) plus synthetic tools."""
    write_stand_in(toolbox, "word_sorting", bbh("word_sorting")[:6])
    names = [f"synthetic_{i:05d}" for i in range(tools - 1)]
    for name in names:
        write_fast(toolbox, name, synthetic_examples(rnd, vocabulary))
    return names


class Session:
    def __init__(self, editor, doc: str, question_line: int, examples_end: int) -> None:
        self.editor, self.doc = editor, doc
        self.question_line, self.examples_end = question_line, examples_end
        self.turn = 0

    async def one_action(self) -> tuple[str, float]:
        """Alternately: the cursor on the question, the six examples selected."""
        self.turn += 1
        on_question = self.turn % 2 == 0
        start, end = ((self.question_line, 3), None) if on_question else ((2, 0), (self.examples_end, 0))
        started = time.perf_counter()
        found = await self.editor.actions(self.doc, start, end)
        took = (time.perf_counter() - started) * 1000
        expected = "Solve with tool: " if on_question else "Make tool from 6 examples"
        assert found and found[0].title.startswith(expected), [a.title for a in found]
        return ("question" if on_question else "examples"), took

    async def actions_while(self, busy: "asyncio.Future | None", samples: int) -> dict:
        times: dict[str, list[float]] = {"question": [], "examples": []}
        while (busy is None and self.turn < samples) or (busy is not None and not busy.done()):
            kind, took = await self.one_action()
            times[kind].append(took)
        self.turn = 0
        both = times["question"] + times["examples"]
        return {"all": summary(both), "question": summary(times["question"]), "examples": summary(times["examples"])}


async def changed_names(editor, names: set[str], timeout: float = 60.0) -> float:
    """Seconds until toolboxChanged notifications named every tool in ``names`` (counting from now)."""
    seen_before = len(editor.toolbox_changes())
    started = time.perf_counter()
    deadline = started + timeout
    while time.perf_counter() < deadline:
        named = {n for change in editor.toolbox_changes()[seen_before:] for n in change.get("changed", [])}
        if names <= named:
            return time.perf_counter() - started
        await asyncio.sleep(0.002)
    raise TimeoutError(f"not all of {len(names)} changed tools were reported within {timeout}s")


async def reload_times(editor, toolbox: Path, names: list[str], rnd: random.Random, vocabulary: list[str],
                       rounds: int) -> dict:
    one = []
    for _ in range(rounds):
        name = rnd.choice(names)
        write_fast(toolbox, name, synthetic_examples(rnd, vocabulary))
        one.append(await changed_names(editor, {name}) * 1000)
        await asyncio.sleep(0.2)  # a separate change, not part of the same burst
    hundred = rnd.sample(names, 100)
    started = time.perf_counter()
    for name in hundred:
        write_fast(toolbox, name, synthetic_examples(rnd, vocabulary))
    written = time.perf_counter() - started
    all_named = await changed_names(editor, set(hundred)) + written
    return {"one_tool": summary(one), "hundred_tools_ms": round(all_named * 1000, 1),
            "hundred_tools_writing_ms": round(written * 1000, 1)}


def registry_reload_times(toolbox: Path, names: list[str], rnd: random.Random) -> dict:
    """The registry's own work (what the watcher calls), in this process."""
    started = time.perf_counter()
    registry = Registry(toolbox).load()
    load_ms = (time.perf_counter() - started) * 1000
    one = []
    for name in rnd.sample(names, 50):
        started = time.perf_counter()
        registry.reload({name})
        one.append((time.perf_counter() - started) * 1000)
    started = time.perf_counter()
    registry.reload(set(rnd.sample(names, 100)))
    return {"load_all_ms": round(load_ms, 1), "reload_one": summary(one),
            "reload_hundred_ms": round((time.perf_counter() - started) * 1000, 1)}


async def timed_start(root: Path, env: dict, settle_s: float) -> dict:
    """Start a server: time from spawning it to the initialize answer and to a ready workspace,
    and the initialize request alone when sent ``settle_s`` after the spawn."""
    spawned = time.perf_counter()
    editor = await launch_editor(root, env=env)
    await asyncio.sleep(settle_s)
    asked = time.perf_counter()
    await initialize(editor)
    answered = time.perf_counter()
    await editor.command("latm.listTools", {})  # waits for the workspace: tools loaded, index built
    ready = time.perf_counter()
    return {"editor": editor, "request_ms": round((answered - asked) * 1000, 1),
            "spawn_to_answer_ms": round((answered - spawned) * 1000, 1),
            "spawn_to_ready_ms": round((ready - spawned - settle_s) * 1000, 1)}


async def run(tools: int, samples: int) -> dict:
    rnd = random.Random(7)
    vocabulary = sorted({"".join(rnd.choice(SYLLABLES) for _ in range(rnd.randint(2, 3))) for _ in range(6000)})
    llm = ScriptedLLM().start()
    respond = maker_responder(bbh_family(WORD_SORTING))
    llm.respond = lambda messages, model: Delay(MAKER_DELAY_S, respond(messages, model))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "project"
        toolbox = root / "toolbox"
        names = lay_out(toolbox, tools, rnd, vocabulary)
        results: dict = {"tools": tools, "registry": registry_reload_times(toolbox, names, rnd)}

        env = server_env(**llm_env(llm.url))
        cold = await timed_start(root, env, settle_s=0.0)  # the editor sends initialize at once
        await stop_editor(cold["editor"])
        warm = await timed_start(root, env, settle_s=SETTLE_S)  # the process idle on stdin first
        editor, pid = warm["editor"], warm["editor"].client._server.pid
        results["initialize"] = {"request_ms": warm["request_ms"], "spawn_to_answer_ms": cold["spawn_to_answer_ms"],
                                 "spawn_to_ready_ms": cold["spawn_to_ready_ms"]}
        results["rss_mb_ready"] = round(rss_mb(pid), 1)
        try:
            text = examples_markdown("word_sorting")
            lines = text.splitlines()
            doc = editor.open(root / "notes.md", text)
            session = Session(editor, doc, len(lines) - 1, lines.index("Now a new one:") - 1)
            for _ in range(20):  # warm: first requests pay for lazy imports and caches
                await session.one_action()
            results["code_action_idle"] = await session.actions_while(None, samples)
            whole = {"start": {"line": 0, "character": 0}, "end": {"line": len(lines), "character": 0}}
            make = asyncio.ensure_future(editor.command("latm.makeTool", {"uri": doc, "range": whole, "name": "bench_sorter"}))
            started = time.perf_counter()
            results["code_action_during_make"] = await session.actions_while(make, samples)
            made = await make
            results["make"] = {"seconds": round(time.perf_counter() - started, 2), "verified": made["verified"],
                               "maker_delay_s": MAKER_DELAY_S}
            results["reload"] = await reload_times(editor, toolbox, names, rnd, vocabulary, rounds=20)
            results["rss_mb_end"] = round(rss_mb(pid), 1)
        finally:
            await stop_editor(editor)
            llm.stop()
    return results


def report(results: dict) -> str:
    r = results
    idle, busy = r["code_action_idle"], r["code_action_during_make"]
    lines = [
        machine_line(r["machine"]),
        f"toolbox: {r['tools']} tools",
        "",
        f"{'measure':<52} {'value':>12} {'target':>10}",
        f"{'initialize, request round trip (server started)':<52} {r['initialize']['request_ms']:>9.1f} ms {'<= 500 ms':>10}",
        f"{'initialize, from spawning the process':<52} {r['initialize']['spawn_to_answer_ms']:>9.1f} ms {'<= 500 ms':>10}",
        f"{'ready (1,000 tools loaded, routing index built)':<52} {r['initialize']['spawn_to_ready_ms']:>9.1f} ms",
    ]
    for label, data in (("idle", idle), (f"during a make ({r['make']['seconds']} s)", busy)):
        for kind in ("all", "question", "examples"):
            row = data[kind]
            name = f"codeAction {label}, {kind} (n={row['n']})"
            lines.append(f"{name:<52} {row['p50_ms']:>6.1f}/{row['p95_ms']:<5.1f} {'p95 <= 50':>10}"
                         if kind == "all" else f"{name:<52} {row['p50_ms']:>6.1f}/{row['p95_ms']:<5.1f}")
    one = r["reload"]["one_tool"]
    lines += [
        f"{'reload, one tool changed -> client notified p50/p95':<52} {one['p50_ms']:>6.1f}/{one['p95_ms']:<5.1f} {'<= 100 ms':>10}",
        f"{'reload, 100 tools changed -> all notified':<52} {r['reload']['hundred_tools_ms']:>9.1f} ms",
        f"{'registry reload of one tool (in process) p50/p95':<52} "
        f"{r['registry']['reload_one']['p50_ms']:>6.2f}/{r['registry']['reload_one']['p95_ms']:<5.2f}",
        f"{'registry reload of 100 tools (in process)':<52} {r['registry']['reload_hundred_ms']:>9.1f} ms",
        f"{'registry load of all tools (in process)':<52} {r['registry']['load_all_ms']:>9.1f} ms",
        f"{'server resident memory, ready / at the end':<52} {r['rss_mb_ready']:>5.0f}/{r['rss_mb_end']:<4.0f} MB",
        "(codeAction and reload rows: p50/p95 in ms)",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tools", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=400, help="code actions timed while idle")
    parser.add_argument("--out", type=Path, default=HERE.parents[2] / ".latm" / "bench" / "lsp_bench.json")
    args = parser.parse_args(argv)
    host = machine(**package_versions("bm25s", "numpy"), docker_engine=connect().version().get("Version"))
    results = {"machine": host, "targets": TARGETS} | asyncio.run(run(args.tools, args.samples))
    print(f"{report(results)}\n")
    write_report(results, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
