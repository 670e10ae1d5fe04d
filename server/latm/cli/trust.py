"""``latm trust [--revoke | --list] [--tool NAME ...]``: let this workspace's project config route the
API key, or let ``latm mcp`` offer these tools to agents.

Trust is recorded per file and per content (its sha256; a tool's folder by the digest of its files)
in user state; see ``latm.trust``.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import asdict

from latm import trust
from latm.cli.base import Result, command
from latm.errors import SettingsError
from latm.project_policy import needs_trust
from latm.settings import ConfigFile, read_project_layer
from latm.workspace import Workspace


@command("trust")
def trust_command(ws: Workspace, args: argparse.Namespace) -> Result:
    if args.list:
        return _listing()
    if args.tool:
        return _tools(ws, args.tool, args.revoke)
    config = read_project_layer(ws.root, [])  # a file that cannot be read was reported already
    if config.path is None:
        raise SettingsError(f"There is no [tool.latm] in {ws.root / 'pyproject.toml'} and no {ws.root / 'latm.toml'}: "
                            "nothing to trust.")
    if args.revoke:
        revoked = trust.revoke(config.path, os.environ)
        said = "no longer trusted" if revoked else "was not trusted"
        return Result(f"{config.path} {said}.", {"path": str(config.path), "revoked": revoked})
    entry = trust.trust(config.path, config.sha256, os.environ)
    routed = _routed(config, ws)
    sets = "; ".join(f"{key} = {value!r}" for key, value in routed.items()) or "nothing that needed trust"
    return Result(f"Trusted {config.path} (sha256 {config.sha256[:12]}) until it changes. It sets: {sets}.",
                  asdict(entry) | {"honoured": routed})


def _routed(config: ConfigFile, ws: Workspace) -> dict:
    return {key: value for key, value in config.values.items() if needs_trust(key.replace("-", "_"), value, ws.root)}


def _tools(ws: Workspace, names: list[str], revoke: bool) -> Result:
    tools = [ws.registry.get(name) for name in names]  # a missing or broken tool: its one-line error
    if revoke:
        revoked = {t.name: trust.revoke(t.path, os.environ) for t in tools}
        lines = [f"Tool {name} {'no longer trusted' if done else 'was not trusted'}." for name, done in revoked.items()]
        return Result("\n".join(lines), {"tools": revoked})
    entries = [asdict(trust.trust(t.path, t.key, os.environ)) | {"name": t.name} for t in tools]
    lines = [f"Trusted tool {e['name']} ({e['path']}, files {e['sha256'][:12]}) until its files change; "
             "`latm mcp` offers it to agents." for e in entries]
    return Result("\n".join(lines), {"tools": entries})


def _listing() -> Result:
    found = [asdict(e) | {"state": trust.state_of(e)} for e in trust.entries(os.environ)]
    lines = [f"{e['state']:<8} {e['path']}  (sha256 {e['sha256'][:12]}, since {e['trusted_at']})" for e in found]
    return Result("\n".join(lines) or "No project config is trusted.", {"trusted": found})
