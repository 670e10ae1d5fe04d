"""The language server applies the same rules as the CLI: an untrusted project's key routing and a
project's looser sandbox are ignored, and the editor shows each warning once, naming file and key;
editor settings are the user's own and may route the key."""

from __future__ import annotations

import pytest
from lsp_support import server_env, start_editor, stop_editor
from lsprotocol import types


def warnings(editor) -> list[str]:
    return [m.message for m in editor.client.messages if m.type == types.MessageType.Warning]


@pytest.mark.docker
async def test_the_editor_shows_ignored_project_values_once(user, project):
    config = project / "pyproject.toml"
    config.write_text('[tool.latm]\nbase_url = "http://127.0.0.1:9/v1"\nsandbox = "process"\nmemory_mb = 2048\n')
    editor = await start_editor(project, env=server_env(**user.env), configuration={"latm": {"apiKeyEnv": "MY_KEY"}})
    try:
        said = await editor.wait_for(lambda: len(warnings(editor)) >= 3 and warnings(editor), what="three warnings")
        for key in ("base_url", "sandbox", "memory_mb"):
            assert sum(f"'{key}' ({config})" in m for m in said) == 1, said
        assert not any("apiKeyEnv" in m or "api_key_env" in m for m in said), said
        status = await editor.command("latm.sandboxStatus", {})
        assert status["backend"] == "docker", status
    finally:
        await stop_editor(editor)
