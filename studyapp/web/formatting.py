"""The Jinja filters for numbers (the formatters of `studyapp.core.numbers`, one per kind of value) and moments
(`studyapp.core.moments`, on the clock of the zone that applies: see `zone_name_for`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from flask import has_request_context
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context

from studyapp.core.moments import DEFAULT_ZONE, clock_text, day_text, is_zone, moment_text, zone
from studyapp.core.numbers import number, percent, plain_number, points, score
from studyapp.core.qformat import UNFILED

if TYPE_CHECKING:
    from flask import Flask


def zone_name_for(class_: Any = None) -> str:
    """The zone moments are shown and typed in: the signed-in user's own when they chose one; else, on a
    page of a class, the class's; else UTC (docs/classes.md, "Times and time zones")."""
    if has_request_context() and current_user.is_authenticated:
        own = getattr(current_user, "time_zone", None)
        if is_zone(own):
            return str(own)
    place = getattr(class_, "time_zone", None) if class_ else None
    if is_zone(place):
        return str(place)
    return DEFAULT_ZONE


def zone_for(class_: Any = None) -> ZoneInfo:
    """The zone of `zone_name_for`, loaded."""
    return zone(zone_name_for(class_))


def _class_of(context: Context, class_: Any) -> Any:
    """The class whose zone a page's moments fall back to: the one the template names, else its `class_`."""
    return class_ if class_ else context.get("class_")


def _moment_filter(text: Callable[[datetime, ZoneInfo], str], doc: str) -> Callable[..., str]:
    """A filter showing a moment with `text` on the clock of the zone that applies, or a dash for none.

    On a page of a class (a template with `class_`), or given the class (`moment|when(class_)`), a user
    who chose no zone sees the class's.
    """

    @pass_context
    def show(context: Context, moment: datetime | None, class_: Any = None) -> str:
        if moment is None:
            return "—"
        return text(moment, zone_for(_class_of(context, class_)))

    show.__doc__ = doc
    return show


when = _moment_filter(moment_text, 'A moment as the pages show it: "5 Dec 2026, 15:30 CET".')
day = _moment_filter(day_text, 'The day of a moment, in the same zone as `when`: "5 Dec 2026".')
clock = _moment_filter(clock_text, 'The time of day of a moment, in the same zone as `when`: "15:30 CET".')


#: The Jinja filters, by name.
FILTERS: dict[str, Callable[..., str]] = {
    "number": number,
    "points": points,
    "score": score,
    "percent": percent,
    "plain_number": plain_number,
    "when": when,
    "day": day,
    "clock": clock,
}


def register(app: Flask) -> None:
    """Install the filters on the app, `zone_name_for` for pages that name the zone, and `unfiled`, the theme and
    passage of an imported question not filed yet (no page links to it)."""
    for name, function in FILTERS.items():
        app.add_template_filter(function, name)
    app.add_template_global(zone_name_for)
    app.jinja_env.globals["unfiled"] = UNFILED
