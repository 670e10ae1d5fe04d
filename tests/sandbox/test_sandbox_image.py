"""Building the image: the Debian mirror comes from apt's own sources; the build reports
progress and produces an image that answers."""

from __future__ import annotations

import docker
import pytest
from sandbox_support import settings

from latm.errors import SandboxUnavailable
from latm.sandbox import build_image, rootfs
from latm.sandbox.docker_engine import WORKER_FILES
from latm.sandbox.image import recipe_dir

DEB822 = """Types: deb
# a comment inside the stanza
URIs: http://mirror-a.invalid/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://security.invalid/debian-security
Suites: bookworm-security
Components: main
"""


def apt_dir(tmp_path, one_line: str = "", deb822: str = ""):
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list").write_text(one_line)
    if deb822:
        (tmp_path / "sources.list.d" / "debian.sources").write_text(deb822)
    return tmp_path


def test_mirror_from_deb822_sources(tmp_path):
    assert rootfs.debian_mirror({}, apt_dir(tmp_path, deb822=DEB822)) == "http://mirror-a.invalid/debian"


def test_mirror_from_one_line_sources_skips_other_suites_and_comments(tmp_path):
    text = ("# deb http://old.invalid/debian bookworm main\n"
            "deb [arch=amd64] http://other.invalid/x nodistro main\n"
            "deb http://mirror-b.invalid/debian bookworm main contrib\n")
    assert rootfs.debian_mirror({}, apt_dir(tmp_path, one_line=text)) == "http://mirror-b.invalid/debian"


def test_mirror_from_the_environment_wins(tmp_path):
    environ = {rootfs.MIRROR_ENV: "http://mine.invalid/debian"}
    assert rootfs.debian_mirror(environ, apt_dir(tmp_path, deb822=DEB822)) == "http://mine.invalid/debian"


def test_no_mirror_says_how_to_give_one(tmp_path):
    with pytest.raises(SandboxUnavailable, match=rootfs.MIRROR_ENV):
        rootfs.debian_mirror({}, apt_dir(tmp_path, one_line="deb http://x.invalid/ubuntu jammy main\n"))


def test_slim_removes_docs_but_keeps_the_rest(tmp_path):
    for relative in ("usr/share/doc/pkg/README", "usr/share/locale/de/x.mo", "usr/lib/python3.11/json/__init__.py"):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text("x")
    rootfs.slim(tmp_path)
    assert not any((tmp_path / "usr/share/doc").iterdir()) and not any((tmp_path / "usr/share/locale").iterdir())
    assert (tmp_path / "usr/lib/python3.11/json/__init__.py").exists()


def test_the_recipe_ships_everything_the_build_needs():
    shipped = {p.name for p in recipe_dir().iterdir()}
    assert {"Dockerfile", ".dockerignore", *WORKER_FILES} <= shipped
    assert "ARG BASE=" in (recipe_dir() / "Dockerfile").read_text()


@pytest.mark.docker
def test_offline_build_reports_progress_and_the_image_answers():
    events = []
    image_id = build_image(settings(), offline=True, progress=events.append)
    assert image_id == docker.from_env().api.inspect_image(settings().sandbox_image)["Id"]
    stages = [e.stage for e in events]
    assert stages.index("build") < stages.index("verify") < stages.index("done")
    assert events[-1].fraction == 1.0


@pytest.mark.docker
def test_a_base_no_registry_serves_falls_back_to_the_offline_build():
    tag = "latm-sandbox-fallback-test:1"  # this test's own image, removed after it
    api = docker.from_env().api
    events = []
    try:
        image_id = build_image(settings(sandbox_image=tag), offline=False, progress=events.append,
                               base="registry.invalid/latm-test/python:3.11-slim")
        assert image_id == api.inspect_image(tag)["Id"]
        said = [e.message for e in events]
        fallback = next(m for m in said if "building offline" in m)
        assert "registry.invalid/latm-test/python:3.11-slim" in fallback
        assert said.index(fallback) < [e.stage for e in events].index("verify")
    finally:
        try:
            api.remove_image(tag, force=True)
        except docker.errors.ImageNotFound:
            pass
