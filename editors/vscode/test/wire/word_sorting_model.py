"""Script for tests/scripted_llm.py: a maker and a tool user for word sorting, as the wire test's model.

It answers each LATM stage the way a real model does (fenced python blocks), reading the
questions from the prompt it was shown. Its first proposal forgets an import, as models do; the
fix request gets a working function. Asked to repair the tool (it sorts capital letters first),
it sends the function patched to ignore case. Only the key and models the extension configures are
accepted, so the test also proves they reached the server.
"""

import json
import re

api_key = "sk-wire-test-key"
models = ("wire-maker", "wire-user")

QA = re.compile(r"Question:\s*(.+?)\s*\nAnswer:\s*(.*)")

BROKEN_PROPOSAL = '''Here is a generic function for this kind of task:

```python
SEPARATOR = string.whitespace[0]

def sort_words(words: list) -> str:
    """Return the words in alphabetical order, separated by single spaces."""
    return SEPARATOR.join(sorted(words))
```
'''

FUNCTION = '''import string

SEPARATOR = string.whitespace[0]


def sort_words(words: list) -> str:
    """Return the words in alphabetical order, separated by single spaces."""
    return SEPARATOR.join(sorted(words))
'''


def _words_call(question: str) -> str:
    listed = question.split("List:", 1)[1].split()
    return f"words = {json.dumps(listed)}\nret = sort_words(words)\nans = ret\n"


def _verify(prompt: str) -> str:
    blocks = []
    for question, answer in QA.findall(prompt):
        blocks.append(f"```python\n{_words_call(question)}assert ans == {json.dumps(answer.strip())}\n```")
    return "Here are the unit tests:\n\n" + "\n\n".join(blocks)


def _wrap(messages: list) -> str:
    verify_prompt = next(m["content"] for m in messages if "Write unit tests" in str(m.get("content", "")))
    cases = "".join(
        f"Question: {question}\nSolution:\n```python\n{_words_call(question)}```\n\n"
        for question, _answer in QA.findall(verify_prompt)
    )
    return f"Here is a function to solve a class of problems:\n```python\n{FUNCTION}```\n\nUse cases:\n{cases}"


PARSER = '''```python
def parse_question(question: str) -> dict:
    return {"words": question.split("List:", 1)[1].split()}


def format_answer(result, question: str) -> str:
    return str(result)
```'''


CASE_BLIND = '''Python puts capital letters before small ones. Comparing the words in lower case fixes it:

```python
def sort_words(words: list) -> str:
    """Return the words in alphabetical order, ignoring case, separated by single spaces."""
    return SEPARATOR.join(sorted(words, key=str.lower))
```
'''


def _use(prompt: str) -> str:
    question = prompt.rsplit("Question:", 1)[1].strip()
    return f"```python\n{_words_call(question)}```"


def respond(messages: list, model: str) -> str:
    prompt = str(messages[-1].get("content", ""))
    if model == "wire-user":
        return _use(prompt)
    if prompt.startswith("This tool answers some of its stored examples wrong"):
        return CASE_BLIND
    if "Write a generic Python function" in prompt:
        return BROKEN_PROPOSAL
    if "Running the function failed" in prompt:
        return f"You are right, `string` was not imported. Fixed:\n\n```python\n{FUNCTION}```"
    if "Write unit tests" in prompt:
        return _verify(prompt)
    if "Success!" in prompt:
        return _wrap(messages)
    if "parse_question" in prompt:
        return PARSER
    return "I am not sure what you are asking for."
