"""What each method does with one question, and whether it can run at all.

Every method returns the answer as the solve path would give it (an option's text mapped to its
letter by ``latm.multiple_choice.to_option``); scoring is the runner's, with one comparison for
all. Model-written code runs only in the sandbox, through the solve path's ``run_reply``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable, Optional

from latm.errors import LLMReplyError, LLMUnavailable
from latm.eval import prompts
from latm.eval.keys import digest
from latm.llm.client import LLMClient, LLMReply
from latm.multiple_choice import to_option
from latm.progress import CancelToken
from latm.settings import Settings
from latm.solve import prompts as solve_prompts
from latm.solve.solver import Solver, has_parser, run_reply
from latm.toolbox.registry import Tool

# A kind of failure that stops a method: every later question would fail the same way.
STOPS_METHOD = frozenset({"model_unavailable"})
# Failures of the service rather than answers: never cached, so the next run asks again.
NOT_CACHED = frozenset({"model_unavailable", "model_error"})
ROLES = {"tool-parser": "", "tool-user": "user", "user-direct": "user", "user-cot": "user", "maker-cot": "maker",
         "program": "user"}


@dataclass(frozen=True)
class Outcome:
    """One question answered (or not) by one method."""

    answer: Optional[str]
    kind: str = ""  # why there is no answer: the solve path's kinds, or "no_answer"
    error: str = ""
    tokens_in: int = 0
    tokens_out: int = 0
    latency_ms: float = 0.0


Answerer = Callable[[str, CancelToken], Outcome]


@dataclass(frozen=True)
class Method:
    name: str
    role: str  # "user", "maker", or "" (no model)
    model: str  # "" when no model is asked
    fingerprint: str  # hash of all but the question that decides the answer: prompt, tool, temperature
    answer: Optional[Answerer]  # None when skipped
    skipped: str = ""  # why the method does not run


@dataclass(frozen=True)
class Context:
    settings: Settings
    llm: LLMClient
    sandbox: Callable[[], object]  # started on first use
    tool: Tool
    cot_prompt: str = ""


def plan(names: tuple[str, ...], ctx: Context) -> list[Method]:
    return [_method(name, ctx) for name in names]


def _method(name: str, ctx: Context) -> Method:
    role = ROLES[name]
    model = getattr(ctx.settings, f"{role}_model") if role else ""
    template, answerer = _BUILDERS[name](ctx)
    temperature = getattr(ctx.settings, f"{role}_temperature") if role else 0
    fingerprint = digest(name, template, temperature)
    why = _why_not(name, role, model, ctx)
    return Method(name, role, model, fingerprint, None if why else answerer, why)


def _why_not(name: str, role: str, model: str, ctx: Context) -> str:
    tool = ctx.tool
    if name.startswith("tool-") and not tool.verified:
        v = tool.manifest.verification
        return f"the tool {tool.name} is not verified ({v.passed}/{v.total}); run `latm verify {tool.name}`"
    if name == "tool-parser" and not has_parser(tool):
        return f"the tool {tool.name} has no verified question parser"
    if role and not model:
        return f"no {role} model is configured: set {role}_model"
    if role and not ctx.settings.api_key():
        return f"needs the {role} model ({model}) and no API key is set: set {ctx.settings.api_key_env}"
    return ""


# The methods.

def _tool_parser(ctx: Context) -> tuple[str, Answerer]:
    def answer(question: str, _cancel: CancelToken) -> Outcome:
        (got,) = Solver(ctx.settings, ctx.sandbox(), ctx.llm).with_parser(ctx.tool, [question])
        return Outcome(got.answer, got.kind, got.error)

    return ctx.tool.code + json.dumps(_parser_entry(ctx.tool)), answer


def _tool_user(ctx: Context) -> tuple[str, Answerer]:
    def answer(question: str, cancel: CancelToken) -> Outcome:
        meter = _Meter(ctx.llm)
        got = Solver(ctx.settings, ctx.sandbox(), meter).with_user_model(ctx.tool, question, cancel=cancel)
        return meter.outcome(got.answer, got.kind, got.error)

    return solve_prompts.use(ctx.tool.code, ctx.tool.manifest.use_cases, "{question}"), answer


def _asked(role: str, template: str) -> Callable[[Context], tuple[str, Answerer]]:
    def build(ctx: Context) -> tuple[str, Answerer]:
        def answer(question: str, cancel: CancelToken) -> Outcome:
            meter = _Meter(ctx.llm)
            reply = meter.ask(role, template.replace("{question}", question), cancel)
            if isinstance(reply, Outcome):
                return reply
            text = prompts.final_answer(reply.text)
            if text is None:
                return meter.outcome(None, "no_answer", "The reply has no final answer line.")
            return meter.outcome(to_option(text, question))

        return template, answer

    return build


def _cot(role: str) -> Callable[[Context], tuple[str, Answerer]]:
    return lambda ctx: _asked(role, prompts.cot_template(ctx.cot_prompt))(ctx)


def _program(ctx: Context) -> tuple[str, Answerer]:
    def answer(question: str, cancel: CancelToken) -> Outcome:
        meter = _Meter(ctx.llm)
        reply = meter.ask("user", prompts.PROGRAM.replace("{question}", question), cancel)
        if isinstance(reply, Outcome):
            return reply
        ran = run_reply(ctx.sandbox(), ctx.settings.timeout_s, "", question, reply.text)
        return meter.outcome(ran.answer, ran.kind, ran.error)

    return prompts.PROGRAM, answer


_BUILDERS: dict[str, Callable[[Context], tuple[str, Answerer]]] = {
    "tool-parser": _tool_parser, "tool-user": _tool_user, "user-direct": _asked("user", prompts.DIRECT),
    "user-cot": _cot("user"), "maker-cot": _cot("maker"), "program": _program,
}


class _Meter:
    """The LLM client as one question's answer uses it (``chat``), counting that question's tokens."""

    def __init__(self, llm: LLMClient) -> None:
        self.llm = llm
        self.tokens_in = self.tokens_out = 0

    def chat(self, role: str, messages: list[dict], **kwargs) -> LLMReply:
        reply = self.llm.chat(role, messages, **kwargs)
        self.tokens_in += reply.tokens_in
        self.tokens_out += reply.tokens_out
        return reply

    def ask(self, role: str, prompt: str, cancel: CancelToken):
        """The reply, or the Outcome of a failed request."""
        try:
            return self.chat(role, [{"role": "user", "content": prompt}], cancel=cancel)
        except LLMUnavailable as err:
            return self.outcome(None, "model_unavailable", str(err))
        except LLMReplyError as err:
            return self.outcome(None, "model_error", str(err))

    def outcome(self, answer: Optional[str], kind: str = "", error: str = "") -> Outcome:
        return Outcome(answer, kind, error, self.tokens_in, self.tokens_out)


def _parser_entry(tool: Tool) -> dict:
    parser = tool.manifest.parser
    return {"parse": parser.parse, "format": parser.format} if parser else {}

