"""A workspace's packages: what its ``allowed_packages`` lets tools use, and getting a tool's
requirement set ready for its sandbox (a derived image for Docker, a folder for ``process``).

Two ways in:

- making (``for_imports``): the allowed list is resolved once (the *catalog*: newest wheels that
  fit the sandbox, cached a day), and a tool gets the catalog's wheels of what it imports plus
  their dependencies;
- a committed tool (``for_pins``): its pins are judged first (each an allowed package in an
  allowed version, or a dependency one of them declares; nothing missing), then the exact files
  are fetched and hash-checked.
"""

from __future__ import annotations

import hashlib
import json
import logging
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, Iterable, Optional

from latm.errors import PackagesRefused, PackagesUnavailable
from latm.progress import ProgressCallback, ProgressEvent, no_progress
from latm.requirement_specs import Allowed, Pin, parse_allowed_list, parse_pins
from latm.sandbox import containers, derived_images, lifecycle, package_envs
from latm.sandbox.imports import STANDARD
from latm.sandbox.packages import PROBE, LockedSet, Target, closure, fetch, resolve, wheel_cache
from latm.sandbox.types import Installed

log = logging.getLogger(__name__)

CATALOG_TTL_S = 24 * 3600.0  # a make within a day of the last one uses the same versions, offline
PROBE_TIMEOUT_S = 60


class ToolPackages:
    def __init__(self, settings: Any, sandbox: Any, envs: Optional[Path] = None, cache: Optional[Path] = None) -> None:
        self.settings = settings
        self.allowed: tuple[Allowed, ...] = parse_allowed_list(settings.allowed_packages)
        self.sandbox = sandbox  # the workspace's backend (DockerSandbox or ProcessSandbox)
        self._envs, self._cache = envs, cache  # found when first needed: a standard-library tool needs neither
        self._lock = threading.Lock()
        self._target: Optional[Target] = None
        self._catalog: Optional[LockedSet] = None
        self._ready: dict[str, Installed] = {}
        self._judged: dict[tuple[Pin, ...], LockedSet] = {}  # a committed tool's pins, judged and fetched
        self._building: dict[str, threading.Lock] = {}

    @property
    def envs(self) -> Path:
        """The ``process`` backend's package folders: the user's, shared by projects (never the workspace's)."""
        if self._envs is None:
            self._envs = package_envs.home()
        return self._envs

    @property
    def cache(self) -> Path:
        if self._cache is None:
            self._cache = wheel_cache()
        return self._cache

    # Where calls run -------------------------------------------------------------------------
    @property
    def docker(self) -> bool:
        return hasattr(self.sandbox, "api")

    def target(self) -> Target:
        with self._lock:
            if self._target is None:
                self._target = Target.from_probe(self._probe_docker_once() if self.docker else self._probe_process())
            return self._target

    def _probe_docker_once(self) -> str:
        """An image id names its content: what its Python said is kept (a probe starts a container)."""
        kept = self.cache.parent / "targets" / f"{self.sandbox.image['Id'].split(':')[-1]}.json"
        try:
            return kept.read_text(encoding="utf-8")
        except OSError:
            pass
        said = self._probe_docker()
        try:
            kept.parent.mkdir(parents=True, exist_ok=True)
            kept.write_text(said, encoding="utf-8")
        except OSError as err:
            log.debug("could not keep the probe in %s: %s", kept, err)
        return said

    def _probe_process(self) -> str:
        from latm.sandbox.process_backend import interpreter

        found = subprocess.run([interpreter(), "-I", "-S", "-c", PROBE], capture_output=True, text=True,
                               timeout=PROBE_TIMEOUT_S)
        if found.returncode != 0:
            raise PackagesUnavailable(f"{interpreter()} did not say which wheels fit it: {found.stderr.strip()[-300:]}")
        return found.stdout

    def _probe_docker(self) -> str:
        api, image = self.sandbox.api, self.sandbox.image["Id"]
        labels = {containers.LABEL: "1", containers.OWNER_LABEL: lifecycle.owner_label()}
        host = api.create_host_config(network_mode="none", read_only=True, cap_drop=["ALL"], auto_remove=False)
        cid = api.create_container(image, command=["-I", "-S", "-c", PROBE], entrypoint=["python3"], labels=labels,
                                   user=containers.USER, host_config=host, network_disabled=True)["Id"]
        try:
            api.start(cid)
            status = api.wait(cid, timeout=PROBE_TIMEOUT_S).get("StatusCode")
            output = api.logs(cid, stdout=True, stderr=status != 0).decode("utf-8", "replace")
        finally:
            api.remove_container(cid, force=True)
        if status != 0:
            raise PackagesUnavailable(f"The sandbox image did not say which wheels fit it: {output.strip()[-300:]}")
        return output

    # What may be used ---------------------------------------------------------------------------
    def catalog(self, progress: ProgressCallback = no_progress) -> LockedSet:
        """The allowed packages resolved together (empty when none are allowed)."""
        if not self.allowed:
            return LockedSet(())
        with self._lock:
            if self._catalog is not None:
                return self._catalog
        target = self.target()
        specs = [str(entry) for entry in self.allowed]
        remembered = self._remembered(specs, target)
        found = fetch(remembered, target, progress, self.cache) if remembered else resolve(specs, target, progress, self.cache)
        if not remembered:
            self._remember(specs, target, found)
        with self._lock:
            self._catalog = found
        return found

    def _catalog_file(self, specs: list[str], target: Target) -> Path:
        key = hashlib.sha256(json.dumps([specs, target.full, target.platforms()]).encode()).hexdigest()[:32]
        return self.cache.parent / "catalogs" / f"{key}.json"

    def _remembered(self, specs: list[str], target: Target) -> list[Pin]:
        try:
            data = json.loads(self._catalog_file(specs, target).read_text(encoding="utf-8"))
            if time.time() - float(data["time"]) < CATALOG_TTL_S:
                return list(parse_pins(data["pins"]))
        except (OSError, ValueError, KeyError, TypeError):
            pass
        return []

    def _remember(self, specs: list[str], target: Target, found: LockedSet) -> None:
        path = self._catalog_file(specs, target)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({"time": time.time(), "pins": [str(p) for p in found.pins]}), encoding="utf-8")
        except OSError as err:
            log.debug("could not remember the catalog in %s: %s", path, err)

    def allowed_modules(self, locked: LockedSet) -> dict[str, str]:
        """Import name -> distribution, for the allowed distributions of ``locked``."""
        names = {entry.name for entry in self.allowed}
        return {module: wheel.name for wheel in locked.wheels if wheel.name in names for module in wheel.modules}

    def described(self, progress: ProgressCallback = no_progress) -> str:
        """The allowed packages as the maker is told them: "roman 5.2 (import roman), ..."."""
        catalog = self.catalog(progress)
        names = {entry.name for entry in self.allowed}
        return ", ".join(f"{w.name} {w.pin.version} (import {', '.join(w.modules)})"
                         for w in catalog.wheels if w.name in names)

    def refused_imports(self, names: list[str], progress: ProgressCallback = no_progress) -> str:
        """What the maker (or a person) is told about imports that are not allowed."""
        listed = self.described(progress) if self.allowed else ""
        which = ", ".join(f"`{n}`" for n in names)
        allowed = (f"The allowed packages are: {listed}." if listed else
                   "No packages are allowed here (the allowed_packages setting is empty): use only the standard library.")
        return (f"The code imports {which}, which {'is' if len(names) == 1 else 'are'} neither in the Python standard "
                f"library nor an allowed package, so it was not run. {allowed} Please rewrite it without {which}.")

    def for_imports(self, modules: Iterable[str], progress: ProgressCallback = no_progress) -> LockedSet:
        """Making: the catalog's wheels that provide ``modules`` (all allowed) and their dependencies."""
        wanted = {m for m in modules if m not in STANDARD}
        if not wanted:
            return LockedSet(())
        catalog = self.catalog(progress)
        provides = self.allowed_modules(catalog)
        if wanted - provides.keys():
            raise PackagesRefused(self.refused_imports(sorted(wanted - provides.keys()), progress))
        return catalog.subset({provides[m] for m in wanted}, self.target())

    def for_pins(self, pins: Iterable[Pin], progress: ProgressCallback = no_progress) -> LockedSet:
        """A committed tool's set, judged against ``allowed_packages``, then fetched and hash-checked
        (once per set: a solve asks for it per question)."""
        pins = tuple(sorted(pins))
        with self._lock:
            if pins in self._judged:
                return self._judged[pins]
        locked = self._judge(pins, progress)
        with self._lock:
            self._judged[pins] = locked
        return locked

    def judge_tools(self, tools: dict, progress: ProgressCallback = no_progress) -> None:
        """Each tool's pins judged as solve and verify judge them (``for_pins``); ``PackagesRefused``
        names the first tool refused. ``tools``: name -> Tool (the registry's)."""
        for name in sorted(tools):
            pins = parse_pins(tools[name].manifest.requirements)
            if pins:
                try:
                    self.for_pins(pins, progress)
                except PackagesRefused as err:
                    raise PackagesRefused(f"Tool '{name}': {err}") from None

    def _judge(self, pins: tuple[Pin, ...], progress: ProgressCallback) -> LockedSet:
        allowed = {entry.name: entry for entry in self.allowed}
        roots = [pin for pin in pins if pin.name in allowed]
        for pin in roots:
            if not allowed[pin.name].admits(pin.version):
                raise PackagesRefused(f"The tool needs {pin.name} {pin.version}, but allowed_packages allows only "
                                      f"{allowed[pin.name]}: refused. Change the setting or remake the tool.")
        if not roots:
            raise PackagesRefused(self._not_allowed(pins[0]))
        locked, needed = self._fetch_needed(pins, roots, progress)
        for pin in pins:
            if pin.name not in needed:
                raise PackagesRefused(self._not_allowed(pin))
        missing = sorted(needed - {pin.name for pin in pins})
        if missing:
            raise PackagesRefused(f"The tool's requirements lack {', '.join(missing)}, which its packages need: "
                                  "refused. Remake the tool or correct its requirements.")
        return locked

    def _fetch_needed(self, pins: tuple[Pin, ...], roots: list[Pin],
                      progress: ProgressCallback) -> tuple[LockedSet, set[str]]:
        """The pinned wheels the allowed ``roots`` need, fetched level by level (a wheel's own
        metadata names its dependencies), and the names they need: a pin nothing needs is never
        downloaded."""
        by_name, target = {pin.name: pin for pin in pins}, self.target()
        locked = LockedSet(())
        while True:
            needed = closure(locked, [pin.name for pin in roots], target)
            todo = [by_name[name] for name in needed if name in by_name and locked.wheel(name) is None]
            if not todo:
                return locked, needed
            wheels = locked.wheels + fetch(todo, target, progress, self.cache).wheels
            locked = LockedSet(tuple(sorted(wheels, key=lambda w: w.name)))

    @staticmethod
    def _not_allowed(pin: Pin) -> str:
        return (f"The tool needs {pin.name} {pin.version}, which your allowed_packages setting does not allow (nor "
                "does any allowed package depend on it): refused. To use this tool, add it to allowed_packages in your "
                "own settings (a project's config may only narrow that list).")

    # Ready to run ---------------------------------------------------------------------------------
    def installed(self, locked: LockedSet, progress: ProgressCallback = no_progress) -> Optional[Installed]:
        """The derived image (Docker) or folder (``process``) holding ``locked``, built once; None
        for an empty set (the base sandbox)."""
        if not locked.wheels:
            return None
        digest = locked.digest
        with self._lock:
            ready = self._still_ready(digest)
            if ready:
                return ready
            building = self._building.setdefault(digest, threading.Lock())
        with building:  # one build per set at a time; the others wait for it
            with self._lock:
                ready = self._still_ready(digest)
                if ready:
                    return ready
            ready = self._docker_image(locked, progress) if self.docker else self._process_site(locked, progress)
            with self._lock:
                self._ready[digest] = ready
            return ready

    def forget(self, installed: Installed) -> None:
        """``installed`` is gone (its image was pruned): the next ``installed`` of its set builds it again."""
        with self._lock:
            if self._ready.get(installed.digest) == installed:
                del self._ready[installed.digest]

    def _still_ready(self, digest: str) -> Optional[Installed]:
        """What was made ready for this set, unless its folder was pruned since (a stat; an image
        is not looked up per run)."""
        ready = self._ready.get(digest)
        return ready if ready is not None and (ready.image or Path(ready.site).is_dir()) else None

    def _docker_image(self, locked: LockedSet, progress: ProgressCallback) -> Installed:
        api, base_tag, base_id = self.sandbox.api, self.settings.sandbox_image, self.sandbox.image["Id"]
        image = derived_images.find(api, base_tag, base_id, locked.digest)
        if not image:
            started = time.monotonic()
            tag = derived_images.tag_for(base_tag, locked.digest)
            progress(ProgressEvent("image", f"building {tag} for {', '.join(str(p.name) for p in locked.pins)}"))
            image = derived_images.build(api, base_tag, base_id, locked, self.target(), progress)
            progress(ProgressEvent("image", f"built {tag} in {time.monotonic() - started:.1f} s"))
        return Installed(locked.digest, image=image, modules=self._preloaded(locked))

    def _process_site(self, locked: LockedSet, progress: ProgressCallback) -> Installed:
        from latm.sandbox.process_backend import interpreter

        site = package_envs.find(self.envs, locked, interpreter())
        if not site.is_dir():
            progress(ProgressEvent("packages", f"installing {', '.join(p.name for p in locked.pins)} in {self.envs}"))
            site = package_envs.build(self.envs, locked, self.target(), interpreter(), progress)
        return Installed(locked.digest, site=str(site), modules=self._preloaded(locked))

    def _preloaded(self, locked: LockedSet) -> tuple[str, ...]:
        return tuple(sorted(self.allowed_modules(locked) or {m for w in locked.wheels for m in w.modules}))
