"""The report's figures, drawn with matplotlib's Agg canvas (no pyplot, no display: safe in the
language server's threads), saved as PNG and SVG.

Readable in a dark and a light editor theme: transparent background, mid-grey axes and text,
method colours of middle lightness. Each drawn element has an SVG id (``point-<method>``,
``ci-<method>``, ``line-<method>``, ``extension-<method>``, ``breakeven-<method>``,
``attempts-<stage>``), and exactly the data in ``results.json``'s ``plots`` is drawn.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from matplotlib.figure import Figure

logging.getLogger("matplotlib").setLevel(logging.WARNING)  # e.g. its one-off font cache notice

GREY = "#8c8c8c"
COLOURS = {"tool-parser": "#2ca25f", "tool-user": "#3b82f6", "user-direct": "#e69f00", "user-cot": "#e8554e",
           "maker-cot": "#a463f2", "program": "#17a5a5"}
STYLE = {
    "text.color": GREY, "axes.labelcolor": GREY, "axes.edgecolor": GREY, "xtick.color": GREY, "ytick.color": GREY,
    "axes.titlecolor": GREY, "grid.color": GREY, "grid.alpha": 0.25, "legend.frameon": False,
    "savefig.transparent": True, "figure.facecolor": "none", "axes.facecolor": "none",
    "path.simplify": False,  # every data point stays a vertex of the drawn path
    "svg.fonttype": "none", "svg.hashsalt": "latm-eval", "font.size": 10,
}
FILES = {"accuracy_cost": "accuracy_cost", "cumulative_cost": "cumulative_cost", "attempts": "making_attempts"}
TITLES = {"accuracy_cost": "Accuracy vs cost per 1,000 questions", "cumulative_cost": "Cumulative cost vs questions answered",
          "attempts": "Maker's attempts per stage"}


def draw_all(plots: dict, out: Path) -> list[str]:
    """Every figure there is data for, as PNG and SVG in ``out``; the file names written."""
    from matplotlib import rc_context  # matplotlib takes ~0.4 s to import: only when a report is drawn

    written = []
    with rc_context(STYLE):
        for key, draw in (("accuracy_cost", _accuracy_cost), ("cumulative_cost", _cumulative_cost),
                          ("attempts", _attempts)):
            figure = draw(plots[key]) if plots.get(key) else None
            if figure is not None:
                written += _save(figure, out / FILES[key])
    return written


def _accuracy_cost(data: dict) -> Optional[Figure]:
    points = data["points"]
    if not points:
        return None
    figure, axes = _figure(TITLES["accuracy_cost"])
    for point in points:
        colour = COLOURS.get(point["method"], GREY)
        bars = axes.errorbar([point["x"]], [point["y"]], yerr=[[point["y"] - point["low"]], [point["high"] - point["y"]]],
                             fmt="o", color=colour, ecolor=colour, capsize=4, markersize=7, label=point["method"])
        bars.lines[0].set_gid(f"point-{point['method']}")
        bars.lines[2][0].set_gid(f"ci-{point['method']}")
    axes.set_xlabel("cost per 1,000 questions (US$; making not included)")
    axes.set_ylabel("accuracy (%), 95% Wilson interval")
    axes.set_ylim(-2, 105)
    axes.set_xlim(left=-0.05 * max([p["x"] for p in points] + [0.01]))
    axes.legend(loc="best", numpoints=1)
    return figure


def _cumulative_cost(data: dict) -> Optional[Figure]:
    lines = data["lines"]
    if not lines:
        return None
    figure, axes = _figure(TITLES["cumulative_cost"])
    for method, line in lines.items():
        colour = COLOURS.get(method, GREY)
        (drawn,) = axes.plot(line["x"], line["y"], color=colour, linewidth=2, label=method)
        drawn.set_gid(f"line-{method}")
        if line["extension"]:
            (more,) = axes.plot(line["extension"]["x"], line["extension"]["y"], color=colour, linewidth=1.5,
                                linestyle="--")
            more.set_gid(f"extension-{method}")
    for mark in data["break_even"]:
        colour = COLOURS.get(mark["method"], GREY)
        (point,) = axes.plot([mark["x"]], [mark["y"]], marker="*", markersize=14, color=colour, linestyle="none")
        point.set_gid(f"breakeven-{mark['method']}")
        axes.annotate(f"{mark['method']} pays off\nafter {mark['x']:,} questions", (mark["x"], mark["y"]),
                      textcoords="offset points", xytext=(8, -24), color=colour, fontsize=9)
    axes.set_xlabel("questions answered (dashed: extended at the measured mean cost)")
    axes.set_ylabel("cumulative cost (US$; tools start at making)")
    axes.set_ylim(bottom=0)
    axes.legend(loc="upper left")
    return figure


def _attempts(data: dict) -> Optional[Figure]:
    stages = [stage for stage, tries in data.items() if tries]
    if not stages:
        return None
    figure, axes = _figure(TITLES["attempts"])
    bars = axes.bar(stages, [data[s] for s in stages], color=COLOURS["maker-cot"])
    for stage, bar in zip(stages, bars):
        bar.set_gid(f"attempts-{stage}")
    axes.set_ylabel("attempts (tries) used")
    axes.yaxis.get_major_locator().set_params(integer=True)
    return figure


def _figure(title: str) -> tuple[Figure, object]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7.5, 4.8), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.set_title(title)
    axes.grid(True)
    return figure, axes


def _save(figure: Figure, stem: Path) -> list[str]:
    written = []
    for suffix, options in ((".png", {"dpi": 150}), (".svg", {})):
        target = stem.with_suffix(suffix)
        partial = target.with_name(f".{target.name}.partial")
        figure.savefig(partial, format=suffix[1:], **options)
        partial.replace(target)
        written.append(target.name)
    return written
