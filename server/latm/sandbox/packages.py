"""Third-party packages for tools: wheels found with the user's own pip, pinned by hash, cached.

Everything here runs on the host and never runs a package's code: only wheels are accepted
(``--only-binary :all:``; a source distribution runs code when it is built), each file's sha256
is taken on the host, and a wheel is only ever read as a zip. Wheels are chosen for the sandbox's
own Python and platform (``Target``), which may differ from the host's.

- ``resolve(specs, target)``: the newest wheels that satisfy ``specs`` and their dependencies,
  through the user's pip configuration and index (make time);
- ``fetch(pins, target)``: exactly the pinned files, from the cache, else downloaded with
  ``--require-hashes`` and checked again here (``latm verify`` on another machine);
- ``install(locked, target, folder)``: the set installed into ``folder`` with ``--no-index`` from
  those files only, hashes required, the user's pip configuration ignored.

The wheel cache is ``$XDG_CACHE_HOME/latm/wheels/<sha256>/<file>``: a file is found by its hash
(``cache_home``: without ``HOME`` or ``XDG_CACHE_HOME``, a 0700 folder of the user's own).
"""

from __future__ import annotations

import email.parser
import hashlib
import json
import logging
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

from packaging.markers import InvalidMarker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from latm import userdirs
from latm.errors import PackagesUnavailable
from latm.progress import ProgressCallback, ProgressEvent, no_progress
from latm.requirement_specs import Pin

log = logging.getLogger(__name__)

PIP_TIMEOUT_S = 900.0
MAX_METADATA = 1 << 20
# What pip prints when an index does not answer (it then also says "No matching distribution").
UNREACHABLE = ("NewConnectionError", "Failed to establish a new connection", "Could not fetch URL",
               "Max retries exceeded", "ConnectTimeoutError", "Temporary failure in name resolution")
# Run by the sandbox's own Python (standard library only) to learn which wheels fit it.
PROBE = ("import json, os, platform, sys; print(json.dumps({'version': '%d.%d' % sys.version_info[:2], "
         "'full': platform.python_version(), 'implementation': sys.implementation.name, "
         "'machine': platform.machine(), 'libc': os.confstr('CS_GNU_LIBC_VERSION') or ''}))")


@dataclass(frozen=True)
class Target:
    """The interpreter wheels must fit: CPython ``version`` on Linux ``machine`` with ``libc``."""

    version: str  # "3.11"
    full: str  # "3.11.2"
    machine: str  # "x86_64"
    libc: str  # "glibc 2.36"

    @classmethod
    def from_probe(cls, output: str) -> "Target":
        data = json.loads(output)
        if data.get("implementation") != "cpython":
            raise PackagesUnavailable(f"The sandbox's Python is {data.get('implementation')}, not CPython: latm "
                                      "installs packages for CPython only.")
        return cls(data["version"], data["full"], data["machine"], data["libc"])

    @property
    def abi(self) -> str:
        return "cp" + self.version.replace(".", "")

    def platforms(self) -> list[str]:
        """The manylinux tags this glibc runs, newest first (pip does not widen a given tag itself),
        with their legacy names; without glibc, the bare linux tag."""
        found = re.fullmatch(r"glibc 2\.(\d+).*", self.libc)
        if not found:
            return [f"linux_{self.machine}"]
        tags = [f"manylinux_2_{minor}_{self.machine}" for minor in range(int(found.group(1)), 4, -1)]
        legacy = [(17, "manylinux2014"), (12, "manylinux2010"), (5, "manylinux1")]
        return tags + [f"{name}_{self.machine}" for minor, name in legacy if int(found.group(1)) >= minor]

    def pip_args(self) -> list[str]:
        args = ["--python-version", self.version, "--implementation", "cp", "--abi", self.abi]
        for platform in self.platforms():
            args += ["--platform", platform]
        return args

    def markers(self) -> dict[str, str]:
        """The environment markers of dependencies are judged against (PEP 508)."""
        return {"implementation_name": "cpython", "implementation_version": self.full, "os_name": "posix",
                "platform_machine": self.machine, "platform_python_implementation": "CPython",
                "platform_release": "", "platform_system": "Linux", "platform_version": "",
                "python_full_version": self.full, "python_version": self.version, "sys_platform": "linux",
                "extra": ""}

    def describe(self) -> str:
        return f"Python {self.full} on {self.platforms()[0]}"


@dataclass(frozen=True)
class Wheel:
    pin: Pin
    path: Path  # in the wheel cache
    modules: tuple[str, ...]  # the top-level names it installs (what ``import`` names)
    requires: tuple[str, ...]  # its Requires-Dist lines

    @property
    def name(self) -> str:
        return self.pin.name


@dataclass(frozen=True)
class LockedSet:
    """A closed set of wheels: every dependency of every wheel is in it."""

    wheels: tuple[Wheel, ...]  # sorted by name

    @property
    def pins(self) -> tuple[Pin, ...]:
        return tuple(w.pin for w in self.wheels)

    @property
    def digest(self) -> str:
        return set_digest(self.pins)

    def wheel(self, name: str) -> Optional[Wheel]:
        return next((w for w in self.wheels if w.name == canonicalize_name(name)), None)

    def subset(self, names: Iterable[str], target: Target) -> "LockedSet":
        """The wheels of ``names`` and everything they need."""
        keep = closure(self, names, target)
        return LockedSet(tuple(w for w in self.wheels if w.name in keep))


def set_digest(pins: Iterable[Pin]) -> str:
    """The identity of a requirement set (its image and environment are named by it)."""
    return hashlib.sha256("\n".join(sorted(map(str, pins))).encode()).hexdigest()


def closure(locked: LockedSet, names: Iterable[str], target: Target) -> set[str]:
    """``names`` and, transitively, the dependencies each wheel declares for ``target`` (named even
    when ``locked`` lacks them)."""
    todo, seen = [canonicalize_name(n) for n in names], set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        wheel = locked.wheel(name)
        todo += _needs(wheel, target) if wheel is not None else []
    return seen


def _needs(wheel: Wheel, target: Target) -> list[str]:
    found = []
    for line in wheel.requires:
        try:
            requirement = Requirement(line)
            applies = requirement.marker is None or requirement.marker.evaluate(target.markers())
        except (InvalidRequirement, InvalidMarker) as err:
            log.debug("%s: unreadable Requires-Dist %r: %s", wheel.name, line, err)
            continue
        if applies:
            found.append(canonicalize_name(requirement.name))
    return found


# ------------------------------------------------------------------------- the wheel cache
def cache_home(environ=os.environ) -> Path:
    """The user's latm cache: wheels, package folders, what was resolved. Without ``HOME`` or
    ``XDG_CACHE_HOME``, a folder of this user's own in the temporary folder (``PackagesUnavailable``
    when another user could have put files in it)."""
    return userdirs.cache_dir(environ) or _private_temporary_cache()


def _private_temporary_cache() -> Path:
    """``$TMPDIR/latm-cache-UID``, made 0700: a shared folder would let another local user plant
    a remembered catalog, and with it the pins a make chooses."""
    folder = Path(tempfile.gettempdir()) / f"latm-cache-{os.geteuid()}"
    try:
        os.mkdir(folder, 0o700)
    except FileExistsError:
        pass
    except OSError as err:
        raise PackagesUnavailable(f"Cannot make the package cache {folder} ({err.strerror}); "
                                  "set XDG_CACHE_HOME (or HOME) to a folder of yours.") from None
    info = os.lstat(folder)
    why = ("is a symbolic link" if stat.S_ISLNK(info.st_mode) else "is not a folder" if not stat.S_ISDIR(info.st_mode)
           else f"belongs to user {info.st_uid}" if info.st_uid != os.geteuid()
           else "is writable by other users" if info.st_mode & 0o022 else "")
    if why:
        raise PackagesUnavailable(f"The package cache {folder} {why}, so another user could have put packages "
                                  f"there and latm does not use it: set XDG_CACHE_HOME (or HOME) to a folder of "
                                  f"yours, or remove {folder}.")
    return folder


def wheel_cache(environ=os.environ) -> Path:
    return cache_home(environ) / "wheels"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _cached(pin: Pin, cache: Path) -> Optional[Path]:
    folder = cache / pin.sha256
    for path in sorted(folder.glob("*.whl")) if folder.is_dir() else []:
        if sha256_of(path) == pin.sha256:
            return path
        path.unlink(missing_ok=True)  # damaged: fetched again
    return None


def _keep(path: Path, cache: Path) -> Path:
    """Move a checked wheel into the cache under its hash; the cached path."""
    digest = sha256_of(path)
    folder = cache / digest
    folder.mkdir(parents=True, exist_ok=True)
    kept = folder / path.name
    os.replace(path, kept)
    return kept


def read_wheel(path: Path, sha256: str) -> Wheel:
    """Name, version, import names and dependencies from the wheel's own files (never run)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            info = next((n for n in names if re.fullmatch(r"[^/]+\.dist-info/METADATA", n)), None)
            if info is None or archive.getinfo(info).file_size > MAX_METADATA:
                raise PackagesUnavailable(f"{path.name} has no readable METADATA: it is not a wheel latm can use.")
            metadata = email.parser.HeaderParser().parsestr(archive.read(info).decode("utf-8", "replace"))
    except (zipfile.BadZipFile, OSError) as err:
        raise PackagesUnavailable(f"{path.name} is not a readable wheel ({err}).") from None
    pin = Pin(canonicalize_name(metadata.get("Name", "")), str(metadata.get("Version", "")), sha256)
    return Wheel(pin, path, tuple(sorted(_modules(names))), tuple(metadata.get_all("Requires-Dist") or ()))


def _modules(names: list[str]) -> set[str]:
    found = set()
    for name in names:
        parts = name.split("/")
        if parts[0].endswith(".data") and len(parts) > 3 and parts[1] in ("purelib", "platlib"):
            parts = parts[2:]
        elif parts[0].endswith((".dist-info", ".data")):
            continue
        top = parts[0]
        if len(parts) > 1 and top.isidentifier():
            found.add(top)
        elif len(parts) == 1 and (top.endswith(".py") or ".so" in top or top.endswith(".pyd")):
            stem = top.split(".")[0]
            if stem.isidentifier():
                found.add(stem)
    return found


# ------------------------------------------------------------------------------- with pip
def resolve(specs: list[str], target: Target, progress: ProgressCallback = no_progress,
            cache: Optional[Path] = None) -> LockedSet:
    """The wheels pip picks for ``specs`` (checked requirement strings) and their dependencies."""
    cache = cache or wheel_cache()
    with tempfile.TemporaryDirectory(prefix="latm-pip-") as work:
        listing = Path(work) / "requirements.txt"
        listing.write_text("".join(f"{spec}\n" for spec in specs), encoding="utf-8")
        dest = Path(work) / "wheels"
        _pip(["download", "--only-binary", ":all:", "--dest", str(dest), *target.pip_args(), "-r", str(listing)],
             progress, f"finding wheels for {', '.join(specs)} ({target.describe()})", specs)
        return LockedSet(tuple(sorted((_ingest(path, cache) for path in _wheels_in(dest)), key=lambda w: w.name)))


def fetch(pins: Iterable[Pin], target: Target, progress: ProgressCallback = no_progress,
          cache: Optional[Path] = None) -> LockedSet:
    """Exactly the pinned wheels: from the cache, else downloaded with hashes required."""
    cache = cache or wheel_cache()
    pins = sorted(pins)
    found = {pin: _cached(pin, cache) for pin in pins}
    missing = [pin for pin, path in found.items() if path is None]
    if missing:
        with tempfile.TemporaryDirectory(prefix="latm-pip-") as work:
            listing = Path(work) / "requirements.txt"
            listing.write_text("".join(f"{pin}\n" for pin in missing), encoding="utf-8")
            dest = Path(work) / "wheels"
            _pip(["download", "--only-binary", ":all:", "--no-deps", "--require-hashes", "--dest", str(dest),
                  *target.pip_args(), "-r", str(listing)], progress,
                 f"downloading {len(missing)} pinned wheel(s) ({target.describe()})", [str(p) for p in missing])
            by_hash = {sha256_of(path): path for path in _wheels_in(dest)}
            for pin in missing:
                if pin.sha256 not in by_hash:
                    raise PackagesUnavailable(
                        f"The wheel downloaded for {pin.name}=={pin.version} does not have the pinned hash "
                        f"sha256:{pin.sha256}: refused, nothing was installed. Someone changed the file, or the "
                        "pin is wrong; check the tool's requirements.")
                found[pin] = _keep(by_hash[pin.sha256], cache)
    wheels = []
    for pin, path in found.items():
        wheel = read_wheel(path, pin.sha256)
        if (wheel.pin.name, wheel.pin.version) != (pin.name, pin.version):
            raise PackagesUnavailable(f"The wheel with the hash pinned for {pin.name}=={pin.version} is "
                                      f"{wheel.pin.name} {wheel.pin.version}: refused.")
        wheels.append(wheel)
    return LockedSet(tuple(wheels))


def install(locked: LockedSet, target: Target, folder: Path, progress: ProgressCallback = no_progress) -> None:
    """Install the set into ``folder`` from its own files only (``--no-index``, hashes required,
    the user's pip configuration ignored: nothing else can be picked up)."""
    with tempfile.TemporaryDirectory(prefix="latm-pip-") as work:
        links = Path(work) / "wheels"
        links.mkdir()
        for wheel in locked.wheels:
            if sha256_of(wheel.path) != wheel.pin.sha256:
                raise PackagesUnavailable(f"The cached wheel {wheel.path.name} no longer has its pinned hash: "
                                          "refused. Delete it from the cache and try again.")
            shutil.copyfile(wheel.path, links / wheel.path.name)
        listing = Path(work) / "requirements.txt"
        listing.write_text("".join(f"{pin}\n" for pin in locked.pins), encoding="utf-8")
        _pip(["--isolated", "install", "--no-index", "--find-links", str(links), "--require-hashes",
              "--only-binary", ":all:", "--no-compile", "--no-warn-script-location", "--target", str(folder),
              *target.pip_args(), "-r", str(listing)], progress, f"installing {len(locked.wheels)} wheel(s)",
             [str(p) for p in locked.pins])


def readable(root: Path) -> None:
    """Calls run as another user (65534): everything readable by all, writable by the owner only."""
    for path in [root, *root.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() or path.stat().st_mode & 0o100 else 0o644)


def _wheels_in(folder: Path) -> list[Path]:
    files = sorted(folder.iterdir()) if folder.is_dir() else []
    others = [f.name for f in files if not f.name.endswith(".whl")]
    if others:  # --only-binary forbids it; a pip that did not obey is not trusted
        raise PackagesUnavailable(f"pip fetched files that are not wheels ({', '.join(others)}): refused.")
    return files


def _ingest(path: Path, cache: Path) -> Wheel:
    kept = _keep(path, cache)
    return read_wheel(kept, kept.parent.name)


def _pip(args: list[str], progress: ProgressCallback, doing: str, asked: list[str]) -> None:
    isolated = ["--isolated"] if args[0] == "--isolated" else []
    # -I: the working folder (often the repository) is not on the path, so a `pip` module planted
    # there never runs on the host; nor are PYTHONPATH and user site-packages.
    command = [sys.executable, "-I", "-m", "pip", *isolated, "--disable-pip-version-check", "--no-input",
               args[len(isolated)], "--progress-bar", "off", *args[len(isolated) + 1:]]
    progress(ProgressEvent("packages", doing))
    log.debug("running %s", command)
    tail: list[str] = []
    try:
        with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                              text=True, errors="replace") as proc:
            for line in proc.stdout:
                tail = (tail + [line.rstrip()])[-30:]
                if line.startswith(("Collecting", "Downloading", "Saved", "Installing", "Processing")):
                    progress(ProgressEvent("packages", _short(line)))
            code = proc.wait(timeout=PIP_TIMEOUT_S)
    except OSError as err:
        raise PackagesUnavailable(f"pip could not be started ({err}): install pip for {sys.executable}.") from None
    if code != 0:
        raise PackagesUnavailable(_pip_failure(tail, asked))


def _short(line: str) -> str:
    """A pip progress line without its temporary paths: "Saved roman-5.2-py3-none-any.whl"."""
    words = line.split(" (from ", 1)[0].split()
    return " ".join(os.path.basename(w) if "/" in w else w for w in words)[:120]


def _pip_failure(tail: list[str], asked: list[str]) -> str:
    text = "\n".join(tail)
    said = next((line for line in tail if line.startswith("ERROR:")), tail[-1] if tail else "no output")
    if any(sign in text for sign in UNREACHABLE):
        return (f"pip could not reach your package index for {', '.join(asked)} ({said}): nothing was installed. "
                "Check the network, or the index in your pip configuration (pip config list).")
    if "No matching distribution" in text or "Could not find a version" in text:
        return (f"pip found no wheel for {', '.join(asked)} that fits the sandbox's Python ({said}). latm installs "
                "wheels only: a source distribution runs code when it is built, so it is refused. Pick a package "
                "(or version) that publishes wheels.")
    if "THESE PACKAGES DO NOT MATCH THE HASHES" in text or "hash" in said.lower():
        return (f"pip refused a download whose hash differs from the pin ({said}): nothing was installed; check "
                "the tool's requirements.")
    return f"pip failed for {', '.join(asked)}: {said}"
