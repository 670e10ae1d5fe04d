"""Running model-written tool code in isolation. Everything else in latm uses only this:

    sb = open_sandbox(settings, on_warning=...)
    results = sb.run(code, [Call(entry="f", args={"x": 1}), Call(snippet="ans = f(2)")])
    results = run_calls(sb, code, calls)       # the same; raises SandboxUnavailable if it could not run
    sb.status(); sb.close()
    open_kept_sandbox(settings, on_warning=...)  # a one-shot command's: served by the user's sandbox keeper
    keepers(), stop_keepers(), keeper_folder_problem()  # `latm sandbox status` / `latm sandbox stop`
    build_image(settings, offline, progress)   # `latm sandbox build [--offline]`
    sandbox_status(settings)                   # `latm sandbox status`
    package_sets(tools, base_tag), prune_package_sets(tools, base_tag)  # package images and folders: status, prune
"""


from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from latm.sandbox.running import run_calls
from latm.sandbox.types import OUTCOMES, Call, CallResult, Sandbox, SandboxStatus

if TYPE_CHECKING:
    from latm.sandbox.factory import open_sandbox, sandbox_status, unavailable_status
    from latm.sandbox.image import build_image
    from latm.sandbox.kept import in_process, keeper_folder_problem, keepers, open_kept_sandbox, stop_keepers
    from latm.sandbox.package_inventory import inventory as package_sets, prune as prune_package_sets

# The backends, the Docker SDK's wrappers and ``packaging`` (~60 ms) load on first use: a command
# or a language server that only reads results or types never pays for them.
_LAZY = {"open_sandbox": ("factory", "open_sandbox"), "sandbox_status": ("factory", "sandbox_status"),
         "unavailable_status": ("factory", "unavailable_status"), "build_image": ("image", "build_image"),
         "package_sets": ("package_inventory", "inventory"), "prune_package_sets": ("package_inventory", "prune"),
         "open_kept_sandbox": ("kept", "open_kept_sandbox"), "keepers": ("kept", "keepers"),
         "stop_keepers": ("kept", "stop_keepers"), "in_process": ("kept", "in_process"),
         "keeper_folder_problem": ("kept", "keeper_folder_problem")}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attribute = _LAZY[name]
    value = getattr(importlib.import_module(f"{__name__}.{module}"), attribute)
    globals()[name] = value
    return value


__all__ = ["open_sandbox", "sandbox_status", "unavailable_status", "build_image", "package_sets", "prune_package_sets",
           "open_kept_sandbox", "keepers", "stop_keepers", "in_process", "keeper_folder_problem",
           "run_calls", "Call", "CallResult", "Sandbox", "SandboxStatus", "OUTCOMES"]
