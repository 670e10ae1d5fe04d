"""Issue 10: the sandbox keeper's time is the user's to raise. A sorting_project's config may lower it or
turn the keeper off, never raise it (the warning names the file and the key)."""

from __future__ import annotations

from pathlib import Path

import pytest
from keeper_support import keeper_env, keeper_pids, keepers, solve

pytestmark = pytest.mark.docker


def users_env(runtime: Path, tmp_path: Path, own: str) -> dict:
    """The keeper's time from the user's own config file only (no LATM_SANDBOX_KEEP_S above the sorting_project)."""
    config = tmp_path / "config" / "latm" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(own)
    env = keeper_env(runtime, XDG_CONFIG_HOME=str(tmp_path / "config"))
    del env["LATM_SANDBOX_KEEP_S"]
    return env


def test_a_project_cannot_raise_the_keep_time(sorting_project, runtime, tmp_path):
    env = users_env(runtime, tmp_path, "sandbox_keep_s = 30\n")
    (sorting_project / "latm.toml").write_text("sandbox_keep_s = 600\n")
    done = solve(sorting_project, env, "process")
    assert f"latm setting 'sandbox_keep_s' ({sorting_project / 'latm.toml'}): lowered from 600 to your own setting 30" \
        in done.stderr
    (found,) = keepers(sorting_project, env)
    assert found["keep_s"] == 30


def test_a_project_may_turn_the_keeper_off(sorting_project, runtime, tmp_path):
    env = users_env(runtime, tmp_path, "sandbox_keep_s = 30\n")
    (sorting_project / "latm.toml").write_text("sandbox_keep_s = 0\n")
    done = solve(sorting_project, env, "process")
    assert done.stderr == "" and keeper_pids(runtime) == []
