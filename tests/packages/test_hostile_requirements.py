"""Hostile requirements are refused with a clear message, and nothing is built: no derived image,
no package folder, no tool. A source-only package, a URL, a pip option, an import outside the
allowed packages, a tool.toml pinning what the user did not allow, and a wheel whose hash is not
the pinned one."""

from __future__ import annotations

import re
import shutil

import pytest

from latm.solve import solve
from latm.make import make_tool
from latm.make import verify_tool
from latm.errors import PackagesRefused, PackagesUnavailable, VerificationFailed
from latm.sandbox import derived_images, docker_engine, package_envs
from latm.settings import load_settings
from latm.toolbox.manifest import ManifestError, loads
from packages_support import DATES, ROMAN, block, derived_tags

pytestmark = pytest.mark.docker


@pytest.fixture
def nothing_built():
    """Asserts, after the test, that no derived image and no package folder appeared."""
    folders = lambda: set(package_envs.home().glob("*/site"))
    before = derived_tags(), folders()
    yield
    assert derived_tags() == before[0], "a derived image was built"
    assert folders() == before[1], "a package folder was built"


def assert_nothing_written(ws):
    assert not list(ws.toolbox_dir.glob("*/tool.toml")), "a tool was written"


def test_a_package_with_only_a_source_distribution_is_refused(scripted_llm, make_workspace, nothing_built):
    ws = make_workspace(allowed=["docopt"])  # docopt publishes no wheel, only an sdist that runs setup.py
    with pytest.raises(PackagesUnavailable) as refused:
        make_tool(ws, ROMAN.examples, "cli_args")
    message = str(refused.value)
    assert "docopt" in message and "wheels only" in message and "source distribution" in message
    assert scripted_llm.chat_requests() == [], "the maker was asked nothing"
    assert_nothing_written(ws)


def test_an_index_that_cannot_be_reached_is_said_so(scripted_llm, make_workspace, tmp_path, monkeypatch,
                                                    nothing_built):
    for variable, value in {"PIP_INDEX_URL": "http://127.0.0.1:9/simple", "PIP_EXTRA_INDEX_URL": "",
                            "PIP_FIND_LINKS": "", "PIP_RETRIES": "1", "XDG_CACHE_HOME": str(tmp_path / "c")}.items():
        monkeypatch.setenv(variable, value)  # no network: nothing answers on port 9
    ws = make_workspace(allowed=["roman"])
    with pytest.raises(PackagesUnavailable) as refused:
        make_tool(ws, ROMAN.examples, ROMAN.name)
    message = str(refused.value)
    assert "could not reach your package index" in message and "pip configuration" in message, message
    assert "source distribution" not in message, "a package that publishes wheels is not blamed"
    assert scripted_llm.chat_requests() == []


@pytest.mark.parametrize("entry, why", [
    ("roman @ https://example.invalid/roman-5.2-py3-none-any.whl", "is a URL"),
    ("https://example.invalid/roman-5.2-py3-none-any.whl", "is a URL"),
    ("--index-url https://example.invalid/simple roman", "is a pip option"),
    ("-e ./roman", "is a pip option"),
    ("./roman", "is a path"),
    ("roman[extra]", "asks for extras"),
])
def test_hostile_entries_of_allowed_packages_are_refused_by_the_settings(tmp_path, entry, why):
    (tmp_path / "cfg" / "latm").mkdir(parents=True)
    (tmp_path / "cfg" / "latm" / "config.toml").write_text(f"allowed_packages = [{entry!r}]\n")
    settings, problems = load_settings(tmp_path, environ={"XDG_CONFIG_HOME": str(tmp_path / "cfg")})
    assert settings.allowed_packages == ()
    (problem,) = problems
    assert problem.key == "allowed_packages" and why in problem.message and "keeping ()" in problem.message


@pytest.mark.parametrize("pin, why", [
    ("roman @ https://example.invalid/roman.whl", "is a URL"),
    ("--index-url https://example.invalid/simple", "is a pip option"),
    ("roman==5.2 --hash=sha256:abc --index-url https://example.invalid/simple", "is not 'name==version"),
    ("roman>=5", "is not 'name==version"),
])
def test_hostile_requirements_in_a_tool_toml_make_the_manifest_unreadable(pin, why):
    text = ('name = "t"\nsummary = "s"\nentry = "f"\nsignature = "f()"\n'
            f'requirements = [{pin!r}]\n[provenance]\norigin = "made"\ntool_hash = "sha256:0"\n')
    with pytest.raises(ManifestError) as refused:
        loads(text)
    assert refused.value.message.startswith("requirements:") and why in refused.value.message
    assert refused.value.line == 5


def test_a_tool_importing_a_module_that_is_not_allowed_is_refused_before_it_runs(scripted_llm, make_workspace):
    ws = make_workspace(allowed=["roman"])
    sneaky = ROMAN.proposal().replace("import roman\n", "import roman\nimport requests\n")
    scripted_llm.push(sneaky, "I'm sorry. Here it is without it:\n\n" + block(ROMAN.function), *ROMAN.script()[1:])
    made = make_tool(ws, ROMAN.examples, ROMAN.name)
    assert made.attempts["propose"] == 2
    told = scripted_llm.chat_requests()[1].prompt
    assert "ImportNotAllowed" in told and "`requests`" in told and "roman" in told and "was not run" in told
    assert "requests" not in (made.path / "tool.py").read_text()
    api = docker_engine.connect().api
    assert not any("requests" in " ".join(image["pins"]) for image in derived_images.listed(api))


def test_a_tool_that_only_imports_what_is_not_allowed_never_gets_a_sandbox_with_it(scripted_llm, make_workspace,
                                                                                   nothing_built):
    ws = make_workspace(allowed=[])  # the default: the standard library only
    numpy_tool = ROMAN.proposal().replace("import roman", "import numpy")
    scripted_llm.push(numpy_tool, numpy_tool, numpy_tool)
    with pytest.raises(VerificationFailed) as failed:
        make_tool(ws, ROMAN.examples, ROMAN.name)
    assert "`numpy`" in str(failed.value) and "allowed_packages setting is empty" in str(failed.value)
    assert_nothing_written(ws)


def _committed(scripted_llm, make_workspace, **settings):
    """A roman tool made where roman is allowed, then copied into a workspace with ``settings``."""
    maker = make_workspace(allowed=["roman"], folder="maker")
    scripted_llm.push(*ROMAN.script())
    made = make_tool(maker, ROMAN.examples, ROMAN.name)
    ws = make_workspace(folder="user", **settings)
    shutil.copytree(made.path, ws.toolbox_dir / ROMAN.name)
    ws.registry.reload({ROMAN.name})
    return ws, made


def test_a_committed_tool_needing_a_package_the_user_did_not_allow_is_refused(scripted_llm, make_workspace):
    ws, made = _committed(scripted_llm, make_workspace, allowed=[])
    before = derived_tags()
    for attempt in (lambda: solve(ws, "Write the number 12 in Roman numerals.", ROMAN.name),
                    lambda: verify_tool(ws, ROMAN.name)):
        with pytest.raises(PackagesRefused) as refused:
            attempt()
        assert "roman" in str(refused.value) and "allowed_packages" in str(refused.value)
    assert derived_tags() == before
    assert (ws.toolbox_dir / ROMAN.name / "tool.toml").read_text() == (made.path / "tool.toml").read_text()


def test_a_wheel_whose_hash_is_not_the_pinned_one_is_refused(scripted_llm, make_workspace, tmp_path, monkeypatch):
    ws, made = _committed(scripted_llm, make_workspace, allowed=["roman"])
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "empty-cache"))  # nothing cached: pip must download
    toml = ws.toolbox_dir / ROMAN.name / "tool.toml"
    wrong = "0" * 64
    toml.write_text(re.sub(r"--hash=sha256:[0-9a-f]{64}", f"--hash=sha256:{wrong}", toml.read_text()))
    ws.registry.reload({ROMAN.name})
    before = derived_tags()
    with pytest.raises(PackagesUnavailable) as refused:
        verify_tool(ws, ROMAN.name)
    assert "hash" in str(refused.value) and "nothing was installed" in str(refused.value)
    assert derived_tags() == before
    assert not list((tmp_path / "empty-cache").rglob("*.whl")), "the mismatched wheel was not kept"


def test_pins_that_lack_a_dependency_or_add_an_unneeded_package_are_refused(scripted_llm, make_workspace):
    maker = make_workspace(allowed=["python-dateutil"], folder="maker")
    scripted_llm.push(*DATES.script())
    made = make_tool(maker, DATES.examples, DATES.name)
    pins = dict(pin.split("==", 1) for pin in made.manifest.requirements)
    roman = next(pin for pin in _roman_pins(make_workspace))
    for edited, told in ((lambda text: _without_line(text, "tzdata=="), "lack tzdata"),
                         (lambda text: text.replace('requirements = [\n', f'requirements = [\n    "{roman}",\n'),
                          "roman 5.2, which your allowed_packages setting does not allow")):
        ws = make_workspace(allowed=["python-dateutil"], folder=f"user-{len(told)}")
        shutil.copytree(made.path, ws.toolbox_dir / DATES.name)
        toml = ws.toolbox_dir / DATES.name / "tool.toml"
        toml.write_text(edited(toml.read_text()))
        ws.registry.reload({DATES.name})
        with pytest.raises(PackagesRefused) as refused:
            verify_tool(ws, DATES.name)
        assert told in str(refused.value), str(refused.value)
    assert set(pins) == {"python-dateutil", "tzdata"}


def _roman_pins(make_workspace) -> list[str]:
    ws = make_workspace(allowed=["roman"], folder="roman-catalog")
    return [str(pin) for pin in ws.packages().catalog().pins]


def _without_line(text: str, start: str) -> str:
    return "".join(line for line in text.splitlines(keepends=True) if not line.strip().startswith(f'"{start}'))


def test_a_pin_no_allowed_package_needs_is_refused_before_anything_is_fetched(scripted_llm, make_workspace, tmp_path,
                                                                              monkeypatch):
    """A pull request adds a pin to a committed tool: refused by name, and its wheel never downloaded."""
    maker = make_workspace(allowed=["python-dateutil"], folder="maker")
    scripted_llm.push(*DATES.script())
    made = make_tool(maker, DATES.examples, DATES.name)
    roman = next(pin for pin in _roman_pins(make_workspace))
    ws = make_workspace(allowed=["python-dateutil"], folder="user")
    shutil.copytree(made.path, ws.toolbox_dir / DATES.name)
    toml = ws.toolbox_dir / DATES.name / "tool.toml"
    toml.write_text(toml.read_text().replace('requirements = [\n', f'requirements = [\n    "{roman}",\n'))
    ws.registry.reload({DATES.name})
    cache = tmp_path / "empty-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))  # nothing cached: what is needed is downloaded
    with pytest.raises(PackagesRefused) as refused:
        verify_tool(ws, DATES.name)
    assert "roman 5.2, which your allowed_packages setting does not allow" in str(refused.value)
    fetched = sorted(path.name for path in cache.rglob("*.whl"))
    assert not [name for name in fetched if name.startswith("roman")], fetched
