"""What an evaluation leaves in its folder: ``results.json`` (the summary, one record per method,
the plotted data, then every question with each method's answer), ``results.csv`` (one row per
method), ``report.md`` and the figures. Every file is written to a temporary name and renamed.

The per-question part of ``results.json`` is streamed from the data set and each method's
``answers-<method>.jsonl``, so writing it holds one question at a time.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Iterator, Optional

from latm.eval.plots import FILES, TITLES, draw_all
from latm.toolbox.manifest import Example
from latm.toolbox.store import write_text_atomic

CSV_FIELDS = ("method", "model", "status", "correct", "total", "accuracy", "ci95_low", "ci95_high", "tokens_in",
              "tokens_out", "cost_usd", "cost_per_1k_usd", "p50_ms", "p95_ms", "cached", "errors", "reason")


def write_all(out: Path, summary: dict, questions: Iterator[Example], methods: list[str]) -> dict:
    """Write every file; ``summary`` gains ``files`` (names in ``out``) and is returned."""
    out.mkdir(parents=True, exist_ok=True)
    summary["files"] = ["results.json", "results.csv", "report.md"] + draw_all(summary["plots"], out)
    write_text_atomic(out / "results.csv", _csv(summary["methods"]))
    write_text_atomic(out / "report.md", report(summary))
    _write_results(out, summary, questions, methods)
    return summary


def _write_results(out: Path, summary: dict, questions: Iterator[Example], methods: list[str]) -> None:
    head = json.dumps(summary, indent=2, ensure_ascii=False)
    partial = out / ".results.json.partial"
    with open(partial, "w", encoding="utf-8") as f:
        f.write(head[:-2] + ',\n  "questions": [')
        for number, record in enumerate(_question_records(out, questions, methods)):
            f.write(("\n    " if number == 0 else ",\n    ") + json.dumps(record, ensure_ascii=False))
        f.write("\n  ]\n}\n")
    partial.replace(out / "results.json")


def _question_records(out: Path, questions: Iterator[Example], methods: list[str]) -> Iterator[dict]:
    """Each test question with the answer of every method that got to it (methods answer a prefix)."""
    files = {m: open(out / f"answers-{m}.jsonl", encoding="utf-8") for m in methods if (out / f"answers-{m}.jsonl").exists()}
    try:
        for index, example in enumerate(questions):
            answers = {}
            for method, f in files.items():
                line = f.readline()
                if line.strip():
                    record = json.loads(line)
                    answers[method] = {k: v for k, v in record.items() if k != "index"}
            if not answers:
                return
            yield {"index": index, "question": example.question, "expected": example.answer, "answers": answers}
    finally:
        for f in files.values():
            f.close()


def _csv(methods: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for m in methods:
        writer.writerow({
            "method": m["method"], "model": m["model"], "status": m["status"], "correct": m["correct"],
            "total": m["total"], "accuracy": m["accuracy"], "ci95_low": m["ci95"][0], "ci95_high": m["ci95"][1],
            "tokens_in": m["tokens_in"], "tokens_out": m["tokens_out"], "cost_usd": m["cost_usd"],
            "cost_per_1k_usd": m["cost_per_1k_usd"], "p50_ms": m["latency_ms"]["p50"], "p95_ms": m["latency_ms"]["p95"],
            "cached": m["cached"], "errors": ";".join(f"{k}:{v}" for k, v in m["errors"].items()), "reason": m["reason"],
        })
    return buffer.getvalue()


# report.md

def report(s: dict) -> str:
    data, making = s["data"], s["making"]
    lines = [
        f"# Does `{s['tool']}` pay off? latm eval on `{Path(data['path']).name}`",
        "",
        f"{data['test_questions']:,} test question(s): examples {data['test_start'] + 1:,}–"
        f"{data['test_start'] + data['test_questions']:,} of {data['examples']:,} in `{data['path']}` ({data['format']})"
        + (f", after the {data['making']} making examples" if data["making"] else "") + ". "
        f"{_status(s['status'])} latm {s['latm']}, {s['created']}; concurrency {s['settings']['concurrency']}, "
        f"sandbox {s['settings']['sandbox']}.",
        "",
        "| method | model | correct | accuracy (95% CI) | tokens in / out | cost | per 1,000 q | latency p50 / p95 | errors |",
        "|---|---|---|---|---|---|---|---|---|",
        *(_row(m) for m in s["methods"] if m["status"] != "skipped"),
        "",
        _making(making),
        "",
        *_break_evens(s["break_even"]),
        *_skipped(s["methods"]),
        *(f"![{TITLES[key]}]({stem}.png)" for key, stem in FILES.items() if f"{stem}.png" in s["files"]),
        "",
        "How it was measured: every method answered the same test questions, scored by the solve path's comparison "
        "(a multiple-choice answer counts by its letter). Cost is priced from each answer's tokens with the price "
        "table in the settings (" + _prices(s["settings"]["prices"]) + "); latency is the wall time of one question, "
        "model call and sandbox run included, on this machine. Answers taken from the cache keep the tokens and "
        f"latency first measured ({_cached(s['methods'])}). Every number is in `results.json`.",
        "",
    ]
    return "\n".join(lines)


def _row(m: dict) -> str:
    low, high = m["ci95"]
    accuracy = "—" if m["accuracy"] is None else f"{m['accuracy'] * 100:.1f}% ({low * 100:.1f}–{high * 100:.1f})"
    p50, p95 = m["latency_ms"]["p50"], m["latency_ms"]["p95"]
    latency = "—" if p50 is None else f"{_ms(p50)} / {_ms(p95)}"
    errors = ", ".join(f"{kind} {n}" for kind, n in m["errors"].items()) or "—"
    name = m["method"] + ("" if m["status"] == "done" else f" ({m['status']}{': ' + m['reason'] if m['reason'] else ''})")
    return (f"| {name} | {m['model'] or '—'} | {m['correct']}/{m['total']} | {accuracy} | "
            f"{m['tokens_in']:,} / {m['tokens_out']:,} | {_money(m['cost_usd'])} | {_money(m['cost_per_1k_usd'])} | "
            f"{latency} | {errors} |")


def _making(making: dict) -> str:
    cost = _money(making["cost_usd"])
    how = {
        "made": f"made in this run: {making['tokens_in']:,} tokens in, {making['tokens_out']:,} out, {cost}",
        "reused": f"made by an earlier run from the same examples and unchanged since: {cost} (not paid again)",
        "ledger": f"from the workspace's ledger: {making['tokens_in']:,} tokens in, {making['tokens_out']:,} out, {cost}",
        "hand-written": "hand-written: $0",
        "unknown": "not known (no maker call for it in this workspace's ledger)",
    }[making["how"]]
    tries = ", ".join(f"{stage} {n}" for stage, n in making["attempts"].items() if n)
    return (f"Making `{making['tool']}`, counted once and not in the rows above: {how}."
            + (f" Maker's attempts per stage: {tries}." if tries else ""))


def _break_evens(evens: list[dict]) -> list[str]:
    lines = []
    for e in evens:
        if e["questions"] is not None:
            lines.append(f"Break-even: `{e['method']}` pays off against `{e['against']}` after **{e['questions']:,} "
                         f"questions** ({_money(e['making_usd'])} making + {_money(e['per_question_usd'])} per question, "
                         f"against {_money(e['baseline_per_question_usd'])} per question).")
        else:
            lines.append(f"Break-even of `{e['method']}` against `{e['against']}`: {e['note']}.")
    return lines + ([""] if lines else [])


def _skipped(methods: list[dict]) -> list[str]:
    skipped = [f"- `{m['method']}`: {m['reason']}" for m in methods if m["status"] == "skipped"]
    return (["Skipped:", *skipped, ""]) if skipped else []


def _status(status: str) -> str:
    return {"complete": "Complete.", "interrupted": "**Interrupted: a partial report**; run the same command again to "
            "finish (answers already given come from the cache).",
            "cancelled": "**Cancelled: a partial report.**"}.get(status, status)


def _cached(methods: list[dict]) -> str:
    cached = [f"{m['method']} {m['cached']}" for m in methods if m["cached"]]
    return "from the cache: " + ", ".join(cached) if cached else "none came from the cache"


def _prices(prices: dict) -> str:
    shown = [f"{model} ${p['input']:g} in / ${p['output']:g} out per million tokens" for model, p in prices.items()]
    return "; ".join(shown) or "no model used"


def _money(value: Optional[float]) -> str:
    if value is None:
        return "—"
    return f"${value:,.2f}" if value >= 100 else f"${value:.4f}" if value < 1 else f"${value:,.3f}"


def _ms(value: float) -> str:
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.0f} ms"

