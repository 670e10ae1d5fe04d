"""``latm sandbox build|status|prune|stop``: the sandbox image, which backend runs tools, the
derived images (or folders) that hold tools' packages, and the user's sandbox keepers."""

from __future__ import annotations

import argparse
import dataclasses

from latm.cli.base import Result, command, stderr_progress
from latm.cli.packages import package_lines, prune_packages
from latm.sandbox import build_image, keeper_folder_problem, keepers, sandbox_status, stop_keepers
from latm.workspace import Workspace


@command("sandbox")
def sandbox(ws: Workspace, args: argparse.Namespace) -> Result:
    if args.action == "build":
        image_id = build_image(ws.settings, offline=args.offline, progress=stderr_progress)
        return Result(f"built {ws.settings.sandbox_image} ({image_id})", {"image": ws.settings.sandbox_image, "id": image_id})
    if args.action == "prune":
        return prune_packages(ws)
    if args.action == "stop":
        stopped = stop_keepers()
        return Result(f"stopped {len(stopped)} sandbox keeper{'s' * (len(stopped) != 1)}"
                      + (f" (pid {', '.join(map(str, stopped))})" if stopped else ""), {"stopped": stopped})
    status = sandbox_status(ws.settings)
    lines = [
        f"backend:          {status.backend}",
        f"image:            {status.image}",
        f"warm containers:  {status.warm_containers}",
        f"isolation:        {status.isolation}",
    ] + ([f"warning:          {status.warning}"] if status.warning else [])
    packages, data = package_lines(ws, status.backend)
    kept = keepers()
    unusable = keeper_folder_problem()
    lines += [f"keepers:          {len(kept)}" + (f" ({unusable})" if unusable else "")] + [_keeper_line(k) for k in kept]
    return Result("\n".join(lines + packages), dataclasses.asdict(status) | data | {"keepers": kept},
                  1 if status.backend == "unavailable" else 0)


def _keeper_line(kept: dict) -> str:
    return (f"  pid {kept.get('pid')}: {kept.get('backend')} ({kept.get('image')}), {kept.get('served')} runs, "
            f"idle {kept.get('idle_s', 0):.0f} of {kept.get('keep_s', 0):g} s")
