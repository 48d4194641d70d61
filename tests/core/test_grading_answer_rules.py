"""The rules that let a reasonable form of a short or cloze answer through (`match: normalized`),
each accepting what students write and still refusing wrong answers."""

import pytest

from studyapp.core.grading import CORRECT, INCORRECT, grade
from studyapp.core.qformat import answer_matches, parse


@pytest.mark.parametrize(
    "given",
    ["Nixon", "President Nixon", "Richard M. Nixon", "President Richard M. Nixon", "R. Nixon", "Richard M Nixon"],
)
def test_titles_and_initials_are_ignored_in_names(given):
    assert answer_matches(given, ["Nixon", "Richard Nixon"])


@pytest.mark.parametrize("given", ["Carter", "President Carter", "Richard Carter", "President", "M. Nixon Carter", ""])
def test_a_different_name_or_a_title_alone_is_still_wrong(given):
    assert not answer_matches(given, ["Nixon", "Richard Nixon"])


def test_a_title_is_only_dropped_before_the_name():
    assert answer_matches("Ambassador Dobrynin", ["Dobrynin"])
    assert answer_matches("Secretary of State Haig", ["Haig"])
    assert answer_matches("General Secretary Brezhnev", ["Brezhnev"])
    assert not answer_matches("Haig the Secretary", ["Haig"])
    assert answer_matches("President", ["President"])  # a rule never empties an answer


@pytest.mark.parametrize("given", ["3", "three", "Three", " three "])
def test_numbers_spelled_out_or_in_digits(given):
    assert answer_matches(given, ["three"]) and answer_matches(given, ["3"])


@pytest.mark.parametrize("given", ["4", "four", "thirty", "33", "three years"])
def test_another_number_is_still_wrong(given):
    assert not answer_matches(given, ["three", "3"])


def test_tens_and_teens_are_read_as_digits():
    assert answer_matches("twenty", ["20"]) and answer_matches("nineteen", ["19"])
    assert not answer_matches("twenty", ["2"])


@pytest.mark.parametrize("given", ["the lion’s share", "lion's share", "a lion's share", "The Lion’s Share"])
def test_a_leading_article_is_ignored(given):
    assert answer_matches(given, ["lion’s share"])


def test_an_article_is_not_an_answer_and_other_words_still_count():
    assert not answer_matches("the", ["the lion’s share"])
    assert not answer_matches("the share", ["lion’s share"])
    assert not answer_matches("the lion", ["lion’s share"])
    assert not answer_matches("share of the lion", ["lion’s share"])


def test_exact_matching_has_no_rules():
    assert not answer_matches("President Nixon", ["Nixon"], "exact")
    assert not answer_matches("three", ["3"], "exact")


def test_the_rules_apply_to_cloze_blanks_and_short_answers_alike():
    bank = (
        "## c\ntype: cloze\nthemes: t\npassages: p\ndifficulty: 1\n\n"
        "Hardly {{three}} years passed, and {{Nixon}} gave the reception.\n\n### Explanation\nSee.\n\n"
        "## s\ntype: short\nthemes: t\npassages: p\ndifficulty: 1\n\nWho?\n\n### Answers\n- Eagleburger\n\n"
        "### Explanation\nSee.\n"
    )
    cloze, short = parse(bank, "bank.md").questions
    assert grade(cloze, {"blanks": {"1": "3", "2": "President R. Nixon"}}).status == CORRECT
    assert grade(cloze, {"blanks": {"1": "4", "2": "Ford"}}).status == INCORRECT
    assert grade(short, {"text": "Lawrence S. Eagleburger"}).status == INCORRECT  # a first name is not a rule
    assert grade(short, {"text": "Assistant Secretary L. Eagleburger"}).status == CORRECT
    assert grade(short, {"text": "Haig"}).status == INCORRECT
