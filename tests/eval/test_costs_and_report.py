"""A --make run with every baseline: its cost adds up to the ledger's, its break-even point is the
paper's arithmetic, and its files are valid and draw exactly the numbers in results.json."""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET

import pytest

from eval_support import bbh, by_method, latm, latm_env, plan_for, project_with_tools, responder, results, write_jsonl
from families import WORD_SORTING
from latm.toolbox.manifest import Example
from scripted_llm import ScriptedLLM

pytestmark = pytest.mark.docker
SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """``latm eval --make`` on 16 word-sorting examples (6 make the tool, 10 test it)."""
    tmp = tmp_path_factory.mktemp("made")
    examples = bbh("word_sorting")[:16]
    data = write_jsonl(tmp / "word_sorting.jsonl", examples)
    project = project_with_tools(tmp / "project")
    validation = [Example(e["question"], e["answer"]) for e in examples[3:6]]
    tests = [e["question"] for e in examples[6:]]
    plan = plan_for(tests, {"tool-user": 0, "user-direct": 1, "user-cot": 2, "maker-cot": 0, "program": 3})
    with ScriptedLLM() as server:
        server.push(WORD_SORTING.proposal(), WORD_SORTING.tests(validation), WORD_SORTING.wrap(validation),
                    WORD_SORTING.parser_reply())
        server.respond = responder(plan)
        out = tmp / "out"
        run = latm(project, "eval", str(data), "--make", "sort_words", "--out", str(out), "--json",
                   env=latm_env(server.url))
        assert not server.unexpected
    assert run.returncode == 0, run.stderr
    return {"project": project, "out": out, "summary": json.loads(run.stdout), "stdout": run.stdout}


def test_costs_add_up_to_the_ledger(made):
    summary, project = made["summary"], made["project"]
    ledger = [json.loads(line) for line in (project / ".latm" / "ledger.jsonl").read_text().splitlines()]
    assert ledger and all(e["outcome"] == "ok" for e in ledger)
    making = [e for e in ledger if e["role"] == "maker" and e["tool"] == "sort_words"]
    assert summary["making"]["cost_usd"] == pytest.approx(sum(e["cost_usd"] for e in making), rel=1e-12)
    assert summary["making"]["tokens_in"] == sum(e["tokens_in"] for e in making)
    methods = summary["methods"]
    assert sum(m["cost_usd"] for m in methods) + summary["making"]["cost_usd"] == pytest.approx(
        sum(e["cost_usd"] for e in ledger), rel=1e-12)
    assert sum(m["tokens_in"] for m in methods) == sum(e["tokens_in"] for e in ledger) - summary["making"]["tokens_in"]
    assert sum(m["tokens_out"] for m in methods) == sum(e["tokens_out"] for e in ledger) - summary["making"]["tokens_out"]
    maker_cot = by_method(summary)["maker-cot"]
    assert maker_cot["cost_usd"] == pytest.approx(
        sum(e["cost_usd"] for e in ledger if e["role"] == "maker" and not e["tool"]), rel=1e-12)
    assert all(m["spent_usd"] == m["cost_usd"] for m in methods)  # nothing came from the cache


def test_break_even_is_making_over_the_saving_per_question(made):
    summary = made["summary"]
    methods = by_method(summary)
    making = summary["making"]["cost_usd"]
    baseline = methods["maker-cot"]["cost_usd"] / methods["maker-cot"]["total"]
    for even in summary["break_even"]:
        own = methods[even["method"]]["cost_usd"] / methods[even["method"]]["total"]
        assert baseline > own
        assert even["questions"] == math.ceil(making / (baseline - own) - 1e-12)
        n = even["questions"]
        assert making + n * own <= n * baseline + 1e-12 and making + (n - 1) * own > (n - 1) * baseline
    report = (made["out"] / "report.md").read_text()
    for even in summary["break_even"]:
        assert f"`{even['method']}` pays off against `maker-cot` after **{even['questions']:,} questions**" in report


def test_files_are_valid_and_the_csv_agrees(made):
    out, summary = made["out"], made["summary"]
    assert sorted(summary["files"]) == sorted(["results.json", "results.csv", "report.md", "accuracy_cost.png",
                                               "accuracy_cost.svg", "cumulative_cost.png", "cumulative_cost.svg",
                                               "making_attempts.png", "making_attempts.svg"])
    import matplotlib.image

    for name in summary["files"]:
        if name.endswith(".png"):
            assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
            pixels = matplotlib.image.imread(out / name)
            assert pixels.shape[2] == 4 and pixels[0, 0, 3] == 0  # decodes; transparent background
        if name.endswith(".svg"):
            assert ET.parse(out / name).getroot().tag == f"{SVG}svg"
    saved = results(out)
    assert {k: v for k, v in saved.items() if k != "questions"} == {k: v for k, v in summary.items() if k != "out"}
    assert len(saved["questions"]) == 10
    rows = (out / "results.csv").read_text().splitlines()
    assert rows[0].startswith("method,model,status,correct,total,accuracy")
    for row, record in zip(rows[1:], summary["methods"]):
        cells = row.split(",")
        assert cells[:5] == [record["method"], record["model"], record["status"], str(record["correct"]), str(record["total"])]
    report = (out / "report.md").read_text()
    for record in summary["methods"]:
        assert f"| {record['method']} | " in report and f"| {record['correct']}/{record['total']} |" in report
    assert "![Cumulative cost vs questions answered](cumulative_cost.png)" in report


def test_the_plots_draw_the_numbers_in_results_json(made):
    out, plots = made["out"], made["summary"]["plots"]
    cumulative = ET.parse(out / "cumulative_cost.svg").getroot()
    pairs = []  # (data point, drawn point) over every line, extension and mark: one pair of axes
    for method, line in plots["cumulative_cost"]["lines"].items():
        drawn = path_points(group(cumulative, f"line-{method}"))
        assert len(drawn) == len(line["x"]), method
        pairs += list(zip(zip(line["x"], line["y"]), drawn))
        if line["extension"]:
            pairs += list(zip(zip(line["extension"]["x"], line["extension"]["y"]),
                              path_points(group(cumulative, f"extension-{method}"))))
    for mark in plots["cumulative_cost"]["break_even"]:
        pairs += list(zip([(mark["x"], mark["y"])], use_points(group(cumulative, f"breakeven-{mark['method']}"))))
    assert plots["cumulative_cost"]["break_even"]
    assert_one_affine_map(pairs)

    accuracy = ET.parse(out / "accuracy_cost.svg").getroot()
    pairs = []
    for point in plots["accuracy_cost"]["points"]:
        pairs += list(zip([(point["x"], point["y"])], use_points(group(accuracy, f"point-{point['method']}"))))
        (x_low, y_high), (_, y_low) = sorted(path_points(group(accuracy, f"ci-{point['method']}")), key=lambda p: p[1])
        pairs += [((point["x"], point["high"]), (x_low, y_high)), ((point["x"], point["low"]), (x_low, y_low))]
    assert len(plots["accuracy_cost"]["points"]) == 6
    assert_one_affine_map(pairs)

    attempts = ET.parse(out / "making_attempts.svg").getroot()
    for stage, tries in plots["attempts"].items():
        assert group(attempts, f"attempts-{stage}") is not None
    assert plots["attempts"] == made["summary"]["making"]["attempts"]


def group(root, gid):
    found = root.find(f".//{SVG}g[@id='{gid}']")
    assert found is not None, f"no element {gid} in the figure"
    return found


def path_points(element) -> list[tuple[float, float]]:
    path = element.find(f".//{SVG}path")
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", path.get("d"))]
    return list(zip(numbers[0::2], numbers[1::2]))


def use_points(element) -> list[tuple[float, float]]:
    return [(float(u.get("x")), float(u.get("y"))) for u in element.iter(f"{SVG}use")]


def assert_one_affine_map(pairs):
    """Every drawn point is (ax·x + bx, ay·y + by) of its data point, for one a and b per axis."""
    for axis in (0, 1):
        data = [d[axis] for d, _ in pairs]
        low, high = min(range(len(pairs)), key=lambda i: data[i]), max(range(len(pairs)), key=lambda i: data[i])
        assert data[high] > data[low], "the data do not span the axis"
        scale = (pairs[high][1][axis] - pairs[low][1][axis]) / (data[high] - data[low])
        offset = pairs[low][1][axis] - scale * data[low]
        for (point, drawn) in pairs:
            assert drawn[axis] == pytest.approx(scale * point[axis] + offset, abs=0.05), (axis, point, drawn)
