"""What the functional cache did and cost: per tool and overall, from the ledger and the answers.

Costs and tokens come from ``.latm/ledger.jsonl`` only (every model call, with its price);
answer counts and paths from ``.latm/answers.jsonl``. Ledger roles: ``maker`` calls naming a
tool are making; ``maker`` calls with no tool are direct answers to questions no tool fitted;
``user`` calls are answers through a tool; ``dispatcher`` calls are routing.

The saving is measured against the paper's baseline, the maker model answering every question
itself: the mean tokens of a direct maker answer measured in the ledger (or, before there is
one, of a user-model answer), priced at the maker model's rates, times the questions answered.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Optional

from latm.questions.answer_log import MAKER, PARSER, USER_MODEL, read_answers
from latm.bookkeeping import read_records
from latm.llm.ledger import Ledger
from latm.workspace import Workspace


@dataclass
class Spend:
    calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    unpriced: int = 0  # calls with tokens whose model is not in the price table

    def add(self, entry: dict) -> None:
        self.calls += 1
        self.tokens_in += _int(entry.get("tokens_in"))
        self.tokens_out += _int(entry.get("tokens_out"))
        cost = entry.get("cost_usd")
        if isinstance(cost, (int, float)):
            self.cost_usd += float(cost)
        elif _int(entry.get("tokens_in")) or _int(entry.get("tokens_out")):
            self.unpriced += 1


@dataclass
class ToolStats:
    name: str
    uses: int = 0
    by_path: dict[str, int] = field(default_factory=lambda: {PARSER: 0, USER_MODEL: 0})
    using: Spend = field(default_factory=Spend)  # the user model's calls for this tool
    making: Spend = field(default_factory=Spend)  # the maker model's calls that made it


@dataclass
class Stats:
    tools: list[ToolStats]
    answered: int  # questions answered, any path
    by_path: dict[str, int]
    making: Spend
    using: Spend
    routing: Spend
    direct: Spend  # maker answers to questions no tool fitted
    total: Spend  # every ledger line
    cost_per_answer_usd: Optional[float]
    maker_only_usd: Optional[float]  # the same questions, each answered by the maker model
    saving_usd: Optional[float]
    estimate: str  # how maker_only_usd was estimated, for people
    skipped_lines: int  # unreadable lines in the ledger or answers file

    def record(self) -> dict:
        return asdict(self)


def stats(ws: Workspace) -> Stats:
    ledger, bad_ledger = read_records(Ledger.in_state_dir(ws.state_dir).path)
    answers, bad_answers = read_answers(ws)
    in_toolbox = set(ws.registry.tools) | set(ws.registry.broken)
    tools: dict[str, ToolStats] = {name: ToolStats(name) for name in sorted(in_toolbox)}
    making, using, routing, direct, total = Spend(), Spend(), Spend(), Spend(), Spend()
    for entry in ledger:
        role, tool = entry.get("role"), entry.get("tool") or ""
        total.add(entry)
        if role == "maker" and tool:
            making.add(entry)
            if tool in tools:  # a failed make (or a deleted tool) still counts in ``making``, but is no tool
                tools[tool].making.add(entry)
        elif role == "maker":
            direct.add(entry)
        elif role == "user":
            using.add(entry)
            if tool:
                tools.setdefault(tool, ToolStats(tool)).using.add(entry)
        elif role == "dispatcher":
            routing.add(entry)
    for answer in answers:
        if answer.tool and answer.path != MAKER:
            record = tools.setdefault(answer.tool, ToolStats(answer.tool))
            record.uses += 1
            record.by_path[answer.path] = record.by_path.get(answer.path, 0) + 1
    answered = len(answers)
    per_question, estimate = _maker_answer_cost(ws, ledger)
    maker_only = per_question * answered if per_question is not None else None
    return Stats(
        tools=sorted(tools.values(), key=lambda t: (-t.uses, t.name)),
        answered=answered,
        by_path=dict(Counter(a.path for a in answers)),
        making=making, using=using, routing=routing, direct=direct, total=total,
        cost_per_answer_usd=total.cost_usd / answered if answered else None,
        maker_only_usd=maker_only,
        saving_usd=maker_only - total.cost_usd if maker_only is not None else None,
        estimate=estimate,
        skipped_lines=bad_ledger + bad_answers,
    )


def _maker_answer_cost(ws: Workspace, ledger: list[dict]) -> tuple[Optional[float], str]:
    """Estimated cost of one question answered by the maker model, and how it was estimated."""
    model = ws.settings.maker_model
    price = ws.settings.price(model)
    if price is None:
        return None, f"no price for the maker model {model!r} in the price table"
    ok = [e for e in ledger if e.get("outcome") == "ok"]
    for role, basis in (("maker", "direct maker answers"), ("user", "user-model answers")):
        sample = [e for e in ok if e.get("role") == role and (role == "user" or not e.get("tool"))]
        if sample:
            mean_in = sum(_int(e.get("tokens_in")) for e in sample) / len(sample)
            mean_out = sum(_int(e.get("tokens_out")) for e in sample) / len(sample)
            return price.cost(mean_in, mean_out), (
                f"mean of {len(sample)} {basis} ({mean_in:.0f} tokens in, {mean_out:.0f} out) at {model} prices")
    return None, "no measured answer yet to estimate from"


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0

