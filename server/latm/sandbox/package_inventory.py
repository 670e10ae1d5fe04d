"""``latm sandbox status`` and ``latm sandbox prune`` for packages: the derived images on the
Docker engine and the ``process`` folders in the user's cache, their sizes, and which of this
workspace's tools use each requirement set.

Derived images belong to the engine and folders to the user's cache, not to one workspace: prune
removes those no tool of *this* toolbox uses and no container runs; another project's tools get
theirs built again on first use (from the wheel cache, with no download).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from latm.errors import SandboxUnavailable
from latm.requirement_specs import BadRequirement, parse_pins
from latm.sandbox import derived_images, docker_engine, package_envs
from latm.sandbox.packages import set_digest


@dataclass
class PackageSet:
    digest: str
    pins: list[str]
    tools: list[str] = field(default_factory=list)
    image: str = ""  # the derived image's tag
    image_id: str = ""
    image_mb: float = 0.0  # its own layers: its size less the base's
    folder: str = ""  # the process backend's
    folder_mb: float = 0.0

    def line(self) -> str:
        names = ", ".join(pin.split(" ", 1)[0] for pin in self.pins) or "?"
        where = [f"image {self.image} ({self.image_mb:.1f} MB over the base)" if self.image else "",
                 f"folder {self.folder} ({self.folder_mb:.1f} MB)" if self.folder else ""]
        built = "; ".join(w for w in where if w) or "not built yet"
        return f"{names}: {built}; tools: {', '.join(self.tools) or 'none'}"


def tool_sets(tools: dict) -> dict[str, PackageSet]:
    """digest -> the set, for every tool of the toolbox that has requirements."""
    sets: dict[str, PackageSet] = {}
    for name in sorted(tools):
        try:
            pins = parse_pins(tools[name].manifest.requirements)
        except BadRequirement:
            continue
        if pins:
            digest = set_digest(pins)
            sets.setdefault(digest, PackageSet(digest, [str(p) for p in pins])).tools.append(name)
    return sets


def inventory(tools: dict, base_tag: str, envs: Optional[Path] = None,
              docker: bool = True) -> tuple[list[PackageSet], str]:
    """Every known set (the toolbox's, the derived images of ``base_tag``, built folders) and,
    when Docker cannot be asked, why."""
    sets = tool_sets(tools)
    problem = ""
    if docker:
        try:
            api = docker_engine.connect().api
            for image in _ours(api, base_tag):
                entry = sets.setdefault(image["digest"], PackageSet(image["digest"], image["pins"]))
                entry.image, entry.image_id = image["name"], image["id"]
                entry.image_mb = max(0, image["size"] - _size(api, image["base"])) / 1e6
        except SandboxUnavailable as err:
            problem = str(err)
    for folder in package_envs.listed(envs or package_envs.home()):
        entry = sets.setdefault(folder["digest"], PackageSet(folder["digest"], folder["pins"]))
        entry.folder, entry.folder_mb = folder["folder"], folder["size"] / 1e6
    return sorted(sets.values(), key=lambda s: (not s.tools, s.pins)), problem


def _ours(api, base_tag: str) -> list[dict]:
    """The derived images of ``base_tag``, each named by its tag; and untagged ones (built on a base
    since rebuilt), named by id. Those another base tag names belong to another latm: left alone."""
    found = []
    for image in derived_images.listed(api):
        tag = derived_images.tag_for(base_tag, image["digest"])
        if tag in image["tags"] or not image["tags"]:
            found.append(image | {"name": tag if image["tags"] else image["id"][:19]})
    return found


def _size(api, image_id: str) -> int:
    try:
        return int(api.inspect_image(image_id).get("Size") or 0)
    except Exception:  # the base is gone (rebuilt): the derived image's size counts whole
        return 0


def prune(tools: dict, base_tag: str, envs: Optional[Path] = None,
          docker: bool = True) -> tuple[list[str], list[str]]:
    """Remove the sets no tool of this toolbox uses: (what was removed, what was kept and why)."""
    removed, kept = [], []
    sets, problem = inventory(tools, base_tag, envs, docker)
    if problem:
        kept.append(f"package images: cannot be listed: {problem}")
    for entry in sets:
        if entry.tools:
            continue
        if entry.image:
            why = _remove_image(entry)
            if why:
                kept.append(f"{entry.image}: {why}")
            else:
                removed.append(f"{entry.image} ({entry.image_mb:.1f} MB)")
        if entry.folder:
            if package_envs.in_use(Path(entry.folder)):
                kept.append(f"{entry.folder}: a sandbox run uses it")
                continue
            shutil.rmtree(entry.folder, ignore_errors=True)
            removed.append(f"{entry.folder} ({entry.folder_mb:.1f} MB)")
    return removed, kept


def _remove_image(entry: PackageSet) -> str:
    """Remove the set's image (by its tag: another tag of the same image keeps it); why not, or ""."""
    import docker.errors

    api = docker_engine.connect().api
    if derived_images.in_use(api, entry.image_id):
        return "a container runs it"
    try:
        derived_images.remove(api, entry.image if ":" in entry.image else entry.image_id)
    except docker.errors.APIError as err:  # a container started meanwhile
        return f"the engine refused: {err.explanation or err}"
    return ""
