from pathlib import Path

from latm.settings import Price, Settings, load_settings


def write(root: Path, name: str, text: str) -> None:
    (root / name).write_text(text, encoding="utf-8")


def test_defaults_without_any_configuration(tmp_path):
    settings, problems = load_settings(tmp_path, environ={})
    assert settings == Settings()
    assert (settings.train_examples, settings.validation_examples, settings.max_retries) == (3, 3, 3)
    assert (settings.maker_temperature, settings.user_temperature) == (0.3, 0.0)
    assert problems == []


def test_precedence_defaults_project_env_editor_flags(tmp_path):
    write(tmp_path, "pyproject.toml", '[tool.latm]\nmaker_model = "from-project"\nuser_model = "from-project"\n'
          'dispatcher_model = "from-project"\ntimeout_s = 4\n')
    environ = {"LATM_USER_MODEL": "from-env", "LATM_DISPATCHER_MODEL": "from-env", "OPENAI_BASE_URL": "http://env"}
    editor = {"dispatcher_model": "from-editor", "timeout_s": 9.5}
    settings, problems = load_settings(tmp_path, environ=environ, editor=editor, flags={"timeout_s": 2})
    assert problems == []
    assert settings.maker_model == "from-project"
    assert settings.user_model == "from-env"
    assert settings.dispatcher_model == "from-editor"
    assert settings.base_url == "http://env"
    assert settings.timeout_s == 2.0


def test_latm_base_url_beats_openai_base_url(tmp_path):
    environ = {"OPENAI_BASE_URL": "http://sdk", "LATM_BASE_URL": "http://latm"}
    assert load_settings(tmp_path, environ=environ)[0].base_url == "http://latm"


def test_latm_toml_is_read_when_pyproject_has_no_section(tmp_path):
    write(tmp_path, "pyproject.toml", "[project]\nname = 'x'\n")
    write(tmp_path, "latm.toml", 'toolbox = "tools"\nsandbox = "docker"\n')
    settings, problems = load_settings(tmp_path, environ={})
    assert (settings.toolbox, settings.sandbox, problems) == ("tools", "docker", [])


def test_bad_values_and_unknown_keys_name_the_key_and_keep_defaults(tmp_path):
    write(tmp_path, "pyproject.toml", '[tool.latm]\nmax_retries = "lots"\nsandbox = "vm"\ncolour = "blue"\n'
          'maker_temperature = 9\n')
    settings, problems = load_settings(tmp_path, environ={"LATM_MEMORY_MB": "big", "LATM_TIMEOUT_S": "-1"})
    assert (settings.max_retries, settings.sandbox, settings.maker_temperature) == (3, "auto", 0.3)
    assert (settings.memory_mb, settings.timeout_s) == (256, 5.0)
    by_key = {p.key: str(p) for p in problems}
    assert set(by_key) == {"max_retries", "sandbox", "colour", "maker_temperature", "memory_mb", "timeout_s"}
    assert "unknown setting" in by_key["colour"]
    assert "'vm' is not one of auto, docker, process" in by_key["sandbox"]
    assert "environment" in by_key["memory_mb"]


def test_bad_value_in_a_higher_layer_keeps_the_lower_layer_value(tmp_path):
    write(tmp_path, "latm.toml", "timeout_s = 3\n")
    settings, problems = load_settings(tmp_path, environ={}, editor={"timeout_s": "soon"})
    assert settings.timeout_s == 3.0
    assert [p.key for p in problems] == ["timeout_s"]


def test_broken_pyproject_is_reported_not_raised(tmp_path):
    write(tmp_path, "pyproject.toml", "[tool.latm\nmaker_model = ")
    settings, problems = load_settings(tmp_path, environ={})
    assert settings == Settings()
    assert len(problems) == 1 and "cannot read" in problems[0].message


def test_price_table_extends_builtin_and_env_json(tmp_path):
    write(tmp_path, "pyproject.toml", '[tool.latm.prices]\n"local-llama" = { input = 0.0, output = 0.0 }\n')
    settings, problems = load_settings(tmp_path, environ={"LATM_PRICES": '{"big": {"input": 5, "output": 15}}'})
    assert problems == []
    assert settings.price("local-llama") == Price(0.0, 0.0)
    assert settings.price("big").cost(1_000_000, 1_000_000) == 20.0
    assert settings.price("gpt-4o") is not None


def test_api_key_is_read_from_the_named_variable_only(tmp_path, monkeypatch):
    monkeypatch.setenv("MY_KEY", "sk-secret")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-other")
    settings, _ = load_settings(tmp_path, environ={"LATM_API_KEY_ENV": "MY_KEY"})
    assert settings.api_key() == "sk-secret"
    assert "sk-secret" not in repr(settings)
