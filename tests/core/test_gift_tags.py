"""GIFT comment tags are read in linear time, with the same results as the tag pattern."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studyapp.core.qformat import parse_gift
from studyapp.core.qformat.gift import TAG_RE, find_tags

QUESTION = "::q::[markdown]What is 1+1? {=2 ~3 ####Because.}\n"


@given(st.text(alphabet="[]:\\ab-x ", max_size=40))
def test_find_tags_finds_what_the_pattern_finds(line):
    expected = [(m.start(), m.group(1), m.group(2)) for m in TAG_RE.finditer(line)]
    assert list(find_tags(line)) == expected


@pytest.mark.parametrize(
    "line",
    [
        "[a:" * 6_100,
        "[a-a:\\]" * 2_700,
        "[tag:" + "\\" * 18_500,
        "[" * 18_500,
        "[id:x] " + "[tag:" * 6_100,
    ],
    ids=["open-tags", "escaped-closers", "backslashes", "brackets", "tag-then-open-tags"],
)
def test_a_long_comment_line_parses_in_well_under_a_second(line):
    text = f"// {line}\n{QUESTION}"
    assert len(line) >= 18_000
    start = time.perf_counter()
    parse_gift(text.encode(), "long.gift")
    assert time.perf_counter() - start < 0.5


def test_tags_on_a_line_are_still_read():
    result = parse_gift(
        b"// [id:sum] [tag:arithmetic] [difficulty:2] [passage:p1] [hint:see \\] here]\n" + QUESTION.encode(),
        "tags.gift",
    )
    (question,) = result.questions
    assert question.id == "sum"
    assert question.themes == ("arithmetic",)
    assert question.passages == ("p1",)
    assert question.hint == "see ] here"
    assert question.difficulty == 2
