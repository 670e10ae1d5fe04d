"""What the server tells clients unasked: that the tools changed, and how a make is going.

List changes reach a handshake-era client (protocol 2025-xx: the MCP Inspector, editors and
agents of today) as ``notifications/tools/list_changed`` on its connection, and a 2026-era client
on the ``subscriptions/listen`` stream it opened. Progress goes to the request that asked for it.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.session import ServerSession
from mcp.server.subscriptions import InMemorySubscriptionBus, ListenHandler, ResourcesListChanged, ToolsListChanged
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from latm.progress import ProgressEvent

log = logging.getLogger(__name__)
SEND_WAIT_S = 5.0  # for a progress notification to be written, from the job's thread


class Announcer:
    """Fans a change of the tool list out to every connected client."""

    def __init__(self) -> None:
        self.bus = InMemorySubscriptionBus()
        self.listen = ListenHandler(self.bus)  # serves subscriptions/listen
        self._sessions: set[ServerSession] = set()  # handshake-era connections, by a session of each

    @property
    def connected(self) -> int:
        """Handshake-era clients connected now."""
        return len(self._sessions)

    async def remember(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        """Server middleware: note each handshake-era connection once it is initialized, until it closes."""
        result = await call_next(ctx)
        if ctx.method == "notifications/initialized" and ctx.protocol_version not in MODERN_PROTOCOL_VERSIONS:
            session = ctx.session
            self._sessions.add(session)
            # The SDK unwinds a connection's exit_stack when it closes (its documented teardown hook); the
            # low-level request context reaches the connection only through the session.
            session._connection.exit_stack.callback(self._sessions.discard, session)
        return result

    async def tools_changed(self) -> None:
        await self.bus.publish(ToolsListChanged())
        await self.bus.publish(ResourcesListChanged())
        for session in list(self._sessions):  # sending never raises: a closed stream drops it
            await session.send_tool_list_changed()
            await session.send_resource_list_changed()


class Progress:
    """The ``ProgressCallback`` of one request's job, sent as MCP progress (percent, rising)."""

    def __init__(self, session: ServerSession, loop: asyncio.AbstractEventLoop) -> None:
        self.session, self.loop = session, loop
        self.value = 0.0
        self._lock = threading.Lock()

    def report(self, event: ProgressEvent) -> None:
        """Called from the job's thread; returns once the notification is written."""
        with self._lock:  # the protocol wants each value above the last
            self.value = max(self.value + 0.1, (event.fraction or 0.0) * 100)
            value = self.value
        sent = asyncio.run_coroutine_threadsafe(
            self.session.report_progress(value, 100.0, event.message), self.loop)
        try:
            sent.result(timeout=SEND_WAIT_S)
        except Exception as err:  # the client left or the request ended: the work goes on
            log.debug("progress not sent: %s", err)
