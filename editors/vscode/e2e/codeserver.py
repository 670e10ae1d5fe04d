"""code-server with the packaged extension installed, serving one workspace, and stopped with
every process it started.

Each instance gets its own user-data and extensions folders (nothing of the machine's own
VS Code or code-server state is read or written) and listens on a port the system picks.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Optional

LISTENING = re.compile(r"HTTP server listening on (http://127\.0\.0\.1:\d+)/")
START_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 30.0

# What every instance needs so that the closed network and first-run screens stay out of the way.
BASE_SETTINGS = {
    "security.workspace.trust.enabled": False,
    "workbench.startupEditor": "none",
    "workbench.tips.enabled": False,
    "workbench.enableExperiments": False,
    "telemetry.telemetryLevel": "off",
    "extensions.autoCheckUpdates": False,
    "extensions.autoUpdate": False,
    "update.mode": "none",
    "remote.autoForwardPorts": False,
    "git.autofetch": False,
    "git.openRepositoryInParentFolders": "never",
    "chat.commandCenter.enabled": False,
    "workbench.secondarySideBar.defaultVisibility": "hidden",
    "editor.lightbulb.enabled": "on",
}


class CodeServer:
    def __init__(self, binary: Path, vsix: Path, workspace: Path, home: Path, *,
                 settings: Optional[dict] = None, env: Optional[dict] = None) -> None:
        self.binary = binary
        self.vsix = vsix
        self.workspace = workspace
        self.home = home  # user data, extensions and the log of this instance
        self.settings = {**BASE_SETTINGS, **(settings or {})}
        self.env = dict(os.environ if env is None else env)  # the whole environment, not additions
        self.url = ""
        self._process: Optional[subprocess.Popen] = None

    @property
    def user_data(self) -> Path:
        return self.home / "user-data"

    @property
    def log_file(self) -> Path:
        return self.home / "code-server.log"

    def _args(self) -> list[str]:
        return [str(self.binary), "--config", "/dev/null", "--user-data-dir", str(self.user_data),
                "--extensions-dir", str(self.home / "extensions")]

    def start(self) -> str:
        settings_file = self.user_data / "User" / "settings.json"
        settings_file.parent.mkdir(parents=True, exist_ok=True)
        settings_file.write_text(json.dumps(self.settings, indent=2))
        installed = subprocess.run([*self._args(), "--install-extension", str(self.vsix)], env=self.env,
                                   capture_output=True, text=True, timeout=START_TIMEOUT_S)
        if installed.returncode != 0 or "successfully installed" not in installed.stdout:
            raise RuntimeError(f"installing {self.vsix} failed:\n{installed.stdout}\n{installed.stderr}")
        log = self.log_file.open("w")
        self._process = subprocess.Popen(
            [*self._args(), "--auth", "none", "--bind-addr", "127.0.0.1:0", "--disable-telemetry",
             "--disable-update-check", "--disable-workspace-trust", "--disable-getting-started-override",
             str(self.workspace)],
            env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.url = self._wait_listening()
        return self.url

    def _wait_listening(self) -> str:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            found = LISTENING.search(self.log_file.read_text(errors="replace"))
            if found:
                return found.group(1)
            if self._process.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError(f"code-server did not start; its log:\n{self.log_file.read_text(errors='replace')}")

    def workbench_url(self) -> str:
        return f"{self.url}/?folder={self.workspace}"

    def output_log(self, channel: str = "LATM") -> Optional[Path]:
        """The file VS Code writes an extension's Output channel to (newest session)."""
        found = sorted(self.user_data.glob(f"logs/*/exthost*/output_logging_*/*-{channel}.log"))
        return found[-1] if found else None

    def extension_host_log(self) -> Optional[Path]:
        """The extension host's own log (newest session): where an activation failure is written."""
        found = sorted(self.user_data.glob("logs/*/exthost*/remoteexthost.log"))
        return found[-1] if found else None

    def activation_error(self, extension: str) -> str:
        """Why ``extension`` failed to activate (its error and the stack's first line), or ""."""
        log = self.extension_host_log()
        lines = log.read_text(errors="replace").splitlines() if log else []
        for index, line in enumerate(lines):
            if f"Activating extension {extension} failed" in line:
                return "\n".join(lines[index + 1:index + 3])
        return ""

    def descendants(self) -> list[int]:
        """Every process started under code-server (the extension host, latm serve, ...)."""
        if self._process is None:
            return []
        children: dict[int, list[int]] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        found, queue = [], [self._process.pid]
        while queue:
            for child in children.get(queue.pop(), []):
                found.append(child)
                queue.append(child)
        return found

    def latm_servers(self) -> list[int]:
        """The ``python -m latm serve`` processes this instance runs."""
        found = []
        for pid in self.descendants():
            try:
                argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"latm" in argv and b"serve" in argv:
                found.append(pid)
        return found

    def stop(self) -> None:
        """SIGTERM lets the extension stop its server (which removes its containers); then the rest goes."""
        if self._process is None:
            return
        group = self._process.pid
        try:
            os.killpg(group, signal.SIGTERM)
            self._process.wait(STOP_TIMEOUT_S)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            pass
        deadline = time.monotonic() + STOP_TIMEOUT_S
        while self._group_alive(group) and time.monotonic() < deadline:
            time.sleep(0.1)
        if self._group_alive(group):
            os.killpg(group, signal.SIGKILL)
        self._process.wait()
        self._process = None

    @staticmethod
    def _group_alive(group: int) -> bool:
        try:
            os.killpg(group, 0)
            return True
        except ProcessLookupError:
            return False
