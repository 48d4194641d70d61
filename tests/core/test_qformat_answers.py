"""Matching typed answers (short answer and cloze) and reading numbers."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studyapp.core.qformat import answer_matches, normalize_answer, read_number


@pytest.mark.parametrize("typed", ["détente", " Detente. ", "DETENTE", "detente", "Détente!", "«détente»"])
def test_normalized_forms_of_detente_match(typed):
    assert normalize_answer(typed) == "detente"
    assert answer_matches(typed, ["détente"])


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("U.S.", "us"),
        ("lion’s share", "lions share"),
        ("lion's  share", "lions share"),
        ("post-war", "post war"),
        ("Soviet–American", "soviet american"),
        ("Pax Americana", "pax americana"),
        ("Straße", "strasse"),
        ("ﬁne", "fine"),
        ("  1973 ", "1973"),
        ("50%", "50"),
        ("£50 + 2°", "£50 + 2°"),
        ("...", ""),
    ],
)
def test_normalize_answer(text, normalized):
    assert normalize_answer(text) == normalized


def test_normalized_match_against_any_accepted_answer():
    assert answer_matches("r nixon", ["Nixon", "R. Nixon"])
    assert not answer_matches("Ford", ["Nixon", "R. Nixon"])


def test_exact_match_only_strips_surrounding_whitespace():
    assert answer_matches("  Casa Pacifica ", ["Casa Pacifica"], "exact")
    assert not answer_matches("casa pacifica", ["Casa Pacifica"], "exact")
    assert not answer_matches("Casa Pacifica.", ["Casa Pacifica"], "exact")
    assert not answer_matches("Casa  Pacifica", ["Casa Pacifica"], "exact")


@pytest.mark.parametrize("empty", ["", "   ", "?!", "—"])
def test_an_empty_response_never_matches(empty):
    assert not answer_matches(empty, ["...", "Nixon"])
    assert not answer_matches(empty, ["", "Nixon"], "exact")


@pytest.mark.parametrize(
    ("text", "value"),
    [("1973", 1973.0), (" -3 ", -3.0), ("+0.5", 0.5), (".5", 0.5), ("2e3", 2000.0), ("1.5E-2", 0.015)],
)
def test_read_number(text, value):
    assert read_number(text) == value


@pytest.mark.parametrize("text", ["", "1,5", "1 000", "5.", "nan", "inf", "1e999", "0x10", "one", "1973 AD"])
def test_read_number_refuses(text):
    assert read_number(text) is None


@settings(database=None)
@given(st.text())
def test_normalizing_is_idempotent_and_never_raises(text):
    once = normalize_answer(text)
    assert normalize_answer(once) == once
    assert read_number(text) is None or isinstance(read_number(text), float)
