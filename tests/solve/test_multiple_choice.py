"""Multiple-choice answers map back to their option letter."""

from latm.multiple_choice import is_option, letter_line, matches, options, to_option

QUESTION = "Between what times?\nOptions:\n(A) 6pm to 9pm\n(B) 7am to 11am\n(C) 2\n(D) 1"


def test_options_are_read_from_the_question():
    assert options(QUESTION) == {"A": "6pm to 9pm", "B": "7am to 11am", "C": "2", "D": "1"}
    assert options("No options here") == {}


def test_text_letter_and_number_map_to_the_letter():
    assert to_option("7am to 11am", QUESTION) == "(B)"
    assert to_option(" '6PM to 9pm' ", QUESTION) == "(A)"
    assert to_option("B", QUESTION) == "(B)" and to_option("(b)", QUESTION) == "(B)"
    assert to_option("5", QUESTION) == "5"  # only four options
    assert to_option("3", QUESTION) == "(C)"
    assert to_option("2", QUESTION) == "(C)"  # an option's text wins over the number 2
    assert to_option("4", QUESTION) == "(D)"
    assert to_option("noon", QUESTION) == "noon"
    assert to_option("7am to 11am", "Sort: 7am to 11am") == "7am to 11am"


def test_is_option_and_matches():
    assert is_option("(A)", QUESTION) and not is_option("6pm to 9pm", QUESTION) and is_option("x", "no options")
    assert matches("7am to 11am", "(B)", QUESTION) and not matches("6pm to 9pm", "(B)", QUESTION)
    assert matches("a b", "a b", "Sort: b a") and not matches("A B", "a b", "Sort: b a")


def test_letter_line_turns_ans_into_the_letter():
    namespace = {"ans": "7am  to 11AM"}
    exec(letter_line(QUESTION), namespace)  # the line latm appends to a use case; plain data, run here on purpose
    assert namespace["ans"] == "(B)"
