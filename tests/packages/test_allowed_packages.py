"""``allowed_packages``: the user widens, a project only narrows (trusted or not); what the code
imports is read from its syntax tree; pins are exact and hash-checked in form. No Docker here."""

from __future__ import annotations

import time

import pytest

from latm import trust
from latm.requirement_specs import BadRequirement, parse_allowed_list, parse_pin, parse_pins
from latm.sandbox.image_pools import ImagePools
from latm.sandbox.imports import imported, outside
from latm.settings import load_settings


def settings_with(tmp_path, user: str, project: str = "", environ: dict | None = None):
    (tmp_path / "cfg" / "latm").mkdir(parents=True, exist_ok=True)
    (tmp_path / "cfg" / "latm" / "config.toml").write_text(user)
    root = tmp_path / "ws"
    root.mkdir(exist_ok=True)
    if project:
        (root / "latm.toml").write_text(project)
    env = {"XDG_CONFIG_HOME": str(tmp_path / "cfg"), "XDG_STATE_HOME": str(tmp_path / "state"), **(environ or {})}
    return load_settings(root, environ=env), root, env


def test_a_project_narrows_the_users_list_and_cannot_widen_it(tmp_path):
    (settings, problems), _, _ = settings_with(tmp_path, 'allowed_packages = ["roman", "numpy<3"]\n',
                                               'allowed_packages = ["numpy>=1.26", "requests"]\n')
    assert settings.allowed_packages == ("numpy<3,>=1.26",)  # both constraints; roman dropped by the project
    (problem,) = problems
    assert "'requests'" in problem.message and "may only narrow" in problem.message and "latm.toml" in problem.source


def test_trusting_the_project_file_does_not_let_it_widen(tmp_path):
    (settings, problems), root, env = settings_with(tmp_path, 'allowed_packages = []\n',
                                                    'allowed_packages = ["roman"]\n')
    assert settings.allowed_packages == () and problems
    trust.trust(root / "latm.toml", trust.sha256((root / "latm.toml").read_bytes()), env)
    settings, problems = load_settings(root, environ=env)
    assert settings.allowed_packages == () and "may only narrow" in problems[0].message


def test_the_users_environment_and_editor_may_widen(tmp_path):
    (settings, problems), root, env = settings_with(tmp_path, "", "",
                                                    {"LATM_ALLOWED_PACKAGES": '["roman", "numpy>=1.26,<3"]'})
    assert settings.allowed_packages == ("roman", "numpy>=1.26,<3") and not problems
    settings, _ = load_settings(root, environ=env, editor={"allowed_packages": ["python-dateutil"]})
    assert settings.allowed_packages == ("python-dateutil",)
    settings, _ = load_settings(root, environ={**env, "LATM_ALLOWED_PACKAGES": "roman python_dateutil"})
    assert settings.allowed_packages == ("roman", "python_dateutil")
    assert [entry.name for entry in parse_allowed_list(settings.allowed_packages)] == ["roman", "python-dateutil"]


@pytest.mark.parametrize("text, why", [
    ("roman @ file:///tmp/roman.whl", "is a URL"),
    ("git+https://example.invalid/roman.git", "is a URL"),
    ("-r other.txt", "is a pip option"),
    ("--extra-index-url=https://example.invalid", "is a pip option"),
    ("C:\\wheels\\roman.whl", "is a path"),
    ("roman; python_version > '3'", "environment marker"),
    ("roman===5.2 junk", "bad version constraint"),
    ("", "names no package"),
])
def test_requirement_strings_that_choose_where_code_comes_from_are_refused(text, why):
    with pytest.raises(BadRequirement) as refused:
        parse_allowed_list([text])
    assert why in str(refused.value)


def test_pins_are_exact_with_a_sha256_and_one_per_package():
    pin = parse_pin("Python_Dateutil==4.0.0 --hash=sha256:" + "a" * 64)
    assert (pin.name, pin.version, str(pin)) == ("python-dateutil", "4.0.0", "python-dateutil==4.0.0 --hash=sha256:" + "a" * 64)
    for bad in ("roman==5.2", "roman==5.2 --hash=md5:" + "a" * 32, "roman>=5.2 --hash=sha256:" + "a" * 64):
        with pytest.raises(BadRequirement):
            parse_pin(bad)
    with pytest.raises(BadRequirement, match="pinned twice"):
        parse_pins(["roman==5.2 --hash=sha256:" + "a" * 64, "roman==5.1 --hash=sha256:" + "b" * 64])


def test_imports_are_read_from_the_syntax_tree_including_literal_dynamic_ones():
    code = ("import os, numpy.linalg as la\nfrom dateutil import tz\nfrom . import sibling\n"
            "import importlib\nmod = importlib.import_module('requests')\n__import__('yaml')\n"
            "name = 'hidden'\n__import__(name)\n")
    assert imported(code) == {"os", "numpy", "dateutil", "importlib", "requests", "yaml"}
    assert outside(code, {"numpy", "dateutil"}) == ["requests", "yaml"]
    assert imported("def broken(:\n") == set()


def test_image_pools_keep_a_total_and_evict_the_least_recently_used_image():
    started, removed = [], []

    def make(image):
        started.append(image)
        return f"{image}-{len(started)}"

    def settle(pools, expected):  # a pool fills itself in the background after its first call
        deadline = time.monotonic() + 30
        while pools.images() != expected and time.monotonic() < deadline:
            time.sleep(0.01)
        assert pools.images() == expected

    pools = ImagePools(2, make, removed.append)
    first = pools.get("base").acquire()
    pools.get("base").release(first)
    settle(pools, {"base": 2})  # one image alone may use the whole total
    roman = pools.get("roman").acquire()  # the total is reached: an idle base container makes room
    assert len(removed) == 1 and removed[0].startswith("base-")
    settle(pools, {"base": 1, "roman": 1})
    pools.get("roman").release(roman)
    numpy = pools.get("numpy").acquire()  # base is the image used least recently
    assert len(removed) == 2 and removed[1].startswith("base-")
    assert pools.images() == {"base": 0, "roman": 1, "numpy": 1}
    pools.get("numpy").release(numpy)
    assert pools.get("roman").acquire() == roman  # its idle container, nothing started or removed
    pools.get("base").acquire()  # numpy's idle container goes: roman's is in use
    assert removed[2] == numpy and pools.images() == {"numpy": 0, "roman": 1, "base": 1}
    pools.close()
