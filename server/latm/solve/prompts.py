"""What latm says to the tool user: the function, its verified use cases and the new question,
in the LATM paper's shape (a Question/Solution pair per use case, as the maker's wrap stage wrote them)."""

from __future__ import annotations

from typing import Iterable

from latm.toolbox.manifest import UseCase

USE = """Here is a function to solve a class of problems:
```python
{code}
```

Use cases:
{use_cases}
Answer the new question in the same way: one ```python block that parses the question, calls the \
function (it is already defined; do not repeat it) and sets the variable `ans` to the answer.

Question: {question}"""


def use_case_blocks(use_cases: Iterable[UseCase]) -> str:
    return "".join(f"Question: {u.question}\nSolution:\n```python\n{u.code.rstrip()}\n```\n\n" for u in use_cases)


def use(code: str, use_cases: Iterable[UseCase], question: str) -> str:
    return USE.format(code=code.rstrip(), use_cases=use_case_blocks(use_cases), question=question)
