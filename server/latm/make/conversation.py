"""Tool making: propose -> verify -> wrap (-> parser), in one conversation with the maker model.

Each stage gets up to ``max_retries`` tries; a failed try sends the real error from the sandbox
back to the maker. All model code runs in the sandbox. A reply over the size limit is a failed
try, and a cancelled make stops before it reads a reply or starts a sandbox run. The result is
code plus the pieces of a manifest; writing it (only when everything passed) is the caller's job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional, TypeVar

from latm.make import checks, prompts, usecases
from latm.llm.client import LLMClient, LLMReply
from latm.llm.replies import oversized, python_code, shortened, wrapped_tool
from latm.source import (
    PARSER_FUNCTIONS, CodeProblem, call_snippet, clean_tool, functions, merge_definitions, parse, pick_entry,
    require_function, signature, without_functions,
)
from latm.errors import LLMReplyError, LLMTruncated, LLMUnavailable
from latm.progress import CancelToken, ProgressCallback, ProgressEvent, no_progress
from latm.sandbox.types import Call, CallResult, Sandbox
from latm.settings import Settings
from latm.toolbox.manifest import Example, UseCase

T = TypeVar("T")
STAGE_START = {"propose": 0.0, "verify": 0.3, "wrap": 0.55, "parser": 0.65, "write": 0.95}
NO_CODE = ("Your reply has no ```python code block. Please send {what} in a ```python block, "
           "using {library}.")
CUT_OFF = ("Your reply was cut off at {limit} tokens, the longest reply allowed, before it was complete. Please "
           "send it again, shorter: only the ```python code asked for, without explanations.")


class _Retry(Exception):
    """This try failed: ``feedback`` is what the maker is told, ``error`` what a person reads."""

    def __init__(self, feedback: str, error: str = "") -> None:
        super().__init__(feedback)
        self.feedback, self.error = feedback, error or feedback


@dataclass
class Made:
    code: str
    entry: str
    use_cases: list[UseCase]
    parser_verified_on: int  # 0: no parser
    notes: list[str] = field(default_factory=list)


@dataclass
class StageFailed(Exception):
    stage: str
    attempts: int
    error: str

    def __str__(self) -> str:
        return f"the {self.stage} stage failed after {self.attempts} attempt(s). Last error: {self.error}"


class _Cancellable:
    """The sandbox as the checks use it (``run`` only), except that a cancelled make starts no more runs."""

    def __init__(self, sandbox: Sandbox, cancel: CancelToken) -> None:
        self.sandbox, self.cancel = sandbox, cancel

    def run(self, code: str, calls: list[Call], *, timeout_s: Optional[float] = None) -> list[CallResult]:
        self.cancel.check()
        return self.sandbox.run(code, calls, timeout_s=timeout_s)


class Maker:
    """One making conversation. ``messages`` is the conversation so far (kept on failure)."""

    def __init__(self, settings: Settings, llm: LLMClient, sandbox: Sandbox, *, name: str,
                 progress: ProgressCallback = no_progress, cancel: Optional[CancelToken] = None,
                 library: str = prompts.STANDARD_ONLY) -> None:
        self.settings, self.llm, self.name = settings, llm, name
        self.library = library  # what the tool may import, as the prompts say it
        self.progress, self.cancel = progress, cancel or CancelToken()
        self.sandbox = _Cancellable(sandbox, self.cancel)
        self.messages: list[dict] = []
        self.tokens_in = self.tokens_out = 0
        self.cost_usd: Optional[float] = None
        self.attempts: dict[str, int] = {}
        self.stage = ""

    def make(self, train: list[Example], validation: list[Example]) -> Made:
        code = self._propose(train)
        code, tests = self._verify(code, validation)
        entry = pick_entry(code, tests)
        use_cases, notes = self._wrap(code, entry, tests, validation)
        parser_code, note = self._parser(code, entry, train + validation)
        notes += [note] if note else []
        if parser_code:
            code = f"{code.rstrip()}\n\n\n{parser_code}"
            use_cases += self._parser_use_cases(code, entry, validation, use_cases)
        if not use_cases:
            raise StageFailed("wrap", 1, "no use case could be verified from the wrap reply or the tests")
        self._report("write", "write")
        return Made(code, entry, use_cases, len(train + validation) if parser_code else 0, notes)

    # The conversation.

    def _say(self, text: str) -> None:
        self.messages.append({"role": "user", "content": text})

    def _ask(self) -> str:
        self.cancel.check()
        try:
            reply = self.llm.chat("maker", self.messages, tool=self.name, cancel=self.cancel)
        except LLMTruncated as err:  # the maker is told what it said, and that it was cut off
            self._heard(err.reply)
            raise
        problem = self._heard(reply)
        self.cancel.check()  # cancelled while the model answered: its reply is not read
        if problem:
            raise _Retry(prompts.TOO_LONG.format(problem=problem), problem)
        return reply.text

    def _heard(self, reply: LLMReply) -> str:
        """Keep ``reply`` in the conversation (shortened when over the size limit) and count its
        tokens; return why it is too long to read ("" when it is not)."""
        problem = oversized(reply.text)
        self.messages.append({"role": "assistant", "content": shortened(reply.text) if problem else reply.text})
        self.tokens_in += reply.tokens_in
        self.tokens_out += reply.tokens_out
        if reply.cost_usd is not None:
            self.cost_usd = (self.cost_usd or 0.0) + reply.cost_usd
        return problem

    def _report(self, stage: str, message: str) -> None:
        self.stage = stage
        self.progress(ProgressEvent(stage, message, STAGE_START[stage]))

    def _stage(self, stage: str, prompt: str, attempt: Callable[[str], T]) -> T:
        """Ask, try the reply, feed the failure back; up to max_retries times."""
        self._say(prompt)
        tries = self.settings.max_retries
        for number in range(1, tries + 1):
            self._report(stage, f"{stage} {number}/{tries}")
            self.attempts[stage] = number
            try:
                return attempt(self._ask())
            except _Retry as err:
                feedback, error = err.feedback, err.error
            except CodeProblem as err:
                feedback, error = f"{err} Please fix it and send the code again in a ```python block.", str(err)
            except LLMTruncated as err:
                feedback, error = CUT_OFF.format(limit=self.llm.settings.maker_max_tokens), str(err)
            if number < tries:
                self._say(feedback)
        raise StageFailed(stage, tries, error)

    # Stage 1: a function that loads.

    def _propose(self, train: list[Example]) -> str:
        def attempt(reply: str) -> str:
            written = python_code(reply)
            if not written:
                raise _Retry(NO_CODE.format(what="the whole function", library=self.library))
            require_function(written)
            # Run it as written, example usage included (a cheap first test), but keep it tidy.
            error = checks.loads(self.sandbox, written, self.settings.timeout_s)
            if error:
                raise _Retry(prompts.PROPOSE_FIX.format(error=error), error)
            return clean_tool(written)

        return self._stage("propose", prompts.propose(train, self.library), attempt)

    # Stage 2: tests in the paper's shape that assert every validation answer.

    def _verify(self, code: str, validation: list[Example]) -> tuple[str, str]:
        def attempt(reply: str) -> tuple[str, str]:
            nonlocal code  # a reply may fix the function; later tries build on the latest version
            written = python_code(reply)
            if not written:
                raise _Retry(NO_CODE.format(what="the unit tests", library=self.library))
            code, tests = merge_definitions(code, written)
            problem = checks.tests_assert_every_answer(self.sandbox, code, tests, validation, pick_entry(code, tests),
                                                       self.settings.timeout_s)
            if problem:
                raise _Retry(prompts.VERIFY_FIX.format(error=problem), problem)
            return code, tests

        return self._stage("verify", prompts.verify(validation), attempt)

    # Stage 3: use cases, from the wrap reply or else from the verified tests.

    def _wrap(self, code: str, entry: str, tests: str, validation: list[Example]) -> tuple[list[UseCase], list[str]]:
        self._report("wrap", "wrap")
        self.attempts["wrap"] = 1
        self._say(prompts.WRAP)
        notes: list[str] = []
        try:
            _, cases = wrapped_tool(self._ask())
        except _Retry as err:
            cases = []
            notes.append(f"the wrap reply was refused: {err.error}")
        except (LLMUnavailable, LLMReplyError):
            cases = []  # the tool is verified; its tests still give use cases
        timeout, failures = self.settings.timeout_s, {}
        use_cases = usecases.verified(self.sandbox, code, entry, usecases.from_wrap(cases, validation), timeout, failures)
        missing = usecases.uncovered(validation, use_cases)
        if missing:
            why = next((f" ({failures[e.question]})" for e in missing if e.question in failures), "")
            notes.append(f"the wrap reply gave {len(use_cases)} working use case(s) of {len(validation)}; "
                         f"the others were built from the verified tests{why}")
            use_cases += usecases.verified(self.sandbox, code, entry, usecases.from_tests(tests, missing), timeout)
        return use_cases, notes

    # Stage 4 (optional): parse_question + format_answer, proven on every example.

    def _parser(self, code: str, entry: str, examples: list[Example]) -> tuple[str, str]:
        tool_functions = set(functions(parse(code))) - set(PARSER_FUNCTIONS)

        def attempt(reply: str) -> str:
            written = python_code(reply)
            if not written:
                raise _Retry(NO_CODE.format(what="parse_question and format_answer", library=self.library))
            parser_code = clean_tool(without_functions(written, tool_functions))
            missing = [f for f in PARSER_FUNCTIONS if f not in functions(parse(parser_code, "parser"))]
            if missing:
                raise _Retry(f"The reply does not define {' and '.join(missing)}. Please send both functions.")
            combined = f"{code.rstrip()}\n\n\n{parser_code}"
            outcomes = checks.answers(self.sandbox, combined, entry,
                                      [(e, call_snippet(entry, e.question)) for e in examples], self.settings.timeout_s)
            if not all(o.passed for o in outcomes):
                failures = checks.describe_failures(outcomes)
                raise _Retry(prompts.PARSER_FIX.format(failures=failures), failures)
            return parser_code

        try:
            return self._stage("parser", prompts.parser(entry, signature(code, entry), examples, self.library), attempt), ""
        except (StageFailed, LLMUnavailable, LLMReplyError) as err:
            return "", f"saved without a question parser: {err}"

    def _parser_use_cases(self, code: str, entry: str, validation: list[Example], have: list[UseCase]) -> list[UseCase]:
        """Use cases that call the verified parser, for validation questions still without one."""
        offers = usecases.from_parser(entry, usecases.uncovered(validation, have))
        return usecases.verified(self.sandbox, code, entry, offers, self.settings.timeout_s)
