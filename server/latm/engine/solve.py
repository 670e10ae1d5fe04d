"""Tool using: a question in, an answer out, through the tool's verified parser (no model, path 1)
or the user model writing the call (path 2). Both run the tool only in the sandbox, and the
answer is read from the execution, never from the code's text.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Callable, Optional, Sequence

from latm.engine import checks, prompts
from latm.engine.llm import LLMClient
from latm.engine.options import is_option, to_option
from latm.engine.replies import python_code
from latm.engine.source import ANSWER_VAR, CodeProblem, answer_snippet, call_snippet, with_ans, without_functions
from latm.errors import LLMReplyError, LLMUnavailable, VerificationFailed
from latm.progress import CancelToken
from latm.safe_text import has_controls
from latm.sandbox.types import Call, CallResult, Sandbox
from latm.settings import Settings
from latm.toolbox.registry import Tool
from latm.toolbox.state import EDITED, regression_summary

PARSER, USER_MODEL = "parser", "user_model"
CHUNK = 100  # questions between progress reports and cancel checks
MIN_PART = 8  # fewer calls than this per worker are not worth a thread


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
    warning: str = ""  # the tool is regressed: the answer may be wrong

    def to_json(self) -> dict:
        """The answer exactly; ``control_characters`` says it holds some that are shown escaped."""
        return {"question": self.question, "tool": self.tool, "answer": self.answer, "path": self.path,
                "tokens": self.tokens, "error": self.error, "control_characters": has_controls(self.answer),
                "warning": self.warning}


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

    def __init__(self, settings: Settings, sandbox: Sandbox, llm: LLMClient) -> None:
        self.settings, self.sandbox, self.llm = settings, sandbox, llm
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
                               else self._with_user_model(tool, question, why, cancel))
            done(len(answers))
        if tool.regressed:
            return [replace(a, warning=regression_summary(tool.manifest)) for a in answers]
        return answers

    # Path 1: parse_question -> entry -> format_answer, no model.

    def _zero_model(self, tool: Tool, questions: Sequence[str]) -> list[tuple[Optional[str], str]]:
        if not has_parser(tool):
            return [(None, "the tool has no verified question parser")] * len(questions)
        parser = tool.manifest.parser
        calls = [Call(snippet=call_snippet(tool.manifest.entry, q, parser.parse, parser.format), result_var=ANSWER_VAR)
                 for q in questions]
        return [_accepted(result, question) for result, question in zip(self._run_spread(tool.code, calls), questions)]

    def _run_spread(self, code: str, calls: list[Call]) -> list[CallResult]:
        """Split the calls over the sandbox's warm workers (``sandbox_pool``); results stay in order."""
        ways = max(1, min(self.settings.sandbox_pool, len(calls) // MIN_PART))
        size = -(-len(calls) // ways)
        parts = [calls[i: i + size] for i in range(0, len(calls), size)]
        if len(parts) == 1:
            return checks.run(self.sandbox, code, calls, self.settings.timeout_s)
        with ThreadPoolExecutor(len(parts), thread_name_prefix="latm-solve") as pool:
            done = pool.map(lambda part: checks.run(self.sandbox, code, part, self.settings.timeout_s), parts)
            return [result for part in done for result in part]

    # Path 2: the user model writes the call.

    def _with_user_model(self, tool: Tool, question: str, why: str, cancel: Optional[CancelToken]) -> Answer:
        def failed(error: str, tokens: int = 0) -> Answer:
            return Answer(question, tool.name, None, USER_MODEL, tokens, error, why)

        if self._llm_down:
            return failed(self._llm_down)
        prompt = prompts.use(_shown_code(tool), tool.manifest.use_cases, question)
        try:
            reply = self.llm.chat("user", [{"role": "user", "content": prompt}], tool=tool.name, cancel=cancel)
        except LLMUnavailable as err:
            self._llm_down = str(err)
            return failed(self._llm_down)
        except LLMReplyError as err:
            return failed(str(err))
        code = python_code(reply.text)
        if not code:
            return failed("The user model's reply has no ```python block.", reply.tokens)
        try:
            code = with_ans(code)
            snippet = answer_snippet(code)
        except CodeProblem as err:
            return failed(f"The user model's code: {err}", reply.tokens)
        (result,) = checks.run(self.sandbox, tool.code, [Call(snippet=snippet, result_var=ANSWER_VAR)],
                               self.settings.timeout_s)
        if not result.ok:
            return failed(f"The user model's code failed in the sandbox: {result.describe()}", reply.tokens)
        answer = to_option(str(result.value), question)
        return Answer(question, tool.name, answer, USER_MODEL, reply.tokens, "", why, code)


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


def _shown_code(tool: Tool) -> str:
    """The tool as the user model sees it: without the parser, which just failed or is absent."""
    parser = tool.manifest.parser
    return without_functions(tool.code, {parser.parse, parser.format}) if parser else tool.code
