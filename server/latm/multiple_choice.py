"""Multiple-choice questions: an answer given as an option's text, its letter or its 1-based
number (the reference's convention) maps back to the letter, e.g. "(B)"."""

from __future__ import annotations

import re

_OPTION = re.compile(r"^\s*\(([A-Z])\)\s*(.*?)\s*$")


def options(question: str) -> dict[str, str]:
    """``{"A": "6pm to 9pm", ...}`` from the lines after "Options:"; {} when there are none."""
    _, found, tail = question.rpartition("Options:")
    if not found:
        return {}
    return {m.group(1): m.group(2) for m in map(_OPTION.match, tail.splitlines()) if m}


def lookup(question: str) -> dict[str, str]:
    """Every way a model names an option, normalised, to its letter; an option's text wins over a
    letter or a number that looks the same."""
    choices = sorted(options(question).items())
    table: dict[str, str] = {}
    for key, text in choices:
        table.setdefault(_plain(text), f"({key})")
    for number, (key, _) in enumerate(choices, 1):
        for form in (key, f"({key})", str(number)):
            table.setdefault(_plain(form), f"({key})")
    return table


def to_option(answer: str, question: str) -> str:
    """The option's letter for a multiple-choice answer; anything else stripped but unchanged."""
    text = answer.strip()
    return lookup(question).get(_plain(text), text) if "Options:" in question else text


def is_option(answer: str, question: str) -> bool:
    """False only for a lettered multiple-choice question whose answer is not one of its letters."""
    choices = options(question)
    return not choices or answer in {f"({k})" for k in choices}


def matches(value: str, answer: str, question: str) -> bool:
    """``value`` is ``answer``, exactly or as another name of the same option."""
    return value.strip() == answer.strip() or (bool(options(question)) and to_option(value, question) == answer.strip())


def letter_line(question: str) -> str:
    """A line for a use case whose ``ans`` is an option's text or number: turn it into the letter."""
    table = {form: letter for form, letter in lookup(question).items()}
    return f"ans = {table!r}.get(' '.join(str(ans).strip().lower().split()), ans)  # the option's letter\n"


def _plain(text: str) -> str:
    return " ".join(text.strip().strip("'\"").lower().split())
