"""latm's own git calls, with no command the repository names: no hook, fsmonitor or signing
program runs (``SAFE``), since a tool, a pull request or a tampered ``.git/config`` could have put
one there. The repository is always the one the workspace root is in, never one found from inside
a tool's folder."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Optional

from latm.errors import LatmError

# Configuration that would make latm's own git calls run a command: switched off for each call.
SAFE = ("-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null")


class GitMissing(LatmError):
    """git is not installed or not on PATH."""


def run_git(cwd: Path, args: tuple, env: Optional[dict] = None, stdin: Optional[str] = None,
            binary: bool = False) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", *SAFE, *args], cwd=cwd, env=env, input=stdin, capture_output=True,
                              text=not binary, timeout=120)
    except FileNotFoundError:
        raise GitMissing("git is not installed (or not on PATH).") from None


def top_level(root: Path) -> Optional[Path]:
    """The top of the git repository ``root`` is in; None outside any."""
    done = run_git(root, ("rev-parse", "--show-toplevel"))
    return Path(done.stdout.strip()).resolve() if done.returncode == 0 else None


def committed_file(root: Path, path: Path) -> Optional[bytes]:
    """The bytes of ``path`` as ``HEAD`` of the workspace's repository holds it; None when there is no
    repository, no commit, ``path`` is outside the repository or ``HEAD`` has no such file."""
    top = top_level(root)
    real = path.resolve()
    if top is None or not real.is_relative_to(top):
        return None
    done = run_git(top, ("cat-file", "blob", f"HEAD:{real.relative_to(top).as_posix()}"), binary=True)
    return done.stdout if done.returncode == 0 else None
