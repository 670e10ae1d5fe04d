"""The state behind one editor connection: root, settings, workspace, watcher and running jobs.

Threads: the event loop answers the editor; slow work runs in ``jobs`` (makes, solves, commits)
or ``quick`` (settings, registry loads, code-action lookups), never on the loop and never in
pygls' own pool (it reads stdin). Anything sent to the editor from a thread goes through
``post``, so all writes to stdout happen on the loop thread.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import fields
from pathlib import Path
from typing import Any, Callable, Optional

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.workspace import TextDocument

from latm.errors import LatmError
from latm.lsp import changes, documents
from latm.lsp.diagnostics import DiagnosticsPublisher, to_diagnostics
from latm.lsp.settings import EditorSettings, ProblemFilter
from latm.progress import CancelToken
from latm.route import index_for
from latm.safe_text import escape_controls
from latm.settings import Settings
from latm.toolbox import Registry, ToolboxWatcher
from latm.workspace import Workspace

log = logging.getLogger(__name__)

# Settings the running sandbox was started with; a change restarts it once no job uses it.
SANDBOX_FIELDS = {"sandbox", "sandbox_image", "sandbox_pool", "timeout_s", "memory_mb", "output_limit_kb",
                  "allowed_packages"}
WATCH_STEP_MS = 20  # a lone change is picked up this long after the last write
CANCEL_GRACE_S = 30.0  # a cancelled job stops at its next check; this bounds the wait


class Busy(LatmError):
    """A second make of a tool whose make is still running."""


class ShuttingDown(LatmError):
    pass


class Session:
    def __init__(self, ls: LanguageServer, fallback_root: Path) -> None:
        self.ls = ls
        self.root = Path(fallback_root).resolve()
        self.editor = EditorSettings()
        self.problem_filter = ProblemFilter()
        self.ws: Optional[Workspace] = None
        self._indexed: Optional[Workspace] = None  # the workspace whose routing index is loaded
        self._failed: Optional[tuple[Workspace, str]] = None  # a workspace whose toolbox failed to load, and why
        self._listening: Optional[Registry] = None  # the registry whose reloads go to the editor
        self.loop: Optional[asyncio.AbstractEventLoop] = None
        self.ready: Optional[asyncio.Event] = None
        self.jobs = ThreadPoolExecutor(max_workers=4, thread_name_prefix="latm-job")
        self.quick = ThreadPoolExecutor(max_workers=2, thread_name_prefix="latm-quick")
        # Code actions and hovers: their own thread, never queued behind a reload.
        self.lookups = ThreadPoolExecutor(max_workers=1, thread_name_prefix="latm-lookup")
        self.diagnostics = DiagnosticsPublisher()
        self.cancels: dict[Any, CancelToken] = {}
        self.watcher: Optional[ToolboxWatcher] = None
        self._making: set[str] = set()
        self._running = 0
        self._restart_sandbox = False
        self._retired: list[Workspace] = []  # replaced workspaces, closed once no job uses them
        self._settings_lock = asyncio.Lock()
        self._lock = threading.Lock()
        self._closed = False

    # Loop and threads.

    def attach_loop(self) -> None:
        if self.loop is None:
            self.loop = asyncio.get_running_loop()
            self.ready = asyncio.Event()

    def post(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(*args)`` on the event loop thread (from any thread)."""
        if self.loop is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(fn, *args)

    async def quickly(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.wrap_future(self._submit(self.quick, fn, *args))

    async def lookup(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.wrap_future(self._submit(self.lookups, fn, *args))

    async def document(self, uri: str) -> TextDocument:
        """The document a request names: an open one, else a workspace file read off the loop
        (anything else is refused, see ``documents``)."""
        workspace = self.ls.workspace
        return documents.opened(workspace, uri) or await self.quickly(documents.from_disk, workspace, self.root, uri)

    async def workspace(self) -> Workspace:
        """The workspace, once ``initialized`` has opened it."""
        if self.ready is not None:
            await self.ready.wait()
        if self.ws is None:
            raise LatmError("The latm server is not initialized yet.")
        return self.ws

    async def run_job(self, fn: Callable[..., Any], *args: Any, cancel: Optional[CancelToken] = None) -> Any:
        """``fn(*args)`` in a job thread. If the request is cancelled, ``cancel`` is set and the job
        gets a moment to stop cleanly (so nothing is left half-written) before the cancel goes on."""
        done = asyncio.wrap_future(self._submit(self.jobs, self._counted, fn, *args))
        try:
            return await asyncio.shield(done)
        except asyncio.CancelledError:
            if cancel is not None:
                cancel.cancel()
            await asyncio.wait([done], timeout=CANCEL_GRACE_S)
            raise
        finally:
            if self._running == 0 and not self._closed:
                await self.quickly(self._tidy_when_idle)

    def _submit(self, pool: ThreadPoolExecutor, fn: Callable[..., Any], *args: Any) -> Future:
        if self._closed:
            raise ShuttingDown("The latm server is shutting down.")
        return pool.submit(fn, *args)

    def _counted(self, fn: Callable[..., Any], *args: Any) -> Any:
        """In the job thread, so ``close`` on the loop thread can wait for the count to drop."""
        with self._lock:
            self._running += 1
        try:
            return fn(*args)
        finally:
            with self._lock:
                self._running -= 1

    # Makes: at most one per tool name.

    def claim(self, name: str) -> None:
        with self._lock:
            if name in self._making:
                raise Busy(f"Tool '{name}' is being made already; wait for that make to finish or cancel it.")
            self._making.add(name)

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def making(self) -> set[str]:
        with self._lock:
            return set(self._making)

    def release(self, name: str) -> None:
        with self._lock:
            self._making.discard(name)

    # Settings and workspace.

    async def open_workspace(self) -> None:
        """Open the workspace (off the loop). ``ready`` is set once requests can be answered (or opening
        failed): before the toolbox is loaded (requests that need it wait for it) and its routing index
        (``routable``); the toolbox's list and diagnostics go to the editor after that."""
        try:
            settings, problems = await self.quickly(self.editor.resolve, self.root)
            _set_log_level(settings.log_level)
            self.ws = await self.quickly(Workspace, self.root, settings, problems)
            self._report_problems(problems)
        except Exception as err:  # requests then fail with "not initialized" instead of waiting forever
            log.exception("opening the workspace %s failed", self.root)
            self.show(f"latm: cannot open the workspace {self.root}: {err}", types.MessageType.Error)
            return
        finally:
            if self.ready is not None:
                self.ready.set()
        opened = self.ws
        async with self._settings_lock:  # a settings change that replaces the workspace waits for this one
            if self.ws is opened:  # else a change that came first replaced it, and served its own
                await self._serve_workspace(opened)

    async def apply_settings(self) -> None:
        """Re-resolve settings after the editor's changed; swap what depends on them."""
        async with self._settings_lock:  # one change at a time, in the order they came
            await self._apply_settings()

    async def _apply_settings(self) -> None:
        ws = await self.workspace()
        settings, problems = await self.quickly(self.editor.resolve, self.root)
        self._report_problems(problems)
        if settings != ws.settings:
            await self._take_settings(ws, settings, problems)
        if self.ws is ws and self.load_failure(ws) is not None:  # the user may have fixed what failed
            await self._serve_workspace(ws)

    async def _take_settings(self, ws: Workspace, settings: Settings, problems: list) -> None:
        changed = {f.name for f in fields(Settings) if getattr(settings, f.name) != getattr(ws.settings, f.name)}
        log.info("settings changed: %s", ", ".join(sorted(changed)))
        _set_log_level(settings.log_level)
        if settings.toolbox_path(self.root) != ws.toolbox_dir:
            await self._replace_workspace(settings, problems)
            return
        ws.settings = settings  # read per use by the feature packages
        if changed & SANDBOX_FIELDS:
            self._restart_sandbox = True
            if self._running == 0:
                await self.quickly(self._tidy_when_idle)

    async def _replace_workspace(self, settings: Settings, problems: list) -> None:
        old = self.ws
        self._stop_watcher()
        self.ws = await self.quickly(Workspace, self.root, settings, problems)
        await self._serve_workspace(self.ws)
        if old is not None:
            self._retired.append(old)
            if self._running == 0:
                await self.quickly(self._tidy_when_idle)

    async def load_again(self) -> Optional[str]:
        """Load the toolbox again if its load failed (the user says they fixed it); why it still
        does not load, or None."""
        async with self._settings_lock:
            ws = self.ws
            if ws is not None and self.load_failure(ws) is not None:
                await self._serve_workspace(ws)
            return self.load_failure(ws) if ws is not None else None

    async def _serve_workspace(self, ws: Workspace) -> None:
        """Load the new workspace's toolbox and watch it; load (or build) its routing index now, not
        in a code action's time; then send the toolbox's list and diagnostics. A failure is kept
        (``load_failure``) until a later load succeeds, and said once."""
        again = self.load_failure(ws)
        try:
            await self.quickly(self._load_toolbox, ws, again is not None)
        except Exception as err:  # requests that need the toolbox fail each with its own message
            log.exception("loading the toolbox of %s failed", ws.root)
            failure = str(err) if isinstance(err, LatmError) else f"cannot load the toolbox {ws.toolbox_dir}: {err}"
            self._failed = (ws, failure)
            if failure != again:
                self.show(f"latm: {failure}", types.MessageType.Error)
            return
        self._failed = None
        self._indexed = ws
        await self.quickly(self._on_registry_change, None)

    def _load_toolbox(self, ws: Workspace, again: bool) -> None:
        registry = ws.registry
        if again:  # read it anew: what made the last load fail may have been in it
            registry.load()
        self._start_watcher(ws)
        index_for(ws)
        if self._listening is not registry:  # only now: the editor hears of no change before a whole load
            registry.subscribe(self._on_registry_change)
            self._listening = registry

    def routable(self, ws: Workspace) -> bool:
        """Whether ``ws``'s routing index is loaded: until then code actions do not route (a lookup
        would wait for the load), and offer what needs no routing."""
        return self._indexed is ws

    def load_failure(self, ws: Workspace) -> Optional[str]:
        """Why ``ws``'s toolbox (or its routing index) did not load, until a load succeeds."""
        failed = self._failed
        return failed[1] if failed is not None and failed[0] is ws else None

    def _tidy_when_idle(self) -> None:
        """With no job running: close replaced workspaces, restart the sandbox if its settings changed."""
        while self._retired:
            self._retired.pop().close()
        if self._restart_sandbox and self.ws is not None:
            self._restart_sandbox = False
            self.ws.close()  # the next use opens it with the new settings

    def _report_problems(self, problems: list) -> None:
        for problem in self.problem_filter.new(problems):
            log.warning("%s", problem)
            self.post(self.show, str(problem), types.MessageType.Warning)

    # Toolbox changes: computed in the calling thread, sent on the loop.

    def _on_registry_change(self, names: Optional[set[str]]) -> None:
        """After a reload of ``names`` (None: the whole toolbox, as when it opens)."""
        ws = self.ws
        if ws is None or self._closed:
            return
        by_uri = to_diagnostics(changes.problems_of(ws.registry, names))
        folders = changes.folders_of(ws, names)
        payload = changes.change_payload(ws, names)
        self.post(self._publish_changes, by_uri, folders, payload)

    def announce(self, names: set[str]) -> None:
        """Send ``latm/toolboxChanged`` for ``names``, whose records changed without a reload (an
        answer counted one more use). In a thread: reading the answer log takes a moment."""
        ws = self.ws
        if ws is not None and not self._closed:
            self.post(self.ls.protocol.notify, changes.TOOLBOX_CHANGED, changes.change_payload(ws, names))

    def _publish_changes(self, by_uri: dict, folders: Optional[list[Path]], payload: dict) -> None:
        self.diagnostics.publish(self.ls, by_uri, folders)
        self.ls.protocol.notify(changes.TOOLBOX_CHANGED, payload)

    def _start_watcher(self, ws: Workspace) -> None:
        self._stop_watcher()  # one started before a failed load
        self.watcher = ToolboxWatcher(ws.registry, step_ms=WATCH_STEP_MS).start()

    def _stop_watcher(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()
            self.watcher = None

    # Messages.

    def show(self, message: str, kind: types.MessageType = types.MessageType.Info) -> None:
        """On the loop thread. Messages quote tools and models: escaped (``latm.safe_text``)."""
        self.ls.window_show_message(types.ShowMessageParams(type=kind, message=escape_controls(message)))

    # Shutdown.

    def close(self, grace_s: float = 5.0) -> None:
        """Stop watching, cancel running jobs, remove the sandbox's containers. Idempotent."""
        if self._closed:
            return
        self._closed = True
        for token in list(self.cancels.values()):
            token.cancel()
        self._stop_watcher()
        self.jobs.shutdown(wait=False, cancel_futures=True)
        self.quick.shutdown(wait=False, cancel_futures=True)
        self.lookups.shutdown(wait=False, cancel_futures=True)
        deadline = time.monotonic() + grace_s
        while self._running and time.monotonic() < deadline:  # cancelled jobs stop at their next check
            time.sleep(0.05)
        for ws in [*self._retired, self.ws]:
            if ws is not None:
                ws.close()


def _set_log_level(level: str) -> None:
    logging.getLogger("latm").setLevel(level)
