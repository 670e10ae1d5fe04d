"""A project config written to break latm rather than to route a key: values no folder can have,
loops of links, a config too large to be one. Each is a problem naming the file and key, never a
traceback, and the rest of the settings stand."""

from __future__ import annotations

import json

import pytest

from latm.settings import Settings, load_settings


@pytest.mark.parametrize("toolbox", ["tools\u0000x", "loop/tools"], ids=["nul", "loop"])
def test_a_toolbox_no_folder_can_be_is_a_problem_not_a_crash(user, project, latm, toolbox):
    (project / "loop").symlink_to("loop")
    config = project / "latm.toml"
    config.write_text(f"toolbox = {json.dumps(toolbox)}\nmaker_model = \"gpt-4.1\"\n")  # JSON's \u0000 is TOML's too
    settings, problems = load_settings(project)
    assert (settings.toolbox, settings.maker_model) == ("toolbox", "gpt-4.1")
    assert [(p.key, p.source) for p in problems] == [("toolbox", str(config))]
    run = latm("list")
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    assert f"'toolbox' ({config})" in run.stderr


def test_a_toolbox_with_a_nul_in_the_users_own_config_is_a_bad_value(user, project):
    user.configure('toolbox = "tools\\u0000x"\n')
    settings, problems = load_settings(project)
    assert settings.toolbox == "toolbox"
    assert [(p.key, p.source) for p in problems] == [("toolbox", str(user.config_file))]


@pytest.mark.parametrize("toolbox", [".", "toolbox/.."])
def test_a_project_cannot_make_the_workspace_itself_its_toolbox(user, project, latm, toolbox):
    """Tool locks live in ``.latm/locks`` beside the toolbox: with the workspace as its toolbox they
    would be written in the folder above it, outside the workspace."""
    config = project / "latm.toml"
    config.write_text(f'toolbox = "{toolbox}"\n')
    (project / ".adder.new-left").mkdir()  # what a dead writer leaves: tidied at start, under the tool's lock
    settings, problems = load_settings(project)
    assert settings.toolbox == "toolbox" and [(p.key, p.source) for p in problems] == [("toolbox", str(config))]
    run = latm("list")
    assert run.returncode == 0, run.stderr
    assert not (project.parent / ".latm").exists()


def test_a_config_too_large_to_be_one_is_not_parsed(user, project):
    """Parsing takes about a second per megabyte, and each unknown key is a warning: a committed
    config of a few megabytes would hold up, and flood, every command."""
    config = project / "latm.toml"
    config.write_text('maker_model = "gpt-4.1"\n' + "".join(f"key_{i} = {i}\n" for i in range(100_000)))
    settings, problems = load_settings(project)
    assert settings.maker_model == "gpt-4o"
    assert [(p.key, p.source) for p in problems] == [("*", str(config))]
    assert "larger than 1048576 bytes" in problems[0].message


@pytest.mark.parametrize("entry", ["{input = nan, output = 1.0}", "{input = -5.0, output = 1.0}",
                                   "{input = 1.0, output = inf}"], ids=["nan", "negative", "inf"])
def test_a_price_is_a_finite_amount_not_below_zero(user, project, entry):
    """A NaN price made every cost NaN, which ``latm stats --json`` printed as JSON no strict parser reads."""
    config = project / "latm.toml"
    config.write_text(f'[prices]\n"gpt-4o" = {entry}\n')
    settings, problems = load_settings(project)
    assert settings.price("gpt-4o") == Settings().price("gpt-4o")
    assert [(p.key, p.source) for p in problems] == [("prices", str(config))]


def test_a_project_still_chooses_what_the_key_is_spent_on(user, project):
    """What the trust model leaves to the project: not where the key goes, but what it is spent on."""
    (project / "latm.toml").write_text('maker_model = "gpt-4"\nmax_retries = 20\ntrain_examples = 50\n'
                                       'on_unknown = "solve_with_maker"\n[prices]\n"gpt-4" = {input = 0.0, output = 0.0}\n')
    settings, problems = load_settings(project)
    assert problems == []
    assert (settings.maker_model, settings.max_retries, settings.train_examples, settings.on_unknown) == (
        "gpt-4", 20, 50, "solve_with_maker")
    assert settings.price("gpt-4").cost(10**6, 10**6) == 0.0
