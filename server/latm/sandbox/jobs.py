"""Turning a tool's code and a ``Call`` into a worker request, and a worker reply into a
``CallResult``. Both backends use this, so bad input is judged the same way everywhere: the
host checks what it can (text encoding, call shape, JSON-able arguments) before anything runs.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from typing import Any, Callable, Optional, Union

from latm.sandbox.recipe.protocol import short_repr
from latm.sandbox.types import OUTCOMES, Call, CallResult


@dataclass(frozen=True)
class Limits:
    timeout_s: float
    memory_mb: int
    output_limit: int  # bytes, for each of stdout, stderr and the return value


def limits_from(settings: Any, timeout_s: Optional[float]) -> Limits:
    timeout = settings.timeout_s if timeout_s is None else float(timeout_s)
    if not math.isfinite(timeout) or timeout <= 0:
        timeout = settings.timeout_s
    return Limits(timeout, int(settings.memory_mb), int(settings.output_limit_kb) * 1024)


IMAGE_GONE = "ImageGone"  # the error type of a call whose (derived) image was removed from the engine


def error(outcome: str, message: str, error_type: str = "") -> CallResult:
    return CallResult(outcome=outcome, error_type=error_type, message=message)


def checked_code(code: Union[str, bytes]) -> Union[str, CallResult]:
    """The code as text, or the error every call of the job gets."""
    if isinstance(code, (bytes, bytearray)):
        try:
            return bytes(code).decode("utf-8")
        except UnicodeDecodeError as err:
            return error("error", f"the tool code is not UTF-8 text: byte {err.object[err.start]:#04x} at offset {err.start}",
                         "UnicodeDecodeError")
    if not isinstance(code, str):
        return error("error", f"the tool code must be text, not {type(code).__name__}", "TypeError")
    try:
        code.encode("utf-8")
    except UnicodeEncodeError as err:
        return error("error", f"the tool code is not valid Unicode text (lone surrogate at offset {err.start})",
                     "UnicodeDecodeError")
    return code


def request(code: str, call: Any, limits: Limits) -> Union[dict, CallResult]:
    """The worker request for one call, or the error that stops it before it runs."""
    if not isinstance(call, Call):
        return error("error", f"a call must be a latm Call, not {type(call).__name__}", "BadCall")
    if bool(call.entry) == bool(call.snippet is not None and call.snippet != ""):
        return error("error", "a call needs exactly one of entry (a function name) or snippet (code)", "BadCall")
    if call.args is not None and not isinstance(call.args, (dict, list, tuple)):
        return error("error", f"args must be a dict or a list, not {type(call.args).__name__}", "BadArguments")
    try:
        json.dumps(call.args, allow_nan=True)
    except (TypeError, ValueError, RecursionError) as err:
        return error("error", f"the call's arguments cannot travel as JSON ({err}): {short_repr(call.args)}",
                     "UnserializableArguments")
    return {"code": code, "call": {"entry": call.entry, "args": call.args, "snippet": call.snippet,
                                   "result_var": call.result_var},
            "timeout_s": limits.timeout_s, "memory_mb": limits.memory_mb, "output_limit": limits.output_limit}


def prepared(code: Any, calls: Any, limits: Limits) -> list[Union[dict, CallResult]]:
    """Each call's worker request, or the error that stops it before it runs (judged on the host)."""
    text = checked_code(code)
    return [dataclasses.replace(text) if isinstance(text, CallResult) else request(text, call, limits) for call in calls]


def run_all(code: Any, calls: Any, limits: Limits, send: Callable[[dict], CallResult]) -> list[CallResult]:
    """Judge the job on the host, then ``send`` each runnable call's request, in order."""
    return [req if isinstance(req, CallResult) else send(req) for req in prepared(code, calls, limits)]


def result(frame: dict) -> CallResult:
    """A worker reply as a CallResult; anything malformed becomes a ``crashed`` result."""
    outcome = frame.get("outcome")
    if outcome not in OUTCOMES:
        return error("crashed", f"the sandbox sent an unreadable result (outcome {outcome!r})")
    traceback = frame.get("traceback")
    return CallResult(
        outcome=outcome,
        value=frame.get("value"),
        error_type=str(frame.get("error_type") or ""),
        message=str(frame.get("message") or ""),
        traceback=[str(line) for line in traceback] if isinstance(traceback, list) else [],
        stdout=str(frame.get("stdout") or ""),
        stderr=str(frame.get("stderr") or ""),
        duration_ms=float(frame.get("duration_ms") or 0.0),
    )
