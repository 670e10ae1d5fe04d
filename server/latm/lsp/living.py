"""``latm.correctAnswer``, ``latm.addExamples``, ``latm.repairTool``, ``latm.rollbackTool``,
``latm.toolHistory``: correcting answers, repairing tools and their versions, from the editor.

Where the person must choose (a failed repair: re-make?; a make whose examples a tool already
answers: add them there?), the result carries ``choices``: each a title and the command (with its
argument object) that carries it out, for the editor to show as buttons.
"""

from __future__ import annotations

from typing import Any, Optional

from latm.errors import EmptyQuestion, ToolNotFound
from latm.examples import ExampleScan
from latm.lsp import edits
from latm.lsp.arguments import CorrectArgs, ExamplesArgs, MakeToolArgs, NameArgs, RepairArgs, RollbackArgs, wire_range
from latm.lsp.progress import JobProgress
from latm.lsp.session import Session
from latm.lsp.solve import apply_edits
from latm.make import (
    FeedbackResult, RepairFailed, add_examples, history_record, read_tool_contents, remake_tool, repair_tool,
    rollback_tool,
)
from latm.questions import last_tool_for
from latm.route import quick_route
from latm.safe_text import escape_controls
from latm.toolbox import Example
from latm.workspace import Workspace


def choice(title: str, command: str, **arguments: Any) -> dict:
    return {"title": title, "command": command, "arguments": [arguments]}


def repair_choice(name: str) -> dict:
    return choice(f"Repair {name}", "latm.repairTool", name=name)


async def correct_answer(session: Session, args: CorrectArgs) -> dict:
    ws = await session.workspace()
    doc = await session.document(args.uri)
    line = args.range.start.line
    found = edits.answered_question(doc.lines, line)
    if found is None:
        raise EmptyQuestion("Put the cursor on an answer latm inserted (an 'Answer: …' line under its question).")
    question, on_line = found
    right = (on_line if args.answer is None else args.answer).strip()
    if not right:
        raise EmptyQuestion("The right answer is empty: write it on the answer line, or give it.")
    name = args.tool or await session.quickly(_answered_by, ws, question)
    result = await _feedback(session, ws, name, [Example(question, right)], "correcting")
    record = feedback_record(result, question=question, answer=right)
    if right != on_line:  # the right answer replaces the wrong one in the document
        doc = await session.document(args.uri)
        record["applied"] = await apply_edits(session, doc, edits.answer_edit(doc, edits.Selection("", line - 1, line - 1), right))
    return record


async def add_selected_examples(session: Session, args: ExamplesArgs) -> dict:
    ws = await session.workspace()
    doc = await session.document(args.uri)
    from latm.examples import scan_examples

    scan = scan_examples(edits.selection(doc, args.range).text)
    if not scan.examples:
        raise EmptyQuestion("The selection holds no solved examples (Question:/Answer: blocks, a table, JSON lines).")
    return feedback_record(await _feedback(session, ws, args.name, scan.examples, "adding examples to"))


async def _feedback(session: Session, ws: Workspace, name: str, examples: list[Example], doing: str) -> FeedbackResult:
    async with JobProgress(session, f"latm: {doing} {name}") as job:
        return await session.run_job(
            lambda: add_examples(ws, name, examples, progress=job.report, cancel=job.cancel), cancel=job.cancel)


def _answered_by(ws: Workspace, question: str) -> str:
    """The tool that answered ``question`` (the answer log), else the one routing would pick now."""
    name = last_tool_for(ws, question) or next(iter(quick_route(ws, question).names), "")
    if not name:
        raise ToolNotFound("No tool answered this question, so there is no tool to correct; name the tool.")
    return name


def feedback_record(result: FeedbackResult, **extra: Any) -> dict:
    record = result.record()
    return extra | record | {"message": escape_controls(result.text()),
                             "choices": [repair_choice(result.name)] if record["regressed"] else []}


async def repair(session: Session, args: RepairArgs) -> dict:
    ws = await session.workspace()
    run, doing = (remake_tool, "re-making") if args.remake else (repair_tool, "repairing")
    session.claim(args.name)
    try:
        async with JobProgress(session, f"latm: {doing} {args.name}") as job:
            done = await session.run_job(lambda: run(ws, args.name, progress=job.report, cancel=job.cancel),
                                         cancel=job.cancel)
    except RepairFailed as failed:
        examples = len(read_tool_contents(ws.toolbox_dir / args.name).manifest.examples)
        remake = choice(f"Re-make {args.name} from all {examples} stored examples", "latm.repairTool", name=args.name,
                        remake=True)
        return {"name": args.name, "repaired": False, "message": escape_controls(str(failed)),
                "conversation": failed.conversation, "choices": [remake]}
    finally:
        session.release(args.name)
    return done.record() | {"repaired": True, "message": done.text(), "choices": []}


async def rollback(session: Session, args: RollbackArgs) -> dict:
    ws = await session.workspace()
    async with JobProgress(session, f"latm: rolling back {args.name}") as job:
        done = await session.run_job(lambda: rollback_tool(ws, args.name, args.version, progress=job.report),
                                     cancel=job.cancel)
    return done.record() | {"message": escape_controls(done.text()),
                            "choices": [repair_choice(done.name)] if done.state == "regressed" else []}


async def tool_history(session: Session, args: NameArgs) -> dict:
    ws = await session.workspace()
    return await session.quickly(lambda: history_record(ws, read_tool_contents(ws.toolbox_dir / args.name).manifest))


async def existing_offer(session: Session, ws: Workspace, scan: ExampleScan, args: MakeToolArgs) -> Optional[dict]:
    """Before a make: when a tool already answers every example, the result that offers a choice."""
    from latm.make import tool_that_answers

    found = await session.run_job(tool_that_answers, ws, scan.examples)
    if found is None:
        return None
    arguments = {"uri": args.uri, "range": wire_range(args.range)}
    return {"made": False, "existing": {"tool": found.tool, "answered": found.answered},
            "message": found.message(f"add them to '{found.tool}' as reported examples, or make a new tool anyway."),
            "choices": [choice(f"Add the examples to {found.tool}", "latm.addExamples", name=found.tool, **arguments),
                        choice("Make a new tool anyway", "latm.makeTool", **arguments, force=True,
                               **({"name": args.name} if args.name else {}))]}
