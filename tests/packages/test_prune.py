"""``latm sandbox prune`` removes only what nothing uses: not a package folder a ``process`` run is
using, not an image another base tag names (another latm's), and an image with several tags loses
only this latm's tag. It never ends in a traceback."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from latm.sandbox import Call, derived_images, docker_engine, package_envs, prune_package_sets
from packages_support import ROMAN
from sandbox_settings import clean_env

pytestmark = pytest.mark.docker
WAIT_S = 120


def test_prune_keeps_a_package_folder_a_process_run_is_using(make_workspace, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # this test's folders only
    ws = make_workspace(allowed=["roman"], sandbox="process", timeout_s=60.0)
    code = ROMAN.function.split("# Example usage")[0] + "\nimport time\n"
    ran = []
    run = threading.Thread(target=lambda: ran.extend(ws.making_sandbox().run(
        code, [Call(snippet="time.sleep(30)\nans = to_roman_numeral(3)")])))
    run.start()
    try:
        (folder,) = _wait_for(lambda: [f for f in package_envs.home().glob("*") if package_envs.in_use(f)])
        removed, kept = prune_package_sets({}, ws.settings.sandbox_image, docker=False)
        assert folder.is_dir() and removed == [] and kept == [f"{folder}: a sandbox run uses it"]
    finally:
        run.join(WAIT_S)
    assert ran and ran[0].ok and ran[0].value == "III", ran


def test_prune_leaves_another_base_tags_image_and_only_untags_a_shared_one(make_workspace, tmp_path):
    ws = make_workspace(allowed=["roman"])
    packages = ws.packages()
    installed = packages.installed(packages.catalog())
    base = ws.settings.sandbox_image
    ours, theirs = derived_images.tag_for(base, installed.digest), derived_images.tag_for(f"{base}-other", installed.digest)
    api = docker_engine.connect().api
    repository, tag = theirs.rsplit(":", 1)
    api.tag(installed.image, repository, tag)  # the same image, built by a latm whose base tag differs
    ws.close()  # no container of ours runs it any more
    try:
        root = tmp_path / "empty"
        (root / "toolbox").mkdir(parents=True)  # no tool uses the set
        pruned = subprocess.run([sys.executable, "-m", "latm", "sandbox", "prune", "--root", str(root)],
                                env=clean_env(LATM_SANDBOX="docker"), capture_output=True, text=True, timeout=WAIT_S)
        assert pruned.returncode == 0 and "Traceback" not in pruned.stderr, pruned.stderr
        assert f"removed {ours}" in pruned.stdout, pruned.stdout
        assert theirs not in pruned.stdout
        assert theirs in api.inspect_image(installed.image)["RepoTags"]
        assert ours not in api.inspect_image(installed.image)["RepoTags"]
    finally:
        api.remove_image(theirs)


def _wait_for(found, timeout_s: float = WAIT_S):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        got = found()
        if got:
            return got
        time.sleep(0.1)
    raise AssertionError("never happened")


def test_a_running_latm_builds_a_pruned_folder_again(make_workspace, monkeypatch, tmp_path):
    """A language server that used a set keeps running after another shell's prune removed it."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    ws = make_workspace(allowed=["roman"], sandbox="process")
    code = ROMAN.function.split("# Example usage")[0]
    call = [Call(snippet="ans = to_roman_numeral(4)")]
    assert ws.making_sandbox().run(code, call)[0].value == "IV"
    removed, _ = prune_package_sets({}, ws.settings.sandbox_image, docker=False)
    assert len(removed) == 1 and not list(package_envs.home().glob("*/site"))
    (again,) = ws.making_sandbox().run(code, call)
    assert again.ok and again.value == "IV", again


def test_a_running_latm_builds_a_pruned_image_again(make_workspace):
    """A language server keeps a derived image's id; once its containers are gone (evicted, or
    died) another shell's prune may remove the image. The next call builds it again, saying so as a
    first build does, and answers."""
    ws = make_workspace(allowed=["roman"], sandbox_pool=1)  # one container: no spare starting while the test removes it
    said = []
    sandbox = ws.making_sandbox(lambda event: said.append(event.message))
    code = ROMAN.function.split("# Example usage")[0]
    call = [Call(snippet="ans = to_roman_numeral(4)")]
    (first,) = sandbox.run(code, call)
    assert first.ok and first.value == "IV", first
    packages = ws.packages()
    installed = packages.installed(packages.catalog())
    api = docker_engine.connect().api
    for container in api.containers(all=True, filters={"ancestor": installed.image}):
        api.remove_container(container["Id"], force=True)  # evicted or died: nothing runs the image now
    derived_images.remove(api, derived_images.tag_for(ws.settings.sandbox_image, installed.digest))  # as prune does
    assert not derived_images.find(api, ws.settings.sandbox_image, ws.sandbox().image["Id"], installed.digest)
    said.clear()
    (again,) = sandbox.run(code, call)
    assert again.ok and again.value == "IV", again
    assert any(m.startswith("building ") for m in said) and any(m.startswith("built ") for m in said), said
    said.clear()
    assert sandbox.run(code, call)[0].value == "IV" and not any(m.startswith("building ") for m in said), said
