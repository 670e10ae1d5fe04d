"""Makes of tools that import allowed packages: the scripted maker over the real SDK, pip against
the package index, the tool verified and solved in a derived Docker image and in ``process``."""

from __future__ import annotations

import json

import pytest

from model_support import reference_transcript
from latm.solve import solve
from latm.make import import_latm
from latm.make import make_tool
from latm.make import verify_tool
from latm.errors import VerificationFailed
from latm.requirement_specs import parse_pins
from latm.sandbox import derived_images
from packages_support import DATES, NUMPY, ROMAN, remove_images_of

pytestmark = pytest.mark.docker


@pytest.mark.parametrize("backend", ["docker", "process"])
def test_a_tool_using_a_pure_python_wheel_is_made_pinned_verified_and_solved(scripted_llm, make_workspace, backend):
    ws = make_workspace(allowed=["roman"], sandbox=backend)
    remove_images_of("roman")
    scripted_llm.push(*ROMAN.script())
    events = []
    made = make_tool(ws, ROMAN.examples, ROMAN.name, progress=events.append)

    manifest = made.manifest
    assert manifest.verification.ok and manifest.verification.sandbox == backend
    (pin,) = parse_pins(manifest.requirements)
    assert pin.name == "roman" and len(pin.sha256) == 64
    assert 'requirements = [' in (made.path / "tool.toml").read_text()
    propose = scripted_llm.chat_requests()[0].prompt
    assert f"roman {pin.version} (import roman)" in propose and "nothing else can be imported" in propose

    answer = solve(ws, "Write the number 1987 in Roman numerals.", ROMAN.name)
    assert answer.answer == "MCMLXXXVII" and answer.path == "parser"
    if backend == "docker":
        image = derived_images.find(ws.sandbox().api, ws.settings.sandbox_image, ws.sandbox().image["Id"],
                                    ws.packages().for_pins(parse_pins(manifest.requirements)).digest)
        assert image and any(e.stage == "image" and "built" in e.message for e in events)
    else:
        assert list(ws.packages().envs.glob("*/site/roman"))


def test_a_dependency_is_pinned_with_its_hash_and_a_fresh_clone_verifies_the_same_files(scripted_llm, make_workspace,
                                                                                         tmp_path):
    ws = make_workspace(allowed=["python-dateutil"])
    scripted_llm.push(*DATES.script())
    made = make_tool(ws, DATES.examples, DATES.name)
    pins = {pin.name: pin for pin in parse_pins(made.manifest.requirements)}
    assert set(pins) == {"python-dateutil", "tzdata"}, "the dependency is pinned too"

    clone = make_workspace(allowed=["python-dateutil"], folder="clone")  # another checkout, same settings
    import shutil

    shutil.copytree(made.path, clone.toolbox_dir / DATES.name)
    clone.registry.reload({DATES.name})
    checked = verify_tool(clone, DATES.name)
    assert (checked.passed, checked.total) == (made.manifest.verification.passed, made.manifest.verification.total)
    assert solve(clone, "What is the date 1 month after 2023-01-31?", DATES.name).answer == "2023-02-28"



@pytest.mark.parametrize("backend", ["docker", "process"])
def test_a_tool_using_a_compiled_wheel_is_made_and_solved(scripted_llm, make_workspace, backend):
    ws = make_workspace(allowed=["numpy>=1.26"], sandbox=backend)
    scripted_llm.push(*NUMPY.script())
    made = make_tool(ws, NUMPY.examples, NUMPY.name)
    (pin,) = parse_pins(made.manifest.requirements)
    assert pin.name == "numpy" and made.manifest.verification.ok
    assert solve(ws, "What is the population standard deviation of: 1, 1, 1, 5?", NUMPY.name).answer == "1.7321"


@pytest.mark.parametrize("allowed", [["roman"], []])
def test_a_reference_transcript_using_a_package_imports_only_where_it_is_allowed(scripted_llm, make_workspace, tmp_path,
                                                                                allowed):
    transcript = tmp_path / "roman.json"
    transcript.write_text(json.dumps(reference_transcript(ROMAN, ROMAN.train, ROMAN.validation)))
    ws = make_workspace(allowed=allowed)
    if not allowed:
        with pytest.raises(VerificationFailed) as refused:
            import_latm(ws, transcript, ROMAN.name)
        assert "ImportNotAllowed" in str(refused.value) and "`roman`" in str(refused.value)
        assert not (ws.toolbox_dir / ROMAN.name).exists()
        return
    imported = import_latm(ws, transcript, ROMAN.name)
    assert [pin.name for pin in parse_pins(imported.manifest.requirements)] == ["roman"]
    assert imported.manifest.verification.ok and imported.manifest.provenance.origin == "imported"
    question = "Write the number 9 in Roman numerals."
    scripted_llm.push(ROMAN.user_reply(question))  # an imported tool has no question parser: the user model calls it
    assert solve(ws, question, ROMAN.name).answer == "IX"
