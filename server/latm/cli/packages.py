"""``latm requirements``, and the package part of ``latm sandbox status|prune``."""

from __future__ import annotations

import argparse

from latm.cli.base import Result, command
from latm.errors import PackagesRefused
from latm.requirement_specs import parse_allowed_list
from latm.sandbox import package_sets, prune_package_sets
from latm.toolbox import requirements_current, write_requirements
from latm.workspace import Workspace


@command("requirements")
def requirements(ws: Workspace, args: argparse.Namespace) -> Result:
    tools = ws.registry.tools
    if args.check:
        path, ok = requirements_current(tools, ws.toolbox_dir)
        text = f"{path} is up to date" if ok else f"{path} is missing or out of date: run `latm requirements`"
        return Result(text, {"path": str(path), "up_to_date": ok}, 0 if ok else 1)
    if any(tool.manifest.requirements for tool in tools.values()):  # a CI installs what the file names
        try:
            ws.packages().judge_tools(tools, ws.on_progress)
        except PackagesRefused as err:
            raise PackagesRefused(f"{err} Nothing was written.") from None
    path, count = write_requirements(tools, ws.toolbox_dir)
    text = (f"wrote {path}: {count} pinned package(s); install with pip install --require-hashes -r {path}" if count
            else f"no tool needs a package: there is no {path}")
    return Result(text, {"path": str(path), "pins": count})


def package_lines(ws: Workspace, backend: str) -> tuple[list[str], dict]:
    """The status lines about packages: what is allowed, each requirement set, where it is built."""
    allowed = [str(entry) for entry in parse_allowed_list(ws.settings.allowed_packages)]
    sets, problem = package_sets(ws.registry.tools, ws.settings.sandbox_image, docker=backend == "docker")
    lines = [f"allowed packages: {', '.join(allowed) or 'none (standard library only)'}"]
    lines += [f"package set:      {entry.line()}" for entry in sets]
    lines += [f"package images:   cannot be listed: {problem}"] if problem else []
    data = {"allowed_packages": allowed, "package_sets": [vars(entry) for entry in sets]}
    return lines, data


def prune_packages(ws: Workspace) -> Result:
    docker = ws.settings.sandbox != "process"
    removed, kept = prune_package_sets(ws.registry.tools, ws.settings.sandbox_image, docker=docker)
    lines = [f"removed {item}" for item in removed] + [f"kept {item}" for item in kept]
    return Result("\n".join(lines) or "nothing to prune: every package image and folder is used by a tool",
                  {"removed": removed, "kept": kept})
