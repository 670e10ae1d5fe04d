"""The routing index kept in ``.latm/cache/route-index.json`` (issue 10): a workspace opened later
routes exactly as a freshly built index does, without rebuilding it; changed, added and removed
tools are taken in one by one; a damaged, edited or linked cache is built anew, never trusted.
Real workspaces and files; the index is counted, never replaced."""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

import bm25s
import pytest

sys.path.append(str(Path(__file__).resolve().parents[1] / "bench"))  # the benchmark's own toolbox maker
from route_bench import SYLLABLES, synthetic_examples, write_fast  # noqa: E402

from cache_support import recorded, rewrite_body
from stand_ins import KNOWN_BBH, NEAR_MISS, NOUNS, bbh, near_miss_question, write_stand_in
from latm.route import index as route_index
from latm.route import index_cache, route
from latm.route.features import features
from latm.route.index import Lexical, index_for
from latm.toolbox.manifest import Example
from latm.toolbox.store import delete_tool

VERBS = ("Count", "List", "Name", "Describe", "Compare", "Rank", "Group", "Pair")


@pytest.fixture
def crowded_toolbox(near_miss_toolbox):
    """The near misses, five BIG-Bench Hard families and 40 more kinds of question: far more tools
    share wording with a question than the lexical index hands on (RECALL)."""
    for task in KNOWN_BBH:
        write_stand_in(near_miss_toolbox, task, bbh(task)[:6])
    rnd = random.Random(8)
    for i in range(40):
        form = f"{VERBS[i % len(VERBS)]} the {NOUNS[i]} and the following words: List: {{}}"
        examples = [Example(form.format(" ".join(rnd.sample(NOUNS, 4))), "-") for _ in range(6)]
        write_stand_in(near_miss_toolbox, f"kind_{i:02d}", examples)
    return near_miss_toolbox


def questions() -> list[str]:
    rnd = random.Random(21)
    asked = [near_miss_question(task, rnd) for task in NEAR_MISS for _ in range(2)]
    asked += [e.question for task in KNOWN_BBH for e in bbh(task)[10:12]]
    return asked + [f"Count the {NOUNS[3]} and the following words: List: otter heron", "What is the capital of Peru?"]


def decisions(ws) -> list[tuple]:
    return [(d.tool, d.how, d.candidates) for d in (route(ws, q, offline=True) for q in questions())]


@pytest.fixture
def builds(monkeypatch):
    """How many lexical indexes were built (not restored) since the last call."""
    made = []
    real = Lexical.build.__func__

    def counting(cls, profiles):
        if profiles:
            made.append(len(profiles))
        return real(cls, profiles)

    monkeypatch.setattr(Lexical, "build", classmethod(counting))

    def taken() -> int:
        count = len(made)
        made.clear()
        return count

    return taken


@pytest.fixture
def profiled(monkeypatch):
    """The names of the tools whose routing profile was computed since the last call."""
    return recorded(monkeypatch, route_index, "profile_of", lambda tool: tool.name)


def cache_of(ws):
    return ws.state_path / "cache" / "route-index.json"


def scores_and_ranks_as_bm25s(ws, asked: list[str]) -> None:
    """The lexical index restored from the cache (pure Python, no numpy) scores every row as bm25s
    scores it, and hands on the tools bm25s ranks first."""
    index_for(ws)
    index = index_cache.load(ws.state_path, ws.toolbox_dir)
    profiles, lexical = index.state()
    reference = bm25s.BM25()
    reference.index([list(profiles[n].document) for n in lexical.names], show_progress=False)
    assert len(lexical.names) > 2 * route_index.RECALL
    for question in asked:
        ids = sorted({reference.vocab_dict[t] for t in features(question) if t in reference.vocab_dict})
        expected = reference.get_scores_from_ids(ids) if ids else [0.0] * len(lexical.names)
        found = lexical.scores(features(question))
        assert found == pytest.approx({row: float(s) for row, s in enumerate(expected) if s > 0}, rel=1e-5), question
        ranked = sorted((row for row, s in enumerate(expected) if s > 0), key=lambda row: -expected[row])
        top = lexical.top(features(question), set(), route_index.RECALL)
        assert len(top) == min(route_index.RECALL, len(ranked)), question
        if not top:
            continue
        # bm25s sums in single precision: tools tied at the cut (within that precision) may fall either way.
        cut = float(expected[ranked[len(top) - 1]])
        surely_in = {lexical.names[row] for row in ranked if expected[row] > cut * (1 + 1e-5)}
        assert surely_in <= set(top), question
        assert all(expected[lexical.rows[name]] >= cut * (1 - 1e-5) for name in top), question


def test_the_lexical_index_scores_as_bm25s_does(crowded_toolbox, open_ws):
    scores_and_ranks_as_bm25s(open_ws(), questions())


def test_the_lexical_index_ranks_as_bm25s_on_the_startup_benchmarks_toolbox(toolbox, open_ws):
    """The toolbox ``startup_bench`` times (made-up kinds of question, word_sorting among them), 300
    tools, with the five BIG-Bench Hard families beside them."""
    rnd = random.Random(11)
    vocabulary = sorted({"".join(rnd.choice(SYLLABLES) for _ in range(rnd.randint(2, 3))) for _ in range(3000)})
    kinds = [synthetic_examples(rnd, vocabulary) for _ in range(300)]
    for i, examples in enumerate(kinds):
        write_fast(toolbox, f"synthetic_{i:05d}", examples)
    for task in KNOWN_BBH:
        write_stand_in(toolbox, task, bbh(task)[:6])
    asked = [examples[-1].question for examples in kinds[::15]] + [e.question for task in KNOWN_BBH for e in bbh(task)[10:12]]
    scores_and_ranks_as_bm25s(open_ws(), asked + ["Sort the following words alphabetically: List: syndrome fig apple"])


def test_a_workspace_opened_later_routes_as_a_fresh_index_without_building_one(crowded_toolbox, open_ws, builds, profiled):
    cold = open_ws()
    fresh = decisions(cold)
    assert builds() == 1 and cache_of(cold).is_file()
    profiled()
    later = open_ws()
    assert decisions(later) == fresh
    assert builds() == 0 and profiled() == set()


def test_changed_added_and_removed_tools_are_taken_in_and_only_they_are_profiled(crowded_toolbox, open_ws, builds, profiled):
    decisions(open_ws())
    profiled(), builds()
    rnd = random.Random(4)
    write_stand_in(crowded_toolbox, "sort_words", [Example(f"Alphabetise these please: {' '.join(rnd.sample(NOUNS, 5))}", "-")
                                                   for _ in range(6)])
    write_stand_in(crowded_toolbox, "count_cities", [Example(f"How many cities are in the following list? List: {c}", "-")
                                                     for c in ("Lima Quito", "Oslo Rome Bern", "Kyiv", "Riga Baku", "Doha Nuuk", "Apia")])
    delete_tool(crowded_toolbox, "sum_numbers")
    taken_in = open_ws()
    after = decisions(taken_in)
    assert profiled() == {"sort_words", "count_cities"} and builds() == 0  # matched directly, not rebuilt
    os.remove(cache_of(taken_in))
    assert [d[0] for d in decisions(open_ws())] == [d[0] for d in after]  # the tools an index built from nothing picks
    assert route(taken_in, "How many cities are in the following list? List: Paris Cairo", offline=True).tool == "count_cities"
    assert route(taken_in, "Alphabetise these please: otter heron falcon", offline=True).tool == "sort_words"
    assert "sum_numbers" not in {m.name for d in after for m in d[2]}


def edit(change):
    return lambda path: rewrite_body(path, change)


def first_profile(data):
    return next(iter(data["profiles"].values()))


DAMAGE = {
    "truncated": lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size * 2 // 3]),
    "not json": lambda p: p.write_bytes(b"{]\n["),
    "edited, hash left": lambda p: p.write_text(p.read_text().replace('"sort', '"s0rt', 1)),
    "a template share as text": edit(lambda d: first_profile(d)[2].update({"list": "0.5"})),
    "a template share above 1": edit(lambda d: first_profile(d)[2].update({"list": 7.0})),
    "a profile without its key": edit(lambda d: first_profile(d).pop(0)),
    "scores not base64": edit(lambda d: d["lexical"].update(data="@@@@")),
    "an array cut short": edit(lambda d: d["lexical"].update(indices=d["lexical"]["indices"][:-8])),
    "a row twice": edit(lambda d: d["lexical"]["rows"].append(d["lexical"]["rows"][0])),
    "two tokens in one column": edit(lambda d: d["lexical"]["vocab"].update({"zzz-new": 0})),
    "no lexical index": edit(lambda d: d.pop("lexical")),
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_cache_is_built_anew_and_routes_right(crowded_toolbox, open_ws, builds, damage):
    cold = open_ws()
    fresh = decisions(cold)
    builds()
    DAMAGE[damage](cache_of(cold))
    assert index_cache.load(cold.state_path, cold.toolbox_dir) is None
    assert decisions(open_ws()) == fresh
    assert builds() == 1  # nothing of it was used
    decisions(open_ws())
    assert builds() == 0  # and it was written anew


def test_a_cache_file_that_is_a_link_is_not_read(crowded_toolbox, open_ws, builds, tmp_path):
    cold = open_ws()
    fresh = decisions(cold)
    builds()
    planted = tmp_path / "planted.json"
    os.replace(cache_of(cold), planted)
    cache_of(cold).symlink_to(planted)
    assert decisions(open_ws()) == fresh
    assert builds() == 1 and not cache_of(cold).is_symlink()
