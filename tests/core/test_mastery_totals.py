"""Totals summed per group (an attempt's answers on each theme) combine into exactly the mastery of their answers.

The read model of points per attempt and theme (studyapp.domain.points) stores these totals;
these properties are what lets the dashboard read a few rows per attempt instead of every answer.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studyapp.core.mastery import (
    ALL,
    NOT_STARTED,
    Answer,
    mastery_from_totals,
    mastery_overview,
    overview_from_totals,
    totals_by_theme,
)

NOW = datetime(2026, 6, 1, tzinfo=UTC)
THEMES = ("linkage", "afghanistan", "arms-control", "detente")

answers_strategy = st.lists(
    st.builds(
        Answer,
        themes=st.lists(st.sampled_from(THEMES), max_size=3).map(tuple),
        score=st.sampled_from([0.0, 0.5, 1.0, 2.0]),
        max_score=st.sampled_from([0.0, 1.0, 2.0]),
        answered_at=st.integers(0, 400 * 24).map(lambda hours: NOW - timedelta(hours=hours)),
    ).map(lambda a: a._replace(score=min(a.score, a.max_score))),
    max_size=40,
)


def _close(left, right):
    assert left.answers == right.answers
    assert left.last_answered_at == right.last_answered_at
    assert left.weight == pytest.approx(right.weight, rel=1e-9, abs=1e-12)
    if right.value is None:
        assert left.value is None
    else:
        assert left.value == pytest.approx(right.value, rel=1e-9)


@given(answers=answers_strategy, cuts=st.lists(st.integers(0, 40), max_size=6))
def test_groups_combine_into_the_mastery_of_all_their_answers(answers, cuts):
    bounds = sorted({0, len(answers), *(c for c in cuts if c <= len(answers))})
    groups = [totals_by_theme(answers[a:b]) for a, b in pairwise(bounds)]
    overall, by_theme = overview_from_totals(groups, NOW, themes=THEMES)
    expected_overall, expected = mastery_overview(answers, NOW, themes=THEMES)
    _close(overall, expected_overall)
    assert list(by_theme) == list(expected)
    for theme in expected:
        _close(by_theme[theme], expected[theme])


def test_totals_by_hand():
    day = timedelta(days=1)
    totals = totals_by_theme([(("linkage",), 1.0, 1.0, NOW - 14 * day), (("linkage", "linkage"), 0.0, 2.0, NOW)])
    assert set(totals) == {ALL, "linkage"}
    linkage = totals["linkage"]
    assert (linkage.score, linkage.max_score, linkage.answers, linkage.latest_at) == (1.0, 3.0, 2, NOW)
    # The older answer is one half-life older than the newest, so it weighs a half.
    assert (linkage.weighted_score, linkage.weighted_max, linkage.weight) == (0.5, 2.5, 1.5)
    assert mastery_from_totals([linkage], NOW).value == pytest.approx(0.2)
    assert mastery_from_totals([linkage], NOW + 14 * day).weight == pytest.approx(0.75)


def test_answers_worth_nothing_and_no_groups():
    assert totals_by_theme([(("linkage",), 0.0, 0.0, NOW)]) == {}
    assert mastery_from_totals([], NOW).level == NOT_STARTED
    overall, by_theme = overview_from_totals([], NOW, themes=["linkage"])
    assert overall.value is None and by_theme["linkage"].answers == 0


def test_ancient_groups_do_not_break_the_ratio():
    old = totals_by_theme([((), 1.0, 1.0, NOW - timedelta(days=365 * 60))])
    new = totals_by_theme([((), 0.0, 1.0, NOW)])
    assert mastery_from_totals([old[ALL], new[ALL]], NOW).value == pytest.approx(0.0, abs=1e-12)
    assert mastery_from_totals([old[ALL]], NOW).value == 1.0
