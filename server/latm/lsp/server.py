"""``latm serve``: the language server over stdio, wired from the modules beside it.

Lifecycle: ``initialize`` answers at once (root, settings and client capabilities noted);
``initialized`` asks the client for the ``latm`` settings, opens the workspace off the loop,
starts watching the toolbox and registers for file events. ``shutdown`` (or the end of stdin)
cancels running jobs and removes the sandbox's containers.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from typing import Any, Optional

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from latm import __version__
from latm.lsp import actions, execute, framing, hover, kinds, progress
from latm.lsp.answer_hover import answer_hover
from latm.lsp.errors import guarded
from latm.lsp.protocol import LatmProtocol
from latm.lsp.session import Session
from latm.lsp.settings import SECTION
from latm.toolbox import tool_names

log = logging.getLogger(__name__)
CLIENT_WAIT_S = 10.0  # for the client's answer to workspace/configuration at start
QUIET_LOGGERS = ("pygls", "httpx", "httpx2", "httpcore", "openai", "docker", "urllib3", "watchfiles")
PROTOCOL_LOGGER = "pygls.protocol.json_rpc"


class LatmLanguageServer(LanguageServer):
    def __init__(self, root: Path) -> None:
        super().__init__("latm", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
                         protocol_cls=LatmProtocol)
        self.session = Session(self, root)
        self.shutdown_requested = False

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Errors outside a request's own answer (e.g. in a notification handler): log, say so once."""
        if self.session.closed:  # late notifications while shutting down
            log.info("after shutdown: %s", error)
            return
        if source.__name__ == "FeatureRequestError":  # the reply carries it; the handler logged it
            log.debug("request failed: %s", error)
            return
        log.error("server error (%s): %s", getattr(source, "__name__", source), error)
        self.window_show_message(types.ShowMessageParams(
            type=types.MessageType.Error, message=f"latm: internal error: {error} (details in the server log)"))


def build_server(root: Path) -> LatmLanguageServer:
    server = LatmLanguageServer(root)
    session = server.session

    @server.feature(types.INITIALIZE)
    def initialize(ls: LatmLanguageServer, params: types.InitializeParams) -> None:
        session.attach_loop()
        folder = _root_of(params)
        if folder is not None:
            session.root = folder
        session.editor.initialization = params.initialization_options
        log.info("latm %s (%s) serving %s", __version__, Path(__file__).resolve().parents[1], session.root)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: LatmLanguageServer, _params: types.InitializedParams) -> None:
        try:
            session.editor.configuration = await asyncio.wait_for(_pull_configuration(ls, session), CLIENT_WAIT_S)
        except asyncio.TimeoutError:
            log.warning("the client did not answer workspace/configuration within %g s", CLIENT_WAIT_S)
        await session.open_workspace()
        await _watch_files(ls, session)

    @server.feature(types.SHUTDOWN)
    async def shutdown(ls: LatmLanguageServer, _params: None) -> None:
        ls.shutdown_requested = True
        await asyncio.to_thread(session.close)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def configuration_changed(ls: LatmLanguageServer, params: types.DidChangeConfigurationParams) -> None:
        pushed = params.settings.get(SECTION) if isinstance(params.settings, dict) else None
        session.editor.configuration = pushed if pushed is not None else await _pull_configuration(ls, session)
        await session.apply_settings()

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    async def files_changed(ls: LatmLanguageServer, params: types.DidChangeWatchedFilesParams) -> None:
        ws = await session.workspace()
        if session.load_failure(ws) is not None:  # the user may be fixing it: a load reads all of it
            await session.load_again()
            return
        paths = {(types.FileChangeType(c.type), to_fs_path(c.uri)) for c in params.changes}
        names = tool_names({(kind, path) for kind, path in paths if path}, ws.toolbox_dir.resolve())
        if names:
            await session.quickly(ws.registry.reload, names)

    @server.feature(types.WINDOW_WORK_DONE_PROGRESS_CANCEL)
    def progress_cancelled(ls: LatmLanguageServer, params: types.WorkDoneProgressCancelParams) -> None:
        progress.cancel(session, params.token)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=list(kinds.KINDS), resolve_provider=False),
    )
    async def code_action(ls: LatmLanguageServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        return await guarded(session, "code action", actions.code_actions(session, params))

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def on_hover(ls: LatmLanguageServer, params: types.HoverParams) -> Optional[types.Hover]:
        return await guarded(session, "hover", _hover(session, params))

    execute.register_all(server, session)
    return server


async def _hover(session: Session, params: types.HoverParams) -> Optional[types.Hover]:
    ws = await session.workspace()
    doc = await session.document(params.text_document.uri)
    found = await session.lookup(hover.hover, ws.registry, doc, params.position)
    return found or await session.lookup(answer_hover, ws, doc, params.position)


def _root_of(params: types.InitializeParams) -> Optional[Path]:
    if params.workspace_folders:
        path = to_fs_path(params.workspace_folders[0].uri)
    elif params.root_uri:
        path = to_fs_path(params.root_uri)
    else:
        path = params.root_path
    return Path(path).resolve() if path else None


async def _pull_configuration(ls: LatmLanguageServer, session: Session) -> Any:
    workspace = ls.client_capabilities.workspace
    if workspace is None or not workspace.configuration:
        return session.editor.configuration
    item = types.ConfigurationItem(section=SECTION, scope_uri=from_fs_path(str(session.root)))
    try:
        answer = await ls.workspace_configuration_async(types.ConfigurationParams(items=[item]))
    except Exception as err:  # a client that cannot answer keeps what it sent before
        log.info("workspace/configuration failed: %s", err)
        return session.editor.configuration
    return answer[0] if answer else None


async def _watch_files(ls: LatmLanguageServer, session: Session) -> None:
    """Ask the client for toolbox file events too (it may see changes the watcher cannot)."""
    workspace = ls.client_capabilities.workspace
    watched = workspace.did_change_watched_files if workspace else None
    if watched is None or not watched.dynamic_registration or session.ws is None:
        return
    folder = from_fs_path(str(session.ws.toolbox_dir))
    pattern: Any = f"{session.ws.toolbox_dir.as_posix()}/**/*"
    if watched.relative_pattern_support:
        pattern = types.RelativePattern(base_uri=folder, pattern="**/*")
    options = types.DidChangeWatchedFilesRegistrationOptions(watchers=[types.FileSystemWatcher(glob_pattern=pattern)])
    registration = types.Registration(
        id="latm-toolbox-files", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES, register_options=options)
    try:
        await ls.client_register_capability_async(types.RegistrationParams(registrations=[registration]))
    except Exception as err:
        log.info("client did not register toolbox file events: %s", err)


def configure_logging(log_file: Optional[Path]) -> None:
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file is not None:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
    logging.basicConfig(level=logging.INFO, handlers=handlers, force=True,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in QUIET_LOGGERS:  # pygls' json_rpc logs whole payloads at INFO
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger(PROTOCOL_LOGGER).addFilter(ExpectedProtocolEvents())


class ExpectedProtocolEvents(logging.Filter):
    """Drops two things pygls logs that are part of normal work: every error reply a handler chose
    (a missing key, a bad argument), logged with a traceback; and a cancel that arrived after its
    request was answered (VS Code sends them for code actions and hovers). The handlers log what
    happened themselves; an unexpected exception still gets its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg.startswith("Cancel notification for unknown message id"):
            return False
        chosen = record.exc_info is not None and isinstance(record.exc_info[1], JsonRpcException)
        return not (chosen and record.msg.startswith("Exception occurred for message"))


def serve(root: Path, log_file: Optional[Path] = None) -> int:
    configure_logging(log_file)
    stdout = sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not corrupt the protocol stream
    server = build_server(Path(root))
    try:
        framing.serve_stdio(server, sys.stdin.buffer, stdout)  # pygls' own reader trusts Content-Length
    finally:
        server.session.close()
    return 0 if server.shutdown_requested else 1
