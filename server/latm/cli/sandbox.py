"""``latm sandbox build|status``: the sandbox image and which backend runs tools."""

from __future__ import annotations

import argparse
import dataclasses

from latm.cli.base import Result, command, stderr_progress
from latm.sandbox import build_image, sandbox_status
from latm.workspace import Workspace


@command("sandbox")
def sandbox(ws: Workspace, args: argparse.Namespace) -> Result:
    if args.action == "build":
        image_id = build_image(ws.settings, offline=args.offline, progress=stderr_progress)
        return Result(f"built {ws.settings.sandbox_image} ({image_id})", {"image": ws.settings.sandbox_image, "id": image_id})
    status = sandbox_status(ws.settings)
    lines = [
        f"backend:          {status.backend}",
        f"image:            {status.image}",
        f"warm containers:  {status.warm_containers}",
        f"isolation:        {status.isolation}",
    ] + ([f"warning:          {status.warning}"] if status.warning else [])
    return Result("\n".join(lines), dataclasses.asdict(status), 1 if status.backend == "unavailable" else 0)
