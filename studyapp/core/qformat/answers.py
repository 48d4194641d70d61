"""How a typed answer is compared with the accepted ones (short answer and cloze blanks)."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable

#: A plain decimal number: optional sign, digits with an optional fraction, optional exponent.
NUMBER = r"[+-]?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
NUMBER_RE = re.compile(NUMBER + r"\Z")


def read_number(text: str) -> float | None:
    """Return the value of `text` (surrounding spaces ignored) if it is a plain finite decimal number."""
    text = text.strip()
    if not NUMBER_RE.match(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def normalize_answer(text: str) -> str:
    """Fold an answer for `match: normalized`.

    Decompose (NFKD), casefold and drop combining marks, so "détente" is "detente"; turn dashes
    into spaces and drop every other punctuation mark, so "U.S." is "us" and "post-war" is
    "post war"; collapse runs of whitespace to one space and strip the ends.
    """
    # Decompose before casefolding too: compatibility forms ("𝓐", "ﬁ") only fold once decomposed.
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    kept = []
    for char in decomposed:
        if unicodedata.combining(char):
            continue
        category = unicodedata.category(char)
        if category == "Pd":
            kept.append(" ")
        elif not category.startswith("P"):
            kept.append(char)
    return " ".join("".join(kept).split())


def answer_matches(response: str, accepted: Iterable[str], match: str = "normalized") -> bool:
    """Tell whether `response` equals one of the `accepted` answers under the question's `match` rule.

    `exact` compares after stripping surrounding whitespace only; `normalized` compares the
    results of `normalize_answer`.
    """
    if match == "exact":
        given = response.strip()
        if not given:
            return False
        return any(given == answer.strip() for answer in accepted)
    given = normalize_answer(response)
    if not given:
        return False
    return any(given == normalize_answer(answer) for answer in accepted)
