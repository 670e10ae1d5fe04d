"""A real third-party LSP client: headless Neovim makes a tool from a markdown note through the
code-action menu, then solves a question there; the buffer it writes back is checked. A second
run goes on: corrects the wrong answer, sees the tool regress, repairs it from its manifest and
commits it, with its history, into the project's git repository."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from families import WORD_SORTING, split
from living_support import DEDUP, REPEATED, RIGHT_PATCH
from lsp_support import bbh_family, examples_markdown, git, llm_env, maker_responder, server_env

from latm.toolbox.manifest import loads

pytestmark = pytest.mark.docker

HERE = Path(__file__).parent
# `lua error` inside -c still exits 0: run the script under pcall and quit with an error code.
RUN = ('lua local ok, e = pcall(dofile, "{script}"); '
       'if not ok then io.stderr:write(tostring(e), "\\n"); vim.cmd("cquit! 2") end')


def run_neovim(tmp_path: Path, root: Path, llm, script: str, text: str, **extra: str) -> list[str]:
    """Run ``script`` on a note holding ``text``; the note's buffer as Neovim left it."""
    nvim = shutil.which("nvim")
    assert nvim, "Neovim is needed for this test (apt-get install neovim)"
    note = root / "notes.md"
    note.write_text(text)
    lines = text.splitlines()
    out = tmp_path / "buffer.txt"
    env = server_env(**llm_env(llm.url))
    env.update({
        "NVIMTEST_ROOT": str(root), "NVIMTEST_NOTE": str(note), "NVIMTEST_OUT": str(out),
        "NVIMTEST_PYTHON": sys.executable, "NVIMTEST_SUPPORT": str(HERE / "nvim_support.lua"),
        "NVIMTEST_LAST_EXAMPLE_LINE": str(lines.index("Now a new one:") - 1),  # 1-based: the last answer
        "NVIMTEST_QUESTION_LINE": str(len(lines)), **extra,
    })
    for name in ("c", "s", "d", "cfg"):
        (tmp_path / name).mkdir()
    env.update({"XDG_CACHE_HOME": str(tmp_path / "c"), "XDG_STATE_HOME": str(tmp_path / "s"),
                "XDG_DATA_HOME": str(tmp_path / "d"), "XDG_CONFIG_HOME": str(tmp_path / "cfg")})
    done = subprocess.run([nvim, "--headless", "--clean", "-n", "-c", RUN.format(script=HERE / script)],
                          cwd=root, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"nvim exited {done.returncode}\n{done.stderr}\n{done.stdout}"
    return out.read_text().splitlines()


def test_neovim_makes_a_tool_and_solves_a_question(tmp_path, root, llm, docker_sandbox):
    llm.respond = maker_responder(bbh_family(WORD_SORTING))
    text = examples_markdown("word_sorting")
    buffer = run_neovim(tmp_path, root, llm, "nvim_make_solve.lua", text)

    assert "Make tool from 6 examples" in (tmp_path / "buffer.txt.titles").read_text()
    assert (root / "toolbox" / "sort_words_alphabetically" / "tool.toml").is_file()  # named from the first question
    test_question = split("word_sorting")[2][0].question
    expected = " ".join(sorted(test_question.split("List:", 1)[1].split()))
    lines = text.splitlines()
    assert buffer[: len(lines)] == lines  # the note is unchanged up to the question
    assert buffer[len(lines)] == f"Answer: {expected}"
    assert len(llm.chat_requests()) == 4


def test_neovim_corrects_an_answer_repairs_the_tool_and_commits_it(tmp_path, repo, llm, docker_sandbox):
    make = maker_responder(bbh_family(DEDUP))  # a word sorter that drops repeated words

    def respond(messages: list, model: str) -> str:
        return RIGHT_PATCH if messages[0]["content"].startswith("This tool answers some") else make(messages, model)

    llm.respond = respond
    text = examples_markdown("word_sorting", question=REPEATED.question)
    folder = repo / "toolbox" / "sort_words_alphabetically"  # named from the first question
    buffer = run_neovim(tmp_path, repo, llm, "nvim_correct_repair.lua", text, NVIMTEST_RIGHT_ANSWER=REPEATED.answer,
                        NVIMTEST_MANIFEST=str(folder / "tool.toml"))

    log = (tmp_path / "buffer.txt.log").read_text().splitlines()
    assert log[0] == "answered: Answer: alpha bravo echo"  # wrong: a repeated word is lost
    assert log[1] == "corrected: regressed"
    assert log[2].startswith("diagnostic: regressed: ") and "expected 'alpha bravo echo echo', got 'alpha bravo echo'" in log[2]
    assert log[3:5] == ["repaired: true version 2", "diagnostics after the repair: 0"]
    assert buffer[len(text.splitlines())] == f"Answer: {REPEATED.answer}"
    manifest = loads((folder / "tool.toml").read_text())
    assert manifest.verification.ok and manifest.examples[-1].split == "reported"
    assert [(h.version, h.reason) for h in manifest.history] == [(1, "made"), (2, "repaired")]
    assert "set(" not in (folder / "tool.py").read_text()
    assert len(llm.chat_requests()) == 5  # four to make, one to repair

    # The commit holds the repaired tool's current files only; its history is in its manifest, and
    # the kept copies of old versions (.latm/history) stay out of the repository.
    head = git(repo, "rev-parse", "HEAD").strip()
    assert log[5] == f"committed: {head}"
    assert sorted(git(repo, "show", "--name-only", "--format=", "HEAD").split()) == ["toolbox/pytest.ini"] + [
        f"toolbox/sort_words_alphabetically/{f}" for f in ("test_tool.py", "tool.py", "tool.toml")]
    committed = loads(git(repo, "show", "HEAD:toolbox/sort_words_alphabetically/tool.toml"))
    assert [(h.version, h.reason) for h in committed.history] == [(1, "made"), (2, "repaired")]
    assert committed.version == 2 and committed.examples[-1].split == "reported"
    assert "id='reported-1'" in git(repo, "show", "HEAD:toolbox/sort_words_alphabetically/test_tool.py")
    assert (repo / ".latm" / "history" / "sort_words_alphabetically" / "1" / "tool.py").is_file()
    assert ".latm" not in git(repo, "ls-files") and git(repo, "status", "--porcelain", "toolbox") == ""
