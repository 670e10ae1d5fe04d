"""Tool using: a question in, an answer out, through the tool's verified parser (no model, path 1)
or the user model writing the call (path 2). Both run the tool only in the sandbox, and the
answer is read from the execution, never from the code's text. Of the user model's reply only
the block written for this question runs (``answer_code``); a failed answer keeps the reply.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Callable, Optional, Sequence

from latm.errors import LLMReplyError, LLMTruncated, LLMUnavailable, VerificationFailed
from latm.llm.replies import answer_code, python_blocks
from latm.multiple_choice import is_option, to_option
from latm.progress import CancelToken
from latm.safe_text import has_controls
from latm.sandbox import Call, CallResult, Sandbox, run_calls
from latm.settings import Settings
from latm.solve import prompts
from latm.source import ANSWER_VAR, CodeProblem, answer_snippet, call_snippet, with_ans, without_functions
from latm.toolbox.registry import Tool
from latm.toolbox.state import EDITED, regression_summary

if TYPE_CHECKING:  # the client is handed in; a zero-model answer never loads it
    from latm.llm.client import LLMClient, LLMReply

PARSER, USER_MODEL = "parser", "user_model"
# Why a path gave no answer; a sandbox failure is "sandbox_" + the call's outcome (e.g. sandbox_timeout).
FAILURE_KINDS = ("parser", "model_unavailable", "model_error", "truncated", "no_code", "bad_code", "sandbox_error")
CHUNK = 100  # questions between progress reports and cancel checks
MIN_PART = 8  # fewer calls than this per worker are not worth a thread
REPLY_KEPT = 2000  # characters of the user model's reply a failed answer keeps, for diagnosis
# The user model answers "Question: ..." with one block; a line starting the next question is one
# it invented, so generation stops there.
USER_STOP = ("\nQuestion:",)


@dataclass(frozen=True)
class Answer:
    question: str
    tool: str
    answer: Optional[str]
    path: str  # PARSER, USER_MODEL, or "" when no path could run
    tokens: int = 0
    error: str = ""
    fallback: str = ""  # why the zero-model path was not taken or failed
    code: str = ""  # what set ``ans``: the user model's code; a parser answer's call is built on request (calls.py)
    reply: str = ""  # a failed answer's model reply (capped at REPLY_KEPT characters), to see what went wrong
    kind: str = ""  # why there is no answer, as a word: one of FAILURE_KINDS
    warning: str = ""  # the tool is regressed: the answer may be wrong

    def record(self) -> dict:
        """The answer exactly (``latm solve --json``, one line of ``--batch``); ``control_characters``
        says it holds some that are shown escaped."""
        return {"question": self.question, "tool": self.tool, "answer": self.answer, "path": self.path,
                "tokens": self.tokens, "error": self.error, "reply": self.reply,
                "control_characters": has_controls(self.answer), "warning": self.warning}


def has_parser(tool: Tool) -> bool:
    """A question parser that passed every stored example (of a regressed tool: that passed once and
    still passes some; its answers carry the tool's warning either way)."""
    parser = tool.manifest.parser
    if parser is None or not tool.manifest.examples:
        return False
    return parser.verified_on >= len(tool.manifest.examples) or (tool.regressed and parser.verified_on > 0)


def require_verified(tool: Tool) -> None:
    """Verified and regressed tools answer; a pending hand edit or a never verified tool does not."""
    if tool.usable:
        return
    if tool.state == EDITED:
        raise VerificationFailed(
            f"Tool '{tool.name}' was edited by hand and the edit is not verified, so it is not used to answer "
            f"questions. Run `latm verify {tool.name}` to check it on every stored example and accept it.")
    v = tool.manifest.verification
    if not v.ok:
        raise VerificationFailed(
            f"Tool '{tool.name}' is not verified ({v.passed}/{v.total} tests passed), so it is not used to answer "
            f"questions. Run `latm verify {tool.name}`.")


class Solver:
    """Answers questions with tools; one sandbox for all of them."""

    def __init__(self, settings: Settings, sandbox: Sandbox, llm: LLMClient,
                 sandboxes: Optional[Callable[[Sequence[str]], Sandbox]] = None) -> None:
        self.settings, self.sandbox, self.llm = settings, sandbox, llm
        self.sandboxes = sandboxes  # a tool's requirements -> the sandbox with its packages (``Workspace.sandbox_for``)
        self._llm_down = ""  # once the endpoint is unavailable, later questions fail fast

    def solve(self, tool: Tool, question: str, cancel: Optional[CancelToken] = None) -> Answer:
        return self.solve_many(tool, [question], cancel)[0]

    def solve_many(self, tool: Tool, questions: Sequence[str], cancel: Optional[CancelToken] = None,
                   done: Callable[[int], None] = lambda n: None) -> list[Answer]:
        require_verified(tool)
        answers: list[Answer] = []
        for start in range(0, len(questions), CHUNK):
            chunk = questions[start: start + CHUNK]
            for question, (answer, why) in zip(chunk, self._zero_model(tool, chunk)):
                if cancel:
                    cancel.check()
                answers.append(Answer(question, tool.name, answer, PARSER) if answer is not None
                               else self.with_user_model(tool, question, why, cancel))
            done(len(answers))
        if tool.regressed:
            return [replace(a, warning=regression_summary(tool.manifest)) for a in answers]
        return answers

    # Path 1: parse_question -> entry -> format_answer, no model.

    def with_parser(self, tool: Tool, questions: Sequence[str]) -> list[Answer]:
        """Path 1 alone: an answer from the verified parser, or why it gave none (no fallback)."""
        require_verified(tool)
        return [Answer(q, tool.name, answer, PARSER) if answer is not None else Answer(q, tool.name, None, PARSER, 0, why,
                                                                                        kind="parser")
                for q, (answer, why) in zip(questions, self._zero_model(tool, questions))]

    def _zero_model(self, tool: Tool, questions: Sequence[str]) -> list[tuple[Optional[str], str]]:
        if not has_parser(tool):
            return [(None, "the tool has no verified question parser")] * len(questions)
        parser = tool.manifest.parser
        calls = [Call(snippet=call_snippet(tool.manifest.entry, q, parser.parse, parser.format), result_var=ANSWER_VAR)
                 for q in questions]
        ran = self._run_spread(self._sandbox_of(tool), tool.code, calls)
        return [_accepted(result, question) for result, question in zip(ran, questions)]

    def _sandbox_of(self, tool: Tool) -> Sandbox:
        if self.sandboxes is None or not tool.manifest.requirements:
            return self.sandbox
        return self.sandboxes(tool.manifest.requirements)

    def _run_spread(self, sandbox: Sandbox, code: str, calls: list[Call]) -> list[CallResult]:
        """Split the calls over the sandbox's warm workers (``sandbox_pool``); results stay in order."""
        ways = max(1, min(self.settings.sandbox_pool, len(calls) // MIN_PART))
        size = -(-len(calls) // ways)
        parts = [calls[i: i + size] for i in range(0, len(calls), size)]
        if len(parts) == 1:
            return run_calls(sandbox, code, calls, self.settings.timeout_s)
        with ThreadPoolExecutor(len(parts), thread_name_prefix="latm-solve") as pool:
            done = pool.map(lambda part: run_calls(sandbox, code, part, self.settings.timeout_s), parts)
            return [result for part in done for result in part]

    # Path 2: the user model writes the call.

    def with_user_model(self, tool: Tool, question: str, why: str = "", cancel: Optional[CancelToken] = None) -> Answer:
        """Path 2 alone: the user model writes the call, which runs in the sandbox."""
        def failed(error: str, kind: str, reply: Optional[LLMReply] = None) -> Answer:
            tokens, text = (reply.tokens, _kept(reply.text)) if reply else (0, "")
            return Answer(question, tool.name, None, USER_MODEL, tokens, error, why, reply=text, kind=kind)

        if self._llm_down:
            return failed(self._llm_down, "model_unavailable")
        prompt = prompts.use(_shown_code(tool), tool.manifest.use_cases, question)
        try:
            reply = self.llm.chat("user", [{"role": "user", "content": prompt}], tool=tool.name, cancel=cancel,
                                  stop=USER_STOP)
        except LLMUnavailable as err:
            self._llm_down = str(err)
            return failed(self._llm_down, "model_unavailable")
        except LLMTruncated as err:
            return failed(str(err), "truncated", err.reply)
        except LLMReplyError as err:
            return failed(str(err), "model_error")
        others = [u.code for u in tool.manifest.use_cases if u.question.strip() != question.strip()]
        ran = run_reply(self._sandbox_of(tool), self.settings.timeout_s, tool.code, question, reply.text, others)
        if ran.answer is None:
            return failed(ran.error, ran.kind, reply)
        return Answer(question, tool.name, ran.answer, USER_MODEL, reply.tokens, "", why, ran.code)


@dataclass(frozen=True)
class Ran:
    """A model's code run for one question: the answer, or the error and its kind."""

    answer: Optional[str]
    code: str = ""  # the code as run (it sets ``ans``); "" when the reply had none
    error: str = ""
    kind: str = ""


def run_reply(sandbox: Sandbox, timeout_s: float, module: str, question: str, reply: str,
              others: Sequence[str] = ()) -> Ran:
    """Run the python block of a model's reply that answers ``question`` (never one of ``others``,
    the solutions of other questions it was shown) after ``module`` (a tool's code, or "") in the
    sandbox; ``ans`` is the answer, an option's text mapped to its letter."""
    code = answer_code(reply, question, others)
    if not code:
        return Ran(None, "", _no_block(reply), "no_code")
    try:
        code = with_ans(code)
        snippet = answer_snippet(code)
    except CodeProblem as err:
        return Ran(None, code, f"The user model's code: {err}", "bad_code")
    (result,) = run_calls(sandbox, module, [Call(snippet=snippet, result_var=ANSWER_VAR)], timeout_s)
    if not result.ok:
        return Ran(None, code, f"The user model's code failed in the sandbox: {result.describe()}", f"sandbox_{result.outcome}")
    return Ran(to_option(str(result.value), question), code)


def _accepted(result: CallResult, question: str) -> tuple[Optional[str], str]:
    """(answer, "") when path 1 gave a usable answer, else (None, why not)."""
    if not result.ok:
        return None, f"the question parser failed: {result.describe()}"
    answer = to_option(str(result.value), question)
    if not answer or answer == "None":
        return None, "the question parser gave no answer"
    if not is_option(answer, question):
        return None, f"the question parser's answer {answer!r} is not one of the options"
    return answer, ""


def _no_block(reply: str) -> str:
    if python_blocks(reply):
        return ("The user model's reply has no ```python block for this question: its code answers another "
                "question (one it invented, or an example it copied), so none of it was used.")
    return "The user model's reply has no ```python block."


def _kept(reply: str) -> str:
    cut = len(reply) - REPLY_KEPT
    return reply if cut <= 0 else f"{reply[:REPLY_KEPT]}… [{cut} characters not kept]"


def _shown_code(tool: Tool) -> str:
    """The tool as the user model sees it: without the parser, which just failed or is absent."""
    parser = tool.manifest.parser
    return without_functions(tool.code, {parser.parse, parser.format}) if parser else tool.code
