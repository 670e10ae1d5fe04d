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


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without latm or OpenAI settings, for a ``latm`` subprocess —
    except ``LATM_SANDBOX_IMAGE``, the image a whole test run was pointed at. No sandbox keeper
    (``LATM_SANDBOX_KEEP_S=0``): each command runs its sandbox in-process, as the tests expect,
    unless ``extra`` turns it on."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LATM_", "OPENAI_")) or k == "LATM_SANDBOX_IMAGE"}
    return env | {"LATM_SANDBOX_KEEP_S": "0"} | extra
