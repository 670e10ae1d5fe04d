"""Helpers of the MCP tests: a real ``latm mcp`` process on a copy of this repository's toolbox,
reached by the SDK's own client over stdio or streamable HTTP, in either protocol era
(``legacy``: the 2025 initialize handshake; ``auto``: the 2026-07-28 per-request envelope)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import AsyncIterator, Callable, Optional

import anyio
from mcp import Client
from mcp.client.stdio import StdioServerParameters, stdio_client
from sandbox_settings import clean_env

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent
KEY_ENV, KEY = "MCP_TEST_OPENAI_KEY", "sk-mcp-test-5be1c9d2e8f04a61"  # not LATM_*: that prefix is settings
COMMITTED = ("chinese_remainder_theorem", "dyck_languages", "word_sorting")
ENDPOINT = re.compile(r"MCP endpoint: (http://\S+)")
WAIT_S = 180.0  # for anything the loaded test machine must do; tests wait for states, never sleep
COMBINATIONS = [("stdio", "legacy"), ("stdio", "auto"), ("http", "legacy"), ("http", "auto")]


def project_with_toolbox(folder: Path) -> Path:
    """A project holding a copy of this repository's committed toolbox."""
    root = folder / "project"
    root.mkdir(parents=True)
    shutil.copytree(REPO / "toolbox", root / "toolbox", ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    return root


@dataclass
class User:
    """HOME and the XDG folders in a temporary directory: the user config the server reads."""

    home: Path

    @property
    def config_file(self) -> Path:
        return self.home / "config" / "latm" / "config.toml"

    def configure(self, text: str) -> None:
        self.config_file.parent.mkdir(parents=True, exist_ok=True)
        self.config_file.write_text(text, encoding="utf-8")

    def trust_tools(self, *folders: Path, as_folder: Optional[Path] = None) -> None:
        """What ``latm trust --tool`` records after the user read them: these tool folders' files as
        they are now (``as_folder``: for a folder about to be moved there)."""
        from latm import trust

        for folder in folders:
            trust.trust(as_folder or folder, trust.folder_digest(folder), self.env())

    def env(self, **extra: str) -> dict[str, str]:
        """The server's environment: this user, the real Docker sandbox, a test key (never for the sandbox)."""
        env = {k: v for k, v in clean_env().items() if not k.startswith("XDG_")}
        env.update({"HOME": str(self.home), "XDG_CONFIG_HOME": str(self.home / "config"),
                    "XDG_STATE_HOME": str(self.home / "state"), "PYTHONUNBUFFERED": "1", "LATM_SANDBOX": "docker",
                    "LATM_API_KEY_ENV": KEY_ENV, KEY_ENV: KEY})
        env.update(extra)
        return env


@dataclass
class Session:
    client: Client
    stderr: Callable[[], str]  # what the server wrote on stderr so far


@dataclass
class _StderrReader:
    """Drains an HTTP server's stderr in a thread (a full pipe would block it); notes its URL."""

    process: subprocess.Popen
    lines: list[str] = field(default_factory=list)
    url: Optional[str] = None
    ready: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        for line in self.process.stderr:
            self.lines.append(line)
            found = ENDPOINT.search(line)
            if found:
                self.url = found.group(1)
                self.ready.set()
        self.ready.set()  # the process ended


def command(root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "latm", "mcp", "--root", str(root), *args]


@asynccontextmanager
async def connect(root: Path, env: dict[str, str], transport: str = "stdio", mode: str = "legacy",
                  args: tuple[str, ...] = (), **client_options) -> AsyncIterator[Session]:
    """A running ``latm mcp`` and the SDK client connected to it; the server stops on exit."""
    if transport == "stdio":
        log_path = root.parent / f"mcp-stderr-{os.getpid()}-{id(args)}.log"
        with open(log_path, "w", encoding="utf-8") as errlog:
            argv = command(root, *args)
            params = StdioServerParameters(command=argv[0], args=argv[1:], env=env)
            async with Client(stdio_client(params, errlog=errlog), mode=mode, **client_options) as client:
                yield Session(client, lambda: log_path.read_text(encoding="utf-8"))
        return
    process = subprocess.Popen(command(root, *args, "--http", "0"), env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    reader = _StderrReader(process)
    threading.Thread(target=reader.run, daemon=True).start()
    try:
        await anyio.to_thread.run_sync(reader.ready.wait, WAIT_S)
        assert reader.url, f"latm mcp --http gave no endpoint:\n{''.join(reader.lines)}"
        async with Client(reader.url, mode=mode, **client_options) as client:
            yield Session(client, lambda: "".join(reader.lines))
    finally:
        process.terminate()
        await anyio.to_thread.run_sync(process.wait, 60)
        assert process.stdout.read() == "", "the HTTP server wrote to stdout"


def trusted_project(folder: Path, user: User) -> Path:
    """A project holding a copy of the committed toolbox, whose tools ``user`` has read and trusted."""
    root = project_with_toolbox(folder)
    user.trust_tools(*(root / "toolbox" / name for name in COMMITTED))
    return root


def write_hand_tool(toolbox: Path, name: str, code: str, entry: str, verified: bool = True,
                    use_cases: tuple[tuple[str, str], ...] = ()) -> Path:
    """A tool as a repository could carry it: its manifest claims whatever verification it likes."""
    from latm.source import signature
    from latm.toolbox.manifest import Manifest, Provenance, UseCase, Verification
    from latm.toolbox.store import ToolFiles, write_tool

    check = Verification(3, 3, "2026-11-21T00:00:00Z", "docker") if verified else Verification(0, 0, "", "")
    manifest = Manifest(
        name=name, summary=f"{name} (a hand-written test tool).", entry=entry, signature=signature(code, entry),
        provenance=Provenance("hand-written", "", "2026-11-21T00:00:00Z"), verification=check,
        use_cases=tuple(UseCase(q, c) for q, c in use_cases),
    )
    return write_tool(toolbox, ToolFiles(manifest, code))
