"""The tool under evaluation and what making it cost, counted once.

``--make NAME`` makes it from the data set's first examples, unless an earlier evaluation made
the same tool from the same examples and the toolbox still holds it unchanged (a re-run pays
for nothing twice). ``--tool NAME`` takes a tool from the toolbox; its making cost is what the
workspace's ledger recorded for it (a hand-written tool cost nothing to make).
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Optional

from latm.bookkeeping import append_record, keep, read_records
from latm.llm.ledger import Ledger
from latm.make.new_tool import make_tool
from latm.errors import BadEvalInput
from latm.eval.cache import CACHE_DIR
from latm.eval.data import DataSet
from latm.eval.keys import count, digest
from latm.progress import CancelToken, ProgressCallback
from latm.toolbox.registry import Tool

MAKES_NAME = "makes.jsonl"


@dataclasses.dataclass(frozen=True)
class Making:
    tool: str
    how: str  # "made", "reused" (made by an earlier evaluation), "ledger", "hand-written", "unknown"
    cost_usd: Optional[float]  # None: not known
    tokens_in: int = 0
    tokens_out: int = 0
    attempts: dict = dataclasses.field(default_factory=dict)  # tries per stage, when made here
    notes: tuple = ()

    def record(self) -> dict:
        return dataclasses.asdict(self) | {"notes": list(self.notes)}


def made_tool(ws, name: str, data: DataSet, train: int, validation: int, *,
              progress: ProgressCallback, cancel: CancelToken) -> tuple[Tool, Making]:
    """``--make``: the tool made from ``data.making``, or the one an earlier run made from them."""
    key = digest(name, ws.settings.maker_model, ws.settings.maker_temperature, train, validation,
                  [(e.question, e.answer) for e in data.making], size=24)
    log = ws.state_dir / CACHE_DIR / MAKES_NAME
    existing = ws.registry.tools.get(name)
    if existing is not None or name in ws.registry.broken:
        earlier = _earlier(log, key, existing)
        if earlier is None:
            raise BadEvalInput(f"A tool named {name} is already in the toolbox: evaluate it with --tool {name}, "
                               "or give --make a new name.")
        return existing, earlier
    made = make_tool(_counting(ws, train, validation), list(data.making), name, progress=progress, cancel=cancel)
    making = Making(name, "made", made.cost_usd, made.tokens_in, made.tokens_out, dict(made.attempts), made.notes)
    record = {"key": key, "tool_hash": made.manifest.provenance.tool_hash} | making.record()
    keep(log, lambda: append_record(log, record))  # without it a re-run makes the tool again
    return ws.registry.get(name), making


def committed_tool(ws, name: str) -> tuple[Tool, Making]:
    """``--tool``: a tool of the toolbox, and its making cost from the ledger."""
    tool = ws.registry.get(name)
    spent = [e for e in read_records(Ledger.in_state_dir(ws.state_dir).path)[0]
             if e.get("role") == "maker" and e.get("tool") == name]
    if spent:
        costs = [e.get("cost_usd") for e in spent]
        known = all(isinstance(c, (int, float)) for c in costs) or not any(_tokens(e) for e in spent)
        return tool, Making(name, "ledger", sum(c or 0.0 for c in costs) if known else None,
                            sum(count(e.get("tokens_in")) for e in spent), sum(count(e.get("tokens_out")) for e in spent))
    if tool.manifest.provenance.origin == "hand-written":
        return tool, Making(name, "hand-written", 0.0)
    return tool, Making(name, "unknown", None)


def _earlier(log, key: str, tool: Optional[Tool]) -> Optional[Making]:
    """The making an earlier evaluation recorded for this very tool, if the tool is unchanged since."""
    if tool is None:
        return None
    for record in reversed(read_records(log)[0]):
        if record.get("key") == key and record.get("tool_hash") == tool.manifest.provenance.tool_hash:
            fields = {f.name for f in dataclasses.fields(Making)} - {"how"}
            kept = {k: record[k] for k in fields if k in record}
            try:
                return Making(**kept | {"how": "reused", "notes": tuple(kept.get("notes") or ())})
            except TypeError:
                return None
    return None


def _counting(ws, train: int, validation: int):
    """The workspace as make_tool reads it, with the evaluation's example counts."""
    if (train, validation) == (ws.settings.train_examples, ws.settings.validation_examples):
        return ws
    ws.sandbox()  # started (and later closed) by ``ws``; the view shares it
    view = copy.copy(ws)
    view.settings = dataclasses.replace(ws.settings, train_examples=train, validation_examples=validation)
    return view


def _tokens(entry: dict) -> int:
    return count(entry.get("tokens_in")) + count(entry.get("tokens_out"))
