"""Long jobs: progress and cancel, makes at the same time, failures of the model endpoint and
the sandbox reported clearly while the server keeps serving."""

from __future__ import annotations

import asyncio
import threading

import pytest
from families import DYCK_LANGUAGES, WORD_SORTING
from lsp_support import WAIT_S, bbh_family, examples_markdown, llm_env, maker_responder, server_containers
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from sandbox_settings import sandbox_settings

pytestmark = pytest.mark.docker

WHOLE = {"start": {"line": 0, "character": 0}, "end": {"line": 20, "character": 0}}
PATIENT = {"LATM_LLM_TIMEOUT_S": str(5 * WAIT_S)}  # the server never gives up on a held reply first


@pytest.fixture
def gate():
    """Held replies go once the test sets it (or when it ends, so no server thread is left waiting)."""
    opened = threading.Event()
    yield opened
    opened.set()


def held_first_reply(respond, gate: threading.Event):
    """The proposal of each make waits for ``gate`` (a maker still thinking); the rest come at once."""
    def held(messages, model):
        if len(messages) == 1:
            gate.wait(5 * WAIT_S)
        return respond(messages, model)
    return held


def making_token(editor, name: str):
    for token, reports in editor.client.progress_reports.items():
        if reports and getattr(reports[0], "title", "") == f"latm: making {name}":
            return token
    return None


def errors_saying(editor, text: str) -> list:
    return [m for m in editor.client.messages if m.type == types.MessageType.Error and text in m.message]


def leftovers(toolbox) -> list[str]:
    return sorted(p.name for p in toolbox.iterdir()) if toolbox.exists() else []


async def test_cancel_from_the_progress_writes_nothing(root, open_editor, llm, gate, docker_sandbox):
    llm.respond = held_first_reply(maker_responder(bbh_family(WORD_SORTING)), gate)
    editor = await open_editor(root, env=llm_env(llm.url, **PATIENT))
    doc = editor.open(root / "notes.md", examples_markdown("word_sorting"))
    before = leftovers(root / "toolbox")
    making = asyncio.ensure_future(editor.command("latm.makeTool", {"uri": doc, "range": WHOLE, "name": "word_sorting"}))
    token = await editor.wait_for(lambda: making_token(editor, "word_sorting"), what="progress begin")
    await editor.wait_for(lambda: any(getattr(r, "message", "") == "propose 1/3"
                                      for r in editor.client.progress_reports[token]), what="propose report")
    assert editor.client.progress_reports[token][0].cancellable is True
    editor.client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=token))
    with pytest.raises(JsonRpcException) as caught:
        await asyncio.wait_for(making, WAIT_S)  # the maker never answers: only the cancel ends it
    assert caught.value.code == -32800 and "Cancelled" in caught.value.message
    assert "Nothing was written" in caught.value.message or "nothing was written" in caught.value.message
    assert leftovers(root / "toolbox") == before  # no tool, no staging folder
    await editor.wait_for(lambda: editor.client.progress_reports[token][-1].kind == "end", what="progress end")
    assert (await editor.command("latm.listTools", {}))["tools"] == []


async def test_two_makes_at_once_and_a_second_make_of_the_same_name_is_refused(root, open_editor, llm, gate,
                                                                               docker_sandbox):
    llm.respond = held_first_reply(maker_responder(bbh_family(WORD_SORTING), bbh_family(DYCK_LANGUAGES)), gate)
    editor = await open_editor(root, env=llm_env(llm.url, **PATIENT))
    words = editor.open(root / "words.md", examples_markdown("word_sorting"))
    dyck = editor.open(root / "dyck.md", examples_markdown("dyck_languages"))
    first = asyncio.ensure_future(editor.command("latm.makeTool", {"uri": words, "range": WHOLE, "name": "sorter"}))
    second = asyncio.ensure_future(editor.command("latm.makeTool", {"uri": dyck, "range": WHOLE, "name": "brackets"}))
    await editor.wait_for(lambda: making_token(editor, "sorter") and making_token(editor, "brackets"), what="both running")
    with pytest.raises(JsonRpcException) as caught:
        await editor.command("latm.makeTool", {"uri": words, "range": WHOLE, "name": "sorter"})
    assert caught.value.code == -32803 and "being made already" in caught.value.message
    gate.set()  # both proposals were held until now, so both makes were running
    made = await asyncio.gather(first, second)
    assert [m["name"] for m in made] == ["sorter", "brackets"] and all(m["verified"] for m in made)
    listed = await editor.command("latm.listTools", {})
    assert [t["name"] for t in listed["tools"]] == ["brackets", "sorter"]


async def test_unreachable_endpoint_is_a_clear_message_and_the_server_keeps_serving(root, open_editor, llm):
    llm.stop()  # nothing listens there any more
    editor = await open_editor(root, env=llm_env(llm.url))
    doc = editor.open(root / "notes.md", examples_markdown("word_sorting"))
    with pytest.raises(JsonRpcException) as caught:
        await editor.command("latm.makeTool", {"uri": doc, "range": WHOLE, "name": "word_sorting"})
    assert caught.value.code == -32803 and caught.value.data == {"type": "LLMUnavailable", "shown": True}
    assert "Cannot reach the model endpoint" in caught.value.message
    shown = await editor.wait_for(lambda: errors_saying(editor, "Cannot reach the model endpoint"), what="the popup")
    assert "base_url" in shown[0].message
    assert not (root / "toolbox" / "word_sorting").exists()
    assert (await editor.command("latm.listTools", {}))["tools"] == []


async def test_missing_sandbox_image_is_a_clear_message(root, open_editor, llm):
    llm.respond = maker_responder(bbh_family(WORD_SORTING))
    editor = await open_editor(root, env=llm_env(llm.url, LATM_SANDBOX_IMAGE="latm-sandbox:does-not-exist"))
    doc = editor.open(root / "notes.md", examples_markdown("word_sorting"))
    with pytest.raises(JsonRpcException) as caught:
        await editor.command("latm.makeTool", {"uri": doc, "range": WHOLE, "name": "word_sorting"})
    assert caught.value.data["type"] == "ImageMissing" and caught.value.data["shown"] is True
    await editor.wait_for(lambda: errors_saying(editor, "latm-sandbox:does-not-exist"), what="the popup")
    status = await editor.command("latm.sandboxStatus", {})
    assert status["backend"] == "unavailable" and "does-not-exist" in status["warning"]
    assert status["missing_image"] == "latm-sandbox:does-not-exist"  # the fix an editor can offer


async def test_verify_and_sandbox_status(root, open_editor, llm, docker_sandbox):
    llm.respond = maker_responder(bbh_family(WORD_SORTING))
    editor = await open_editor(root, env=llm_env(llm.url))
    doc = editor.open(root / "notes.md", examples_markdown("word_sorting"))
    await editor.command("latm.makeTool", {"uri": doc, "range": WHOLE, "name": "word_sorting"})
    status = await editor.command("latm.sandboxStatus", {})
    assert status["backend"] == "docker" and status["image"].startswith(sandbox_settings().sandbox_image) and status["warm_containers"] >= 1

    checked = await editor.command("latm.verifyTool", {"name": "word_sorting"})
    assert checked["verified"] is True and checked["passed"] == checked["total"] == 9 and checked["failures"] == []

    # A sandbox setting changes: the running containers go; the next run starts new ones.
    before = set(server_containers(editor))
    editor.client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"latm": {"memoryMb": 192}}))
    await editor.wait_for(lambda: not before & set(server_containers(editor)), what="old containers gone")
    checked = await editor.command("latm.verifyTool", {"name": "word_sorting"})
    assert checked["verified"] is True and set(server_containers(editor)) - before

    code = root / "toolbox" / "word_sorting" / "tool.py"
    code.write_text(code.read_text().replace("return sorted(words)", "return sorted(words, reverse=True)"))
    checked = await editor.command("latm.verifyTool", {"name": "word_sorting"})
    assert checked["verified"] is False and checked["passed"] < checked["total"]
    assert "verification FAILED" in checked["message"] and checked["failures"]
    assert checked["edit"] == "refused" and "the hand edit is refused: nothing was written" in checked["message"]
    await editor.wait_for(  # the edit waits, unused, flagged on tool.py
        lambda: [d for uri, ds in editor.client.diagnostics.items() if uri.endswith("word_sorting/tool.py")
                 for d in ds if "edited, not verified" in d.message],
        what="the edited tool's diagnostic")


async def test_cancel_request_stops_the_make_and_the_log_goes_to_the_file(root, tmp_path, open_editor, llm, gate,
                                                                         docker_sandbox):
    llm.respond = held_first_reply(maker_responder(bbh_family(WORD_SORTING)), gate)
    log = tmp_path / "logs" / "latm.log"
    editor = await open_editor(root, env=llm_env(llm.url, **PATIENT), serve_args=("--log-file", str(log)))
    doc = editor.open(root / "notes.md", examples_markdown("word_sorting"))
    params = types.ExecuteCommandParams(command="latm.makeTool",
                                        arguments=[{"uri": doc, "range": WHOLE, "name": "word_sorting"}])
    making = asyncio.ensure_future(
        editor.client.protocol.send_request_async(types.WORKSPACE_EXECUTE_COMMAND, params, msg_id="make-1"))
    await editor.wait_for(lambda: len(llm.chat_requests()) == 1, what="the maker asked")
    editor.client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="make-1"))
    with pytest.raises(JsonRpcException) as caught:
        await asyncio.wait_for(making, WAIT_S)
    assert caught.value.code == -32800
    token = making_token(editor, "word_sorting")
    await editor.wait_for(lambda: editor.client.progress_reports[token][-1].kind == "end", what="the make ended")
    assert len(llm.chat_requests()) == 1  # the make stopped; it asked nothing more
    assert not (root / "toolbox" / "word_sorting").exists()
    assert (await editor.command("latm.listTools", {}))["tools"] == []

    text = log.read_text()
    assert "serving" in text and "making word_sorting: propose 1/3" in text
    assert "Sending data" not in text and '"jsonrpc"' not in text  # no protocol payloads in the log


async def test_no_key_is_left_to_the_editor_to_explain_and_expected_failures_log_no_traceback(
        root, tmp_path, open_editor, llm):
    from lsp_support import TEST_KEY_ENV

    log = tmp_path / "logs" / "latm.log"
    editor = await open_editor(root, env=llm_env(llm.url, **{TEST_KEY_ENV: ""}), serve_args=("--log-file", str(log)))
    doc = editor.open(root / "notes.md", examples_markdown("word_sorting"))
    with pytest.raises(JsonRpcException) as caught:
        await editor.command("latm.makeTool", {"uri": doc, "range": WHOLE, "name": "word_sorting"})
    # Typed and not shown by the server: an editor says how a key is set there (VS Code: a command).
    assert caught.value.code == -32803 and caught.value.data == {"type": "NoApiKey", "shown": False}
    assert f"environment variable {TEST_KEY_ENV} is not set" in caught.value.message
    assert llm.chat_requests() == []

    # A cancel that arrives after its request was answered (VS Code sends them for code actions).
    listed = await editor.client.protocol.send_request_async(
        types.WORKSPACE_EXECUTE_COMMAND, types.ExecuteCommandParams(command="latm.listTools", arguments=[{}]),
        msg_id="late-cancel")
    assert listed["tools"] == []
    editor.client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="late-cancel"))
    assert (await editor.command("latm.listTools", {}))["tools"] == []  # handled in order: the cancel is in

    assert editor.client.messages == []
    text = log.read_text()
    assert "makeTool: No API key" in text
    assert "Traceback" not in text and "Exception occurred" not in text and "server error" not in text
    assert "Cancel notification for unknown message id" not in text
