"""Building the sandbox image (``latm sandbox build [--offline]``).

Normal: ``docker build`` of the recipe (``latm.sandbox.recipe``) on its default ``BASE``, a slim
Python image from the user's registry; when no registry serves that base (a closed network, a
first run without one), the build falls back to the offline one. Offline: the base is a
debootstrapped Debian root filesystem, ``docker import``ed as ``BASE_TAG``, and the same
Dockerfile is built on it. Either way the new image is then tried: one call must come back right.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from pathlib import Path
from typing import Any, Optional

from latm.errors import SandboxUnavailable
from latm.progress import ProgressCallback, ProgressEvent
from latm.sandbox import docker_engine, rootfs
from latm.sandbox.types import Call

BASE_TAG = f"latm-sandbox-base:{rootfs.SUITE}"


def recipe_dir() -> Path:
    return docker_engine.worker_file().parent


class BaseUnavailable(SandboxUnavailable):
    """The build stopped at its ``FROM``: no registry served the base image (``detail``: Docker's words)."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"Building the sandbox image failed: its base image could not be pulled: {detail}")
        self.detail = detail


def build_image(settings: Any, offline: bool, progress: ProgressCallback, fresh_base: bool = False,
                base: Optional[str] = None) -> str:
    """Build ``settings.sandbox_image`` and return its image id. ``fresh_base`` remakes the offline
    base even when one is already imported; ``base`` replaces the recipe's default base image.
    Raises SandboxUnavailable with what went wrong."""
    client = docker_engine.connect()
    buildargs = {"WORKER_SHA256": docker_engine.worker_sha256(), **({"BASE": base} if base else {})}
    if offline:
        buildargs["BASE"] = offline_base(client, progress, fresh_base)
    try:
        image_id = _docker_build(client.api, settings.sandbox_image, buildargs, progress)
    except BaseUnavailable as err:
        if offline:
            raise
        buildargs["BASE"] = _offline_instead(client, progress, fresh_base, buildargs.get("BASE"), err)
        image_id = _docker_build(client.api, settings.sandbox_image, buildargs, progress)
    _try_image(settings, progress)
    progress(ProgressEvent("done", f"built {settings.sandbox_image} ({image_id.split(':')[-1][:12]})", 1.0))
    return image_id


def offline_base(client, progress: ProgressCallback, fresh: bool) -> str:
    import docker.errors

    if not fresh:
        try:
            client.api.inspect_image(BASE_TAG)
            progress(ProgressEvent("rootfs", f"reusing the base image {BASE_TAG}", 0.6))
            return BASE_TAG
        except docker.errors.ImageNotFound:
            pass
    work = Path(tempfile.mkdtemp(prefix="latm-rootfs-", dir=rootfs.cache_dir().parent))
    try:
        rootfs.make_rootfs(work / "root", progress)
        progress(ProgressEvent("import", f"importing the root filesystem as {BASE_TAG}", 0.65))
        rootfs.tar_rootfs(work / "root", work / "root.tar")
        repository, tag = BASE_TAG.split(":")
        client.api.import_image_from_file(str(work / "root.tar"), repository=repository, tag=tag)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return BASE_TAG


def _offline_instead(client, progress: ProgressCallback, fresh: bool, base: Optional[str],
                     unavailable: BaseUnavailable) -> str:
    """The offline base, after a build whose base no registry served; or the command to run."""
    wanted = base or "the recipe's default base image"
    progress(ProgressEvent("build", f"no registry serves {wanted} ({unavailable.detail}); building offline instead", 0.1))
    try:
        return offline_base(client, progress, fresh)
    except SandboxUnavailable as err:
        raise SandboxUnavailable(
            f"No registry serves the base image ({unavailable.detail}), and the offline build cannot run here: {err} "
            "Run `sudo latm sandbox build --offline` (it needs debootstrap and a Debian mirror in your apt sources)."
        ) from None


def _docker_build(api, tag: str, buildargs: dict, progress: ProgressCallback) -> str:
    progress(ProgressEvent("build", f"docker build {tag} (BASE={buildargs.get('BASE', 'default')})", 0.7))
    image_id, step = "", ""
    for entry in api.build(path=str(recipe_dir()), tag=tag, buildargs=buildargs, rm=True, forcerm=True,
                           decode=True):
        if "error" in entry:
            detail = ((entry.get("errorDetail") or {}).get("message") or entry["error"]).strip()
            if " FROM " in step:  # pulling the base failed: no registry (or none that has it)
                raise BaseUnavailable(detail)
            raise SandboxUnavailable(f"Building the sandbox image failed: {detail}")
        text = str(entry.get("stream", "")).strip()
        if text.startswith("Step "):
            step = text
            progress(ProgressEvent("build", text[:120], 0.75))
        image_id = (entry.get("aux") or {}).get("ID", image_id)
    return image_id or api.inspect_image(tag)["Id"]


def _try_image(settings: Any, progress: ProgressCallback) -> None:
    from latm.sandbox.docker_backend import DockerSandbox

    progress(ProgressEvent("verify", "trying one call in the new image", 0.9))
    with DockerSandbox.open(dataclasses.replace(settings, sandbox_pool=1)) as sandbox:
        result = sandbox.run("def double(x):\n    return 2 * x\n", [Call(entry="double", args=[21])])[0]
    if result.value != 42:
        raise SandboxUnavailable(f"The new sandbox image does not work: {result.describe()}")
