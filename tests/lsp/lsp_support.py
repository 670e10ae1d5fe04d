"""Helpers of the language-server tests: a real ``latm serve`` over stdio, driven by pytest-lsp's
client, plus the bits a test needs to read what the server sent."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, Union

from lsprotocol import types
from pygls.uris import from_fs_path
from pytest_lsp import client_capabilities
from pytest_lsp.client import LanguageClient, make_test_lsp_client
from sandbox_settings import clean_env

from latm.lsp.actions import UNROUTED_TITLE
from latm.toolbox.manifest import Example, Manifest, ParserEntry, Provenance, UseCase, Verification
from latm.toolbox.store import ToolFiles, write_tool

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent
TEST_KEY_ENV = "LSP_TEST_OPENAI_KEY"  # not LATM_*: that prefix is read as settings
TEST_KEY = "sk-lsp-test-3c9d0e7f21a84b55"
# How long a test waits for a state before it fails. Only a broken server takes this long; a
# loaded machine (CI shares two cores) can take far longer than an idle one.
WAIT_S = 180.0

WORD_COUNT_CODE = '''"""Count the words of a sentence."""


def count_words(sentence: str) -> int:
    return len(sentence.split())


def parse_question(question: str) -> dict:
    return {"sentence": question.split(":", 1)[1].strip().strip('"')}


def format_answer(result: int, question: str) -> str:
    return str(result)
'''


def word_count_files(name: str = "count_words", verified: bool = True, code: str = WORD_COUNT_CODE) -> ToolFiles:
    """A hand-written tool in the toolbox format (its verification as claimed by ``verified``)."""
    sentences = ["a b c", "one two", "x", "the cat sat down", "hello there world", "p q r s t"]
    examples = tuple(
        Example(f'How many words are in: "{s}"', str(len(s.split())), "train" if i < 3 else "validation")
        for i, s in enumerate(sentences)
    )
    use_cases = tuple(
        UseCase(e.question, f"ans = str(count_words({e.question.split(': ', 1)[1].strip(chr(34))!r}))\n")
        for e in examples if e.split == "validation"
    )
    check = Verification(9, 9, "2026-11-21T00:00:00Z", "docker") if verified else Verification(0, 0, "", "")
    manifest = Manifest(
        name=name, summary="Count the words of a sentence.", entry="count_words",
        signature="count_words(sentence: str) -> int",
        provenance=Provenance("hand-written", "", "2026-11-21T00:00:00Z"), verification=check,
        examples=examples, use_cases=use_cases, parser=ParserEntry(verified_on=6),
    )
    return ToolFiles(manifest, code)


def add_tool(toolbox: Path, name: str = "count_words", verified: bool = True) -> Path:
    return write_tool(toolbox, word_count_files(name, verified))


def llm_env(url: str, **extra: str) -> dict[str, str]:
    """Server environment: every role on the scripted endpoint, the real Docker sandbox."""
    return {"LATM_BASE_URL": url, "LATM_API_KEY_ENV": TEST_KEY_ENV, "LATM_SANDBOX": "docker",
            "LATM_LLM_TIMEOUT_S": "20", **extra}


QA = re.compile(r"^Question: (.+)\nAnswer: (.+)$", re.M)


def bbh_family(family: Any) -> tuple[Any, Callable[[str], bool]]:
    """A BIG-Bench family of ``tests/families.py``, recognised by its first train question."""
    from families import split

    first = split(family.task)[0][0].question
    return family, lambda opening: first in opening


def maker_responder(*families: tuple[Any, Callable[[str], bool]],
                    direct: Optional[Callable[[str], str]] = None) -> Callable[[list, str], str]:
    """A maker that answers each making conversation by its family (the first whose predicate
    accepts the opening prompt) and stage (propose, tests, wrap, parser), so makes of different
    tools can run at once. ``direct(question)`` answers questions no tool fits."""

    def respond(messages: list, model: str) -> str:
        opening = messages[0]["content"]
        if opening.startswith("Answer the following question") and direct is not None:
            return f"Let me work it out step by step.\nAnswer: {direct(opening.rsplit('Question:', 1)[1].strip())}"
        family = next((f for f, recognises in families if recognises(opening)), None)
        if family is None:
            raise AssertionError(f"no scripted family for: {opening[:120]}")
        stage = sum(m["role"] == "assistant" for m in messages)
        validation = [Example(q, a) for q, a in QA.findall(messages[2]["content"])] if stage else []
        replies = (family.proposal, lambda: family.tests(validation), lambda: family.wrap(validation),
                   family.parser_reply)
        return replies[stage]()

    return respond


def examples_markdown(task: str, count: int = 6, question: Optional[str] = None) -> str:
    """A markdown note: ``count`` solved examples of a BIG-Bench family, then a new question."""
    from families import split

    train, validation, test = split(task)
    shown = (train + validation)[:count]
    blocks = "\n\n".join(f"Question: {e.question}\nAnswer: {e.answer}" for e in shown)
    return f"# {task} examples\n\n{blocks}\n\nNow a new one:\n\nQuestion: {question or test[0].question}\n"


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout


def uri(path: Path) -> str:
    return from_fs_path(str(path))


def server_env(**extra: str) -> dict[str, str]:
    """The test's environment without latm or OpenAI settings (but the sandbox image a test run
    chose), and user config/state folders of its own, so a developer's own files are never read."""
    env = clean_env()
    user_dirs = Path(tempfile.gettempdir()) / "latm-test-user"
    env.update({"PYTHONUNBUFFERED": "1", TEST_KEY_ENV: TEST_KEY, "XDG_CONFIG_HOME": str(user_dirs / "config"),
                "XDG_STATE_HOME": str(user_dirs / "state")})
    env.update(extra)
    return env


def _code_action_hook(client: LanguageClient) -> None:
    """lsprotocol 2025.0.0 decodes a CodeAction carrying a command as a Command: pick by shape."""
    converter = client.protocol._converter

    def structure(obj: Any, _type: Any) -> Union[types.Command, types.CodeAction]:
        if isinstance(obj.get("command"), str):
            return converter.structure(obj, types.Command)
        return converter.structure(obj, types.CodeAction)

    converter.register_structure_hook(Union[types.Command, types.CodeAction], structure)


@dataclass
class Editor:
    """The client side of a session: what the server asked of it, and documents it edits."""

    client: LanguageClient
    root: Path
    documents: dict[str, str] = field(default_factory=dict)
    applied: list[types.ApplyWorkspaceEditParams] = field(default_factory=list)
    registrations: list[types.Registration] = field(default_factory=list)
    notifications: list[tuple[str, Any]] = field(default_factory=list)

    def open(self, path: Path, text: str, language: str = "markdown") -> str:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        doc_uri = uri(path)
        self.documents[doc_uri] = text
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=doc_uri, language_id=language, version=1, text=text)))
        return doc_uri

    def sync(self, doc_uri: str, version: int) -> None:
        """Tell the server the document's text now (as an editor does after applying an edit)."""
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=doc_uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=self.documents[doc_uri])]))

    async def command(self, name: str, *arguments: Any) -> Any:
        return await self.client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=name, arguments=list(arguments)))

    async def actions(self, doc_uri: str, start: tuple[int, int], end: Optional[tuple[int, int]] = None,
                      only: Optional[list[str]] = None) -> list[types.CodeAction]:
        """The code actions once the server routes (asked again while its routing index loads)."""
        return await self._routed_actions(doc_uri, start, end or start, only)

    async def _routed_actions(self, doc_uri: str, start: tuple[int, int], end: tuple[int, int],
                              only: Optional[list[str]]) -> list[types.CodeAction]:
        deadline = time.monotonic() + WAIT_S
        while True:
            found = await self.first_actions(doc_uri, start, end, only)
            if UNROUTED_TITLE not in [a.title for a in found] or time.monotonic() > deadline:
                return found
            await asyncio.sleep(0.05)

    async def first_actions(self, doc_uri: str, start: tuple[int, int], end: Optional[tuple[int, int]] = None,
                            only: Optional[list[str]] = None) -> list[types.CodeAction]:
        """The code actions as the server answers at once (before its routing index is loaded, too)."""
        found = await self.client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(doc_uri),
            range=types.Range(types.Position(*start), types.Position(*(end or start))),
            context=types.CodeActionContext(diagnostics=[], only=only),
        ))
        return list(found or [])

    def toolbox_changes(self) -> list[dict]:
        return [params for method, params in self.notifications if method == "latm/toolboxChanged"]

    async def wait_for(self, condition: Callable[[], Any], timeout: float = WAIT_S, what: str = "condition") -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            await asyncio.sleep(0.05)
        raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")


def plain(value: Any) -> Any:
    """pygls hands a custom notification's params over as nested named tuples: back to JSON data."""
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def server_containers(editor: "Editor") -> list[str]:
    """Sandbox containers the editor's server process started (their owner label carries its pid)."""
    pid = editor.client._server.pid
    out = subprocess.run(["docker", "ps", "-a", "--filter", "label=latm.sandbox",
                          "--format", '{{.ID}} {{.Label "latm.sandbox.owner"}}'],
                         capture_output=True, text=True, check=True).stdout
    return [line.split()[0] for line in out.splitlines() if f"/{pid}/" in line]


def apply_edits(text: str, edits: list[types.TextEdit]) -> str:
    """Apply LSP text edits (UTF-16 positions; these tests use BMP text) to ``text``."""
    lines = text.splitlines(keepends=True)

    def offset(position: types.Position) -> int:
        return sum(len(line) for line in lines[: position.line]) + position.character

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        start, end = offset(edit.range.start), offset(edit.range.end)
        text = text[:start] + edit.new_text + text[end:]
        lines = text.splitlines(keepends=True)
    return text


async def launch_editor(root: Path, *, env: dict[str, str], configuration: Optional[dict] = None,
                        serve_args: tuple[str, ...] = ()) -> Editor:
    """The server process running and a client attached to it, not yet initialized."""
    client = make_test_lsp_client()
    _code_action_hook(client)
    editor = Editor(client, root)
    if configuration is not None:
        client.set_configuration(configuration)

    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        editor.applied.append(params)
        edits = dict(params.edit.changes or {})
        for change in params.edit.document_changes or []:
            edits[change.text_document.uri] = change.edits
        for doc_uri, changes in edits.items():
            editor.documents[doc_uri] = apply_edits(editor.documents.get(doc_uri, ""), list(changes))
        return types.ApplyWorkspaceEditResult(applied=True)

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        editor.registrations.extend(params.registrations)

    @client.feature("latm/toolboxChanged")
    def toolbox_changed(params: Any) -> None:
        editor.notifications.append(("latm/toolboxChanged", plain(params)))

    await client.start_io(sys.executable, "-m", "latm", "serve", "--root", str(root), *serve_args, env=env, cwd=str(root))
    return editor


async def initialize(editor: Editor, client_name: str = "visual-studio-code",
                     initialization_options: Any = None) -> types.InitializeResult:
    return await editor.client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities(client_name),
        root_uri=uri(editor.root),
        workspace_folders=[types.WorkspaceFolder(uri=uri(editor.root), name=editor.root.name)],
        initialization_options=initialization_options,
    ))


async def start_editor(root: Path, *, env: dict[str, str], client_name: str = "visual-studio-code",
                       initialization_options: Any = None, configuration: Optional[dict] = None,
                       serve_args: tuple[str, ...] = ()) -> Editor:
    editor = await launch_editor(root, env=env, configuration=configuration, serve_args=serve_args)
    await initialize(editor, client_name, initialization_options)
    return editor


async def stop_editor(editor: Editor) -> None:
    try:
        if not editor.client.stopped:  # a test may have shut the server down itself
            await asyncio.wait_for(editor.client.shutdown_session(), timeout=WAIT_S)
    finally:
        await editor.client.stop()
