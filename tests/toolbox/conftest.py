from pathlib import Path

import pytest

from latm.toolbox.manifest import Example, Manifest, ParserEntry, Provenance, UseCase, Verification
from latm.toolbox.store import ToolFiles

CODE = '''"""Add two numbers."""


def add(a: int, b: int) -> int:
    return a + b


def parse_question(question: str) -> dict:
    a, b = question.removeprefix("What is ").removesuffix("?").split(" plus ")
    return {"a": int(a), "b": int(b)}


def format_answer(result: int, question: str) -> str:
    return str(result)
'''


def make_files(name: str = "adder", code: str = CODE, summary: str = "Add two numbers.") -> ToolFiles:
    examples = [Example(f"What is {i} plus {i + 1}?", str(2 * i + 1), "train" if i < 3 else "validation") for i in range(6)]
    use_cases = [UseCase(e.question, f"ans = str(add({i}, {i + 1}))\n") for i, e in enumerate(examples) if e.split == "validation"]
    manifest = Manifest(
        name=name, summary=summary, entry="add", signature="add(a: int, b: int) -> int",
        provenance=Provenance("hand-written", "", "2026-11-21T00:00:00Z"),
        verification=Verification(3, 3, "2026-11-21T00:00:00Z", "docker"),
        examples=tuple(examples), use_cases=tuple(use_cases), parser=ParserEntry(verified_on=6),
    )
    return ToolFiles(manifest, code)


@pytest.fixture
def tool_files():
    return make_files


@pytest.fixture
def toolbox(tmp_path) -> Path:
    return tmp_path / "toolbox"
