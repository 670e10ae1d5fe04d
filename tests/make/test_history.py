"""Versions of a tool: rollback from the copies in .latm/history (no git), and hand edits that are
accepted or refused. The scripted maker over the real SDK; tool code only in the real Docker sandbox."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from model_support import tree_bytes
from living_support import REPEATED, RIGHT_PATCH, made_dedup
from latm.make.feedback import add_examples
from latm.make.repair import repair_tool
from latm.make.rollback import rollback_tool
from latm.solve.solver import Solver
from latm.make.verify import verify_tool
from latm.errors import ToolboxError, VerificationFailed
from latm.workspace import Workspace

pytestmark = pytest.mark.docker


def repaired(scripted_llm, workspace, llm) -> None:
    made_dedup(scripted_llm, workspace, llm)
    add_examples(workspace, "word_sorting", [REPEATED])
    scripted_llm.push(RIGHT_PATCH)
    repair_tool(workspace, "word_sorting")


def reasons(workspace) -> list[tuple[int, str]]:
    return [(h.version, h.reason) for h in workspace.registry.get("word_sorting").manifest.history]


def test_rollback_restores_code_and_manifest_and_reverifies_without_git(scripted_llm, workspace, llm):
    repaired(scripted_llm, workspace, llm)
    assert not (workspace.root / ".git").exists()
    code = workspace.toolbox_dir / "word_sorting" / "tool.py"
    v2 = code.read_text()

    back = rollback_tool(workspace, "word_sorting")  # to the version before: 1
    assert (back.restored, back.version) == (1, 3)
    assert "sorted(set(words))" in code.read_text()
    # The reported answer is still right, so the old version is back as what it is: regressed.
    assert back.state == "regressed" and [f.got for f in back.checked.failures()] == ["alpha bravo echo"]
    tool = workspace.registry.get("word_sorting")
    assert tool.regressed and tool.manifest.examples[-1] == REPEATED.__class__(REPEATED.question, REPEATED.answer, "reported")
    assert reasons(workspace) == [(1, "made"), (2, "repaired"), (3, "rolled back")]

    forward = rollback_tool(workspace, "word_sorting", 2)
    assert (forward.restored, forward.version, forward.state) == (2, 4, "verified")
    assert code.read_text() == v2
    assert reasons(workspace) == [(1, "made"), (2, "repaired"), (3, "rolled back"), (4, "rolled back")]
    kept = sorted(p.name for p in (workspace.state_dir / "history" / "word_sorting").iterdir())
    assert kept == ["1", "2", "3", "4"]

    with pytest.raises(ToolboxError, match="no version 9"):
        rollback_tool(workspace, "word_sorting", 9)


def test_a_hand_edit_is_not_used_until_it_passes_every_stored_example(scripted_llm, workspace, llm):
    made_dedup(scripted_llm, workspace, llm)
    add_examples(workspace, "word_sorting", [REPEATED])
    code = workspace.toolbox_dir / "word_sorting" / "tool.py"
    code.write_text(code.read_text().replace("sorted(set(words))", "sorted(words)"))  # the right fix, by hand
    workspace.registry.reload({"word_sorting"})
    tool = workspace.registry.get("word_sorting")
    assert tool.state == "edited" and not tool.usable
    with pytest.raises(VerificationFailed, match="edited by hand and the edit is not verified"):
        Solver(workspace.settings, workspace.sandbox(), llm).solve(tool, REPEATED.question)

    accepted = verify_tool(workspace, "word_sorting")
    assert (accepted.edit, accepted.version, accepted.ok) == ("accepted", 2, True)
    assert workspace.registry.get("word_sorting").verified
    assert reasons(workspace) == [(1, "made"), (2, "edited by hand")]
    assert (workspace.state_dir / "history" / "word_sorting" / "2" / "tool.py").read_text() == code.read_text()


def test_a_hand_edit_that_breaks_an_example_is_refused_and_can_be_undone(scripted_llm, workspace, llm):
    made_dedup(scripted_llm, workspace, llm)
    code = workspace.toolbox_dir / "word_sorting" / "tool.py"
    original = code.read_text()
    code.write_text(original.replace("sorted(set(words))", "sorted(set(words), reverse=True)"))
    folder = workspace.toolbox_dir / "word_sorting"
    edited = tree_bytes(folder)

    refused = verify_tool(workspace, "word_sorting")
    assert refused.edit == "refused" and not refused.ok and refused.passed == 0
    assert tree_bytes(folder) == edited  # nothing written: the edit waits, unused
    assert workspace.registry.get("word_sorting").state == "edited"
    assert reasons(workspace) == [(1, "made")]

    undone = rollback_tool(workspace, "word_sorting")  # over a pending edit: back to the current version
    assert (undone.restored, undone.version, undone.state) == (1, 1, "verified")
    assert code.read_text() == original and workspace.registry.get("word_sorting").verified


def git(cwd, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=Test", "-c", "user.email=test@example.invalid", *args], cwd=cwd,
                   check=True, capture_output=True)


def edit_badly(folder) -> str:
    """A hand edit that breaks the tool; returns the code before it."""
    code = folder / "tool.py"
    original = code.read_text()
    code.write_text(original.replace("sorted(set(words))", "sorted(set(words), reverse=True)"))
    return original


def test_undoing_a_hand_edit_without_a_kept_copy_takes_the_committed_version_and_runs_no_repository_command(
        scripted_llm, workspace, llm, tmp_path):
    made_dedup(scripted_llm, workspace, llm)
    folder = workspace.toolbox_dir / "word_sorting"
    shutil.rmtree(workspace.state_dir / "history")  # as in a fresh clone: nothing kept on this machine
    original = edit_badly(folder)
    workspace.registry.reload({"word_sorting"})
    with pytest.raises(ToolboxError, match="not kept on this machine") as neither:
        rollback_tool(workspace, "word_sorting")  # no git repository either
    assert "not committed in git" in str(neither.value)
    assert (folder / "tool.py").read_text() != original  # nothing written

    (folder / "tool.py").write_text(original)
    git(workspace.root, "init", "-q")
    git(workspace.root, "add", "toolbox")
    git(workspace.root, "commit", "-qm", "word_sorting")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(workspace.root), str(clone))
    marker = tmp_path / "a-repository-command-ran"
    command = tmp_path / "command.sh"
    command.write_text(f"#!/bin/sh\necho ran >> {marker}\n")
    command.chmod(0o755)
    hooks = clone / ".git" / "hooks"
    for hook in ("post-checkout", "post-index-change", "reference-transaction", "pre-commit"):
        shutil.copy(command, hooks / hook)
    git(clone, "config", "core.fsmonitor", str(command))
    marker.unlink(missing_ok=True)

    fresh = Workspace(clone, workspace.settings)
    try:
        cloned = fresh.toolbox_dir / "word_sorting"
        assert edit_badly(cloned) == original
        fresh.registry.reload({"word_sorting"})
        undone = rollback_tool(fresh, "word_sorting")
        assert (undone.restored, undone.version, undone.state) == (1, 1, "verified")
        assert (cloned / "tool.py").read_text() == original and fresh.registry.get("word_sorting").verified
        assert not marker.exists()
    finally:
        fresh.close()
