"""The scripted maker and tool user: hand-written stand-ins for GPT-4 and a cheap model.

For each BIG-Bench Hard family: the function a strong maker would propose (with the "example
usage" models like to add), the unit tests and use cases it would write for given questions, a
question parser, and the call code a tool user writes after reading a question. The "reading"
is done here with ordinary Python on the question text, as a model would by eye; the code it
returns runs only in latm's sandbox. Replies are prose around fenced python blocks.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Callable

from latm.toolbox.manifest import Example

from bbh import BBH  # noqa: E402


def bbh(task: str) -> list[Example]:
    data = json.loads((BBH / f"{task}.json").read_text())
    return [Example(e["input"], e["target"]) for e in data["examples"]]


def split(task: str) -> tuple[list[Example], list[Example], list[Example]]:
    """The paper's split: 3 train, 3 validation shown (of the first 5 + 5), test = 10..249."""
    items = bbh(task)
    return items[:3], items[5:8], items[10:]


def block(code: str) -> str:
    return f"```python\n{code.strip()}\n```"


@dataclass(frozen=True)
class Family:
    task: str
    entry: str
    function: str  # as proposed, example usage included
    call: Callable[[str], str]  # question -> code that sets ``ret`` and ``ans``
    parser: str  # parse_question + format_answer

    def proposal(self) -> str:
        return f"Here's a generic function for this kind of problem:\n\n{block(self.function)}\n\nIt only uses the standard library."

    def tests(self, validation: list[Example]) -> str:
        body = "\n\n".join(f"# Question {i}\n{self.call(e.question)}\nassert ans == {e.answer!r}"
                           for i, e in enumerate(validation, 1))
        return f"Here are the unit tests:\n\n{block(body)}\n\nAll three should pass."

    def wrap(self, validation: list[Example]) -> str:
        cases = "\n\n".join(f"Question: {e.question}\nSolution:\n{block(self.call(e.question))}" for e in validation)
        return (f"Here is a function to solve a class of problems:\n{block(self.function.split('# Example usage')[0])}"
                f"\n\nUse cases:\n\n{cases}\n")

    def parser_reply(self) -> str:
        return f"Sure. These read the question text and format the result:\n\n{block(self.parser)}"

    def user_reply(self, question: str) -> str:
        return f"To answer this, I parse the question and call the function.\n\n{block(self.call(question))}"


SPACED_ANSWER = '''

def format_answer(result, question):
    return " ".join(result)
'''


# word_sorting ---------------------------------------------------------------------------------

def _words_call(question: str) -> str:
    words = question.split("List:", 1)[1].split()
    return f"words = {words!r}\nret = sort_words_alphabetically(words)\nans = ' '.join(ret)"


WORD_SORTING = Family(
    task="word_sorting",
    entry="sort_words_alphabetically",
    function='''
def sort_words_alphabetically(words):
    """Sort a list of words alphabetically."""
    return sorted(words)

# Example usage:
words = ["syndrome", "therefrom"]
print(sort_words_alphabetically(words))
''',
    call=_words_call,
    parser='''
def parse_question(question):
    return {"words": question.split("List:", 1)[1].split()}
''' + SPACED_ANSWER,
)


# dyck_languages -------------------------------------------------------------------------------

def _dyck_call(question: str) -> str:
    sequence = question.rsplit("Input:", 1)[1].strip()
    return f"sequence = {sequence!r}\nret = complete_sequence(sequence)\nans = ' '.join(ret)"


DYCK_LANGUAGES = Family(
    task="dyck_languages",
    entry="complete_sequence",
    function='''
def complete_sequence(sequence):
    """Return the closing brackets that complete a bracket sequence, innermost first."""
    pairs = {"(": ")", "[": "]", "{": "}", "<": ">"}
    stack = []
    for token in sequence.split():
        if token in pairs:
            stack.append(token)
        elif stack and pairs[stack[-1]] == token:
            stack.pop()
        else:
            raise ValueError(f"unexpected {token}")
    return [pairs[token] for token in reversed(stack)]

# Example usage:
print(complete_sequence("[ ["))
''',
    call=_dyck_call,
    parser='''
def parse_question(question):
    return {"sequence": question.rsplit("Input:", 1)[1].strip()}
''' + SPACED_ANSWER,
)


# chinese_remainder_theorem --------------------------------------------------------------------

def _crt_call(question: str) -> str:
    limit = int(re.search(r"no more than (\d+)", question).group(1))
    pairs = [(int(m), int(r)) for m, r in re.findall(r"among (\d+) \w+, we have (\d+) left", question)]
    return f"congruences = {pairs!r}\nret = find_number(congruences, {limit})\nans = str(ret)"


CHINESE_REMAINDER = Family(
    task="chinese_remainder_theorem",
    entry="find_number",
    function='''
from math import gcd


def find_number(congruences, upper_limit):
    """Smallest positive x <= upper_limit with x % m == r for each (m, r) pair."""
    x, step = 0, 1
    for modulus, remainder in congruences:
        while x % modulus != remainder % modulus:
            x += step
        step = step * modulus // gcd(step, modulus)
    while x <= 0:
        x += step
    return x if x <= upper_limit else None

# Example usage:
print(find_number([(5, 2), (107, 28), (179, 9)], 95765))
''',
    call=_crt_call,
    parser='''
import re


def parse_question(question):
    limit = int(re.search(r"no more than (\\d+)", question).group(1))
    pairs = re.findall(r"among (\\d+) \\w+, we have (\\d+) left", question)
    return {"congruences": [(int(m), int(r)) for m, r in pairs], "upper_limit": limit}


def format_answer(result, question):
    return str(result)
''',
)


# temporal_sequences (multiple choice) ---------------------------------------------------------

def _hour(text: str) -> int:
    number, half = int(text[:-2]), text[-2:]
    return number % 12 + (12 if half == "pm" else 0)


def temporal_call(question: str, letter: bool = True) -> str:
    wake = _hour(re.search(r"woke up at (\d+[ap]m)", question).group(1))
    close = _hour(re.search(r"closed after (\d+[ap]m)", question).group(1))
    busy = [(_hour(a), _hour(b)) for a, b in re.findall(r"from (\d+[ap]m) to (\d+[ap]m)", question)]
    options = question.split("Options:")[1].strip().splitlines()
    code = (f"ret = free_slot({wake}, {close}, {busy!r})\n"
            "def label(h):\n    return f\"{h % 12 or 12}{'am' if h < 12 else 'pm'}\"\n"
            "ans = f'{label(ret[0])} to {label(ret[1])}'")
    if letter:
        code += f"\nfor option in {options!r}:\n    if option.endswith(ans):\n        ans = option.split()[0]"
    return code


def temporal_user_reply(question: str) -> str:
    """A tool user that stops at the option's text; latm maps it back to the letter."""
    return f"The free slot is the answer.\n\n{block(temporal_call(question, letter=False))}"


TEMPORAL_SEQUENCES = Family(
    task="temporal_sequences",
    entry="free_slot",
    function='''
def free_slot(wake_up, closing, busy):
    """The (start, end) hours between waking up and closing time not covered by any sighting."""
    covered = set()
    for start, end in busy:
        covered.update(range(start, end))
    free = [h for h in range(wake_up, closing) if h not in covered]
    if not free:
        return None
    start = free[0]
    end = start
    while end in free:
        end += 1
    return (start, end)
''',
    call=temporal_call,
    parser='''
import re


def _hour(text):
    number, half = int(text[:-2]), text[-2:]
    return number % 12 + (12 if half == "pm" else 0)


def parse_question(question):
    wake = _hour(re.search(r"woke up at (\\d+[ap]m)", question).group(1))
    close = _hour(re.search(r"closed after (\\d+[ap]m)", question).group(1))
    busy = [(_hour(a), _hour(b)) for a, b in re.findall(r"from (\\d+[ap]m) to (\\d+[ap]m)", question)]
    return {"wake_up": wake, "closing": close, "busy": busy}


def format_answer(result, question):
    def label(h):
        return f"{h % 12 or 12}{'am' if h < 12 else 'pm'}"
    text = f"{label(result[0])} to {label(result[1])}"
    for line in question.split("Options:")[1].strip().splitlines():
        if line.endswith(text):
            return line.split()[0]
    return text
''',
)

FAMILIES = {f.task: f for f in (WORD_SORTING, DYCK_LANGUAGES, CHINESE_REMAINDER, TEMPORAL_SEQUENCES)}

