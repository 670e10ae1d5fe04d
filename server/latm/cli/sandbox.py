"""``latm sandbox build|status|prune``: the sandbox image, which backend runs tools, and the
derived images (or folders) that hold tools' packages."""

from __future__ import annotations

import argparse
import dataclasses

from latm.cli.base import Result, command, stderr_progress
from latm.cli.packages import package_lines, prune_packages
from latm.sandbox import build_image, sandbox_status
from latm.workspace import Workspace


@command("sandbox")
def sandbox(ws: Workspace, args: argparse.Namespace) -> Result:
    if args.action == "build":
        image_id = build_image(ws.settings, offline=args.offline, progress=stderr_progress)
        return Result(f"built {ws.settings.sandbox_image} ({image_id})", {"image": ws.settings.sandbox_image, "id": image_id})
    if args.action == "prune":
        return prune_packages(ws)
    status = sandbox_status(ws.settings)
    lines = [
        f"backend:          {status.backend}",
        f"image:            {status.image}",
        f"warm containers:  {status.warm_containers}",
        f"isolation:        {status.isolation}",
    ] + ([f"warning:          {status.warning}"] if status.warning else [])
    packages, data = package_lines(ws, status.backend)
    return Result("\n".join(lines + packages), dataclasses.asdict(status) | data, 1 if status.backend == "unavailable" else 0)
