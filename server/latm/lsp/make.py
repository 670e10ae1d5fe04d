"""``latm.makeTool`` and ``latm.verifyTool``: ``latm.make``'s make and verify, with editor progress."""

from __future__ import annotations

from latm.examples import scan_examples, split_examples
from latm.lsp import edits
from latm.lsp.arguments import MakeToolArgs, NameArgs
from latm.lsp.living import existing_offer
from latm.lsp.progress import JobProgress
from latm.lsp.session import Session
from latm.make import make_tool as engine_make, verify_tool as engine_verify
from latm.toolbox import name_from_question, verification_text


async def make_tool(session: Session, args: MakeToolArgs) -> dict:
    ws = await session.workspace()
    doc = await session.document(args.uri)
    scan = scan_examples(edits.selection(doc, args.range).text)
    split_examples(scan, ws.settings.train_examples, ws.settings.validation_examples)  # says what is missing
    offer = None if args.force else await existing_offer(session, ws, scan, args)
    if offer is not None:  # a tool answers them all already: the editor offers the choice
        return offer
    taken = set(ws.registry.tools) | set(ws.registry.broken) | session.making
    name = args.name or name_from_question(scan.examples[0].question, taken)
    session.claim(name)
    try:
        async with JobProgress(session, f"latm: making {name}") as job:
            made = await session.run_job(
                lambda: engine_make(ws, scan, name, progress=job.report, cancel=job.cancel), cancel=job.cancel
            )
    finally:
        session.release(name)
    notes = " ".join(made.notes)
    return made.record() | {
        "message": f"Made tool {name} ({verification_text(ws.registry.get(name))})." + (" " + notes if notes else "")}


async def verify_tool(session: Session, args: NameArgs) -> dict:
    ws = await session.workspace()
    name = args.name
    async with JobProgress(session, f"latm: verifying {name}") as job:
        checked = await session.run_job(lambda: engine_verify(ws, name, progress=job.report), cancel=job.cancel)
    verdict = "verified" if checked.ok else "verification FAILED"
    return checked.record() | {
        "message": f"{name}: {verdict} {checked.passed}/{checked.total}." + (f" {checked.edit_note()}." if checked.edit else "")
                   + "".join(f"\n- {f}" for f in checked.failures[:5]),
    }
