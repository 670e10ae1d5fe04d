"""The ``docker`` backend: calls run in a pool of warm hardened containers.

Thread-safe: each call borrows one container for its round trip. A container whose worker dies
or stops answering (the host-side backstop: the call's timeout plus ``GRACE_S``), or retires
(e.g. after a call that was stopped from outside), is removed and replaced by the next caller;
``run`` reports such a call as ``crashed`` instead of raising. A call that never reached a worker
(its container failed to start, or was found dead) is tried again on a fresh container; one whose
image was removed from the engine meanwhile (a prune) fails at once with ``jobs.IMAGE_GONE``, for
the caller that knows how to build it (``packaged``).
"""

from __future__ import annotations

import logging
import uuid
from typing import Any, Optional

from latm.sandbox import containers, docker_engine, jobs, lifecycle
from latm.sandbox.link import LinkDown, LinkSilent
from latm.sandbox.image_pools import ImagePools
from latm.sandbox.pool import Pool, PoolClosed
from latm.sandbox.types import Call, CallResult, Installed, SandboxStatus

log = logging.getLogger(__name__)

PACKAGES_DIR = "/opt/latm/packages"  # where a derived image holds its packages
GRACE_S = 5.0  # on top of the call's timeout: the worker's own cleanup after a violent call
ATTEMPTS = 3  # containers tried for a call that did not reach a worker (failed start, found dead)

ISOLATION = (
    "Docker: no network, read-only root, 16 MB /tmp, 1 MB /dev/shm, user 65534 with no capabilities and "
    "no-new-privileges, Docker's and latm's seccomp filters, at most 64 processes, {memory} MB memory without "
    "swap, 1 CPU, a fresh process per call with nothing left by the last one, no host environment or files."
)


class DockerSandbox:
    def __init__(self, settings: Any, client, image: dict) -> None:
        self.settings = settings
        self.api = client.api
        self.image = image
        self.instance = uuid.uuid4().hex
        self.labels = {containers.LABEL: "1", containers.OWNER_LABEL: lifecycle.owner_label(),
                       containers.INSTANCE_LABEL: self.instance}
        self.max_frame = 20 * int(settings.output_limit_kb) * 1024 + (1 << 20)
        # One pool per image (the base, and derived images with packages) under one limit on the total.
        self.pools: ImagePools = ImagePools(int(settings.sandbox_pool), self._start, containers.Container.remove)
        self.pool: Pool = self.pools.get(image["Id"])
        self._derived: dict[str, Installed] = {}  # derived image id -> its packages
        lifecycle.track(self)

    @classmethod
    def open(cls, settings: Any) -> "DockerSandbox":
        """Check the engine and the image (raising SandboxUnavailable); containers start lazily."""
        client = docker_engine.connect()
        info = docker_engine.image_info(client.api, settings.sandbox_image)
        docker_engine.reap_orphans(client.api)
        return cls(settings, client, info)

    def _start(self, image: str) -> containers.Container:
        derived = self._derived[image].worker_args(PACKAGES_DIR) if image in self._derived else []
        return containers.start(self.api, image, int(self.settings.memory_mb), self.labels, self.max_frame, derived)

    def run(self, code: str, calls: list[Call], *, timeout_s: Optional[float] = None,
            packages: Optional[Installed] = None) -> list[CallResult]:
        """``packages``: run in the derived image that holds them (``derived_images``)."""
        limits = jobs.limits_from(self.settings, timeout_s)
        if packages:
            self._derived.setdefault(packages.image, packages)
        pool = self.pools.get(packages.image if packages else self.image["Id"])  # the most recently used now
        return jobs.run_all(code, calls, limits, lambda req: self._call(req, limits, pool))

    def _call(self, req: dict, limits: jobs.Limits, pool: Pool) -> CallResult:
        failed_start = ""
        for _ in range(ATTEMPTS):
            try:
                container = pool.acquire()
            except PoolClosed:
                return jobs.error("sandbox_unavailable", "the sandbox was closed")
            except Exception as err:  # the engine went away, or the container would not start: a fresh one
                if _image_gone(err):  # pruned while this process kept its id: the caller builds it again
                    return jobs.error("sandbox_unavailable", f"the sandbox image was removed from the engine ({err})", jobs.IMAGE_GONE)
                failed_start = f"could not start a sandbox container ({ATTEMPTS} tries): {err}"
                continue
            if not container.alive():
                pool.discard(container)
                continue
            try:
                frame = container.session.call(req, limits.timeout_s + GRACE_S)
            except LinkDown as err:
                pool.discard(container)
                if not err.sent:
                    continue
                return jobs.error("crashed", "the sandbox worker died during the call (the tool may have killed "
                                  "it); its container was replaced" + _said(container))
            except LinkSilent:
                pool.discard(container)
                return jobs.error("crashed", f"the sandbox stopped answering {limits.timeout_s + GRACE_S:g} s after "
                                  "the call started; its container was killed and replaced")
            except Exception as err:  # never let a sandbox fault reach the caller as an exception
                pool.discard(container)
                return jobs.error("crashed", f"the sandbox failed: {type(err).__name__}: {err}")
            pool.release(container)
            return jobs.result(frame)
        return jobs.error("sandbox_unavailable", failed_start or "sandbox containers kept dying before the call reached them")

    def warm(self) -> None:
        """Start the base image's first container now, not on the first call (a keeper's sandbox)."""
        try:
            self.pool.release(self.pool.acquire())
        except Exception as err:  # the first call tries again and reports
            log.warning("could not start a sandbox container ahead of the first call: %s", err)

    def image_replaced(self) -> bool:
        """Does the image's tag now name another image than the one this sandbox runs?"""
        import docker.errors

        try:
            return self.api.inspect_image(self.settings.sandbox_image)["Id"] != self.image["Id"]
        except docker.errors.ImageNotFound:
            return True
        except Exception:  # the engine is gone: the call itself reports that
            return False

    def status(self) -> SandboxStatus:
        tag = self.settings.sandbox_image
        return SandboxStatus("docker", f"{tag} ({docker_engine.short_id(self.image)})", self.pools.count(),
                             ISOLATION.format(memory=self.settings.memory_mb))

    def close(self) -> None:
        lifecycle.untrack(self)
        self.pools.close()

    def __enter__(self) -> "DockerSandbox":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _image_gone(err: Exception) -> bool:
    import docker.errors

    return isinstance(err, docker.errors.ImageNotFound)


def _said(container: containers.Container) -> str:
    tail = container.session.link.stderr_tail().strip()
    return f" (worker said: {tail[-300:]})" if tail else ""
