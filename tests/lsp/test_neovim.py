"""A real third-party LSP client: headless Neovim makes a tool from a markdown note through the
code-action menu, then solves a question there; the buffer it writes back is checked."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from families import WORD_SORTING, split
from lsp_support import bbh_family, examples_markdown, llm_env, maker_responder, server_env

pytestmark = pytest.mark.docker

SCRIPT = Path(__file__).with_name("nvim_make_solve.lua")
# `lua error` inside -c still exits 0: run the script under pcall and quit with an error code.
RUN = ('lua local ok, e = pcall(dofile, "{script}"); '
       'if not ok then io.stderr:write(tostring(e), "\\n"); vim.cmd("cquit! 2") end')


def test_neovim_makes_a_tool_and_solves_a_question(tmp_path, root, llm, docker_sandbox):
    nvim = shutil.which("nvim")
    assert nvim, "Neovim is needed for this test (apt-get install neovim)"
    llm.respond = maker_responder(bbh_family(WORD_SORTING))
    text = examples_markdown("word_sorting")
    note = root / "notes.md"
    note.write_text(text)
    lines = text.splitlines()
    out = tmp_path / "buffer.txt"
    env = server_env(**llm_env(llm.url))
    env.update({
        "NVIMTEST_ROOT": str(root), "NVIMTEST_NOTE": str(note), "NVIMTEST_OUT": str(out),
        "NVIMTEST_PYTHON": sys.executable,
        "NVIMTEST_LAST_EXAMPLE_LINE": str(lines.index("Now a new one:") - 1),  # 1-based: the last answer
        "NVIMTEST_QUESTION_LINE": str(len(lines)),
    })
    for name in ("c", "s", "d", "cfg"):
        (tmp_path / name).mkdir()
    env.update({"XDG_CACHE_HOME": str(tmp_path / "c"), "XDG_STATE_HOME": str(tmp_path / "s"),
                "XDG_DATA_HOME": str(tmp_path / "d"), "XDG_CONFIG_HOME": str(tmp_path / "cfg")})

    done = subprocess.run([nvim, "--headless", "--clean", "-n", "-c", RUN.format(script=SCRIPT)],
                          cwd=root, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"nvim exited {done.returncode}\n{done.stderr}\n{done.stdout}"

    assert "Make tool from 6 examples" in (out.with_suffix(".txt.titles")).read_text()
    assert (root / "toolbox" / "sort_words_alphabetically" / "tool.toml").is_file()  # named from the first question
    test_question = split("word_sorting")[2][0].question
    expected = " ".join(sorted(test_question.split("List:", 1)[1].split()))
    buffer = out.read_text().splitlines()
    assert buffer[: len(lines)] == lines  # the note is unchanged up to the question
    assert buffer[len(lines)] == f"Answer: {expected}"
    assert len(llm.chat_requests()) == 4
