"""A repository's own ``.latm``: latm keeps its records (answers, pending questions, the ledger,
caches, kept versions, failed makes, evaluation caches) only in a real folder the user owns,
reached through no link. Anything else (a link a pull request committed, a file, another user's
folder, a link inside a real ``.latm`` added with ``git add -f``) is said once, with what to do, and
latm goes on without those records. Real files and the real writers; the CLI test runs the real
command in the Docker sandbox."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import pytest

from latm.eval.cache import AnswerCache
from latm.eval.methods import Method, Outcome
from latm.llm.ledger import Ledger, LedgerEntry
from latm.make import history
from latm.make.failures import save_failed
from latm.questions.answer_log import PARSER, record_answer
from latm.questions.pending import add_question
from latm.toolbox import cache_file
from latm.settings import Settings
from latm.workspace import Workspace

OTHER_UID = 4242
REPO_TOOLBOX = Path(__file__).resolve().parents[2] / "toolbox"


def _link(root: Path, elsewhere: Path, inside: str) -> Path:
    """``root/.latm`` (or ``root/.latm/INSIDE``) made a link to ``elsewhere``; returns the link."""
    link = root / ".latm" / inside if inside else root / ".latm"
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(elsewhere, target_is_directory=True)
    return link


LAYOUTS = {
    "linked": lambda root, elsewhere: _link(root, elsewhere, ""),
    "linked-history": lambda root, elsewhere: _link(root, elsewhere, "history"),
    "linked-cache": lambda root, elsewhere: _link(root, elsewhere, "cache"),
    "linked-eval": lambda root, elsewhere: _link(root, elsewhere, "eval"),
    "linked-failed": lambda root, elsewhere: _link(root, elsewhere, "failed"),
}


def _write_everything(ws: Workspace) -> list[str]:
    """Every record latm keeps in ``.latm``, written the way latm writes it; the writers whose
    callers must know (they say so themselves) that raised OSError."""
    tool = ws.registry.get("word_sorting")
    record_answer(ws, "Sort: b a", "word_sorting", PARSER)
    Ledger.in_state_dir(ws.state_dir).append(LedgerEntry("user", "some-model", "ok"))
    cache_file.write(ws.state_dir, "registry", "kind", "key", {"a": 1})
    history.keep_copy(ws, tool.manifest, tool.code)
    AnswerCache(ws.state_dir, Method("program", "user", "m", "f", None)).put("q", Outcome("a"))
    raised = []
    for name, write in (("pending", lambda: add_question(ws, "What is the capital of the moon?")),
                        ("failed", lambda: save_failed(ws.state_dir, "word_sorting", "propose", "boom", []))):
        try:
            write()
        except OSError:
            raised.append(name)
    return raised


def _workspace(tmp_path: Path) -> Workspace:
    root = tmp_path / "project"
    shutil.copytree(REPO_TOOLBOX / "word_sorting", root / "toolbox" / "word_sorting")
    return Workspace(root, Settings())


def _said_once(caplog, folder: Path, what: str) -> None:
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    about = [m for m in said if str(folder) in m and what in m]
    assert len(about) == 1 and "remove" in about[0].lower(), said
    assert len(said) == 1, said  # one sentence about the folder, not one per record


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_no_record_is_written_through_a_linked_state_folder(tmp_path, caplog, layout):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    ws = _workspace(tmp_path)
    link = LAYOUTS[layout](ws.root, elsewhere)
    caplog.set_level(logging.WARNING)
    raised = _write_everything(ws)
    assert raised == {"linked": ["pending", "failed"], "linked-failed": ["failed"]}.get(layout, [])
    assert sorted(p.name for p in elsewhere.rglob("*")) == []
    _said_once(caplog, link, "symbolic link")


def test_a_state_folder_that_is_a_file_is_said_once(tmp_path, caplog):
    ws = _workspace(tmp_path)
    (ws.root / ".latm").write_text("not a folder\n")
    caplog.set_level(logging.WARNING)
    assert _write_everything(ws) == ["pending", "failed"]
    assert (ws.root / ".latm").read_text() == "not a folder\n"
    _said_once(caplog, ws.root / ".latm", "not a folder")


@pytest.mark.skipif(os.geteuid() != 0, reason="making a folder of another user needs root (CI runs as root)")
def test_a_state_folder_of_another_user_is_not_written_in(tmp_path, caplog):
    ws = _workspace(tmp_path)
    theirs = ws.root / ".latm"
    theirs.mkdir()
    os.chown(theirs, OTHER_UID, OTHER_UID)
    caplog.set_level(logging.WARNING)
    assert _write_everything(ws) == ["pending", "failed"]
    assert list(theirs.iterdir()) == []
    _said_once(caplog, theirs, f"user {OTHER_UID}")


def test_a_linked_entry_in_a_real_state_folder_is_never_written_through(tmp_path):
    """A committed ``.latm/cache/registry.json`` or kept version that links elsewhere is replaced
    or left alone, never written through."""
    ws = _workspace(tmp_path)
    target = tmp_path / "target.json"
    target.write_text("theirs\n")
    (ws.root / ".latm" / "cache").mkdir(parents=True)
    (ws.root / ".latm" / "cache" / "registry.json").symlink_to(target)
    tool = ws.registry.get("word_sorting")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (ws.root / ".latm" / "history" / "word_sorting").mkdir(parents=True)
    (ws.root / ".latm" / "history" / "word_sorting" / str(tool.manifest.version)).symlink_to(elsewhere)
    cache_file.write(ws.state_dir, "registry", "kind", "key", {"a": 1})
    history.keep_copy(ws, tool.manifest, tool.code)
    assert target.read_text() == "theirs\n" and list(elsewhere.iterdir()) == []
    assert cache_file.read(ws.state_dir, "registry", "kind", "key") == {"a": 1}  # a real file now


@pytest.mark.docker
def test_solve_through_a_linked_state_folder_answers_and_says_once_what_to_do(latm, tmp_path, committed_tool):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (latm.root / ".latm").symlink_to(elsewhere)
    run = latm("solve", "--tool", committed_tool, "Sort the following words alphabetically: List: pear fig")
    assert run.returncode == 0 and run.stdout.splitlines()[0] == "fig pear", run.stderr
    about = [line for line in run.stderr.splitlines() if ".latm" in line]
    assert len(about) == 1 and "symbolic link" in about[0] and "remove" in about[0].lower(), run.stderr
    assert list(elsewhere.iterdir()) == []
