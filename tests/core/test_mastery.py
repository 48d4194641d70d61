"""Mastery moves the documented way; FSRS intervals grow with correct answers and shrink after lapses."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from studyapp.core.mastery import (
    AGAIN,
    EASY,
    GOOD,
    HARD,
    Answer,
    interval,
    is_due,
    level_for,
    mastery,
    mastery_by_theme,
    mastery_overview,
    new_card,
    rating_for,
    review,
)

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def days_ago(days):
    return NOW - timedelta(days=days)


def test_no_answers():
    result = mastery([], NOW)
    assert result.value is None
    assert result.answers == 0
    assert result.level == "not started"
    assert result.percent is None
    assert result.last_answered_at is None


def test_recency_weighted_share_by_hand():
    # A wrong answer 14 days ago (one half-life: weight .5) and a right one today (weight 1), 1 point each:
    # (.5 * 0 + 1 * 1) / (.5 * 1 + 1 * 1) = 1 / 1.5 = 2/3.
    answers = [(["linkage"], 0, 1, days_ago(14)), (["linkage"], 1, 1, NOW)]
    result = mastery(answers, NOW)
    assert result.value == pytest.approx(2 / 3)
    assert result.answers == 2
    assert result.weight == pytest.approx(1.5)
    assert result.last_answered_at == NOW
    assert result.level == "developing"


def test_partial_credit_and_points_weigh_in():
    # 2 of 4 points 28 days ago (weight .25) and 1 of 2 points 14 days ago (weight .5), 3 of 3 today:
    # (.25 * 2 + .5 * 1 + 3) / (.25 * 4 + .5 * 2 + 3) = 4 / 5 = .8.
    answers = [
        Answer(["detente"], 2, 4, days_ago(28)),
        Answer(["detente"], 1, 2, days_ago(14)),
        Answer(["detente"], 3, 3, NOW),
    ]
    result = mastery(answers, NOW)
    assert result.value == pytest.approx(0.8)
    assert result.level == "secure"


def test_mastery_rises_after_correct_answers_and_falls_after_wrong_ones():
    history = [(["summit"], 1, 1, days_ago(3)), (["summit"], 0, 1, days_ago(2))]
    before = mastery(history, NOW).value
    assert mastery([*history, (["summit"], 1, 1, NOW)], NOW).value > before
    assert mastery([*history, (["summit"], 0, 1, NOW)], NOW).value < before


def test_older_answers_count_less():
    # The same right and wrong answers, in opposite order of age: the recent one decides.
    right_recently = mastery([(["x"], 0, 1, days_ago(30)), (["x"], 1, 1, days_ago(1))], NOW)
    wrong_recently = mastery([(["x"], 1, 1, days_ago(30)), (["x"], 0, 1, days_ago(1))], NOW)
    assert right_recently.value > 0.5 > wrong_recently.value


def test_half_life_is_configurable():
    answers = [(["x"], 0, 1, days_ago(7)), (["x"], 1, 1, NOW)]
    # Half-life 7 days: weights .5 and 1, so 1 / 1.5.
    assert mastery(answers, NOW, half_life_days=7).value == pytest.approx(2 / 3)
    with pytest.raises(ValueError):
        mastery(answers, NOW, half_life_days=0)


def test_ancient_answers_do_not_break_the_ratio():
    result = mastery([(["x"], 1, 1, days_ago(100_000)), (["x"], 0, 1, days_ago(99_000))], NOW)
    assert result.value is not None
    assert 0 <= result.value < 0.01


def test_answers_worth_nothing_and_future_answers():
    assert mastery([(["x"], 0, 0, NOW)], NOW).answers == 0
    # An answer dated after `now` (clock skew) weighs as if given now.
    assert mastery([(["x"], 1, 1, NOW + timedelta(days=3))], NOW).weight == pytest.approx(1)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="naive"):
        mastery([], datetime(2025, 1, 1))


def test_mastery_by_theme():
    answers = [(["linkage", "afghanistan"], 1, 1, NOW), (["afghanistan"], 0, 1, NOW), (["summit"], 0, 2, NOW)]
    result = mastery_by_theme(answers, NOW, themes=["linkage", "detente", "afghanistan"])
    assert list(result) == ["linkage", "detente", "afghanistan", "summit"]
    assert (result["linkage"].value, result["linkage"].answers) == (1, 1)
    assert (result["detente"].value, result["detente"].answers, result["detente"].level) == (None, 0, "not started")
    assert result["afghanistan"].value == pytest.approx(0.5)
    assert result["afghanistan"].level == "developing"
    assert result["summit"].level == "emerging"


def test_mastery_overview_agrees_with_mastery_and_mastery_by_theme():
    answers = [
        (["linkage", "afghanistan"], 1, 1, days_ago(20)),
        (["afghanistan", "afghanistan"], 0, 1, days_ago(3)),
        (["summit"], 1, 2, NOW),
        (["summit"], 3, 0, NOW),
        (["zero"], 0, 0, days_ago(1)),
        ((), 1, 1, days_ago(2)),
    ]
    themes = ["linkage", "detente", "afghanistan"]
    overall, by_theme = mastery_overview(answers, NOW, themes=themes)
    assert overall == mastery(answers, NOW)
    assert by_theme == mastery_by_theme(answers, NOW, themes=themes)
    assert list(by_theme) == ["linkage", "detente", "afghanistan", "summit", "zero"]
    assert (by_theme["zero"].answers, by_theme["afghanistan"].answers, overall.answers) == (0, 2, 4)


@pytest.mark.parametrize(
    ("value", "label"),
    [
        (None, "not started"),
        (0, "emerging"),
        (0.49, "emerging"),
        (0.5, "developing"),
        (0.79, "developing"),
        (0.8, "secure"),
        (1, "secure"),
    ],
)
def test_levels(value, label):
    assert level_for(value) == label


@pytest.mark.parametrize(
    ("outcome", "rating"),
    [
        (True, GOOD),
        (False, AGAIN),
        (1, GOOD),
        (1.0, GOOD),
        (0.99, HARD),
        (0.5, HARD),
        (0.49, AGAIN),
        (0, AGAIN),
        (EASY, EASY),
        (AGAIN, AGAIN),
    ],
)
def test_rating_for(outcome, rating):
    assert rating_for(outcome) == rating


def test_a_new_card_is_due_now():
    card = new_card(NOW)
    assert is_due(card, NOW)
    assert interval(card) is None
    assert card["reviews"] == 0


def test_state_round_trips_through_json():
    card = new_card(NOW)
    state, due = review(card, True, NOW)
    assert json.loads(json.dumps(state)) == state
    again, due_again = review(json.loads(json.dumps(state)), True, due)
    assert (again, due_again) == review(state, True, due)


def test_review_leaves_the_old_state_alone():
    card = new_card(NOW)
    copy = json.loads(json.dumps(card))
    review(card, False, NOW)
    assert card == copy


def _review_correctly(state, times):
    """Answer correctly each time the card falls due; return the state and each interval in days."""
    intervals = []
    for _ in range(times):
        state, _ = review(state, True, _due(state))
        intervals.append(interval(state))
    return state, intervals


def _due(state):
    return datetime.fromisoformat(state["due"])


def test_intervals_grow_after_successive_correct_answers():
    state, intervals = _review_correctly(new_card(NOW), 5)
    assert intervals == sorted(intervals)
    assert len(set(intervals)) == len(intervals)
    assert intervals[-1] > 30
    assert not is_due(state, _due(state) - timedelta(seconds=1))
    assert is_due(state, _due(state))


def test_intervals_shrink_after_a_lapse():
    state, intervals = _review_correctly(new_card(NOW), 4)
    longest = intervals[-1]
    lapsed, due = review(state, False, _due(state))
    assert interval(lapsed) < 1  # relearning: back within the day
    assert lapsed["lapses"] == 1
    recovered, _ = review(lapsed, True, due)
    assert interval(recovered) < longest


def test_a_hard_answer_gives_a_shorter_interval_than_a_good_one():
    state, _ = _review_correctly(new_card(NOW), 3)
    hard, _ = review(state, 0.5, _due(state))
    good, _ = review(state, 1.0, _due(state))
    assert interval(hard) < interval(good)


def test_review_times_in_other_zones_are_converted():
    plus_two = timezone(timedelta(hours=2))
    _, due = review(new_card(NOW), True, NOW.astimezone(plus_two))
    assert due.tzinfo == UTC
    assert due == NOW + timedelta(minutes=10)
