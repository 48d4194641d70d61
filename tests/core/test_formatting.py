"""The number formatters of the pages: points, scores, percentages, statistics and answer keys."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studyapp.core.numbers import NO_VALUE, number, percent, plain_number, points, score


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (0.0, "0"),
        (0.5, "0.5"),
        (1, "1"),
        (1.0, "1"),
        (7.05, "7.05"),
        (8.08, "8.08"),
        (8.8, "8.8"),
        (10, "10"),
        (10.0, "10"),
        (11.0, "11"),
        (19.0, "19"),
        (100.04, "100.04"),
        (100.4, "100.4"),
        (999.999, "1,000"),
        (1234.5, "1,234.5"),
        (1e6, "1,000,000"),
        (-0.5, "-0.5"),
        (-1.25, "-1.25"),
        (-1250.5, "-1,250.5"),
        (-0.0, "0"),
        (-0.001, "0"),
        (-0.004999, "0"),
        (0.004, "0"),
        (0.005, "0.01"),
        (0.1 + 0.2, "0.3"),
        (2.675, "2.68"),
        (1.005, "1.01"),
        (8.125, "8.13"),
        (-8.125, "-8.13"),
        (11.95 + 7.05, "19"),
        (1 / 3, "0.33"),
        (2 / 3, "0.67"),
        (Decimal("8.080"), "8.08"),
        (Decimal("-0.00"), "0"),
        (None, NO_VALUE),
        (math.nan, NO_VALUE),
        (math.inf, NO_VALUE),
        (Decimal("NaN"), NO_VALUE),
    ],
)
def test_points(value, text):
    assert points(value) == text


@pytest.mark.parametrize("value", [7.05, 8.08, 17.05, 0.05, 10.05, 100.04, 20.01])
def test_points_never_lose_a_zero_inside_the_number(value):
    """The old `round(2)|string|replace('.0', '')` turned 8.08 into "88" and 7.05 into "75"."""
    assert points(value) == repr(value)


@pytest.mark.parametrize(
    ("value", "maximum", "text"),
    [
        (8.08, 19, "8.08 / 19"),
        (7.05, 19.0, "7.05 / 19"),
        (11.0, 19.0, "11 / 19"),
        (0, 10, "0 / 10"),
        (0.1 + 0.2, 1, "0.3 / 1"),
        (-0.5, 2, "-0.5 / 2"),
        (-0.0, 3, "0 / 3"),
        (2.675, 11.95 + 7.05, "2.68 / 19"),
        (1500, 2000.0, "1,500 / 2,000"),
        (None, 19, NO_VALUE),
        (None, None, NO_VALUE),
        (5, None, "5 / —"),
    ],
)
def test_score(value, maximum, text):
    assert score(value, maximum) == text


@pytest.mark.parametrize(
    ("fraction", "text"),
    [
        (0, "0%"),
        (0.0, "0%"),
        (-0.0, "0%"),
        (0.5, "50%"),
        (1, "100%"),
        (1.0, "100%"),
        (8.08 / 19, "43%"),
        (7.05 / 19, "37%"),
        (11 / 19, "58%"),
        (1 / 3, "33%"),
        (2 / 3, "67%"),
        (0.125, "13%"),
        (0.285, "29%"),
        (0.004, "0%"),
        (0.005, "1%"),
        (0.999, "100%"),
        (1.5, "150%"),
        (12.5, "1,250%"),
        (-0.25, "-25%"),
        (-0.001, "0%"),
        (0.1 + 0.2, "30%"),
        (Decimal("0.4253"), "43%"),
        (None, NO_VALUE),
        (math.nan, NO_VALUE),
    ],
)
def test_percent(fraction, text):
    assert percent(fraction) == text


@pytest.mark.parametrize(
    ("fraction", "places", "text"),
    [
        (0.42526, 1, "42.5%"),
        (0.4255, 1, "42.6%"),
        (0.5, 1, "50%"),
        (0.33333, 2, "33.33%"),
        (None, 1, NO_VALUE),
    ],
)
def test_percent_with_decimals(fraction, places, text):
    assert percent(fraction, places) == text


@pytest.mark.parametrize(
    ("value", "places", "text"),
    [
        (64.549722, 1, "64.5"),
        (54.772256, 1, "54.8"),
        (60.0, 1, "60"),
        (0.461538, 2, "0.46"),
        (-0.05, 1, "-0.1"),
        (-0.04, 1, "0"),
        (37.5, 0, "38"),
        (100.0, 0, "100"),
        (7.565, 2, "7.57"),
        (12345.678, 0, "12,346"),
        (None, 1, NO_VALUE),
    ],
)
def test_number(value, places, text):
    assert number(value, places) == text


def test_number_without_grouping():
    assert number(1981.0, 0, group=False) == "1981"
    assert number(-1234.5, 1, group=False) == "-1234.5"


def test_number_refuses_negative_places():
    with pytest.raises(ValueError):
        number(1.5, -1)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1981.0, "1981"),
        (1981, "1981"),
        (3.14159, "3.14159"),
        (0.5, "0.5"),
        (1e-07, "0.0000001"),
        (1e6, "1000000"),
        (-2.5, "-2.5"),
        (-0.0, "0"),
        (0, "0"),
        (Decimal("12.500"), "12.5"),
        (None, NO_VALUE),
        (math.inf, NO_VALUE),
    ],
)
def test_plain_number(value, text):
    assert plain_number(value) == text


finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)


@given(finite)
def test_points_read_back_within_half_a_hundredth(value):
    text = points(value)
    assert text != "-0" and not text.endswith(".0") and not text.endswith(".")
    assert abs(float(text.replace(",", "")) - value) <= 0.005 + 1e-9 * max(1.0, abs(value))


@given(finite)
def test_plain_number_reads_back_exactly(value):
    assert float(plain_number(value)) == value + 0.0


@given(st.floats(min_value=-10, max_value=10, allow_nan=False))
def test_percent_is_a_whole_number_with_its_sign(fraction):
    text = percent(fraction)
    assert text.endswith("%") and text != "-0%"
    assert abs(int(text[:-1].replace(",", "")) - 100 * fraction) <= 0.5 + 1e-9
