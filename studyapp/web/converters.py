"""URL converters and bounded integer fields: an id or number no database column can hold is "not found"
(in a URL) or refused with a message (in a form), never a database error."""

from __future__ import annotations

from typing import Any

from flask import Flask, Request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.routing import IntegerConverter

#: The largest value of the integer columns (PostgreSQL's INTEGER, the smaller of the two databases).
MAX_INT = 2**31 - 1


class BoundedIntegerConverter(IntegerConverter):
    """`<int:...>` limited to 0..MAX_INT unless a rule says otherwise: a larger id does not match (404)."""

    def __init__(
        self, map: Any, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_INT, signed: bool = False
    ) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def _column_int(text: Any) -> int:
    """`int(text)` for a number a 32-bit column holds; ValueError (read as "absent") for any other."""
    number = int(text)
    if not -MAX_INT - 1 <= number <= MAX_INT:
        raise ValueError(f"{number} is beyond what a column holds")
    return number


class BoundedMultiDict(ImmutableMultiDict[str, str]):
    """The query string and form fields of a request: `.get(name, type=int)` treats a number no column
    holds like one that is not a number (the default is returned), as it treats "abc"."""

    def get(self, key: str, default: Any = None, type: Any = None) -> Any:  # type: ignore[override]  # one signature for its overloads
        return super().get(key, default, _column_int if type is int else type)


class BoundedRequest(Request):
    parameter_storage_class = BoundedMultiDict


def register(app: Flask) -> None:
    """Make every `<int:...>` of the app's routes bounded, and every `type=int` read of a request's fields;
    call before the blueprints are registered."""
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.request_class = BoundedRequest


class FieldError(ValueError):
    """A posted number that is not a whole number in its range; the message says which field."""


def int_field(
    values: MultiDict[str, str], name: str, label: str, *, low: int = 0, high: int = MAX_INT, default: int | None = None
) -> int | None:
    """Read the whole number `name` of a form or query string: `default` when absent or blank, else a
    number from `low` to `high`, else FieldError naming `label`."""
    raw = values.get(name)
    if raw is None or not raw.strip():
        return default
    text = raw.strip()
    if not (text.isascii() and text.lstrip("-").isdigit()) or len(text) > 12:
        raise FieldError(f"{label} must be a whole number from {low:,} to {high:,}.")
    number = int(text)
    if not low <= number <= high:
        raise FieldError(f"{label} must be a whole number from {low:,} to {high:,}.")
    return number
