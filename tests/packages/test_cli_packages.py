"""The command line with packages, as a user runs it: ``latm make`` shows the image being built,
``latm sandbox status`` lists the images, their sizes and tools, ``latm requirements`` writes the
file a CI installs before ``pytest toolbox/``, and ``latm sandbox prune`` removes what no tool uses."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from model_support import TEST_KEY, TEST_KEY_ENV
from packages_support import ROMAN, remove_images_of
from sandbox_settings import clean_env

REPO_TOOLBOX = Path(__file__).resolve().parents[2] / "toolbox"

pytestmark = pytest.mark.docker


@pytest.fixture
def latm(tmp_path, scripted_llm):
    root = tmp_path / "project"
    (root / "toolbox").mkdir(parents=True)
    base = clean_env(LATM_SANDBOX="docker", LATM_ALLOWED_PACKAGES="roman", LATM_BASE_URL=scripted_llm.url,
                    LATM_API_KEY_ENV=TEST_KEY_ENV, **{TEST_KEY_ENV: TEST_KEY})

    def run(*args: str, env: dict = {}) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "latm", *args, "--root", str(root)], env={**base, **env},
                              capture_output=True, text=True, timeout=600)

    run.root = root
    return run


def test_make_status_requirements_ci_and_prune(latm, scripted_llm, tmp_path):
    examples = tmp_path / "roman.jsonl"
    examples.write_text("".join(json.dumps({"question": e.question, "answer": e.answer}) + "\n" for e in ROMAN.examples))
    scripted_llm.push(*ROMAN.script())
    remove_images_of("roman")
    made = latm("make", str(examples), "--name", ROMAN.name)
    assert made.returncode == 0, made.stderr
    assert "building latm-sandbox" in made.stderr and "Step 3/" in made.stderr and "built latm-sandbox" in made.stderr

    status = json.loads(latm("sandbox", "status", "--json").stdout)
    (used,) = [s for s in status["package_sets"] if s["tools"]]
    assert used["tools"] == [ROMAN.name] and used["image"].endswith(used["digest"][:12])
    assert 0 < used["image_mb"] < 20, "a derived image adds only its packages to the base"
    assert status["allowed_packages"] == ["roman"]

    written = latm("requirements")
    assert written.returncode == 0 and latm("requirements", "--check").returncode == 0
    file = latm.root / "toolbox" / "requirements.txt"
    (line,) = [x for x in file.read_text().splitlines() if not x.startswith("#")]
    assert line.startswith("roman==") and "--hash=sha256:" in line and line.endswith(f"# {ROMAN.name}")

    # The user's CI: without the packages the tool's tests are skipped, saying why; installed, they pass.
    ci = lambda **env: subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "toolbox"],
                                      cwd=latm.root, capture_output=True, text=True, timeout=300, env=clean_env(**env))
    skipped = ci()
    assert "1 skipped" in skipped.stdout and "roman==" in skipped.stdout and "not installed" in skipped.stdout
    site = tmp_path / "ci-site"
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "--require-hashes", "--target", str(site), "-r",
                          str(file)], capture_output=True, text=True, timeout=300)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    passed = ci(PYTHONPATH=str(site))
    assert passed.returncode == 0 and "9 passed" in passed.stdout, passed.stdout  # 3 use cases, 6 parser cases

    shutil.rmtree(latm.root / "toolbox" / ROMAN.name)
    pruned = latm("sandbox", "prune")
    assert pruned.returncode == 0 and f"removed {used['image']}" in pruned.stdout
    after = json.loads(latm("sandbox", "status", "--json").stdout)
    assert used["digest"] not in [s["digest"] for s in after["package_sets"]]


PIN = "roman==4.2 --hash=sha256:" + "a" * 64


def _committed_with(root, pin: str) -> None:
    """The repository's word_sorting, as a pull request might commit it: also pinning ``pin``."""
    folder = root / "toolbox" / "word_sorting"
    shutil.copytree(REPO_TOOLBOX / "word_sorting", folder)
    toml = folder / "tool.toml"
    text = toml.read_text().replace("format_version = 1", "format_version = 3")
    toml.write_text(text.replace("\n[provenance]", f"requirements = [{json.dumps(pin)}]\n\n[provenance]", 1))


@pytest.mark.parametrize("allowed", ["", "roman<4"])
def test_requirements_refuses_a_pin_the_user_did_not_allow(latm, allowed):
    """``latm requirements`` writes what a CI installs: a committed tool's pin of a package the
    user's ``allowed_packages`` does not allow (or not at that version) is refused, naming the
    tool and the package, and nothing is written."""
    _committed_with(latm.root, PIN)
    assert "word_sorting" in latm("list").stdout
    refused = latm("requirements", env={"LATM_ALLOWED_PACKAGES": allowed})
    assert refused.returncode == 1 and "Traceback" not in refused.stderr, refused.stderr
    line = refused.stderr.strip().splitlines()[-1]
    assert "word_sorting" in line and "roman" in line and "allowed_packages" in line and "nothing was written" in line.lower(), line
    assert not (latm.root / "toolbox" / "requirements.txt").exists()
