"""Talking to the Docker engine: connecting (``DOCKER_HOST`` is honoured), finding the sandbox
image, and reaping containers whose owner died. Failures become ``SandboxUnavailable`` with the
sentence a user can act on."""

from __future__ import annotations

import hashlib
import logging
from importlib import resources
from pathlib import Path
from typing import Any

from latm.errors import ImageMissing, SandboxUnavailable
from latm.sandbox import lifecycle
from latm.sandbox.containers import LABEL, OWNER_LABEL
log = logging.getLogger(__name__)

WORKER_LABEL = "latm.sandbox.worker"  # worker_sha256() of the files the image was built with
WORKER_FILES = ("worker.py", "protocol.py")  # what runs the calls, side by side in the image (and the process backend)
BUILD_HINT = "run `latm sandbox build` (or `latm sandbox build --offline` where no registry is reachable)"


def connect(timeout_s: float = 30.0):
    """A docker client that answers, or SandboxUnavailable saying what to do."""
    import docker

    try:
        client = docker.from_env(timeout=int(timeout_s))
        client.ping()
    except Exception as err:  # the SDK raises several kinds for "no engine"
        raise SandboxUnavailable(
            f"Docker is not reachable ({_first_line(err)}): start Docker (e.g. `sudo systemctl start docker`) "
            "or point DOCKER_HOST at a running engine; or set sandbox = \"process\" for weaker isolation."
        ) from None
    return client


def image_info(api, tag: str) -> dict:
    """The image's inspect data, or SandboxUnavailable when it is missing or holds another worker."""
    import docker.errors

    try:
        info = api.inspect_image(tag)
    except docker.errors.ImageNotFound:
        raise ImageMissing(f"The sandbox image {tag} is not built: {BUILD_HINT}.", tag) from None
    except docker.errors.APIError as err:
        raise SandboxUnavailable(f"Docker could not inspect the sandbox image {tag} ({_first_line(err)}).") from None
    labels = (info.get("Config") or {}).get("Labels") or {}
    if labels.get(WORKER_LABEL) != worker_sha256():
        raise ImageMissing(f"The sandbox image {tag} was built by another latm version (its worker differs): "
                           f"{BUILD_HINT}.", tag)
    return info


def worker_sha256() -> str:
    """One digest of the worker files, each with its name and length: a change to either makes an image stale."""
    digest = hashlib.sha256()
    for name in WORKER_FILES:
        data = (worker_file().parent / name).read_bytes()
        digest.update(b"%s %d\n" % (name.encode(), len(data)) + data)
    return digest.hexdigest()


def worker_file() -> Path:
    return Path(str(resources.files("latm.sandbox.recipe"))) / "worker.py"


def sandbox_containers(api, running_only: bool = False) -> list:
    return api.containers(all=not running_only, filters={"label": LABEL})


def reap_orphans(api) -> int:
    """Remove sandbox containers whose owning process on this host is gone; how many."""
    import docker.errors

    reaped = 0
    for entry in sandbox_containers(api):
        owner = (entry.get("Labels") or {}).get(OWNER_LABEL, "")
        if not lifecycle.owner_is_dead(owner):
            continue
        try:
            api.remove_container(entry["Id"], force=True)
            reaped += 1
        except docker.errors.APIError as err:
            log.debug("could not reap %s: %s", entry["Id"][:12], err)
    if reaped:
        log.info("removed %d sandbox container(s) left by processes that are gone", reaped)
    return reaped


def short_id(info: dict) -> str:
    return str(info.get("Id", "")).split(":")[-1][:12]


def _first_line(err: Any) -> str:
    text = str(err).strip().splitlines()
    return text[0][:200] if text else type(err).__name__
