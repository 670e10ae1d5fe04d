"""What latm says to the maker: the LATM stages, in the paper's shapes (the tool user's prompt is
``latm.solve.prompts``).

The reply formats (fenced python blocks; tests that set ``ret`` and ``ans`` and assert; a wrapped
function followed by "Use cases:" with Question/Solution pairs) are the reference's, so a
transcript recorded there replays here.
"""

from __future__ import annotations

from typing import Iterable

from latm.toolbox.manifest import Example

CALL_SHAPE = """```python
{parse the question into the arguments of the function}
{call the function and keep its return value in a variable named `ret`}
{for a multiple-choice question, parse the options}
{convert `ret` into the answer (for a multiple-choice question, the option, e.g. "(A)") and keep it in a variable named `ans`}
%s```"""

PROPOSE = """{examples}

Write a generic Python function that solves this type of problem, using {library}. Its return value will later be converted into the answer (the option, for a \
multiple-choice question). Put the whole function, with its imports, in one block:
```python
```"""

PROPOSE_FIX = """Running the function failed with this error:
{error}
Please fix it and send the whole function again in a ```python block."""

VERIFY = """{examples}

Write unit tests that check the function on the questions above, in this format, one block per \
question:
%s
`ans` must come from what the function returns: each test is run again with the function returning \
a wrong value, and its assert must then fail.""" % (
    CALL_SHAPE % "{assert ans == the given answer (for a multiple-choice question, the option)}\n")

VERIFY_FIX = """The tests failed:
{error}
Please fix the tests, or the function if it is wrong (then send the whole corrected function too), \
in ```python blocks."""

WRAP = """Success! The function is correct. Now summarise the function and its use cases for later \
use, in exactly this format:

Here is a function to solve a class of problems:
```python
{the function, including the imports it needs}
```

Use cases:
Question: {question (including options)}
Solution:
%s
Do this for every question of the verification step.""" % (CALL_SHAPE % "")

PARSER = """One more step, so the function can be used without a language model. Write two functions:
- `parse_question(question: str) -> dict` that reads the question text exactly as given below and \
returns the keyword arguments for `{signature}`;
- `format_answer(result, question: str) -> str` that turns the function's return value into the \
answer text exactly as in the examples (for a multiple-choice question, the option, e.g. "(A)"); \
the answer must come from `result` (a wrong `result` must give a wrong answer).
Use {library}, do not change `{entry}`, and put both in one ```python block. They \
must work for all of these questions:

{examples}"""

TOO_LONG = """Your reply was too long: {problem}. Please answer again, shorter: only the code asked for, \
in ```python blocks."""

PARSER_FIX = """These questions did not give the expected answer with your parse_question and format_answer:
{failures}
Please fix them and send both functions again in one ```python block."""

STANDARD_ONLY = "only the Python standard library"


def library(packages: str) -> str:
    """What a tool may import, as the prompts say it; ``packages``: "roman 5.2 (import roman), ..."."""
    if not packages:
        return STANDARD_ONLY
    return (f"only the Python standard library and these installed packages (nothing else can be imported): "
            f"{packages}")


def pinned(requirements: Iterable[str]) -> str:
    """A tool's pins as the prompts name them: "roman 5.2, ..."."""
    return ", ".join(pin.split(" ", 1)[0].replace("==", " ") for pin in requirements)


def qa_blocks(examples: Iterable[Example]) -> str:
    return "\n\n".join(f"Question: {e.question}\nAnswer: {e.answer}" for e in examples)


def propose(train: list[Example], library: str = STANDARD_ONLY) -> str:
    return PROPOSE.format(examples=qa_blocks(train), library=library)


def verify(validation: list[Example]) -> str:
    return VERIFY.replace("{examples}", qa_blocks(validation))


def parser(entry: str, signature: str, examples: list[Example], library: str = STANDARD_ONLY) -> str:
    return PARSER.format(entry=entry, signature=signature, examples=qa_blocks(examples), library=library)
