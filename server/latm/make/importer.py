"""``import_latm``: a tool transcript of the LATM reference (a JSON list of chat messages) becomes
a toolbox tool, re-verified in the sandbox: every validation question must give its answer."""

from __future__ import annotations

import json
from pathlib import Path

from latm.make import checks, history, usecases
from latm.examples import parse_examples
from latm.input_files import load_json, read_input
from latm.make.new_tool import MakeResult
from latm.make.manifests import proven_manifest
from latm.llm.replies import python_code, wrapped_tool
from latm.source import CodeProblem, clean_tool, pick_entry, require_function
from latm.errors import InputFileError, ToolboxError, VerificationFailed
from latm.progress import ProgressCallback, ProgressEvent, no_progress
from latm.toolbox.manifest import Example
from latm.toolbox.names import validate_name
from latm.toolbox.store import ToolFiles, basis, write_tool


def read_transcript(path: Path) -> list[dict]:
    text = read_input(Path(path), "transcript")
    try:
        messages = load_json(text)
    except json.JSONDecodeError as err:
        raise InputFileError(f"Cannot read the transcript {path}: not JSON ({err.msg}).") from None
    if not isinstance(messages, list) or not messages or not all(
            isinstance(m, dict) and isinstance(m.get("role"), str) and isinstance(m.get("content"), str) for m in messages):
        raise ToolboxError(f"{path} is not a LATM transcript: expected a JSON list of {{\"role\", \"content\"}} messages.")
    return messages


def transcript_examples(messages: list[dict]) -> tuple[list[Example], list[Example]]:
    """The solved examples of the first two prompts that hold some: the propose (train) and verify prompts."""
    found = [parse_examples(m["content"]) for m in messages if m["role"] == "user"]
    found = [examples for examples in found if examples]
    train = [Example(e.question, e.answer, "train") for e in (found[0] if found else [])]
    validation = [Example(e.question, e.answer, "validation") for e in (found[1] if len(found) > 1 else [])]
    return train, validation


def _verification_tests(messages: list[dict]) -> str:
    """The maker's last reply before the wrap prompt: the unit tests that passed."""
    replies = [m["content"] for m in messages[:-1] if m["role"] == "assistant"]
    return python_code(replies[-1]) if replies else ""


def import_latm(ws, transcript_path: Path, name: str, *, progress: ProgressCallback = no_progress) -> MakeResult:
    validate_name(name)
    based_on = basis(ws.toolbox_dir / name, "importing")  # replaced only if still as it is now
    messages = read_transcript(transcript_path)
    train, validation = transcript_examples(messages)
    if not validation:
        raise VerificationFailed(f"Cannot import {transcript_path}: it has no verification examples "
                                 "(a user message with Question:/Answer: blocks after the first).")
    function, cases = wrapped_tool(messages[-1]["content"] if messages[-1]["role"] == "assistant" else "")
    if not function:
        raise VerificationFailed(f"Cannot import {transcript_path}: its last message is not a wrapped tool "
                                 "(a reply with the function in a ```python block and its use cases).")
    try:
        code = clean_tool(function)
        require_function(code)
    except CodeProblem as err:
        raise VerificationFailed(f"Cannot import {transcript_path}: {err}") from None
    sandbox, timeout = ws.making_sandbox(progress), ws.settings.timeout_s  # packages as the settings allow
    progress(ProgressEvent("verify", f"verify {name}", 0.2))
    error = checks.loads(sandbox, code, timeout)
    if error:
        raise VerificationFailed(f"The transcript's function does not run in the sandbox: {error}")
    failures: dict[str, str] = {}
    tests = _verification_tests(messages)
    entry = pick_entry(code, "\n".join([c.code for c in cases] + [tests]))
    use_cases = usecases.verified(sandbox, code, entry, usecases.from_wrap(cases, validation), timeout, failures)
    missing = usecases.uncovered(validation, use_cases)
    if missing:
        use_cases += usecases.verified(sandbox, code, entry, usecases.from_tests(tests, missing), timeout)
        missing = usecases.uncovered(validation, use_cases)
    if missing:
        shown = "; ".join(f"{e.question.splitlines()[0][:80]} ({failures.get(e.question, 'no use case')})" for e in missing)
        raise VerificationFailed(f"Nothing was imported: in the sandbox, the transcript's tool does not answer "
                                 f"{len(missing)} of its {len(validation)} verification question(s): {shown}")
    manifest = proven_manifest(name, code, entry, train + validation, use_cases, parser_verified_on=0,
                               origin="imported", maker_model="", sandbox_backend=sandbox.status().backend,
                               requirements=sandbox.requirements(code, *(u.code for u in use_cases)))
    path = write_tool(ws.toolbox_dir, ToolFiles(manifest, code), based_on=based_on)
    ws.registry.reload({name})
    history.keep_copy(ws, manifest, code)
    progress(ProgressEvent("write", "write", 1.0))
    return MakeResult(name, path, manifest, {}, 0, 0, None, ())
