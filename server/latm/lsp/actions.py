"""Code actions on a selection (or the cursor's line): make a tool, solve with a tool.

Computing the menu must be fast (it is asked for on every cursor move): it parses the selection
and routes offline, from the retrieval index alone. Nothing is solved here; an action carries a
``latm.*`` command, and the answer and its edit are computed when the user picks it.

While the routing index is still loading (the first second of a large toolbox), a question gets
one action that routes when it is picked ("Solve with latm"), never a guess at the tools; the
next request, once the index is there, names them. If that load failed, the action says why and
loads the toolbox again when picked (after the user fixed it).
"""

from __future__ import annotations

from typing import Optional

from lsprotocol import types
from pygls.workspace import TextDocument

from latm.examples import scan_examples, split_examples
from latm.errors import NotEnoughExamples
from latm.lsp import edits
from latm.lsp.arguments import wire_range
from latm.lsp.kinds import CORRECT, MAKE, SOLVE
from latm.lsp.living_actions import is_tool_file, living_actions
from latm.lsp.session import Session
from latm.route import quick_route
from latm.workspace import Workspace

MAX_SOLVE_ACTIONS = 3
MIN_WORDS = 3  # a line shorter than this is not looked up
UNROUTED_TITLE = "Solve with latm (it picks the tool; the toolbox index is still loading)"


async def code_actions(session: Session, params: types.CodeActionParams) -> list[types.CodeAction]:
    ws = await session.workspace()
    doc = await session.document(params.text_document.uri)
    caps = session.ls.client_capabilities.text_document
    disabled_ok = bool(caps and caps.code_action and caps.code_action.disabled_support)
    wanted = params.context.only
    return await session.lookup(_actions, ws, doc, params.range, wanted, disabled_ok, params.context.diagnostics,
                                session.routable(ws), session.load_failure(ws))


def _actions(ws: Workspace, doc: TextDocument, client_range: types.Range, wanted: Optional[list[str]],
             disabled_ok: bool, diagnostics: list[types.Diagnostic], routable: bool,
             load_failure: Optional[str]) -> list[types.CodeAction]:
    living = living_actions(ws, doc, client_range, diagnostics, lambda kind: _wants(wanted, kind))
    sel = edits.selection(doc, client_range)
    selected = (client_range.start.line, client_range.start.character) != (
        client_range.end.line, client_range.end.character)
    if sel.empty or is_tool_file(ws, doc) or (not selected and any(a.kind == CORRECT for a in living)):
        return living  # an answer, or a tool's own file, holds no question to solve
    scan = scan_examples(sel.text) if selected else None
    found: list[types.CodeAction] = []
    if _wants(wanted, MAKE) and scan is not None and scan.examples:
        found += _make_actions(ws, doc.uri, client_range, scan, disabled_ok)
    if _wants(wanted, SOLVE) and (scan is None or len(scan.examples) < 2):
        question = edits.question_text(sel.text)
        # A line that is not plainly a question still gets the tools that fit it, never "no tool fits".
        asked = selected or edits.looks_like_question(sel.text)
        if question and not routable:
            found += [_unrouted(doc.uri, client_range, load_failure)] if asked else []
        elif question and (asked or len(question.split()) >= MIN_WORDS):
            found += _solve_actions(ws, doc, client_range, question, asked)
    return living + found


def _unrouted(uri: str, client_range: types.Range, load_failure: Optional[str]) -> types.CodeAction:
    """With no routing index: an action that routes when picked, or, when the toolbox failed to
    load, one that says why and loads it again."""
    if load_failure is not None:
        return _action(f"Reload the latm toolbox: it did not load ({load_failure.rstrip('.')})", SOLVE,
                       "latm.reloadToolbox", {})
    return _action(UNROUTED_TITLE, SOLVE, "latm.solve", {"uri": uri, "range": wire_range(client_range)})


def _wants(wanted: Optional[list[str]], kind: str) -> bool:
    return not wanted or any(kind == w or kind.startswith(w + ".") for w in wanted)


def _make_actions(ws: Workspace, uri: str, client_range: types.Range, scan, disabled_ok: bool) -> list[types.CodeAction]:
    settings = ws.settings
    arguments = {"uri": uri, "range": wire_range(client_range)}
    try:
        chosen = split_examples(scan, settings.train_examples, settings.validation_examples)
    except NotEnoughExamples as err:
        title = f"Make tool from examples ({len(scan.examples)} found)"
        if disabled_ok:
            return [types.CodeAction(title=title, kind=MAKE, disabled=types.CodeActionDisabled(reason=str(err)))]
        # No disabled actions in this client: the command answers with the reason instead.
        return [_action(f"{title}: {err}", MAKE, "latm.makeTool", arguments)]
    return [_action(f"Make tool from {len(chosen)} examples", MAKE, "latm.makeTool", arguments)]


def _solve_actions(ws: Workspace, doc: TextDocument, client_range: types.Range, question: str,
                   asked: bool) -> list[types.CodeAction]:
    route = quick_route(ws, question)
    arguments = {"uri": doc.uri, "range": wire_range(client_range)}
    if not route.names:
        title = "No tool fits this question: ask latm (keeps it as pending, offers to make a tool)"
        return [_action(title, SOLVE, "latm.solve", arguments)] if asked else []
    found = [_action(f"Solve with tool: {name}", SOLVE, "latm.solve", arguments | {"tool": name}, rank == 0)
             for rank, name in enumerate(route.names[:MAX_SOLVE_ACTIONS])]
    if edits.is_python(doc):  # in code, the call itself may be what is wanted (or the answer)
        other = "answer" if ws.settings.insert == "call" else "call"
        name = route.names[0]
        found.append(_action(f"Insert the {other} of tool: {name}", SOLVE, "latm.solve",
                             arguments | {"tool": name, "insert": other}))
    return found


def _action(title: str, kind: str, command: str, arguments: dict, preferred: bool = False) -> types.CodeAction:
    return types.CodeAction(title=title, kind=kind, is_preferred=preferred or None,
                            command=types.Command(title=title, command=command, arguments=[arguments]))
