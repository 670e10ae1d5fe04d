"""``latm.makeTool`` and ``latm.verifyTool``: the engine's make and verify, with editor progress."""

from __future__ import annotations

from latm.examples import scan_examples, split_examples
from latm.make import make_tool as engine_make, verify_tool as engine_verify
from latm.lsp import edits
from latm.lsp.arguments import MakeToolArgs, NameArgs
from latm.lsp.living import existing_offer
from latm.lsp.progress import JobProgress
from latm.lsp.session import Session
from latm.toolbox.names import name_from_question
from latm.toolbox.report import tool_record, verification_text


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
    tool = ws.registry.get(name)
    record = tool_record(tool)
    notes = list(made.notes)
    return {
        "name": name, "path": str(made.path), "verified": tool.verified,
        "passed": record["passed"], "total": record["total"], "parser": record["parser"],
        "attempts": made.attempts, "tokens": made.tokens_in + made.tokens_out, "cost_usd": made.cost_usd,
        "notes": notes, "tool": record,
        "message": f"Made tool {name} ({verification_text(tool)})." + (" " + " ".join(notes) if notes else ""),
    }


async def verify_tool(session: Session, args: NameArgs) -> dict:
    ws = await session.workspace()
    name = args.name
    async with JobProgress(session, f"latm: verifying {name}") as job:
        checked = await session.run_job(lambda: engine_verify(ws, name, progress=job.report), cancel=job.cancel)
    tool = ws.registry.tools.get(name)
    failures = list(checked.failures)
    verdict = "verified" if checked.ok else "verification FAILED"
    return {
        "name": name, "verified": checked.ok, "passed": checked.passed, "total": checked.total,
        "failures": failures, "tool": tool_record(tool) if tool else None, "edit": checked.edit,
        "message": f"{name}: {verdict} {checked.passed}/{checked.total}." + (f" {checked.edit_note()}." if checked.edit else "")
                   + "".join(f"\n- {f}" for f in failures[:5]),
    }
