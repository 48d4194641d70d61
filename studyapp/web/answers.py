"""Read the answers of a quiz page from posted form fields (the same names with or without JavaScript)."""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from studyapp.core.qformat import Question


class FormError(ValueError):
    """Posted fields that cannot be read as an answer; the message names the question."""


def field_name(position: int) -> str:
    return f"q{position}"


def response_from_form(question: Question, position: int, form: MultiDict[str, str]) -> dict[str, Any]:
    """Turn the fields of question `position` into a response (option ids are still the page's public ids)."""
    name = field_name(position)
    prefix = name + "-"
    kind = question.type
    if kind in ("single", "truefalse"):
        return {"choice": form.get(name, "")}
    if kind == "multiple":
        return {"choices": form.getlist(name)}
    if kind == "evidence":
        return {"sentences": form.getlist(name)}
    if kind in ("short", "essay"):
        return {"text": form.get(name, "")}
    if kind == "numeric":
        return {"value": form.get(name, "")}
    parts = {key[len(prefix) :]: form.get(key, "") for key in form if key.startswith(prefix)}
    if kind == "cloze":
        return {"blanks": parts}
    if kind == "matching":
        return {"matches": {left: right for left, right in parts.items() if right}}
    if kind == "ordering":
        return {"order": _order(parts, position)}
    raise FormError(f"Question {position}: unknown question type {kind!r}.")


def _order(places: dict[str, str], position: int) -> list[str]:
    """Items sorted by the place the student gave each; an incomplete or repeated ranking is refused."""
    if not any(places.values()):
        return []
    ranked = []
    for item, place in places.items():
        if not place.strip().isdigit():
            raise FormError(f"Question {position}: give every item a place from 1 to {len(places)}.")
        ranked.append((int(place), item))
    numbers = sorted(number for number, _ in ranked)
    if numbers != list(range(1, len(places) + 1)):
        raise FormError(f"Question {position}: use each place from 1 to {len(places)} exactly once.")
    return [item for _, item in sorted(ranked)]
