"""Routing benchmark: accuracy on a mixed BIG-Bench Hard stream, latency and memory at scale.

    python tests/bench/route_bench.py [--quick] [--out PATH]

1. Accuracy. The ten families in ../shared/data/bbh; in each of several partitions six get a
   tool (a stand-in made from the family's first 6 examples: 3 train + 3 validation) and four
   get none. The stream is every test question (examples 10..249) of all ten, shuffled. Routed
   offline (retrieval alone), with a scripted dispatcher model, and, for comparison, by bm25s
   alone (top hit, "unknown" below the threshold that is best on this very stream).
2. Scale. 10, 100, 1,000 and 10,000 tools (the six BBH tools plus synthetic ones whose question
   templates reuse BBH wording as near misses): offline route latency p50/p95 over the stream,
   index memory (tracemalloc), index build time, and the time to take in one changed tool.

Prints a table with the machine's description and writes JSON (default .latm/bench/route_bench.json).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import re
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve()
sys.path[:0] = [str(HERE.parents[1])]

import bm25s  # noqa: E402
import numpy as np  # noqa: E402

from benchlib import machine, machine_line, package_versions, percentile, write_report  # noqa: E402
from stand_ins import bbh, bbh_tasks, stand_in, write_stand_in  # noqa: E402
from model_support import TEST_KEY, TEST_KEY_ENV  # noqa: E402
from scripted_llm import ScriptedLLM  # noqa: E402

from latm.route import route  # noqa: E402
from latm.route.index import ToolIndex, index_for  # noqa: E402
from latm.settings import Settings  # noqa: E402
from latm.toolbox import manifest as mf  # noqa: E402
from latm.toolbox.manifest import Example  # noqa: E402
from latm.workspace import Workspace  # noqa: E402

TOOLS_PER_PARTITION = 6
TRAIN, VALIDATION = 3, 3
TEST = slice(10, 250)


# The stream --------------------------------------------------------------------------------------

def stream(seed: int) -> list[tuple[str, str]]:
    items = [(e.question, task) for task in bbh_tasks() for e in bbh(task)[TEST]]
    random.Random(seed).shuffle(items)
    return items


def partitions(count: int) -> list[list[str]]:
    tasks = bbh_tasks()
    return [sorted(random.Random(100 + i).sample(tasks, TOOLS_PER_PARTITION)) for i in range(count)]


def score(decisions: list[tuple[str, str, object]], known: set[str]) -> dict:
    """Shares: right tool (of questions whose family has one), unknown recognised (of the others)."""
    right = sum(1 for _, task, tool in decisions if task in known and tool == task)
    unknown = sum(1 for _, task, tool in decisions if task not in known and tool is None)
    n_known = sum(1 for _, task, _ in decisions if task in known)
    return {"right_tool": right / n_known, "unknown_recognised": unknown / (len(decisions) - n_known),
            "questions": len(decisions)}


# Accuracy ----------------------------------------------------------------------------------------

class Dispatcher:
    """The scripted dispatcher: knows each question's family, as a perfect cheap model would;
    with ``noise`` it answers junk or a wrong shown task that share of the time."""

    def __init__(self, families: dict[str, str], noise: float, seed: int) -> None:
        self.families, self.noise, self.rnd = families, noise, random.Random(seed)

    def __call__(self, messages: list, model: str) -> str:
        prompt = messages[-1]["content"]
        shown = re.findall(r"^Task: (\S+)$", prompt, re.MULTILINE)
        question = prompt.rsplit("\nQuestion: ", 1)[1].rsplit("\nTask:", 1)[0]
        truth = self.families.get(question)
        if self.rnd.random() < self.noise:
            wrong = [n for n in shown if n != truth]
            return self.rnd.choice(["I cannot tell which task this is.", *(wrong[:1] or ["unknown"])])
        return truth if truth in shown else "unknown"


def accuracy(partition_count: int, limit: int) -> dict:
    runs = []
    for number, known in enumerate(partitions(partition_count)):
        items = stream(number)[:limit]
        with tempfile.TemporaryDirectory() as root:
            for task in known:
                write_stand_in(Path(root) / "toolbox", task, bbh(task)[:TRAIN + VALIDATION])
            run = {"tools": known, "no_tool": sorted(set(bbh_tasks()) - set(known))}
            ws = Workspace(Path(root), Settings(dispatcher_model=""))
            run["offline"] = _routed(ws, items, set(known), offline=True)
            for noise in (0.0, 0.2):
                run[f"model_noise_{noise:g}"] = _with_model(Path(root), items, set(known), noise, number)
            run["bm25s_alone"] = bm25s_alone(known, items)
            runs.append(run)
    return {"runs": runs, **{mode: _mean(runs, mode) for mode in ("offline", "model_noise_0", "model_noise_0.2", "bm25s_alone")}}


def _routed(ws: Workspace, items: list[tuple[str, str]], known: set[str], offline: bool) -> dict:
    decisions = [(q, task, route(ws, q, offline=offline)) for q, task in items]
    result = score([(q, t, d.tool) for q, t, d in decisions], known)
    result["model_calls"] = sum(d.used_model for _, _, d in decisions)
    result["model_tokens"] = sum(d.tokens for _, _, d in decisions)
    result["how"] = {h: sum(d.how == h for _, _, d in decisions) for h in ("clear", "model", "retrieval", "none")}
    return result


def _with_model(root: Path, items: list[tuple[str, str]], known: set[str], noise: float, seed: int) -> dict:
    os.environ[TEST_KEY_ENV] = TEST_KEY
    with ScriptedLLM(respond=Dispatcher({q: t for q, t in items}, noise, seed)) as server:
        settings = Settings(base_url=server.url, api_key_env=TEST_KEY_ENV, dispatcher_model="gpt-4o-mini", max_retries=1)
        return _routed(Workspace(root, settings), items, known, offline=False)


def bm25s_alone(known: list[str], items: list[tuple[str, str]]) -> dict:
    """bm25s over each tool's example questions, top hit taken; "unknown" below a threshold on the
    score relative to the tool's own examples' mean score, chosen as the best on this stream."""
    corpus = [" ".join(e.question for e in bbh(task)[:TRAIN + VALIDATION]) for task in known]
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(corpus, show_progress=False), show_progress=False)

    def top(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        docs, scores = retriever.retrieve(bm25s.tokenize(texts, show_progress=False), k=1, show_progress=False)
        return docs[:, 0], scores[:, 0]

    own = {task: float(np.mean(top([e.question for e in bbh(task)[:TRAIN + VALIDATION]])[1])) for task in known}
    docs, scores = top([q for q, _ in items])
    relative = [s / own[known[d]] for d, s in zip(docs, scores)]
    best = None
    for threshold in np.arange(0.0, 1.5, 0.01):
        decided = [(q, t, known[d] if r >= threshold else None) for (q, t), d, r in zip(items, docs, relative)]
        result = score(decided, set(known))
        if best is None or result["right_tool"] + result["unknown_recognised"] > best["right_tool"] + best["unknown_recognised"]:
            best = result | {"threshold": round(float(threshold), 2)}
    return best


def _mean(runs: list[dict], mode: str) -> dict:
    keys = ("right_tool", "unknown_recognised")
    return {k: statistics.mean(r[mode][k] for r in runs) for k in keys} | {f"min_{k}": min(r[mode][k] for r in runs) for k in keys}


# Scale -------------------------------------------------------------------------------------------

SYLLABLES = "ka lo mi ne su ta ri po ve da fo gu hi ja ku le mo na pi ro sa te vu wa xi yo zu bre cla dro fli gra".split()
NEAR_WORDS = ("sort following words alphabetically list truth tells says lies steps forward today date tomorrow "
              "how many have is the of a what which options yes no if you do number divide left complete "
              "sequence parentheses closed properly input between times could they gone").split()


def synthetic_examples(rnd: random.Random, vocabulary: list[str]) -> list[Example]:
    """A made-up kind of question: fixed wording (made-up words and BBH words) around a list of words or numbers."""
    fixed = rnd.sample(vocabulary, rnd.randint(3, 8)) + rnd.sample(NEAR_WORDS, rnd.randint(2, 6))
    rnd.shuffle(fixed)
    cut = rnd.randint(1, len(fixed) - 1)
    head, tail = " ".join(fixed[:cut]), " ".join(fixed[cut:])
    numbers = rnd.random() < 0.3

    def one() -> str:
        part = (" ".join(str(rnd.randint(0, 999)) for _ in range(rnd.randint(2, 8))) if numbers
                else " ".join(rnd.sample(vocabulary, rnd.randint(2, 8))))
        return f"{head.capitalize()}: {part}. {tail.capitalize()}?"

    return [Example(one(), "-") for _ in range(TRAIN + VALIDATION)]


def write_fast(toolbox: Path, name: str, examples: list[Example]) -> None:
    """The toolbox format without the fsyncs of the atomic store, to lay out 10,000 tools quickly."""
    files = stand_in(name, examples, f"Synthetic routing-benchmark tool {name} (stand-in, never run).")
    folder = toolbox / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tool.py").write_text(files.code)
    provenance = dataclasses.replace(files.manifest.provenance, tool_hash=mf.tool_hash(files.code))
    (folder / "tool.toml").write_text(mf.dumps(dataclasses.replace(files.manifest, provenance=provenance)))


def at_scale(size: int, known: list[str], queries: list[tuple[str, str]], updates: int) -> dict:
    rnd = random.Random(size)
    vocabulary = sorted({"".join(rnd.choice(SYLLABLES) for _ in range(rnd.randint(2, 3))) for _ in range(6000)})
    with tempfile.TemporaryDirectory() as root:
        toolbox = Path(root) / "toolbox"
        for task in known:
            write_stand_in(toolbox, task, bbh(task)[:TRAIN + VALIDATION])
        for i in range(size - len(known)):
            write_fast(toolbox, f"synthetic_{i:05d}", synthetic_examples(rnd, vocabulary))
        started = time.perf_counter()
        ws = Workspace(Path(root), Settings(dispatcher_model=""))
        load_s = time.perf_counter() - started
        started = time.perf_counter()
        index = index_for(ws)
        build_s = time.perf_counter() - started
        memory = _index_memory(ws)
        route(ws, queries[0][0], offline=True)  # warm
        latency, decisions = _latencies(ws, queries)
        result = {"tools": len(index), "registry_load_s": load_s, "index_build_s": build_s, "index_memory_mb": memory,
                  **latency, **score(decisions, set(known))}
        result |= _updates(ws, index, toolbox, rnd, vocabulary, updates)
        result["route_p95_ms_after_updates"] = _latencies(ws, queries[:300])[0]["route_p95_ms"]
        started = time.perf_counter()
        index.compact()
        result["compaction_s"] = time.perf_counter() - started
        ws.close()
        return result


def _index_memory(ws: Workspace) -> float:
    """Bytes held by a second, identical index, built under tracemalloc."""
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    index = ToolIndex()
    index.update(ws.registry.tools, set(ws.registry.tools))
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    del index
    return held / 2**20


def _latencies(ws: Workspace, queries: list[tuple[str, str]]) -> tuple[dict, list]:
    times, decisions = [], []
    for question, task in queries:
        started = time.perf_counter()
        decision = route(ws, question, offline=True)
        times.append((time.perf_counter() - started) * 1000)
        decisions.append((question, task, decision.tool))
    return {"route_p50_ms": percentile(times, 50), "route_p95_ms": percentile(times, 95), "route_max_ms": max(times)}, decisions


def _updates(ws: Workspace, index: ToolIndex, toolbox: Path, rnd: random.Random, vocabulary: list[str], count: int) -> dict:
    """One tool changes on disk; the registry reloads it (what the watcher does) and the index follows."""
    reload_ms, index_ms = [], []
    names = [n for n in index.names() if n.startswith("synthetic_")] or index.names()
    for _ in range(count):
        name = rnd.choice(names)
        write_fast(toolbox, name, synthetic_examples(rnd, vocabulary))
        started = time.perf_counter()
        ws.registry.reload({name})  # its listener updates the index
        reload_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        index.update(ws.registry.tools, {name})
        index_ms.append((time.perf_counter() - started) * 1000)
    return {"update_reload_p50_ms": percentile(reload_ms, 50), "update_index_p50_ms": percentile(index_ms, 50),
            "update_index_max_ms": max(index_ms), "compactions": index.compactions}


# Report ------------------------------------------------------------------------------------------

def report(results: dict) -> str:
    lines = [machine_line(results["machine"]), ""]
    acc = results["accuracy"]
    lines.append(f"accuracy: {len(acc['runs'])} partitions x {acc['runs'][0]['offline']['questions']} questions "
                 f"(6 families with a tool, 4 without; test examples 10..249)")
    lines.append(f"  {'mode':<34} {'right tool':>11} {'(min)':>7} {'unknown ok':>11} {'(min)':>7} {'model calls':>12}")
    for mode, label in (("offline", "latm, offline (retrieval alone)"), ("model_noise_0", "latm + scripted dispatcher"),
                        ("model_noise_0.2", "latm + dispatcher, 20% bad answers"), ("bm25s_alone", "bm25s alone, best threshold")):
        a = acc[mode]
        calls = statistics.mean(r[mode].get("model_calls", 0) / r[mode]["questions"] for r in acc["runs"])
        lines.append(f"  {label:<34} {a['right_tool']:>10.1%} {a['min_right_tool']:>7.1%} {a['unknown_recognised']:>10.1%} "
                     f"{a['min_unknown_recognised']:>7.1%} {calls:>11.1%}")
    lines += ["", "scale (offline route over the mixed stream; memory = the index alone):",
              f"  {'tools':>6} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'memory MB':>10} {'build s':>8} "
              f"{'1 change ms':>12} {'reload ms':>10} {'p95 after':>10} {'rebuild s':>10} {'right':>6} {'unknown':>8}"]
    for s in results["scale"]:
        lines.append(f"  {s['tools']:>6} {s['route_p50_ms']:>7.2f} {s['route_p95_ms']:>7.2f} {s['route_max_ms']:>7.2f} "
                     f"{s['index_memory_mb']:>10.1f} {s['index_build_s']:>8.2f} {s['update_index_p50_ms']:>12.2f} "
                     f"{s['update_reload_p50_ms']:>10.2f} "
                     f"{s['route_p95_ms_after_updates']:>10.2f} {s['compaction_s']:>10.2f} {s['right_tool']:>6.1%} "
                     f"{s['unknown_recognised']:>8.1%}")
    lines.append("  (1 change = the index taking in one changed tool, median; reload = the registry re-reading it from "
                 "disk, index included; 'p95 after' = route p95 with 20 changes not yet compacted; rebuild = full "
                 "lexical rebuild)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 partitions, 600 questions, up to 1,000 tools")
    parser.add_argument("--out", type=Path, default=HERE.parents[2] / ".latm" / "bench" / "route_bench.json")
    args = parser.parse_args(argv)
    partitions_n, limit = (2, 600) if args.quick else (5, 2400)
    sizes = (10, 100, 1000) if args.quick else (10, 100, 1000, 10000)
    results = {"machine": machine(**package_versions("bm25s", "numpy")), "accuracy": accuracy(partitions_n, limit)}
    known = partitions(1)[0]
    queries = stream(99)[:1000]
    results["scale"] = [at_scale(size, known, queries, updates=20) for size in sizes]
    print(report(results))
    print()
    write_report(results, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
