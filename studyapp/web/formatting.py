"""The Jinja filters for numbers: the formatters of `studyapp.core.numbers`, one per kind of value."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from studyapp.core.numbers import number, percent, plain_number, points, score

if TYPE_CHECKING:
    from flask import Flask

#: The Jinja filters, by name.
FILTERS: dict[str, Callable[..., str]] = {
    "number": number,
    "points": points,
    "score": score,
    "percent": percent,
    "plain_number": plain_number,
}


def register(app: Flask) -> None:
    """Install the filters on the app."""
    for name, function in FILTERS.items():
        app.add_template_filter(function, name)
