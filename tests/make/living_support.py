"""Tools with a flaw a person would find later, made through the real make with the scripted maker,
and the replies a maker writes when asked to repair them."""

from __future__ import annotations

import dataclasses
import json
import re

from families import CHINESE_REMAINDER, WORD_SORTING, block, split
from bbh import BBH
from latm.make.new_tool import make_tool
from latm.toolbox.manifest import Example

TRAIN, VALIDATION, _ = split("word_sorting")

# Word sorting that drops repeated words: right on every BIG-Bench example it is made from.
DEDUP = dataclasses.replace(WORD_SORTING, function=WORD_SORTING.function.replace(
    "return sorted(words)", "return sorted(set(words))"))
REPEATED = Example("Sort the following words alphabetically: List: echo alpha echo bravo", "alpha bravo echo echo")

KEEPING_REPEATS = '''
def sort_words_alphabetically(words):
    """Sort a list of words alphabetically, keeping repeated words."""
    return sorted(words)
'''
RIGHT_PATCH = ("You're right: `set()` drops words that occur more than once. Here is the patched function:\n\n"
               + block(KEEPING_REPEATS)
               + "\n\nEvery occurrence is kept now, and the order is unchanged for lists without repeats.")

# Fixes the repeated word, but sorts by the first letter only: it breaks examples it passed.
BY_FIRST_LETTER = '''
def sort_words_alphabetically(words):
    """Sort a list of words alphabetically."""
    return sorted(words, key=lambda word: word[0])
'''
FIRST_LETTER_PATCH = ("The problem is the deduplication. Sorting by the first letter keeps every word:\n\n"
                      + block(BY_FIRST_LETTER))


def made(scripted_llm, workspace, llm, family, train, validation, name):
    """``family``'s tool, made through the real make (four maker replies)."""
    scripted_llm.push(family.proposal(), family.tests(validation), family.wrap(validation), family.parser_reply())
    return make_tool(workspace, train + validation, name)


def made_dedup(scripted_llm, workspace, llm):
    return made(scripted_llm, workspace, llm, DEDUP, TRAIN, VALIDATION, "word_sorting")


# Chinese remainders by trying every number: right, and quick for small answers only.
BRUTE_FORCE = dataclasses.replace(CHINESE_REMAINDER, function='''
def find_number(congruences, upper_limit):
    """Smallest positive x <= upper_limit with x % m == r for each (m, r) pair, found by trying each x."""
    for x in range(1, upper_limit + 1):
        if all(x % modulus == remainder for modulus, remainder in congruences):
            return x
    return None
''')


def small_crt_examples() -> tuple[list[Example], list[Example]]:
    """3 train + 3 validation BIG-Bench questions whose answers brute force finds in well under a second."""
    data = json.loads((BBH / "chinese_remainder_theorem.json").read_text())["examples"]
    small = [Example(e["input"], e["target"]) for e in data if int(e["target"]) < 60000][:6]
    return small[:3], small[3:]


def crt_question(pairs: list[tuple[int, int]], limit: int) -> Example:
    """A question in the BIG-Bench wording, with its answer worked out by the Chinese remainder theorem."""
    x, step = 0, 1
    for modulus, remainder in pairs:
        while x % modulus != remainder:
            x += step
        step *= modulus
    parts = "; ".join(f"if we divide them equally among {m} lemurs, we have {r} left" for m, r in pairs)
    return Example(f"There is a barn of no more than {limit} plums. {parts[0].upper()}{parts[1:]}. "
                   "How many plums are in the barn?", str(x))


def fast_crt_patch() -> str:
    function = CHINESE_REMAINDER.function.split("# Example usage")[0]
    return (f"Trying every number is too slow for large limits. This version steps through the solutions of each "
            f"congruence in turn (the Chinese remainder theorem), so it takes a few hundred steps:\n\n{block(function)}")


def assert_words(text: str, *words: str) -> None:
    for word in words:
        assert re.search(re.escape(word), text), f"{word!r} not in:\n{text}"
