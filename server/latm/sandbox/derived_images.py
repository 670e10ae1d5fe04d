"""Derived sandbox images: the base image plus one requirement set's packages.

``latm-sandbox:<base tag>-<first 12 hex of the set's digest>``, built ``FROM`` the base image's id
with the packages installed on the host (``packages.install``: hash-checked wheels, ``--no-index``)
copied to ``/opt/latm/packages`` and compiled there by the sandbox's own Python. The build has no
network (``network_mode="none"``), and so has every container of the image. Labels record the
base image's id (a rebuilt base makes its derived images stale), the set's digest and its pins.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from latm.errors import SandboxUnavailable
from latm.progress import ProgressCallback, ProgressEvent
from latm.sandbox.docker_backend import PACKAGES_DIR
from latm.sandbox.packages import LockedSet, Target, install, readable

BASE_LABEL = "latm.sandbox.base"
SET_LABEL = "latm.sandbox.requirements"
PINS_LABEL = "latm.sandbox.pins"
RECIPE = """FROM {base}
USER 0:0
COPY packages {folder}
RUN ["python3", "-I", "-S", "-m", "compileall", "-q", "{folder}"]
USER 65534:65534
LABEL {base_label}="{base}" {set_label}="{digest}" {pins_label}="{pins}"
"""


def tag_for(base_tag: str, digest: str) -> str:
    repository, _, tag = base_tag.rpartition(":") if ":" in base_tag.rsplit("/", 1)[-1] else (base_tag, "", "latest")
    return f"{repository}:{tag}-{digest[:12]}"


def find(api, base_tag: str, base_id: str, digest: str) -> str:
    """The id of the derived image for this base and set, or "" when it must be built."""
    import docker.errors

    try:
        info = api.inspect_image(tag_for(base_tag, digest))
    except docker.errors.ImageNotFound:
        return ""
    labels = (info.get("Config") or {}).get("Labels") or {}
    if labels.get(BASE_LABEL) != base_id or labels.get(SET_LABEL) != digest:
        return ""  # built on an older base: built again
    return info["Id"]


def build(api, base_tag: str, base_id: str, locked: LockedSet, target: Target, progress: ProgressCallback) -> str:
    """Build the derived image and return its id."""
    tag = tag_for(base_tag, locked.digest)
    with tempfile.TemporaryDirectory(prefix="latm-derived-") as context:
        install(locked, target, Path(context) / "packages", progress)
        shutil.rmtree(Path(context) / "packages" / "bin", ignore_errors=True)  # console scripts: nothing runs them
        readable(Path(context) / "packages")  # COPY keeps the modes (a chmod layer would copy every file)
        pins = ";".join(str(pin) for pin in locked.pins)
        (Path(context) / "Dockerfile").write_text(RECIPE.format(
            base=base_id, folder=PACKAGES_DIR, base_label=BASE_LABEL, set_label=SET_LABEL, digest=locked.digest,
            pins_label=PINS_LABEL, pins=pins), encoding="utf-8")
        progress(ProgressEvent("image", f"docker build {tag} (no network)"))
        return _docker_build(api, context, tag, progress)


def _docker_build(api, context: str, tag: str, progress: ProgressCallback) -> str:
    image_id = ""
    for entry in api.build(path=context, tag=tag, rm=True, forcerm=True, network_mode="none", decode=True):
        if "error" in entry:
            detail = ((entry.get("errorDetail") or {}).get("message") or entry["error"]).strip()
            raise SandboxUnavailable(f"Building the sandbox image {tag} failed: {detail}")
        text = str(entry.get("stream", "")).strip()
        if text.startswith("Step "):
            progress(ProgressEvent("image", text[:120]))
        image_id = (entry.get("aux") or {}).get("ID", image_id)
    return image_id or api.inspect_image(tag)["Id"]


def listed(api) -> list[dict[str, Any]]:
    """Every derived sandbox image on the engine: tags, id, size, digest, pins, base."""
    found = []
    for info in api.images(filters={"label": SET_LABEL}):
        labels = info.get("Labels") or {}
        tags = [tag for tag in info.get("RepoTags") or [] if tag != "<none>:<none>"]
        found.append({"tags": tags, "id": info["Id"], "size": int(info.get("Size") or 0),
                      "digest": labels.get(SET_LABEL, ""), "base": labels.get(BASE_LABEL, ""),
                      "pins": [p for p in labels.get(PINS_LABEL, "").split(";") if p]})
    return found


def in_use(api, image_id: str) -> bool:
    return bool(api.containers(all=True, filters={"ancestor": image_id}))


def remove(api, image: str) -> None:
    """Remove ``image`` (a tag or an id); a tag with other tags left only untags it."""
    api.remove_image(image, force=False, noprune=False)
