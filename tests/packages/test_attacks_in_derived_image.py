"""The sandbox attack suite (tests/sandbox/attack_table.py) against a tool's derived image: the
packages layer adds files to the image and a folder to the path, and must take away no isolation.
Each attack runs through the sandbox a tool with ``roman`` gets, after a call that uses roman."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sandbox"))

from attack_table import ATTACKS, attack_targets  # noqa: E402
from test_sandbox_attacks import _params, check_attack  # noqa: E402

from latm.requirement_specs import parse_pins  # noqa: E402
from latm.sandbox.packaged import PackagedSandbox  # noqa: E402
from latm.sandbox.tool_packages import ToolPackages  # noqa: E402
from latm.sandbox.types import Call  # noqa: E402
from sandbox_settings import sandbox_settings  # noqa: E402

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def targets():
    with attack_targets() as found:
        yield found


@pytest.fixture(scope="module")
def roman_sandbox(tmp_path_factory):
    """A Docker sandbox as a tool pinned to roman sees it (its derived image built once)."""
    from latm.sandbox.docker_backend import DockerSandbox

    settings = sandbox_settings(sandbox="docker", allowed_packages=("roman",))
    base = DockerSandbox.open(settings)
    packages = ToolPackages(settings, base, tmp_path_factory.mktemp("envs"))
    pins = packages.for_imports({"roman"}).pins
    sandbox = PackagedSandbox(packages, parse_pins(str(p) for p in pins))
    (used,) = sandbox.run("import roman\n", [Call(snippet="ans = roman.toRoman(14)")])
    assert used.value == "XIV", used.describe()
    yield sandbox
    base.close()


def test_the_suite_is_the_whole_suite():
    assert len(_params("docker")) == len(ATTACKS) >= 50


@pytest.mark.parametrize("attack", _params("docker"))
def test_attack_in_a_derived_image(roman_sandbox, attack, targets):
    check_attack(roman_sandbox, "docker", attack, targets, roman_sandbox.base.pool.size)

