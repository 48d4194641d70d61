"""Quotations in the texts of a question, and where their words stand in the source.

An author quotes the document in curly quotation marks, possibly nested (the letter itself
quotes “the ultimate weapon”), wraps long quotations across lines, leaves words out with an
ellipsis, marks the translation's slips with [sic] and a changed capital with brackets
(“[T]he major impression”). A quotation is compared with the source after both are folded
(`content.source.fold`: whitespace, page markers, quotation marks); these rules say how the
quotation's own marks are read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .content.source import Folded, find_all, fold

OPEN, CLOSE = "“", "”"
#: Where an author left words out or put their own in: the quotation is compared piece by piece.
BREAK = re.compile(r"\s*(?:…|\.\.\.|\[(?!(?i:sic)\])(?!.\])[^\]]*\])\s*")
#: “[T]he”: a letter whose case the author changed, and marked.
CHANGED_LETTER = re.compile(r"\[([^\W\d_])\]")
PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
SIC = re.compile(r"\s*\[sic\]", re.IGNORECASE)
#: Punctuation of the sentence around a quotation that may sit inside its closing mark.
TRAILING = ",;:"


@dataclass(frozen=True)
class Quotation:
    """One outermost quotation of a text, its inner quotation marks kept."""

    text: str
    #: Offset of its first character in the text it was found in.
    start: int


@dataclass(frozen=True)
class Fragment:
    """A run of a quotation with no omission or insertion in it, folded for comparison."""

    text: str
    #: Positions in `text` of letters whose case the author changed and marked (“[T]he”).
    free: frozenset[int]
    #: Offset in the text the quotation was found in, for messages.
    start: int

    @property
    def words(self) -> int:
        return len(self.text.split())


@dataclass(frozen=True)
class Found:
    """Where a fragment stands in a folded source text."""

    start: int
    end: int
    #: Whether every letter has the source's case (changes marked with brackets allowed).
    exact: bool


def quotations(text: str) -> list[Quotation]:
    """Return the outermost quotations of `text`, in order.

    Curly marks nest (“a “b” c” is one quotation); a straight pair "..." counts where no curly
    quotation is open. A paragraph break closes whatever is open, so one unbalanced mark costs
    at most its paragraph.
    """
    found: list[Quotation] = []
    depth, start, straight = 0, 0, -1
    breaks = {match.start() for match in PARAGRAPH_BREAK.finditer(text)}
    for i, char in enumerate(text):
        if i in breaks:
            depth, straight = 0, -1
        elif char == OPEN:
            if depth == 0:
                start, straight = i + 1, -1
            depth += 1
        elif char == CLOSE and depth:
            depth -= 1
            if depth == 0:
                found.append(Quotation(text[start:i], start))
        elif char == '"' and depth == 0:
            if straight < 0:
                straight = i + 1
            else:
                found.append(Quotation(text[straight:i], straight))
                straight = -1
    return found


def fragments(quotation: Quotation) -> list[Fragment]:
    """Cut a quotation at its ellipses and editorial insertions; drop [sic]; read “[T]he” as a
    marked change of case."""
    pieces: list[Fragment] = []
    at = 0
    for match in [*BREAK.finditer(quotation.text), None]:
        end = match.start() if match else len(quotation.text)
        piece = quotation.text[at:end]
        offset = quotation.start + at
        at = match.end() if match else end
        piece = SIC.sub("", piece)
        free: set[int] = set()
        chars: list[str] = []
        last = 0
        for letter in CHANGED_LETTER.finditer(piece):
            chars.append(piece[last : letter.start()])
            free.add(len("".join(chars)))
            chars.append(letter.group(1))
            last = letter.end()
        chars.append(piece[last:])
        folded = fold("".join(chars))
        # Folding only drops or merges whitespace: map the free positions through its offsets.
        positions = {i for i, original in enumerate(folded.offsets) if original in free}
        if folded.text:
            pieces.append(Fragment(folded.text, frozenset(positions), offset))
    return pieces


def locate(fragment: Fragment, source: Folded, lowered: str | None = None) -> list[Found]:
    """Every place the fragment's words stand in `source`, whole words only, letters compared
    without regard to case; `exact` tells whether each has the source's case."""
    lowered = source.lower if lowered is None else lowered
    needle = Folded(fragment.text, ()).lower
    found = []
    for start in find_all(lowered, needle):
        original = source.text[start : start + len(needle)]
        exact = all(a == b or i in fragment.free for i, (a, b) in enumerate(zip(fragment.text, original, strict=True)))
        found.append(Found(start, start + len(needle), exact))
    return found


def trimmed(fragment: Fragment) -> Fragment:
    """The fragment without the sentence punctuation (`,;:`) that may close a quotation."""
    text = fragment.text.rstrip(TRAILING + " ")
    return Fragment(text, frozenset(i for i in fragment.free if i < len(text)), fragment.start)
