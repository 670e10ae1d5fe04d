"""Settings for tests that open a sandbox: the defaults, with ``LATM_SANDBOX_IMAGE`` from the
environment honoured (e.g. an image built from a worktree, beside the usual one)."""

from __future__ import annotations

import dataclasses
import os


def sandbox_settings(**overrides):
    """Default Settings with some fields replaced (e.g. ``sandbox="docker"``, ``sandbox_pool=1``)."""
    from latm.settings import Settings

    image = os.environ.get("LATM_SANDBOX_IMAGE")
    return dataclasses.replace(Settings(**({"sandbox_image": image} if image else {})), **overrides)
