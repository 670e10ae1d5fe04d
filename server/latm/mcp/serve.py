"""``latm mcp``: open the workspace, watch its toolbox, serve MCP over stdio or streamable HTTP.

stdio is the default (an agent starts ``latm mcp`` as a subprocess): while it serves, the SDK
points file descriptor 1 at stderr, so nothing but protocol reaches stdout; logs go to stderr.
``--http PORT`` serves ``http://HOST:PORT/mcp`` on 127.0.0.1 unless ``--host`` says otherwise.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import socket
from pathlib import Path
from typing import Any, Mapping, Optional

import anyio

from latm.mcp.server import ToolboxServer
from latm.toolbox import ToolboxWatcher
from latm.workspace import Workspace

log = logging.getLogger("latm.mcp")
QUIET_LOGGERS = ("mcp", "mcp_types", "uvicorn", "sse_starlette", "httpx", "httpx2", "httpcore", "openai", "docker",
                 "urllib3", "watchfiles")
WATCH_STEP_MS = 20  # a lone change is picked up this long after the last write (as the language server)


def serve(root: Path, flags: Mapping[str, Any], http_port: Optional[int] = None, host: str = "127.0.0.1") -> int:
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    listening = None
    if http_port is not None:
        try:
            listening = socket.create_server((host, http_port), family=_family(host))
        except (OSError, OverflowError) as err:
            log.error("cannot listen on %s port %s: %s; choose another --http PORT or --host", host, http_port,
                      os.strerror(err.errno) if getattr(err, "errno", None) else str(err).rstrip("."))
            return 1
    ws = Workspace.open(root, flags=flags)
    for problem in ws.problems:
        log.warning("warning: %s", problem)
    front = ToolboxServer(ws)
    watcher = ToolboxWatcher(ws.registry, step_ms=WATCH_STEP_MS).start()
    log.info("serving %d tools of %s over MCP (%s)", len(front.catalog.tools()), ws.toolbox_dir,
             "stdio" if http_port is None else "streamable HTTP")
    try:
        if listening is None:
            anyio.run(_stdio, front)
        else:
            anyio.run(_http, front, listening, host)
    except KeyboardInterrupt:
        pass
    finally:
        watcher.stop()
        front.close()
        ws.close()  # removes the sandbox's containers
    return 0


async def _stdio(front: ToolboxServer) -> None:
    from mcp.server.stdio import stdio_server

    front.attach(asyncio.get_running_loop())
    async with stdio_server() as (read_stream, write_stream):
        await front.server.run(read_stream, write_stream, front.server.create_initialization_options())


async def _http(front: ToolboxServer, listening: socket.socket, host: str) -> None:
    import uvicorn

    front.attach(asyncio.get_running_loop())
    app = front.server.streamable_http_app(host=host)  # on loopback: DNS-rebinding protection
    if not _loopback(host):
        log.warning("listening on %s: anyone who reaches this address can call the tools; there is no "
                    "authentication", host)
    log.info("MCP endpoint: http://%s:%d/mcp", f"[{host}]" if ":" in host else host, listening.getsockname()[1])
    config = uvicorn.Config(app, log_config=None, log_level="warning", lifespan="on")
    await uvicorn.Server(config).serve(sockets=[listening])


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
