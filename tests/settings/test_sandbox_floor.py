"""Issue 16, item 2: a committed config may tighten the sandbox, never loosen it below the user's
own settings; every layer has hard upper bounds; each ignored or clamped value is reported once,
naming the file and key."""

from __future__ import annotations

import json

import pytest

from latm.sandbox.types import Call
from latm.settings import Settings, load_settings
from latm.workspace import Workspace

HOG = '''
def hog(mb):
    block = bytearray(mb * 1024 * 1024)
    return len(block)
'''


def project_config(project, text):
    path = project / "latm.toml"
    path.write_text(text)
    return str(path)


def by_key(problems):
    return {p.key: p for p in problems}


def test_project_process_sandbox_is_ignored_when_the_user_runs_docker(user, project, latm):
    source = project_config(project, 'sandbox = "process"\n')
    user.configure('sandbox = "docker"\n')
    settings, problems = load_settings(project)
    assert settings.sandbox == "docker"
    assert [(p.key, p.source) for p in problems] == [("sandbox", source)]
    assert "weaken" in problems[0].message

    status = latm("sandbox", "status", "--json")
    assert json.loads(status.stdout)["backend"] == "docker", status.stderr
    assert f"'sandbox' ({source})" in status.stderr


@pytest.mark.parametrize("mine, theirs, result", [
    ("auto", "process", "auto"), ("docker", "auto", "docker"), ("docker", "process", "docker"),
])
def test_project_cannot_choose_a_weaker_backend(user, project, mine, theirs, result):
    user.configure(f'sandbox = "{mine}"\n')
    project_config(project, f'sandbox = "{theirs}"\n')
    settings, problems = load_settings(project)
    assert settings.sandbox == result and [p.key for p in problems] == ["sandbox"]


def test_a_project_value_the_users_environment_overrides_is_not_reported(user, project):
    project_config(project, 'sandbox = "process"\nmemory_mb = 2048\nbase_url = "http://127.0.0.1:9/v1"\n')
    environ = {**user.env, "LATM_SANDBOX": "docker", "LATM_MEMORY_MB": "512", "OPENAI_BASE_URL": "http://mine/v1"}
    settings, problems = load_settings(project, environ=environ)
    assert (settings.sandbox, settings.memory_mb, settings.base_url, problems) == ("docker", 512, "http://mine/v1", [])


@pytest.mark.parametrize("layer", ["editor", "flags"])
def test_a_project_value_the_users_editor_or_flags_override_is_not_reported(user, project, layer):
    project_config(project, 'sandbox = "process"\nmemory_mb = 2048\nbase_url = "http://127.0.0.1:9/v1"\n')
    mine = {"sandbox": "docker", "memory_mb": 512, "base_url": "http://mine/v1"}
    settings, problems = load_settings(project, **{layer: mine})
    assert (settings.sandbox, settings.memory_mb, settings.base_url, problems) == ("docker", 512, "http://mine/v1", [])


@pytest.mark.parametrize("mine, theirs", [("auto", "docker"), ("process", "auto"), ("process", "docker"),
                                          ("process", "process")])
def test_project_may_choose_an_equal_or_stronger_backend(user, project, mine, theirs):
    user.configure(f'sandbox = "{mine}"\n')
    project_config(project, f'sandbox = "{theirs}"\n')
    settings, problems = load_settings(project)
    assert (settings.sandbox, problems) == (theirs, [])


def test_project_limits_are_clamped_to_the_users(user, project):
    source = project_config(project, "memory_mb = 2048\ntimeout_s = 60\nsandbox_pool = 12\noutput_limit_kb = 4000\n")
    settings, problems = load_settings(project)
    defaults = Settings()
    assert (settings.memory_mb, settings.timeout_s, settings.sandbox_pool, settings.output_limit_kb) == (
        defaults.memory_mb, defaults.timeout_s, defaults.sandbox_pool, defaults.output_limit_kb)
    found = by_key(problems)
    assert set(found) == {"memory_mb", "timeout_s", "sandbox_pool", "output_limit_kb"}
    assert all(p.source == source for p in problems)
    assert "2048" in found["memory_mb"].message and "256" in found["memory_mb"].message

    user.configure("memory_mb = 1024\ntimeout_s = 30\n")  # the user's own higher limits are the ceiling
    settings, problems = load_settings(project)
    assert (settings.memory_mb, settings.timeout_s) == (1024, 30.0)
    assert set(by_key(problems)) == {"memory_mb", "timeout_s", "sandbox_pool", "output_limit_kb"}


def test_project_may_lower_limits(user, project):
    project_config(project, "memory_mb = 128\ntimeout_s = 2\nsandbox_pool = 1\noutput_limit_kb = 64\n")
    settings, problems = load_settings(project)
    assert (settings.memory_mb, settings.timeout_s, settings.sandbox_pool, settings.output_limit_kb, problems) == (
        128, 2.0, 1, 64, [])


@pytest.mark.parametrize("key, value, bound", [
    ("memory_mb", 8192, 4096), ("timeout_s", 600, 120), ("sandbox_pool", 64, 16), ("output_limit_kb", 65536, 4096),
])
def test_hard_bounds_hold_at_every_layer(user, project, key, value, bound):
    default = getattr(Settings(), key)
    user.configure(f"{key} = {value}\n")
    project_config(project, f"{key} = {value}\n")
    layers = {"environment": {"environ": {**user.env, f"LATM_{key.upper()}": str(value)}},
              "editor settings": {"editor": {key: value}}, "command line": {"flags": {key: value}}}
    for source, extra in layers.items():
        settings, problems = load_settings(project, **extra)
        assert getattr(settings, key) == default, source
        sources = {p.source for p in problems if p.key == key and f"..{bound}" in p.message}
        assert {str(user.config_file), str(project / "latm.toml"), source} <= sources, (source, problems)
    (project / "latm.toml").unlink()
    user.configure(f"{key} = {bound}\n")
    assert getattr(load_settings(project)[0], key) == bound


def test_each_problem_is_reported_once_by_the_cli(user, project, latm):
    source = project_config(project, 'memory_mb = 2048\nsandbox = "process"\n')
    run = latm("list")
    assert run.returncode == 0, run.stderr
    lines = run.stderr.splitlines()
    assert sum(f"'memory_mb' ({source})" in line for line in lines) == 1
    assert sum(f"'sandbox' ({source})" in line for line in lines) == 1


@pytest.mark.docker
def test_a_clamped_project_memory_limit_holds_in_the_docker_sandbox(user, project):
    project_config(project, "memory_mb = 2048\n")
    ws = Workspace.open(project, flags={"sandbox": "docker", "sandbox_pool": 1})
    try:
        assert ws.settings.memory_mb == Settings().memory_mb
        small, big = ws.sandbox().run(HOG, [Call(entry="hog", args=[64]), Call(entry="hog", args=[1024])])
        assert (small.outcome, small.value) == ("ok", 64 * 1024 * 1024)
        assert big.outcome == "memory", big.describe()
    finally:
        ws.close()
