"""A workspace: a project folder with its settings, toolbox registry, state folder, sandbox and
model client.

The CLI, the language server and the MCP server each hold one; the feature packages' functions
take it. Expensive parts (the toolbox registry, the sandbox containers, the model client) start
on first use; the sandbox stops with ``close()``.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional, Sequence

from latm.progress import ProgressCallback, ProgressEvent
from latm.settings import Settings, SettingProblem, load_settings
from latm.state_folder import keep_out_of_git
from latm.toolbox.registry import Registry
from latm.toolbox.registry_cache import RegistryCache
from latm.toolbox.store import remove_leftovers

if TYPE_CHECKING:
    from latm.llm import LLMClient
    from latm.sandbox import Sandbox

log = logging.getLogger(__name__)


def _logged(event: ProgressEvent) -> None:
    log.info("%s", event.message)


class Workspace:
    def __init__(self, root: Path, settings: Settings, problems: list[SettingProblem] | None = None) -> None:
        self.root = Path(root).resolve()
        self.state_path = self.root / ".latm"  # made by ``state_dir`` when first needed
        self.settings = settings
        self.problems = list(problems or [])
        self.toolbox_dir = settings.toolbox_path(self.root)
        remove_leftovers(self.toolbox_dir)  # of writers that died
        self._registry: Optional[Registry] = None
        self._registry_lock = threading.Lock()
        self.on_warning: Callable[[str], None] = log.warning
        self.on_progress: ProgressCallback = _logged  # package installs that no caller reports (the CLI shows them)
        self._sandbox: Optional[Sandbox] = None
        # A one-shot command's sandbox may be held warm by the user's sandbox keeper (``sandbox_keep_s``);
        # the servers keep their own warm in-process and leave this off.
        self.kept_sandbox = False
        self._llm: Optional[LLMClient] = None
        self._llm_settings: Optional[Settings] = None  # the settings it was built for
        self._packages = None
        self._state_ready = False
        self._lock = threading.Lock()

    @classmethod
    def open(
        cls,
        root: Path,
        *,
        editor: Optional[Mapping[str, Any]] = None,
        flags: Optional[Mapping[str, Any]] = None,
    ) -> "Workspace":
        settings, problems = load_settings(Path(root), editor=editor, flags=flags)
        return cls(root, settings, problems)

    @property
    def registry(self) -> Registry:
        """The toolbox, loaded on first use (a language server answers its first requests meanwhile)."""
        registry = self._registry
        if registry is None:
            with self._registry_lock:
                if self._registry is None:
                    self._registry = Registry(self.toolbox_dir, RegistryCache(self.state_path)).load()
                registry = self._registry
        return registry

    @property
    def state_dir(self) -> Path:
        """``.latm/``: ledger, pending questions, failed makes; not for review or commit, so it
        holds a ``.gitignore`` of ``*`` (made with the folder, the first time latm needs it)."""
        if not self._state_ready:
            self._state_ready = keep_out_of_git(self.state_path)
        return self.state_path

    def sandbox(self) -> Sandbox:
        with self._lock:
            if self._sandbox is None:
                if self.kept_sandbox:  # the keeper's client only: the backends load if it cannot serve
                    from latm.sandbox import open_kept_sandbox as opener
                else:  # not for commands that run no code
                    from latm.sandbox import open_sandbox as opener
                self._sandbox = opener(self.settings, on_warning=self.on_warning)
            return self._sandbox

    def llm(self) -> LLMClient:
        """The model client (these settings, this workspace's ledger): built on first use, and again
        once the settings are replaced (the editor changed a model or the endpoint)."""
        with self._lock:
            if self._llm is None or self._llm_settings is not self.settings:
                from latm.llm import Ledger, LLMClient  # not for commands that ask no model (openai: on a request)

                self._llm = LLMClient(self.settings, Ledger.in_state_dir(self.state_dir))
                self._llm_settings = self.settings
            return self._llm

    def use_llm(self, client: LLMClient) -> None:
        """``llm()`` returns ``client`` (one built for these settings, e.g. with a test's short
        backoff) until the settings are replaced."""
        with self._lock:
            self._llm, self._llm_settings = client, self.settings

    def packages(self):
        """What ``allowed_packages`` lets tools use, made ready for this workspace's sandbox."""
        from latm.sandbox import in_process
        from latm.sandbox.tool_packages import ToolPackages

        sandbox = in_process(self.sandbox())  # tools with packages run in-process, also in a kept command
        with self._lock:
            if self._packages is None:
                self._packages = ToolPackages(self.settings, sandbox)
            return self._packages

    def sandbox_for(self, requirements: Sequence[str] = (), progress: Optional[ProgressCallback] = None) -> Sandbox:
        """The sandbox of a tool with these ``requirements`` (its manifest's pins): the plain one
        for a standard-library tool, else one that runs it with its packages."""
        if not requirements:
            return self.sandbox()
        from latm.requirement_specs import parse_pins
        from latm.sandbox.packaged import PackagedSandbox

        return PackagedSandbox(self.packages(), parse_pins(requirements), progress or self.on_progress)

    def making_sandbox(self, progress: Optional[ProgressCallback] = None):
        """The sandbox of a make: each run's packages follow what the code imports."""
        from latm.sandbox.packaged import PackagedSandbox

        return PackagedSandbox(self.packages(), None, progress or self.on_progress)

    def close(self) -> None:
        with self._lock:
            if self._sandbox is not None:
                self._sandbox.close()
                self._sandbox = self._packages = None
