"""One formatter per kind of number, for every page: points, scores, percentages, statistics, answer keys.

Pure functions (studyapp.web.formatting installs them as Jinja filters; the charts and the domain's
messages use them directly), so a template never formats a number by string surgery. Every formatter

- rounds the decimal a number *shows* (the shortest text that reads back as the same float: 2.675,
  not 2.67499999…), half away from zero, so 2.675 points are "2.68" and 0.1 + 0.2 is "0.3";
- drops trailing zeros and a bare decimal point ("11", never "11.0");
- never prints a negative zero ("0", never "-0");
- groups thousands with an ordinary comma ("1,250"), as English-language classrooms write them
  (a thin space is the SI and ISO style, unfamiliar to most English readers);
- prints an em dash for a missing value (None) or one that is not a finite number.

Exports (CSV, XLSX) keep raw numbers: these formatters are for pages only.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Context, Decimal

#: What a page prints for a missing value.
NO_VALUE = "—"
#: Points and scores show at most this many decimals.
POINT_PLACES = 2

Number = float | Decimal


def _decimal(value: Number | None) -> Decimal | None:
    """The decimal a number shows, or None when it is missing or not finite."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return Decimal(value)
    value = float(value)
    if not math.isfinite(value):
        return None
    return Decimal(repr(value))


def _text(value: Decimal, places: int, group: bool) -> str:
    """`value` rounded half away from zero to `places` decimals, trailing zeros and "-0" dropped."""
    if places < 0:
        raise ValueError(f"places must be 0 or more, not {places}")
    context = Context(prec=max(28, value.adjusted() + places + 2))
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP, context=context)
    if not rounded:
        rounded = abs(rounded)
    text = format(rounded, ",f" if group else "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def number(value: Number | None, places: int = POINT_PLACES, *, group: bool = True) -> str:
    """A statistic or any other plain number: at most `places` decimals (2 by default).

    number(7.565) == "7.57", number(64.5497, 1) == "64.5", number(1234567) == "1,234,567",
    number(-0.001) == "0", number(None) == "—".
    """
    exact = _decimal(value)
    return NO_VALUE if exact is None else _text(exact, places, group)


def points(value: Number | None) -> str:
    """A number of points (a question's worth, a score, a penalty): at most 2 decimals.

    points(8.08) == "8.08", points(11.0) == "11", points(2.675) == "2.68", points(-1.25) == "-1.25",
    points(-0.0) == "0", points(1e6) == "1,000,000", points(None) == "—".
    """
    return number(value, POINT_PLACES)


def score(value: Number | None, maximum: Number | None) -> str:
    """A score out of a maximum, both as points: score(8.08, 19) == "8.08 / 19".

    A missing score is a dash alone (nothing earned yet is not zero out of the maximum).
    """
    if _decimal(value) is None:
        return NO_VALUE
    return f"{points(value)} / {points(maximum)}"


def percent(fraction: Number | None, places: int = 0) -> str:
    """A fraction (0 to 1) as a percentage, whole by default: percent(0.4253) == "43%".

    The sign follows the number with no space, as every page of the app writes it. Values outside
    0..1 are printed as they are (1.5 -> "150%"); percent(None) == "—".
    """
    exact = _decimal(fraction)
    return NO_VALUE if exact is None else _text(exact * 100, places, group=True) + "%"


def plain_number(value: Number | None) -> str:
    """A number exactly as written, for an answer key: every digit kept, no grouping, no exponent.

    plain_number(1981.0) == "1981" (a year stays a year), plain_number(3.14159) == "3.14159",
    plain_number(1e-07) == "0.0000001", plain_number(None) == "—".
    """
    exact = _decimal(value)
    if exact is None:
        return NO_VALUE
    if not exact:
        return "0"
    return format(exact.normalize(Context(prec=max(28, len(exact.as_tuple().digits)))), "f")
