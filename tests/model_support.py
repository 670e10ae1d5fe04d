"""Shared constants and helpers of the tests that make and use tools: the scripted model's key,
reference transcripts, a tool's own tests run, a family's tool made through the real make."""

import subprocess
import sys

TEST_KEY_ENV = "SCRIPTED_LLM_TEST_KEY"  # not LATM_*: those are settings
TEST_KEY = "sk-test-8f3a61c2d9e04b7aa5c0"


def tree_bytes(folder):
    """Every file under ``folder`` with its bytes and mode: equal before and after means untouched."""
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mode, p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def reference_transcript(family, train, validation, *, tests=None, wrap=None):
    """A tool transcript in the shape the LATM reference notebooks save: the propose prompt, the
    maker's proposal (which the reference appends twice), the verify prompt, tests wrapped in a
    test function with ans1/ans2/... variables, the wrap prompt, the wrapped tool."""
    from latm.make import prompts

    import re

    def numbered(code, i):
        return re.sub(r"\b(ret|ans)\b", lambda m: f"{m.group(1)}{i}", code)

    body = "\n".join("    " + line for i, e in enumerate(validation, 1)
                     for line in (numbered(family.call(e.question), i) + f"\nassert ans{i} == {e.answer!r}").splitlines())
    tests = tests or f"```python\ndef test_tool():\n{body}\n\ntest_tool()\n```"
    cases = "\n\n".join(f"Question: {e.question}\nAnswer: {e.answer}\n\nSolution:\n```python\n{numbered(family.call(e.question), i)}\n```"
                        for i, e in enumerate(validation, 1))
    function = family.function.split("# Example usage")[0].strip()
    wrap = wrap or f"Here is a function to solve a class of problems:\n```python\n{function}\n```\n\nUse cases:\n\n{cases}\n"
    return [
        {"role": "user", "content": prompts.propose(train)},
        {"role": "assistant", "content": family.proposal()},
        {"role": "assistant", "content": family.proposal()},
        {"role": "user", "content": prompts.verify(validation)},
        {"role": "assistant", "content": tests},
        {"role": "user", "content": prompts.WRAP},
        {"role": "assistant", "content": wrap},
    ]


def run_tool_tests(folder):
    """The generated test_tool.py, as a user's CI runs it (reviewed code, on the host)."""
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(folder)],
                          cwd=folder.parent, capture_output=True, text=True, timeout=120)


def make_family_tool(server, ws, llm, task, name=None):
    """``task``'s tool, made through the real make with the scripted maker's four replies."""
    from families import FAMILIES, split
    from latm.make import make_tool

    family = FAMILIES[task]
    train, validation, _ = split(task)
    server.push(family.proposal(), family.tests(validation), family.wrap(validation), family.parser_reply())
    return make_tool(ws, train + validation, name or task)
