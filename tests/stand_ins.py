"""Tools for routing tests and the routing benchmark: stand-ins made from example questions.

Routing reads only manifests, so these tools carry real example questions and a stand-in
function that is never run. They are marked verified so that routing considers them, and say
honestly what they are: origin ``hand-written``, a summary naming the stand-in, and a
verification record whose sandbox field says no test ran.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Sequence

from latm.bookkeeping import utc_now
from latm.toolbox.manifest import Example, Manifest, Provenance, Verification
from latm.toolbox.store import ToolFiles, write_tool

from bbh import BBH  # noqa: E402
KNOWN_BBH = ("word_sorting", "dyck_languages", "navigate", "object_counting", "boolean_expressions")  # test toolboxes
NEVER_RUN = "none: routing stand-in, never run"
STAND_IN_CODE = '''"""Stand-in for routing tests: routing reads only tool.toml; this function is never run."""


def solve(question: str) -> str:
    raise NotImplementedError("routing stand-in")
'''


def bbh(task: str) -> list[Example]:
    data = json.loads((BBH / f"{task}.json").read_text())
    return [Example(e["input"], e["target"]) for e in data["examples"]]


def bbh_tasks() -> list[str]:
    return sorted(p.stem for p in BBH.glob("*.json"))


def stand_in(name: str, examples: Sequence[Example], summary: str = "", train: int = 3) -> ToolFiles:
    shown = tuple(Example(e.question, e.answer, "train" if i < train else "validation") for i, e in enumerate(examples))
    manifest = Manifest(
        name=name,
        summary=summary or f"Routing stand-in for {name.replace('_', ' ')} questions.",
        entry="solve",
        signature="solve(question: str) -> str",
        provenance=Provenance("hand-written", "", utc_now()),
        verification=Verification(len(shown), len(shown), utc_now(), NEVER_RUN),
        examples=shown,
    )
    return ToolFiles(manifest, STAND_IN_CODE)


def write_stand_in(toolbox: Path, name: str, examples: Sequence[Example], summary: str = "") -> Path:
    return write_tool(toolbox, stand_in(name, examples, summary))


# Near-miss tasks: the same kind of wording, different jobs. {w} is a list of words, {n} of numbers.
NEAR_MISS = {
    "sort_words": "Sort the following words alphabetically: List: {w}",
    "sort_words_then_reverse": "Sort the following words alphabetically: List: {w}. Then reverse the list.",
    "sort_words_reverse": "Sort the following words in reverse alphabetical order: List: {w}",
    "sort_words_by_length": "Sort the following words by length, shortest first: List: {w}",
    "count_words": "How many words are in the following list? List: {w}",
    "count_vowels": "How many vowels are in the following words? List: {w}",
    "longest_word": "Which is the longest of the following words? List: {w}",
    "reverse_each_word": "Reverse each of the following words: List: {w}",
    "dedupe_words": "Remove the duplicate words from the following list: List: {w}",
    "first_letters": "Join the first letters of the following words: List: {w}",
    "sort_numbers_ascending": "Sort the following numbers in ascending order: List: {n}",
    "sort_numbers_descending": "Sort the following numbers in descending order: List: {n}",
    "sum_numbers": "What is the sum of the following numbers? List: {n}",
    "largest_number": "Which is the largest of the following numbers? List: {n}",
}
NOUNS = ("apple pear plum fig kiwi mango melon lemon lime grape peach cherry olive onion garlic carrot radish "
         "celery tomato potato walnut almond cashew hazel otter badger ferret rabbit beaver weasel falcon heron "
         "pigeon parrot salmon trout shark whale lobster oyster clam squid violin cello flute harp drum guitar "
         "anvil hammer chisel wrench saddle bridle lantern candle mirror pillow blanket basket bucket ladder").split()


def near_miss_question(task: str, rnd: random.Random) -> str:
    words = " ".join(rnd.sample(NOUNS, rnd.randint(3, 12)))
    numbers = " ".join(str(rnd.randint(-99, 999)) for _ in range(rnd.randint(3, 12)))
    return NEAR_MISS[task].format(w=words, n=numbers)


def near_miss_examples(task: str, rnd: random.Random, count: int = 6) -> list[Example]:
    return [Example(near_miss_question(task, rnd), "stand-in answer") for _ in range(count)]
