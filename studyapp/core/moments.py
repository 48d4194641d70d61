"""Moments and time zones: what a person types on their clock, turned into UTC, and a stored moment shown
back on their clock.

Moments are stored in UTC; people read and type them in a time zone named by its IANA name
("Europe/Paris"). A wall-clock time is *nonexistent* when the clocks jump over it (02:30 on the night
summer time starts in Paris) and *ambiguous* when they repeat it (02:30 on the night it ends): the first
is refused with `NonexistentTime`, the second means its first occurrence (the earlier moment, still on
summer time), as `datetime`'s `fold=0` does.

Pure: no app, no framework.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

#: The zone of anyone and any class that has not chosen one.
DEFAULT_ZONE = "UTC"
#: Keys of the zone database that name no place a person would choose: the host's own zone, a placeholder.
_NOT_CHOOSABLE = frozenset({"localtime", "Factory", "posixrules"})


class NonexistentTime(ValueError):
    """A wall-clock time the zone skips (the clocks jump over it when summer time starts)."""

    def __init__(self, local: datetime, zone: str) -> None:
        self.local, self.zone = local, zone
        super().__init__(
            f"{local:%-d %b %Y, %H:%M} does not exist in {zone}: the clocks jump over it there (as when "
            "summer time starts). Choose another time."
        )


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    """Every zone a person or a class may choose, sorted by name."""
    return tuple(sorted(available_timezones() - _NOT_CHOOSABLE))


@lru_cache(maxsize=1)
def _zone_set() -> frozenset[str]:
    return frozenset(zone_names())


def is_zone(name: str | None) -> bool:
    """Whether `name` is a zone one may choose ("Europe/Paris" is; "Mars/Olympus", "" and None are not)."""
    return bool(name) and name in _zone_set()


@lru_cache(maxsize=64)
def zone(name: str | None) -> ZoneInfo:
    """The zone of that name; UTC for none or a name the zone database does not know."""
    if not is_zone(name):
        return ZoneInfo(DEFAULT_ZONE)
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):  # pragma: no cover - listed names load
        return ZoneInfo(DEFAULT_ZONE)


def to_utc(local: datetime, where: ZoneInfo) -> datetime:
    """The moment, aware in UTC, that a wall-clock time (naive) means in a zone.

    Raises `NonexistentTime` for a time the zone skips; an ambiguous time is its first occurrence.
    """
    naive = local.replace(tzinfo=None, fold=0)
    moment = naive.replace(tzinfo=where).astimezone(UTC)
    if moment.astimezone(where).replace(tzinfo=None, fold=0) != naive:
        raise NonexistentTime(naive, where.key)
    return moment


def _aware(moment: datetime) -> datetime:
    """The moment, aware: a naive one is taken as UTC (the app stores and compares moments in UTC)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def to_local(moment: datetime, where: ZoneInfo) -> datetime:
    """A stored moment as the wall-clock time (naive) it is in a zone: what a form field shows."""
    return _aware(moment).astimezone(where).replace(tzinfo=None, fold=0)


def abbreviation(moment: datetime, where: ZoneInfo) -> str:
    """The zone's short name at that moment: "CET", "CEST", "IST", "UTC"; "UTC+04" where the zone database
    has only an offset ("+04")."""
    name = _aware(moment).astimezone(where).tzname() or where.key
    if name[:1] in "+-":
        return f"UTC{name}"
    return name


def moment_text(moment: datetime, where: ZoneInfo) -> str:
    """A moment as the pages show it, on the zone's clock: "5 Dec 2026, 15:30 CET"."""
    return f"{_aware(moment).astimezone(where):%-d %b %Y, %H:%M} {abbreviation(moment, where)}"


def day_text(moment: datetime, where: ZoneInfo) -> str:
    """The day a moment falls on in a zone: "5 Dec 2026"."""
    return f"{_aware(moment).astimezone(where):%-d %b %Y}"


def clock_text(moment: datetime, where: ZoneInfo) -> str:
    """The time of day a moment is in a zone, with the zone: "15:30 CET"."""
    return f"{_aware(moment).astimezone(where):%H:%M} {abbreviation(moment, where)}"
