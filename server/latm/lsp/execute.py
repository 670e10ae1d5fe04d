"""The ``latm.*`` commands (``workspace/executeCommand``): thin handlers over latm's packages.

Each takes one argument object (see ``arguments``) and returns plain JSON a client can render.
Slow work runs in the session's job threads; making and verifying report progress and can be
cancelled from the editor. The handlers that use the feature packages (``latm.make``,
``latm.solve``, ``latm.questions``, ``latm.eval``) live in ``make``, ``solve``, ``living`` and
``evaluate``; the rest are here.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any, Awaitable, Callable

from pygls.lsp.server import LanguageServer

from latm import commit, sandbox, toolbox
from latm.errors import LatmError, ToolboxError
from latm.lsp import changes, evaluate, living, make, solve
from latm.toolbox import tool_details
from latm.lsp.arguments import (
    CommitArgs, CorrectArgs, EvaluateArgs, ExamplesArgs, MakeToolArgs, NameArgs, NoArgs, PendingMakeArgs, RepairArgs,
    RollbackArgs, SolveArgs, parse_arguments,
)
from latm.lsp.errors import guarded
from latm.lsp.session import Session
from latm.workspace import Workspace

log = logging.getLogger(__name__)

Handler = Callable[[Session, Any], Awaitable[Any]]
COMMANDS: dict[str, tuple[type, Handler]] = {}


def command(name: str, arguments: type) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        COMMANDS[name] = (arguments, fn)
        return fn

    return register


def register_all(server: LanguageServer, session: Session) -> None:
    for name, (arguments, fn) in COMMANDS.items():
        server.command(name)(_handler(session, name, arguments, fn))


def _handler(session: Session, name: str, arguments: type, fn: Handler) -> Callable[..., Awaitable[Any]]:
    async def handle(ls: LanguageServer, *raw: Any) -> Any:
        args = parse_arguments(name, arguments, raw)
        with ls.protocol.cancellable():
            return await guarded(session, name, fn(session, args))

    handle.__name__ = name.replace(".", "_")
    return handle


for name, arguments, handler in (
    ("latm.makeTool", MakeToolArgs, make.make_tool),
    ("latm.verifyTool", NameArgs, make.verify_tool),
    ("latm.solve", SolveArgs, solve.solve),
    ("latm.pending", NoArgs, solve.pending),
    ("latm.makeFromPending", PendingMakeArgs, solve.make_from_pending),
    ("latm.evaluate", EvaluateArgs, evaluate.evaluate),
    ("latm.correctAnswer", CorrectArgs, living.correct_answer),
    ("latm.addExamples", ExamplesArgs, living.add_selected_examples),
    ("latm.repairTool", RepairArgs, living.repair),
    ("latm.rollbackTool", RollbackArgs, living.rollback),
    ("latm.toolHistory", NameArgs, living.tool_history),
):
    command(name, arguments)(handler)


@command("latm.listTools", NoArgs)
async def list_tools(session: Session, _args: NoArgs) -> dict:
    ws = await session.workspace()
    return await session.quickly(changes.tool_list, ws)


@command("latm.showTool", NameArgs)
async def show_tool(session: Session, args: NameArgs) -> dict:
    ws = await session.workspace()
    tool = ws.registry.get(args.name)
    return tool_details(tool, (await session.quickly(changes.uses_per_tool, ws))[tool.name])


@command("latm.deleteTool", NameArgs)
async def delete_tool(session: Session, args: NameArgs) -> dict:
    ws = await session.workspace()

    def delete() -> dict:
        toolbox.delete_tool(ws.toolbox_dir, args.name)
        ws.registry.reload({args.name})
        return {"deleted": args.name, "message": f"Deleted tool {args.name}."}

    return await session.quickly(delete)


@command("latm.reloadToolbox", NoArgs)
async def reload_toolbox(session: Session, _args: NoArgs) -> dict:
    ws = await session.workspace()
    failure = await session.load_again()  # a toolbox whose load failed is loaded anew, watcher and index too
    if failure is not None:
        raise ToolboxError(failure)

    def reload() -> dict:
        ws.registry.load()
        listing = changes.tool_list(ws)
        listing["problems"] = len(ws.registry.problems())
        return listing

    return await session.quickly(reload)


@command("latm.commitTool", CommitArgs)
async def commit_tool(session: Session, args: CommitArgs) -> dict:
    ws = await session.workspace()
    if args.dry_run:
        plan = await session.run_job(commit.plan_commit, ws, args.name, args.message)
        return dataclasses.asdict(plan) | {"dry_run": True}
    done = await session.run_job(commit.commit_tool, ws, args.name, args.message)
    return dataclasses.asdict(done.plan) | {"dry_run": False, "commit": done.commit}


@command("latm.sandboxStatus", NoArgs)
async def sandbox_status(session: Session, _args: NoArgs) -> dict:
    ws = await session.workspace()
    return await session.quickly(_sandbox_status, ws)


def _sandbox_status(ws: Workspace) -> dict:
    try:
        status = ws.sandbox().status()
    except LatmError as err:  # a status query reports the failure rather than failing
        status = sandbox.unavailable_status(ws.settings, str(err))
    if status.backend != "docker":  # is building the image the fix? (Docker answers, the image is missing)
        status = dataclasses.replace(status, missing_image=sandbox.sandbox_status(ws.settings).missing_image)
    return dataclasses.asdict(status)
