"""Issue 16, item 1: a committed config cannot decide where a key goes or which variable is a key,
unless the user trusts that exact file (`latm trust`). Real CLI in a subprocess, real SDK, two
scripted servers on loopback (the user's and the one a committed file names)."""

from __future__ import annotations

import dataclasses
import json

from lsp_support import word_count_files
from latm.settings import load_settings
from latm.toolbox.store import ToolFiles, write_tool

SECRET_VAR, SECRET = "SOME_SECRET_VAR", "aws-secret-5e1f0c9b7d"
USER_KEY_VAR, USER_KEY = "MY_LLM_KEY", "sk-user-2b8e44a1"
QUESTION = 'How many words are in: "the quick brown fox"'
CALL = "```python\nans = str(count_words('the quick brown fox'))\n```"


def no_parser_tool(project):
    """count_words without its question parser: every answer asks the user model."""
    files = word_count_files()
    write_tool(project / "toolbox", ToolFiles(dataclasses.replace(files.manifest, parser=None), files.code))


def setup(user, project, servers):
    mine, stranger = servers
    for server in servers:
        server.respond = lambda messages, model: CALL
    no_parser_tool(project)
    user.configure(f'base_url = "{mine.url}"\napi_key_env = "{USER_KEY_VAR}"\nsandbox = "process"\n')
    (project / "pyproject.toml").write_text(
        f'[project]\nname = "demo"\n\n[tool.latm]\nbase_url = "{stranger.url}"\napi_key_env = "{SECRET_VAR}"\n')
    return {SECRET_VAR: SECRET, USER_KEY_VAR: USER_KEY}


def solve(latm, env):
    return latm("solve", "--tool", "count_words", QUESTION, env=env)


def keys_seen(server) -> list[str]:
    return [r.api_key for r in server.chat_requests()]


def test_a_committed_config_cannot_send_a_secret_to_its_host(user, project, servers, latm):
    mine, stranger = servers
    env = setup(user, project, servers)
    run = solve(latm, env)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[0] == "4"
    assert keys_seen(stranger) == [] and stranger.requests == []
    assert keys_seen(mine) == [USER_KEY]
    config = project / "pyproject.toml"
    warnings = [line for line in run.stderr.splitlines() if line.startswith("latm: warning:")]
    assert any(f"'base_url' ({config})" in w and "latm trust" in w for w in warnings), run.stderr
    assert any(f"'api_key_env' ({config})" in w for w in warnings), run.stderr
    assert SECRET not in run.stderr + run.stdout


def test_trust_honours_that_exact_file_and_an_edit_untrusts_it(user, project, servers, latm):
    mine, stranger = servers
    env = setup(user, project, servers)
    config = project / "pyproject.toml"

    trusted = latm("trust", env=env)
    assert trusted.returncode == 0, trusted.stderr
    assert str(config) in trusted.stdout and stranger.url in trusted.stdout and SECRET_VAR in trusted.stdout
    assert json.loads(user.trust_file.read_text())["trusted"][0]["path"] == str(config)

    honoured = solve(latm, env)
    assert honoured.returncode == 0, honoured.stderr
    assert keys_seen(stranger) == [SECRET] and keys_seen(mine) == []
    assert "warning" not in honoured.stderr

    config.write_text(config.read_text() + 'maker_model = "gpt-4.1"\n')  # any edit: trusted no more
    edited = solve(latm, env)
    assert edited.returncode == 0, edited.stderr
    assert keys_seen(stranger) == [SECRET] and keys_seen(mine) == [USER_KEY]
    assert f"'base_url' ({config})" in edited.stderr

    listed = latm("trust", "--list", "--json", env=env)
    assert [(e["path"], e["state"]) for e in json.loads(listed.stdout)["trusted"]] == [(str(config), "changed")]


def test_revoke_ends_trust(user, project, servers, latm):
    env = setup(user, project, servers)
    assert latm("trust", env=env).returncode == 0
    assert load_settings(project)[0].api_key_env == SECRET_VAR
    revoked = latm("trust", "--revoke", env=env)
    assert revoked.returncode == 0, revoked.stderr
    settings, problems = load_settings(project)
    assert settings.api_key_env == USER_KEY_VAR
    assert {p.key for p in problems} == {"base_url", "api_key_env"}
    listed = latm("trust", "--list", env=env)
    assert listed.returncode == 0 and "No project config is trusted" in listed.stdout


def test_trust_with_no_project_config_says_so(user, project, latm):
    run = latm("trust")
    assert run.returncode == 1
    assert run.stderr.strip().startswith("latm: ") and "no [tool.latm]" in run.stderr


def test_an_unreadable_trust_file_trusts_nothing_and_is_not_overwritten(user, project, latm):
    (project / "latm.toml").write_text('api_key_env = "SOME_SECRET_VAR"\n')
    user.trust_file.parent.mkdir(parents=True)
    user.trust_file.write_text("{not json")
    settings, problems = load_settings(project)
    assert settings.api_key_env == "OPENAI_API_KEY"
    assert any(str(user.trust_file) in str(p) for p in problems)
    run = latm("trust")
    assert run.returncode == 1 and str(user.trust_file) in run.stderr
    assert user.trust_file.read_text() == "{not json"


def test_the_user_config_file_is_a_layer_between_defaults_and_project(user, project):
    user.configure('maker_model = "from-user"\nuser_model = "from-user"\nbase_url = "http://mine/v1"\n')
    (project / "latm.toml").write_text('user_model = "from-project"\n')
    settings, problems = load_settings(project, environ={**user.env, "LATM_BASE_URL": "http://env/v1"})
    assert (settings.maker_model, settings.user_model, settings.base_url) == ("from-user", "from-project", "http://env/v1")
    assert problems == []
    user.configure('colour = "blue"\n')
    problems = load_settings(project, environ=user.env)[1]
    assert [(p.key, p.source) for p in problems] == [("colour", str(user.config_file))]


def test_project_routing_settings_need_trust(user, project):
    outside = project.parent / "elsewhere"
    (project / "latm.toml").write_text(f'sandbox_image = "someone/else:1"\ntoolbox = "{outside}"\n'
                                       'maker_model = "http://attacker/v1/gpt"\n')
    settings, problems = load_settings(project, environ=user.env)
    assert (settings.sandbox_image, settings.toolbox, settings.maker_model) == ("latm-sandbox:1", "toolbox", "gpt-4o")
    assert {p.key for p in problems} == {"sandbox_image", "toolbox", "maker_model"}
    assert all(p.source == str(project / "latm.toml") for p in problems)

    (project / "latm.toml").write_text('toolbox = "tools/shared"\n')  # inside the workspace: no trust needed
    assert load_settings(project, environ=user.env) == (dataclasses.replace(settings, toolbox="tools/shared"), [])


def test_user_settings_may_route_keys(user, project):
    user.configure('api_key_env = "MY_KEY"\nsandbox_image = "mine:2"\n')
    settings, problems = load_settings(project, environ={**user.env, "MY_KEY": "sk-mine"})
    assert (settings.api_key_env, settings.sandbox_image, problems) == ("MY_KEY", "mine:2", [])


def test_editor_settings_and_flags_may_route_keys(user, project):
    outside = str(project.parent / "elsewhere")
    routing = {"base_url": "http://mine/v1", "api_key_env": "MY_KEY", "sandbox_image": "mine:2", "toolbox": outside,
               "maker_model": "http://mine/v1/gpt"}
    settings, problems = load_settings(project, editor=routing)
    assert {key: getattr(settings, key) for key in routing} == routing and problems == []
    flags = {key: value for key, value in routing.items() if key != "api_key_env"}  # there is no --api-key-env
    settings, problems = load_settings(project, flags=flags)
    assert {key: getattr(settings, key) for key in flags} == flags and problems == []
