"""Names suggested for a task from its questions: telling words, valid, not taken."""

from latm.toolbox.names import name_from_question, unique_name, validate_name

SORTING = "Sort the following words alphabetically: List: syndrome therefrom"


def test_a_question_gives_its_telling_words():
    assert name_from_question(SORTING) == "sort_words_alphabetically"
    assert name_from_question("What is the answer to the question of the list?") == "new_tool"
    assert name_from_question("How much is 2 + 2?", fallback="pending_task") == "much"


def test_only_the_shared_wording_when_given():
    shared = {"sort", "the", "following", "words", "alphabetically", "list"}
    assert name_from_question(SORTING + " syndrome", among=shared) == "sort_words_alphabetically"
    assert name_from_question("Sherrie lies. Does Sherrie tell the truth?", among={"lies", "tell", "truth"}) == \
        "lies_tell_truth"


def test_taken_names_get_a_number_and_stay_valid():
    assert name_from_question(SORTING, {"sort_words_alphabetically"}) == "sort_words_alphabetically_2"
    assert unique_name("tool", {"tool", "tool_2"}) == "tool_3"
    long = "a" * 63 + "b"
    twice = unique_name(long, {long})
    assert twice != long and len(twice) <= 64 and validate_name(twice)
    assert unique_name("a" * 61 + "_cd", {"a" * 61 + "_cd"}) == "a" * 61 + "_2"  # no "__" where it was cut
