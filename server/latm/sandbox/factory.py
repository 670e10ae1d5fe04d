"""Choosing the backend: ``settings.sandbox`` is ``docker``, ``process`` or ``auto`` (Docker when
an engine answers and the image is built, else ``process`` with a visible warning)."""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Optional

from latm.errors import ImageMissing, SandboxUnavailable
from latm.sandbox import docker_engine
from latm.sandbox.docker_backend import ISOLATION as DOCKER_ISOLATION
from latm.sandbox.docker_backend import DockerSandbox
from latm.sandbox.process_backend import ISOLATION as PROCESS_ISOLATION
from latm.sandbox.process_backend import ProcessSandbox, interpreter, isolation_mode
from latm.sandbox.types import Sandbox, SandboxStatus

Warn = Optional[Callable[[str], None]]


def fallback_warning(reason: str) -> str:
    return (f"latm runs tools in the weaker process sandbox, not Docker ({PROCESS_ISOLATION[isolation_mode()]}) "
            f"Why: {reason}")


def open_sandbox(settings: Any, on_warning: Warn = None) -> Sandbox:
    """The sandbox ``settings`` ask for. ``docker`` raises SandboxUnavailable saying what to do;
    ``auto`` falls back to ``process`` and reports the weaker isolation through ``on_warning``
    and in ``status().warning``."""
    if settings.sandbox == "process":
        return ProcessSandbox(settings)
    try:
        return DockerSandbox.open(settings)
    except SandboxUnavailable as err:
        if settings.sandbox == "docker":
            raise
        warning = fallback_warning(str(err))
    if on_warning is not None:
        on_warning(warning)
    return ProcessSandbox(settings, warning=warning)


def unavailable_status(settings: Any, reason: str) -> SandboxStatus:
    return SandboxStatus("unavailable", settings.sandbox_image, 0, "none: generated code cannot run", reason)


def sandbox_status(settings: Any) -> SandboxStatus:
    """What ``open_sandbox`` would use now, without starting anything. ``warm_containers`` counts
    the running latm sandbox containers on the engine (any owner)."""
    process = SandboxStatus("process", interpreter(), 0, PROCESS_ISOLATION[isolation_mode()])
    if settings.sandbox == "process":
        return process
    try:
        client = docker_engine.connect()
        info = docker_engine.image_info(client.api, settings.sandbox_image)
        warm = len(docker_engine.sandbox_containers(client.api, running_only=True))
    except SandboxUnavailable as err:
        missing = err.image if isinstance(err, ImageMissing) else ""
        if settings.sandbox == "docker":
            return dataclasses.replace(unavailable_status(settings, str(err)), missing_image=missing)
        return SandboxStatus(process.backend, process.image, 0, process.isolation, fallback_warning(str(err)), missing)
    image = f"{settings.sandbox_image} ({docker_engine.short_id(info)})"
    return SandboxStatus("docker", image, warm, DOCKER_ISOLATION.format(memory=settings.memory_mb))
