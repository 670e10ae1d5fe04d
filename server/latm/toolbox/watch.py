"""Watches the toolbox folder and reloads changed tools, debounced.

watchfiles groups a burst of file events (a ``git pull`` that brings fifty tools) into one
batch; each batch becomes one incremental ``Registry.reload`` of the touched tool folders.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any, Callable, Optional

from latm.errors import ToolboxError
from latm.toolbox.names import NAME_RE
from latm.toolbox.reading import toolbox_link_problem
from latm.toolbox.registry import Registry

log = logging.getLogger(__name__)


def tool_names(changes: set[tuple[Any, str]], toolbox_dir: Path) -> set[str]:
    """The tool folder names touched by a batch of (kind, path) changes (staging dot-folders excluded)."""
    names = set()
    for _change, path in changes:
        try:
            first = Path(path).relative_to(toolbox_dir).parts[0]
        except (ValueError, IndexError):
            continue
        if first.startswith((".", "_")):
            continue
        if NAME_RE.fullmatch(first) or (toolbox_dir / first).is_dir():  # a deleted tool, or a folder to report
            names.add(first)
    return names


class ToolboxWatcher:
    def __init__(
        self,
        registry: Registry,
        on_reload: Optional[Callable[[set[str]], None]] = None,
        debounce_ms: int = 1600,
        step_ms: int = 150,
    ) -> None:
        self.registry = registry
        self.on_reload = on_reload
        self.debounce_ms, self.step_ms = debounce_ms, step_ms
        self.reloads = 0  # batches handled; tests and benchmarks read it
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def start(self) -> "ToolboxWatcher":
        if toolbox_link_problem(self.registry.toolbox_dir):
            return self  # refused as a whole (the registry says why): nothing is read through it
        toolbox_dir = self.registry.toolbox_dir
        if toolbox_dir.exists() and not toolbox_dir.is_dir():
            raise ToolboxError(f"The toolbox {toolbox_dir} is not a folder; move that file away, or set `toolbox` "
                               "to a folder, then reload the toolbox.")
        toolbox_dir.mkdir(parents=True, exist_ok=True)
        self._thread = threading.Thread(target=self._run, name="latm-toolbox-watcher", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        import watchfiles  # in the watcher's thread: the language server answers initialize without it

        toolbox_dir = self.registry.toolbox_dir.resolve()
        for changes in watchfiles.watch(
            toolbox_dir, debounce=self.debounce_ms, step=self.step_ms, stop_event=self._stop, raise_interrupt=False
        ):
            names = tool_names(changes, toolbox_dir)
            if not names:
                continue
            try:
                self.registry.reload(names)
                self.reloads += 1
                if self.on_reload:
                    self.on_reload(names)
            except Exception:  # a bad batch must not stop watching
                log.exception("reloading tools %s failed", sorted(names))
