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


#: Titles before a name, ignored: "President Nixon" is "Nixon" (longest first).
TITLES = tuple(
    title.split()
    for title in (
        "general secretary",
        "assistant secretary",
        "secretary of state",
        "president",
        "ambassador",
        "secretary",
        "comrade",
        "senator",
        "mr",
        "mrs",
        "ms",
        "dr",
    )
)
ARTICLES = frozenset({"the", "a", "an"})
#: Numbers written out, read as digits: "three" is "3".
ONES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
TEENS = ("eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")
TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
NUMBER_WORDS = (
    {word: str(n) for n, word in enumerate(ONES)}
    | {word: str(n) for n, word in enumerate(TEENS, 11)}
    | {word: str(n * 10) for n, word in enumerate(TENS, 2)}
)
#: An initial before a name: one letter and a full stop ("R. Nixon"), or one capital after a word ("Richard M Nixon").
DOTTED_INITIAL = re.compile(r"[^\W\d_]\.")
NAME = re.compile(r"[A-Z][^\W\d_]+\Z")


def fold_answer(text: str) -> str:
    """`normalize_answer`, then the rules that let a reasonable form of the answer through.

    Initials before a name are dropped ("Richard M. Nixon" is "Richard Nixon"), then a title
    before the words ("President Nixon" is "Nixon") and an article ("the lion's share" is
    "lion's share"); numbers from zero to twenty, and the tens, are read as digits ("three" is
    "3"). A rule never empties an answer: "President" alone stays "president".
    """
    words = text.split()
    kept = [
        word
        for i, word in enumerate(words)
        if not (
            i < len(words) - 1
            and NAME.match(words[i + 1])
            and (DOTTED_INITIAL.fullmatch(word) or (i > 0 and len(word) == 1 and word.isupper()))
        )
    ]
    folded = normalize_answer(" ".join(kept)).split()
    for title in TITLES:
        if folded[: len(title)] == title and len(folded) > len(title):
            folded = folded[len(title) :]
            break
    if len(folded) > 1 and folded[0] in ARTICLES:
        folded = folded[1:]
    return " ".join(NUMBER_WORDS.get(word, word) for word in folded)


def answer_matches(response: str, accepted: Iterable[str], match: str = "normalized") -> bool:
    """Tell whether `response` equals one of the `accepted` answers under the question's `match` rule.

    `exact` compares after stripping surrounding whitespace only; `normalized` compares the
    results of `normalize_answer`, or else of `fold_answer` (with the rules for names, articles
    and numbers), so a rule only ever adds to what matches.
    """
    if match == "exact":
        given = response.strip()
        if not given:
            return False
        return any(given == answer.strip() for answer in accepted)
    given = normalize_answer(response)
    if not given:
        return False
    folded = fold_answer(response)
    return any(given == normalize_answer(answer) or folded == fold_answer(answer) for answer in accepted)
