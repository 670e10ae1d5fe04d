"""Which tool answers a question, or none: retrieval first, the dispatcher model only when unsure.

- The best match *clearly wins* (fit ≥ ``route_clear_fit`` and a score lead of ``route_margin``):
  taken without a model call.
- Nothing comes close (fit < ``route_ask_fit``): no tool fits, without a model call.
- Otherwise the dispatcher model sees the few best candidates, one example question each,
  and answers a task name or ``unknown``. With no dispatcher model, ``offline``, or a model
  that cannot be reached or answers junk, retrieval decides alone: the best match when its
  fit reaches ``route_min_fit``, else none.

Routing never writes anything but the ledger line of a model call; the language server calls
it each time a code-action menu opens.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Optional

from latm.route.index import Match, index_for
from latm.route.dispatcher_prompt import dispatcher_messages, read_answer
from latm.errors import EmptyQuestion, LLMReplyError, LLMUnavailable
from latm.progress import CancelToken
from latm.workspace import Workspace

ASK_TOP = 5  # candidates shown to the dispatcher model

# Decision.how
CLEAR, MODEL, RETRIEVAL, NONE = "clear", "model", "retrieval", "none"


@dataclass(frozen=True)
class Decision:
    tool: Optional[str]  # None: no tool fits
    candidates: tuple[Match, ...]  # best first
    reason: str  # one sentence for people
    used_model: bool = False
    tokens: int = 0
    how: str = NONE  # CLEAR | MODEL | RETRIEVAL | NONE (nothing close, or an empty toolbox)
    cost_usd: Optional[float] = None

    def record(self) -> dict:
        """The JSON of a decision: ``latm route --json``, and ``route`` in an asked question's record."""
        data = asdict(self)
        data["candidates"] = [asdict(m) for m in self.candidates]
        return data


def route(ws: Workspace, question: str, offline: bool = False, *, cancel: Optional[CancelToken] = None) -> Decision:
    if not question or not question.strip():
        raise EmptyQuestion("The question is empty: select or type the question to route.")
    index = index_for(ws)
    if not len(index):
        return Decision(None, (), f"No verified tools in {ws.toolbox_dir} yet; make one with `latm make EXAMPLES`.")
    matches = _allowed(ws, index.search(question, limit=ASK_TOP))
    s = ws.settings
    best = matches[0] if matches else None
    lead = best.score - (matches[1].score if len(matches) > 1 else 0.0) if best else 0.0
    if best and best.fit >= s.route_clear_fit and lead >= s.route_margin:
        return Decision(best.name, matches, f"'{best.name}' clearly fits ({_numbers(best)}, lead {lead:.2f}).", how=CLEAR)
    if best is None or best.fit < s.route_ask_fit:
        return Decision(None, matches, _nothing_close(best))
    if offline or not s.dispatcher_model:
        why = "offline" if offline else "no dispatcher model is configured"
        return _by_retrieval(ws, matches, f"Decided by retrieval alone ({why})")
    return _ask_model(ws, question, matches, cancel)


@dataclass(frozen=True)
class QuickRoute:
    names: list[str]  # tools worth offering, best first; empty: none fits
    reason: str


def quick_route(ws: Workspace, question: str) -> QuickRoute:
    """The tools worth offering for a question in a code-action menu: retrieval only, no model call."""
    decision = route(ws, question, offline=True)
    if decision.tool is None:
        return QuickRoute([], decision.reason)
    others = [m.name for m in decision.candidates if m.name != decision.tool and m.fit >= ws.settings.route_min_fit]
    return QuickRoute([decision.tool, *others], decision.reason)


def _allowed(ws: Workspace, matches: list[Match]) -> tuple[Match, ...]:
    """Regressed tools are candidates only while ``use_regressed`` is on."""
    tools = ws.registry.tools
    return tuple(m for m in matches if ws.settings.use_regressed or not (m.name in tools and tools[m.name].regressed))


def _ask_model(ws: Workspace, question: str, matches: tuple[Match, ...], cancel: Optional[CancelToken]) -> Decision:
    index = index_for(ws)
    shown = [p for m in matches if m.fit >= ws.settings.route_ask_fit and (p := index.profile(m.name)) is not None]
    try:
        reply = ws.llm().chat("dispatcher", dispatcher_messages(question, shown), cancel=cancel)
    except (LLMUnavailable, LLMReplyError) as err:
        return _by_retrieval(ws, matches, f"The dispatcher model could not be asked ({err}); decided by retrieval alone")
    understood, tool = read_answer(reply.text, [p.name for p in shown])
    used = {"used_model": True, "tokens": reply.tokens, "cost_usd": reply.cost_usd}
    if not understood:
        said = " ".join(reply.text.split())[:80]
        decision = _by_retrieval(ws, matches, f"The dispatcher model's answer {said!r} names no task; decided by retrieval alone")
        return Decision(decision.tool, matches, decision.reason, how=decision.how, **used)
    names = ", ".join(p.name for p in shown)
    if tool is None:
        return Decision(None, matches, f"The dispatcher model ({reply.model}) found no fitting task among {names}.", how=MODEL, **used)
    return Decision(tool, matches, f"The dispatcher model ({reply.model}) chose '{tool}' among {names}.", how=MODEL, **used)


def _by_retrieval(ws: Workspace, matches: tuple[Match, ...], why: str) -> Decision:
    best = matches[0]
    if best.fit >= ws.settings.route_min_fit:
        return Decision(best.name, matches, f"{why}: '{best.name}' is the best match ({_numbers(best)}).", how=RETRIEVAL)
    return Decision(None, matches, f"{why}: no tool fits; the closest, '{best.name}', has {_numbers(best)} "
                    f"(needs fit {ws.settings.route_min_fit:.2f}).", how=RETRIEVAL)


def _nothing_close(best: Optional[Match]) -> str:
    if best is None:
        return "No tool fits: no tool's example questions share wording with this question."
    return f"No tool fits: the closest, '{best.name}', has only {_numbers(best)}."


def _numbers(match: Match) -> str:
    return f"fit {match.fit:.2f}, score {match.score:.2f}"
