"""Item statistics checked against small data sets worked out by hand (the working is in the comments)."""

from __future__ import annotations

import math
import statistics
from dataclasses import fields

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studyapp.core.analytics import (
    AttemptScores,
    ItemScore,
    analyse,
    cronbach_alpha,
    final_score,
    item_stats,
    overall_stats,
)


def attempt(*scores, maxima=None, chosen=None, total=None):
    """Build an attempt whose items are q1, q2, ... with the given scores (max 1 unless told)."""
    maxima = maxima or [1] * len(scores)
    chosen = chosen or [()] * len(scores)
    items = {f"q{i + 1}": ItemScore(s, m, tuple(c)) for i, (s, m, c) in enumerate(zip(scores, maxima, chosen))}
    return AttemptScores(items, total)


def by_key(analysis):
    return {item.key: item for item in analysis.items}


def codes(item):
    return [flag.code for flag in item.flags]


# Data set A: 5 attempts x 3 items scored 0/1.
#
#        q1 q2 q3 | total
#   A1    1  1  1 |  3
#   A2    1  1  0 |  2
#   A3    1  0  1 |  2
#   A4    0  1  0 |  1
#   A5    0  0  0 |  0
DICHOTOMOUS = [attempt(1, 1, 1), attempt(1, 1, 0), attempt(1, 0, 1), attempt(0, 1, 0), attempt(0, 0, 0)]


def test_test_level_statistics_of_dichotomous_items():
    overall = overall_stats(DICHOTOMOUS)
    # Totals 3, 2, 2, 1, 0: sum 8, mean 8/5 = 1.6, median 2.
    assert overall.attempts == 5
    assert overall.items == 3
    assert overall.max_score == 3
    assert overall.mean == pytest.approx(1.6)
    assert overall.median == 2
    # Deviations 1.4, .4, .4, -.6, -1.6; squares 1.96 + .16 + .16 + .36 + 2.56 = 5.2; variance 5.2/4 = 1.3.
    assert overall.sd == pytest.approx(math.sqrt(1.3))
    assert overall.mean_percent == pytest.approx(100 * 1.6 / 3)
    assert overall.sd_percent == pytest.approx(100 * math.sqrt(1.3) / 3)
    # Skewness: m2 = 5.2/5 = 1.04; cubes 2.744 + .064 + .064 - .216 - 4.096 = -1.44, m3 = -.288;
    # k2 = 5 * 1.04 / 4 = 1.3; k3 = 25 * -.288 / (4 * 3) = -.6; skewness = -.6 / 1.3 ** 1.5.
    assert overall.skewness == pytest.approx(-0.6 / 1.3**1.5)
    # Kurtosis: fourth powers 3.8416 + .0256 + .0256 + .1296 + 6.5536 = 10.576, m4 = 2.1152;
    # k4 = 25 * (6 * 2.1152 - 3 * 4 * 1.04 ** 2) / (4 * 3 * 2) = 25 * (12.6912 - 12.9792) / 24 = -.3;
    # kurtosis = -.3 / 1.3 ** 2.
    assert overall.kurtosis == pytest.approx(-0.3 / 1.69)


def test_kr20():
    # Each item has p = .6 or .4, so each item variance is 3 * .4**2 + 2 * .6**2 = 1.2 over 4 = .3;
    # their sum is .9. Alpha = 3/2 * (1 - .9 / 1.3) = 1.5 * .4 / 1.3 = 6/13.
    # KR-20 with population variances agrees: sum pq = 3 * .24 = .72, total variance 5.2/5 = 1.04,
    # 1.5 * (1 - .72 / 1.04) = 6/13.
    overall = overall_stats(DICHOTOMOUS)
    assert overall.alpha == pytest.approx(6 / 13)
    # Error ratio sqrt(1 - 6/13) = sqrt(7/13); SEM = sqrt(1.3) * sqrt(7/13) = sqrt(.7).
    assert overall.error_ratio == pytest.approx(math.sqrt(7 / 13))
    assert overall.sem == pytest.approx(math.sqrt(0.7))


def test_item_statistics_of_dichotomous_items():
    items = by_key(analyse(DICHOTOMOUS))
    assert list(items) == ["q1", "q2", "q3"]

    q1 = items["q1"]
    # Scores 1, 1, 1, 0, 0: facility 3/5 = 60%; variance .3, sd sqrt(.3) of a maximum of 1.
    assert q1.attempts == 5
    assert q1.facility == pytest.approx(60)
    assert q1.sd == pytest.approx(100 * math.sqrt(0.3))
    # Rest of the test (total - q1): 2, 1, 1, 1, 0, mean 1, deviations 1, 0, 0, 0, -1, variance 2/4 = .5.
    # q1 deviations .4, .4, .4, -.6, -.6. Cross products .4 + 0 + 0 + 0 + .6 = 1, covariance 1/4 = .25.
    # r = .25 / sqrt(.3 * .5) = .6455.
    assert q1.discrimination == pytest.approx(100 * 0.25 / math.sqrt(0.15))
    # Sorted q1 0, 0, 1, 1, 1 (deviations -.6, -.6, .4, .4, .4) against sorted rest 0, 1, 1, 1, 2
    # (deviations -1, 0, 0, 0, 1): products .6 + 0 + 0 + 0 + .4 = 1, maximum covariance .25.
    # Efficiency .25 / .25 = 100%.
    assert q1.efficiency == pytest.approx(100)
    assert codes(q1) == []

    q2 = items["q2"]
    # Scores 1, 1, 0, 1, 0 (deviations .4, .4, -.6, .4, -.6); rest 2, 1, 2, 0, 0 (mean 1, deviations 1, 0, 1,
    # -1, -1). Cross products .4 + 0 - .6 - .4 + .6 = 0: no discrimination at all.
    assert q2.facility == pytest.approx(60)
    assert q2.discrimination == 0
    assert q2.efficiency == 0
    assert codes(q2) == ["low-efficiency"]
    assert "hardly separates" in q2.flags[0].text

    q3 = items["q3"]
    # Scores 1, 0, 1, 0, 0 (mean .4, deviations .6, -.4, .6, -.4, -.4, variance .3);
    # rest 2, 2, 1, 1, 0 (mean 1.2, deviations .8, .8, -.2, -.2, -1.2; squares sum 2.8, variance .7).
    # Cross products .48 - .32 - .12 + .08 + .48 = .6, covariance .15; r = .15 / sqrt(.3 * .7) = .3273.
    assert q3.facility == pytest.approx(40)
    assert q3.discrimination == pytest.approx(100 * 0.15 / math.sqrt(0.21))
    # Sorted: item deviations -.4, -.4, -.4, .6, .6 against rest 0, 1, 1, 2, 2 (deviations -1.2, -.2, -.2, .8, .8):
    # products .48 + .08 + .08 + .48 + .48 = 1.6, maximum covariance .4; efficiency .15 / .4 = 37.5%.
    assert q3.efficiency == pytest.approx(37.5)


# Data set B: 4 attempts with partial credit; q1 and q2 are worth 2 points, q3 is worth 1.
#
#        q1  q2  q3 | total
#   B1    2  1.5  1 |  4.5
#   B2    1  1    1 |  3
#   B3    1  0.5  0 |  1.5
#   B4    0  1    0 |  1
PARTIAL = [
    attempt(2, 1.5, 1, maxima=[2, 2, 1]),
    attempt(1, 1, 1, maxima=[2, 2, 1]),
    attempt(1, 0.5, 0, maxima=[2, 2, 1]),
    attempt(0, 1, 0, maxima=[2, 2, 1]),
]


def test_alpha_with_partial_credit():
    overall = overall_stats(PARTIAL)
    # Totals 4.5, 3, 1.5, 1: mean 2.5, deviations 2, .5, -1, -1.5, squares 4 + .25 + 1 + 2.25 = 7.5, variance 2.5.
    assert overall.mean == pytest.approx(2.5)
    assert overall.median == pytest.approx(2.25)
    assert overall.sd == pytest.approx(math.sqrt(2.5))
    # Item variances: q1 2, 1, 1, 0 -> squares 1 + 0 + 0 + 1 = 2, over 3 = 2/3;
    # q2 1.5, 1, .5, 1 -> .25 + 0 + .25 + 0 = .5, over 3 = 1/6; q3 1, 1, 0, 0 -> 1, over 3 = 1/3. Sum 7/6.
    # Alpha = 3/2 * (1 - (7/6) / 2.5) = 1.5 * (1 - 7/15) = .8.
    assert overall.alpha == pytest.approx(0.8)
    # SEM = sqrt(2.5) * sqrt(.2) = sqrt(.5).
    assert overall.sem == pytest.approx(math.sqrt(0.5))
    assert overall.max_score == 5


def test_partial_credit_item_statistics():
    q2 = by_key(analyse(PARTIAL))["q2"]
    # Mean 1 of a maximum of 2: facility 50%. Variance 1/6, sd .4082 points = 20.41% of the maximum.
    assert q2.facility == pytest.approx(50)
    assert q2.sd == pytest.approx(100 * math.sqrt(1 / 6) / 2)
    # Rest 3, 2, 1, 0 (mean 1.5, deviations 1.5, .5, -.5, -1.5, squares sum 5, variance 5/3).
    # q2 deviations .5, 0, -.5, 0; cross products .75 + 0 + .25 + 0 = 1, covariance 1/3.
    # r = (1/3) / sqrt(1/6 * 5/3) = .6325.
    assert q2.discrimination == pytest.approx(100 * (1 / 3) / math.sqrt(5 / 18))
    # Sorted q2 .5, 1, 1, 1.5 (deviations -.5, 0, 0, .5) against rest 0, 1, 2, 3 (-1.5, -.5, .5, 1.5):
    # products .75 + 0 + 0 + .75 = 1.5, maximum covariance .5; efficiency (1/3) / .5 = 66.7%.
    assert q2.efficiency == pytest.approx(100 * 2 / 3)


def test_kr20_agrees_with_alpha_given_plain_mappings():
    rows = [{k: i.score for k, i in a.items.items()} for a in DICHOTOMOUS]
    assert cronbach_alpha(rows) == pytest.approx(6 / 13)


# Data set C: q3 is answered right by the weakest students only.
#
#        q1 q2 q3 | total | rest of q3
#   C1    1  1  0 |  2    |  2
#   C2    1  1  0 |  2    |  2
#   C3    1  0  1 |  2    |  1
#   C4    0  0  1 |  1    |  0
#   C5    0  0  1 |  1    |  0
NEGATIVE = [attempt(1, 1, 0), attempt(1, 1, 0), attempt(1, 0, 1), attempt(0, 0, 1), attempt(0, 0, 1)]


def test_negative_discrimination_is_flagged():
    q3 = by_key(analyse(NEGATIVE))["q3"]
    # q3 mean .6, deviations -.6, -.6, .4, .4, .4 (variance .3); rest mean 1, deviations 1, 1, 0, -1, -1
    # (variance 4/4 = 1). Cross products -.6 - .6 + 0 - .4 - .4 = -2, covariance -.5.
    # r = -.5 / sqrt(.3 * 1) = -.9129.
    assert q3.discrimination == pytest.approx(-100 * 0.5 / math.sqrt(0.3))
    # Sorted rest 0, 0, 1, 2, 2 (deviations -1, -1, 0, 1, 1) against sorted q3: products .6 + .6 + 0 + .4 + .4 = 2,
    # maximum covariance .5; efficiency -.5 / .5 = -100%.
    assert q3.efficiency == pytest.approx(-100)
    assert codes(q3) == ["negative-discrimination"]
    assert "check the answer key" in q3.flags[0].text
    assert "Strong students got this wrong more often than weak ones" in q3.flags[0].text


def test_choice_frequencies_split_by_thirds():
    # Six attempts ranked by total (given explicitly): 10, 9 are the top third, 3, 1 the bottom third.
    # "a" is the key; it drew both strong students; the distractors drew the weak ones.
    picks = ["a", "a", "b", "a", "c", "b"]
    totals = [10, 9, 7, 5, 3, 1]
    attempts = [attempt(1 if p == "a" else 0, chosen=[[p]], total=t) for p, t in zip(picks, totals)]
    (item,) = item_stats(attempts, {"q1": ["a", "b", "c", "d"]})
    rows = {c.option: (c.count, c.percent, c.top_percent, c.bottom_percent) for c in item.choices}
    assert list(rows) == ["a", "b", "c", "d"]
    assert rows["a"] == pytest.approx((3, 50, 100, 0))
    assert rows["b"] == pytest.approx((2, 100 / 3, 0, 50))
    assert rows["c"] == pytest.approx((1, 100 / 6, 0, 50))
    assert rows["d"] == (0, 0, 0, 0)


def test_multiple_answers_and_unlisted_options_are_counted():
    attempts = [attempt(1, chosen=[["a", "c"]]), attempt(0, chosen=[["b"]]), attempt(0, chosen=[[]])]
    (item,) = item_stats(attempts, {"q1": ["a", "b"]})
    assert [(c.option, c.count) for c in item.choices] == [("a", 1), ("b", 1), ("c", 1)]
    # Three attempts: thirds of one attempt each.
    assert item.choices[0].top_percent == 100
    assert item.choices[0].bottom_percent == 0


def test_no_attempts_gives_none_everywhere():
    analysis = analyse([])
    overall = analysis.overall
    assert overall.attempts == 0
    assert overall.max_score is None
    for name in ("mean", "median", "sd", "skewness", "kurtosis", "alpha", "error_ratio", "sem", "mean_percent"):
        assert getattr(overall, name) is None, name
    assert analysis.items == ()


def test_an_item_listed_but_never_attempted():
    (item,) = item_stats([], {"q1": ["a", "b"]})
    assert item.attempts == 0
    assert (item.facility, item.sd, item.discrimination, item.efficiency) == (None, None, None, None)
    assert item.choices == ()
    assert codes(item) == ["few-attempts"]


def test_one_attempt():
    analysis = analyse([attempt(1, 0.5, maxima=[1, 2])])
    overall = analysis.overall
    assert (overall.mean, overall.median) == (1.5, 1.5)
    assert overall.mean_percent == pytest.approx(50)
    assert (overall.sd, overall.skewness, overall.alpha, overall.sem) == (None, None, None, None)
    q1, q2 = analysis.items
    assert q1.facility == 100
    assert q2.facility == 25
    assert (q2.sd, q2.discrimination, q2.efficiency) == (None, None, None)
    assert codes(q1) == ["few-attempts", "all-correct"]
    assert "Too few attempts" in q1.flags[0].text


def test_zero_variance_gives_none_not_nan():
    everyone_right = [attempt(1, 1) for _ in range(6)]
    analysis = analyse(everyone_right)
    overall = analysis.overall
    assert overall.sd == 0
    assert (overall.skewness, overall.kurtosis, overall.alpha, overall.sem) == (None, None, None, None)
    for item in analysis.items:
        assert item.facility == 100
        assert item.sd == 0
        assert (item.discrimination, item.efficiency) == (None, None)
        assert codes(item) == ["all-correct"]
        assert item.flags[0].text.startswith("Everyone got this right")


def test_same_partial_score_and_nobody_right():
    attempts = [attempt(0.5, 0, maxima=[2, 1], total=t) for t in (1, 2, 3, 4, 5)]
    q1, q2 = analyse(attempts).items
    assert q1.facility == pytest.approx(25)
    assert codes(q1) == ["same-score"]
    assert codes(q2) == ["none-correct"]


def test_hard_and_easy_items_are_flagged():
    # q1: one half mark in five attempts = .5 / 5 = 10%; q2: 4.75 of 5 = 95%.
    attempts = [attempt(0.5, 1, 1), attempt(0, 1, 1), attempt(0, 1, 0), attempt(0, 1, 0), attempt(0, 0.75, 0)]
    q1, q2, _ = analyse(attempts).items
    assert q1.facility == pytest.approx(10)
    assert "Few students got this right (facility 10%)" in [f.text for f in q1.flags]
    assert q2.facility == pytest.approx(95)
    assert "easy" in codes(q2)


def test_alpha_needs_the_same_items_in_every_attempt():
    drawn = [
        AttemptScores({"q1": ItemScore(1, 1), "q2": ItemScore(0, 1)}),
        AttemptScores({"q1": ItemScore(0, 1), "q3": ItemScore(1, 1)}),
        AttemptScores({"q2": ItemScore(1, 1), "q3": ItemScore(1, 1)}),
    ]
    overall = overall_stats(drawn)
    assert overall.alpha is None
    assert overall.sd is not None
    assert [(i.key, i.attempts) for i in item_stats(drawn)] == [("q1", 2), ("q2", 2), ("q3", 2)]


def test_alpha_needs_two_items():
    assert overall_stats([attempt(1), attempt(0), attempt(1)]).alpha is None


@given(st.lists(st.lists(st.sampled_from([0, 0.25, 0.5, 1]), min_size=3, max_size=3), max_size=12))
def test_statistics_are_finite_and_bounded(rows):
    attempts = [attempt(*row) for row in rows]
    analysis = analyse(attempts)
    values = [getattr(analysis.overall, f.name) for f in fields(analysis.overall)]
    values += [getattr(item, f.name) for item in analysis.items for f in fields(item)]
    assert all(not (isinstance(v, float) and not math.isfinite(v)) for v in values)
    if analysis.overall.alpha is not None:
        assert analysis.overall.alpha <= 1
    for item in analysis.items:
        assert 0 <= item.facility <= 100
        if item.discrimination is not None:
            assert -100 <= item.discrimination <= 100
            # Efficiency is at most 100; below zero Moodle's definition has no floor of -100.
            assert item.efficiency <= 100 + 1e-6
            rest = [a.score - a.items[item.key].score for a in attempts]
            scores = [a.items[item.key].score for a in attempts]
            assert item.discrimination == pytest.approx(100 * statistics.correlation(scores, rest), abs=1e-6)


@pytest.mark.parametrize(("policy", "expected"), [("highest", 9), ("latest", 6), ("average", 7)])
def test_final_score(policy, expected):
    assert final_score([6, 9, 6], policy) == pytest.approx(expected)


@pytest.mark.parametrize("policy", ["highest", "latest", "average"])
def test_final_score_of_no_attempts(policy):
    assert final_score([], policy) is None


def test_unknown_policy():
    with pytest.raises(ValueError, match="unknown grading policy"):
        final_score([1], "first")
