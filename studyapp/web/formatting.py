"""The Jinja filters for numbers (the formatters of `studyapp.core.numbers`, one per kind of value) and moments."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from studyapp.core.numbers import number, percent, plain_number, points, score

if TYPE_CHECKING:
    from flask import Flask


def when(moment: datetime | None) -> str:
    """A moment as the pages show it: "5 Dec 2026, 14:30 UTC", or a dash when there is none."""
    if moment is None:
        return "—"
    return f"{moment:%-d %b %Y, %H:%M} UTC"


#: The Jinja filters, by name.
FILTERS: dict[str, Callable[..., str]] = {
    "number": number,
    "points": points,
    "score": score,
    "percent": percent,
    "plain_number": plain_number,
    "when": when,
}


def register(app: Flask) -> None:
    """Install the filters on the app."""
    for name, function in FILTERS.items():
        app.add_template_filter(function, name)
