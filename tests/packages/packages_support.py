"""The scripted maker of tools that use third-party packages, and what the package tests share.

Three families, each as a strong maker writes it (prose around fenced python, an example usage at
the end): Roman numerals with ``roman`` (a small pure-Python wheel, no dependencies), the date a
number of months after another with ``python-dateutil`` (which depends on ``tzdata``: the pins
must carry the dependency), and the population standard deviation with ``numpy`` (a compiled
wheel). Questions are read "by eye" here with ordinary Python; their code runs in the sandbox only.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from datetime import date
from typing import Callable

from latm.toolbox.manifest import Example


def derived_tags() -> set[str]:
    """The tags of the derived images of this run's base image. Only those: the engine is shared
    with other runs, whose base tags differ but whose images may be the very same ones (a build
    from the same base id and set gives the same image id)."""
    from latm.sandbox import derived_images, docker_engine
    from sandbox_settings import sandbox_settings

    base = sandbox_settings().sandbox_image
    return {tag for image in derived_images.listed(docker_engine.connect().api) for tag in image["tags"]
            if tag == derived_images.tag_for(base, image["digest"])}


def untag(tags) -> None:
    """Remove these derived tags; an image goes with its last tag, unless another run's container
    still uses it."""
    import docker.errors

    from latm.sandbox import docker_engine

    api = docker_engine.connect().api
    for tag in tags:
        try:
            api.remove_image(tag)
        except docker.errors.APIError as err:  # gone meanwhile, or in use by another run
            print(f"left {tag}: {err}")


def remove_images_of(*names: str) -> None:
    """Untag this run's derived images that hold exactly these packages, so the next use builds one."""
    from latm.sandbox import derived_images, docker_engine

    untag(tag for image in derived_images.listed(docker_engine.connect().api)
          if {pin.split("==")[0] for pin in image["pins"]} == set(names)
          for tag in image["tags"] if tag in derived_tags())


def block(code: str) -> str:
    return f"```python\n{code.strip()}\n```"


@dataclass(frozen=True)
class Family:
    name: str
    package: str  # the distribution the maker uses
    entry: str
    function: str  # as proposed, example usage included
    call: Callable[[str], str]  # question -> code that sets ``ret`` and ``ans``
    parser: str
    examples: tuple[Example, ...]  # 3 train + 3 validation

    @property
    def train(self) -> list[Example]:
        return list(self.examples[:3])

    @property
    def validation(self) -> list[Example]:
        return list(self.examples[3:6])

    def proposal(self) -> str:
        return (f"The `{self.package}` package is allowed, so I'll use it rather than reimplement it:\n\n"
                f"{block(self.function)}\n\nThe function returns the answer as a string.")

    def tests(self) -> str:
        body = "\n\n".join(f"# Question {i}\n{self.call(e.question)}\nassert ans == {e.answer!r}"
                           for i, e in enumerate(self.validation, 1))
        return f"Here are the unit tests:\n\n{block(body)}"

    def wrap(self) -> str:
        cases = "\n\n".join(f"Question: {e.question}\nSolution:\n{block(self.call(e.question))}" for e in self.validation)
        return (f"Here is a function to solve a class of problems:\n{block(self.function.split('# Example usage')[0])}"
                f"\n\nUse cases:\n\n{cases}\n")

    def parser_reply(self) -> str:
        return f"These read the question and format the result:\n\n{block(self.parser)}"

    def script(self) -> list[str]:
        return [self.proposal(), self.tests(), self.wrap(), self.parser_reply()]

    def user_reply(self, question: str) -> str:
        return f"I read the question and call the function.\n\n{block(self.call(question))}"


# roman ----------------------------------------------------------------------------------------
def _roman(n: int) -> str:
    table = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
             (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    out = ""
    for value, letters in table:
        while n >= value:
            out, n = out + letters, n - value
    return out


def _number(question: str) -> int:
    return int(re.search(r"number (\d+)", question).group(1))


ROMAN = Family(
    name="roman_numerals", package="roman", entry="to_roman_numeral",
    function='''
import roman


def to_roman_numeral(number):
    """Write a positive integer in Roman numerals."""
    return roman.toRoman(int(number))

# Example usage:
print(to_roman_numeral(1994))
''',
    call=lambda q: f"number = {_number(q)}\nret = to_roman_numeral(number)\nans = ret",
    parser='''
import re


def parse_question(question):
    return {"number": int(re.search(r"number (\\d+)", question).group(1))}


def format_answer(result, question):
    return str(result)
''',
    examples=tuple(Example(f"Write the number {n} in Roman numerals.", _roman(n))
                   for n in (1994, 2024, 48, 3999, 444, 1666)),
)


# python-dateutil (depends on tzdata) ------------------------------------------------------------
def _months_later(day: str, months: int) -> str:
    start = date.fromisoformat(day)
    month = start.month - 1 + months
    year, month = start.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(start.day, last)).isoformat()
        except ValueError:
            continue
    raise AssertionError(day)


def _day(question: str) -> str:
    return re.search(r"after (\S+)\?", question).group(1)


def _months(question: str) -> int:
    return int(re.search(r"(\d+) month", question).group(1))


_DATES = [("2024-01-31", 1), ("2023-08-15", 6), ("2020-02-29", 12), ("2021-11-30", 3), ("2019-05-31", 9),
          ("2022-12-31", 2)]

DATES = Family(
    name="months_later", package="python-dateutil", entry="add_months",
    function='''
from datetime import date

from dateutil.relativedelta import relativedelta


def add_months(day, months):
    """The date `months` calendar months after `day` (ISO format), clipped to the month's end."""
    return (date.fromisoformat(day) + relativedelta(months=months)).isoformat()

# Example usage:
print(add_months("2024-01-31", 1))
''',
    call=lambda q: f"day = {_day(q)!r}\nmonths = {_months(q)}\nret = add_months(day, months)\nans = ret",
    parser='''
import re


def parse_question(question):
    return {"day": re.search(r"after (\\S+)\\?", question).group(1),
            "months": int(re.search(r"(\\d+) month", question).group(1))}


def format_answer(result, question):
    return result
''',
    examples=tuple(Example(f"What is the date {m} month{'s' if m > 1 else ''} after {d}?", _months_later(d, m))
                   for d, m in _DATES),
)


# numpy (a compiled wheel) -----------------------------------------------------------------------
_SAMPLES = [(2, 4, 4, 4, 5, 5, 7, 9), (1, 2, 3, 4), (10, 10, 10), (3, 7, 7, 19), (6, 2, 3, 1), (0, 5, 10, 15, 20)]

NUMPY = Family(
    name="population_std", package="numpy", entry="population_std",
    function='''
import numpy as np


def population_std(values):
    """The population standard deviation of the values, rounded to 4 decimals."""
    return f"{float(np.std(np.array(values, dtype=float))):.4f}"

# Example usage:
print(population_std([2, 4, 4, 4, 5, 5, 7, 9]))
''',
    call=lambda q: (f"values = {[int(v) for v in q.split(':', 1)[1].rstrip('?').split(',')]!r}\n"
                    "ret = population_std(values)\nans = ret"),
    parser='''
def parse_question(question):
    return {"values": [int(v) for v in question.split(":", 1)[1].rstrip("?").split(",")]}


def format_answer(result, question):
    return result
''',
    examples=tuple(Example(f"What is the population standard deviation of: {', '.join(map(str, s))}?",
                           f"{statistics.pstdev(s):.4f}") for s in _SAMPLES),
)
