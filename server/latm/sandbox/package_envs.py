"""Package folders for the ``process`` backend: one per requirement set, in ``~/.cache/latm/envs/<digest>/``.

They live in the user's cache, never in the workspace: a repository can carry ``.latm/`` (git
even overwrites ignored files on checkout), and a folder found there would be run unchecked.

Built as the derived images are (``packages.install``: hash-checked wheels, ``--no-index``), then
compiled by the interpreter that runs calls, and swapped into place with one rename, so a folder
that exists is complete. The worker puts ``site/`` last on its path (``--packages``); it is not a
virtual environment, as calls run with ``-I -S`` (no site-packages of any kind).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from latm.errors import PackagesUnavailable
from latm.progress import ProgressCallback, ProgressEvent
from latm.sandbox.packages import LockedSet, Target, cache_home, install, readable

MARK = "env.json"


def home(environ=os.environ) -> Path:
    return cache_home(environ) / "envs"


def folder_for(envs: Path, digest: str) -> Path:
    return envs / digest[:16]


def find(envs: Path, locked: LockedSet, interpreter: str) -> Path:
    """The ready ``site`` folder of this set for ``interpreter``, or a path that does not exist."""
    folder = folder_for(envs, locked.digest)
    try:
        mark = json.loads((folder / MARK).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return folder / "missing"
    if mark.get("digest") != locked.digest or mark.get("interpreter") != interpreter:
        return folder / "missing"
    return folder / "site"


def build(envs: Path, locked: LockedSet, target: Target, interpreter: str, progress: ProgressCallback) -> Path:
    """Install the set for ``interpreter`` and return its ``site`` folder."""
    envs.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".building-", dir=envs))
    try:
        install(locked, target, work / "site", progress)
        shutil.rmtree(work / "site" / "bin", ignore_errors=True)
        progress(ProgressEvent("packages", f"compiling {len(locked.wheels)} package(s) for {interpreter}"))
        compiled = subprocess.run([interpreter, "-I", "-S", "-m", "compileall", "-q", str(work / "site")],
                                  capture_output=True, text=True)
        if compiled.returncode != 0:
            raise PackagesUnavailable(f"Compiling the packages failed: {compiled.stdout.strip()[-300:]}")
        readable(work)
        (work / MARK).write_text(json.dumps({"digest": locked.digest, "interpreter": interpreter,
                                             "pins": [str(p) for p in locked.pins]}, indent=1), encoding="utf-8")
        folder = folder_for(envs, locked.digest)
        if not find(envs, locked, interpreter).is_dir():  # one built meanwhile (another latm) may be in use: kept
            shutil.rmtree(folder, ignore_errors=True)  # a stale one (another interpreter)
            os.replace(work, folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return folder / "site"


def in_use(folder: Path) -> bool:
    """Is a ``process`` worker running with this folder's packages (any latm on this machine)?"""
    site = os.fsencode(folder / "site")
    for pid in os.listdir("/proc"):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                args = handle.read().split(b"\0")
        except OSError:  # not a process, or gone
            continue
        if any(args[i] == b"--packages" and args[i + 1] == site for i in range(len(args) - 1)):
            return True
    return False


def listed(envs: Path) -> list[dict]:
    found = []
    for mark in sorted(envs.glob(f"*/{MARK}")) if envs.is_dir() else []:
        try:
            data = json.loads(mark.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        size = sum(p.stat().st_size for p in mark.parent.rglob("*") if p.is_file() and not p.is_symlink())
        found.append({"folder": str(mark.parent), "digest": data.get("digest", ""), "size": size,
                      "pins": data.get("pins", [])})
    return found
