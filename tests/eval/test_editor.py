"""``latm.evaluate`` over LSP (stdio, the real ``latm serve``): progress per method, the report's
path in the result, and a cancel from the progress that still leaves a partial report."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lsp"))

from eval_support import bbh, plan_for, responder, write_jsonl  # noqa: E402
from lsp_support import llm_env, server_env, start_editor, stop_editor  # noqa: E402
from lsprotocol import types  # noqa: E402
from scripted_llm import Delay  # noqa: E402

pytestmark = pytest.mark.docker
QUESTIONS = bbh("word_sorting")[:12]


@pytest.fixture
async def editor(project, scripted_llm):
    started = await start_editor(project, env=server_env(**llm_env(scripted_llm.url)))
    yield started
    await stop_editor(started)


def reports_of(editor, title):
    for reports in editor.client.progress_reports.values():
        if reports and getattr(reports[0], "title", "") == title:
            return reports
    return []


async def test_evaluate_reports_progress_and_returns_the_report(editor, scripted_llm, project):
    write_jsonl(project / "questions.jsonl", QUESTIONS)
    plan = plan_for([q["question"] for q in QUESTIONS], {"user-direct": 0})
    scripted_llm.respond = responder(plan)

    done = await editor.command("latm.evaluate", {"tool": "word_sorting", "data": "questions.jsonl",
                                                  "methods": "tool-parser,user-direct"})

    assert done["status"] == "complete"
    report = Path(done["report"])
    assert report.is_file() and report.parent.parent == project / ".latm" / "eval"
    assert [(m["method"], m["correct"]) for m in done["methods"]] == [
        ("tool-parser", 12), ("user-direct", list(plan["user-direct"].values()).count("right"))]
    assert done["message"].startswith("Evaluated word_sorting: tool-parser 12/12, user-direct ")
    said = [getattr(r, "message", None) for r in reports_of(editor, "latm: evaluating word_sorting")]
    assert "tool-parser 12/12" in said and "user-direct 12/12" in said and said[-1] == "done"


async def test_cancel_from_the_progress_leaves_a_partial_report(editor, scripted_llm, project):
    write_jsonl(project / "questions.jsonl", QUESTIONS)
    plan = plan_for([q["question"] for q in QUESTIONS], {"user-direct": 0})
    answer = responder(plan)
    scripted_llm.respond = lambda messages, model: Delay(1.0, answer(messages, model))

    running = asyncio.ensure_future(editor.command("latm.evaluate", {"tool": "word_sorting", "data": str(project / "questions.jsonl"),
                                                                     "methods": "user-direct"}))
    reports = await editor.wait_for(lambda: reports_of(editor, "latm: evaluating word_sorting"), what="progress begin")
    await editor.wait_for(lambda: len(scripted_llm.chat_requests()) >= 2, timeout=60, what="two requests")
    token = next(t for t, r in editor.client.progress_reports.items() if r is reports)
    editor.client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=token))
    done = await asyncio.wait_for(running, 60)

    assert done["status"] == "cancelled"
    partial = json.loads(Path(done["out"], "results.json").read_text())
    assert partial["status"] == "cancelled" and partial["methods"][0]["total"] < len(QUESTIONS)
    assert "Cancelled: a partial report" in Path(done["report"]).read_text()


async def test_a_bad_method_name_is_a_clear_error(editor, project):
    from pygls.exceptions import JsonRpcException

    write_jsonl(project / "questions.jsonl", QUESTIONS)
    with pytest.raises(JsonRpcException) as caught:
        await editor.command("latm.evaluate", {"tool": "word_sorting", "data": "questions.jsonl", "methods": "guess"})
    assert "unknown method(s) guess" in caught.value.message
