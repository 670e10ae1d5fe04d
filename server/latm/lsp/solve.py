"""``latm.solve``, ``latm.pending``, ``latm.makeFromPending``: a question routed, solved and
answered in the document; questions no tool fits kept, and made into a tool once enough pile up.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Optional

from lsprotocol import types

from latm.errors import EmptyQuestion, LatmError
from latm.lsp import edits
from latm.lsp.arguments import NoArgs, PendingMakeArgs, SolveArgs
from latm.lsp.progress import JobProgress
from latm.lsp.session import Session
from latm.questions import Asked, answer_question, make_from_group, pending_groups, question_id
from latm.safe_text import escape_controls
from latm.solve import NoCall, import_lines, with_call
from latm.workspace import Workspace

log = logging.getLogger(__name__)
MAKER_MARK = " (maker model, no verified tool)"


class NoAnswer(LatmError):
    """The tool ran but gave no answer (the user model's code failed, the endpoint was down)."""


@dataclass
class _Solved:
    asked: Asked
    code: str = ""  # the call, for insert="call"
    imports: str = ""  # its import lines
    note: str = ""  # why the call could not be written (the answer is inserted instead)


async def solve(session: Session, args: SolveArgs) -> dict:
    ws = await session.workspace()
    doc = await session.document(args.uri)
    sel = edits.selection(doc, args.range)
    question = edits.question_text(sel.text)
    if not question:
        raise EmptyQuestion("The question is empty: select the question, or put the cursor on its line.")
    insert = args.insert or ws.settings.insert
    async with JobProgress(session, "latm: solving") as job:
        solved = await session.run_job(_solve, ws, question, args.tool, insert, job, cancel=job.cancel)
    result = _record(solved)
    if solved.asked.unknown is None:  # the tool's answer was counted: its use count changed
        await session.quickly(session.announce, {solved.asked.answer.tool})
    if solved.note:
        result["message"] += f" ({solved.note})"
    if result.get("warning"):  # a regressed tool answered: every editor hears it
        session.show(f"latm: {result['warning']}; this answer may be wrong.", types.MessageType.Warning)
    if solved.asked.unknown is not None:
        session.show(result["message"], types.MessageType.Info)
        _offer_ready_group(session, ws, question)
    text = _inserted_text(solved)
    if text is None:
        return result
    doc = await session.document(args.uri)  # the text as it is now, after the wait
    found = edits.relocate(doc, sel)
    if found is None:
        result["applied"] = False
        result["message"] += " The question was changed meanwhile, so nothing was inserted."
        return result
    changes = (edits.call_edits(doc, found, escape_controls(solved.imports), escape_controls(solved.code))
               if solved.code else edits.answer_edit(doc, found, text))
    result["applied"] = await apply_edits(session, doc, changes)
    return result


def _solve(ws: Workspace, question: str, tool: Optional[str], insert: str, job: JobProgress) -> _Solved:
    solved = _Solved(answer_question(ws, question, tool, progress=job.report, cancel=job.cancel))
    answer = solved.asked.answer
    if solved.asked.unknown is not None:
        return solved
    if answer.answer is None:
        raise NoAnswer(f"Tool '{answer.tool}' gave no answer: {answer.error or 'unknown error'}")
    if insert == "call":
        tool = ws.registry.get(answer.tool)
        try:
            code = with_call(ws, tool, answer, job.cancel).code
            solved.code, solved.imports = code, "\n".join(import_lines(ws, tool, code))
        except NoCall as err:
            solved.note = str(err)
    return solved


def _inserted_text(solved: _Solved) -> Optional[str]:
    """What goes into the document: the answer, escaped (``latm.safe_text``) like all a tool wrote."""
    outcome = solved.asked.unknown
    if outcome is None:
        return escape_controls(solved.asked.answer.answer)
    return escape_controls(outcome.answer) + MAKER_MARK if outcome.answer is not None else None


def _record(solved: _Solved) -> dict:
    """The result: the asked question's record (the answer exactly), and a message with the answer
    escaped, saying so when it had to be."""
    record = solved.asked.record()
    if solved.asked.unknown is None:
        a = solved.asked.answer
        how = "no model" if a.path == "parser" else "the user model"
        record["message"] = (f"Answer from {a.tool} ({how}, {a.tokens} tokens): {escape_controls(a.answer)}"
                             + (f". Warning: {a.warning}." if a.warning else ""))
    else:
        record["message"] = solved.asked.unknown.message
    if record["control_characters"]:
        record["message"] += " (the answer holds control characters: shown and inserted escaped, as \\uXXXX)"
    return record


async def apply_edits(session: Session, doc, changes: list[types.TextEdit]) -> bool:
    caps = session.ls.client_capabilities.workspace
    versioned = bool(caps and caps.workspace_edit and caps.workspace_edit.document_changes) and doc.version is not None
    if versioned:  # the client refuses the edit if the document changed after we computed it
        identifier = types.OptionalVersionedTextDocumentIdentifier(uri=doc.uri, version=doc.version)
        edit = types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(text_document=identifier, edits=changes)])
    else:
        edit = types.WorkspaceEdit(changes={doc.uri: changes})
    reply = await session.ls.workspace_apply_edit_async(types.ApplyWorkspaceEditParams(edit=edit, label="latm: answer"))
    if not reply.applied:
        log.info("client did not apply the answer: %s", reply.failure_reason)
    return bool(reply.applied)


# Pending questions.

async def pending(session: Session, _args: NoArgs) -> dict:
    ws = await session.workspace()
    groups = await session.quickly(pending_groups, ws)
    return {"groups": [g.record() for g in groups]}


async def make_from_pending(session: Session, args: PendingMakeArgs) -> dict:
    ws = await session.workspace()
    groups = {g.id: g for g in await session.quickly(pending_groups, ws)}
    group = groups.get(args.group)
    name = args.name or (group.suggested_name if group else args.group)
    session.claim(name)
    try:
        async with JobProgress(session, f"latm: making {name} from pending questions") as job:
            made = await session.run_job(
                lambda: make_from_group(ws, args.group, name, progress=job.report, cancel=job.cancel), cancel=job.cancel)
    finally:
        session.release(name)
    return made.record() | {"group": args.group, "message": f"Made tool {made.name} from pending group {args.group}."}


def _offer_ready_group(session: Session, ws: Workspace, question: str) -> None:
    """After a refusal: if the question's group now has enough answers, offer to make the tool."""

    async def offer() -> None:
        qid = question_id(question)
        groups = await session.quickly(pending_groups, ws)
        group = next((g for g in groups if g.ready and any(q.id == qid for q in g.questions)), None)
        if group is None:
            return
        action = f"Make tool {group.suggested_name}"
        message = (f"latm: {group.answered} answered questions like this one are pending; "
                   f"make the tool '{group.suggested_name}' from them?")
        choice = await session.ls.window_show_message_request_async(types.ShowMessageRequestParams(
            type=types.MessageType.Info, message=message, actions=[types.MessageActionItem(action)]))
        if choice is not None and choice.title == action:
            await make_from_pending(session, PendingMakeArgs(group=group.id))

    task = asyncio.ensure_future(offer())
    task.add_done_callback(lambda t: t.cancelled() or t.exception() is None or log.warning("follow-up: %s", t.exception()))
