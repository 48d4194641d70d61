"""Reading `source.txt`: paragraphs, page markers, notes and note references; finding quotes in it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from studyapp.core.content.model import (
    PAGE_MARKER,
    Marker,
    Note,
    SourceBlock,
    SourceText,
)

WHITESPACE = re.compile(r"\s+")
#: A note line at the end of the source: `  1. Source: ...`.
NOTE_LINE = re.compile(r"^\s*(\d+)\.\s+\S")
#: A number at the very end of a paragraph: a note reference when it is the next note's number.
TRAILING_NUMBER = re.compile(r"(\d+)$")
LONE_MARKER = re.compile(r"^\[Page \d+\]$")


def collapse(text: str) -> str:
    """Collapse every run of whitespace to one space and trim the ends."""
    return WHITESPACE.sub(" ", text).strip()


#: Quotation marks folded to their plain forms when a quotation is compared with its source.
STRAIGHT_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'"})


@dataclass(frozen=True)
class Folded:
    """A text as quotations are compared with it, and where each of its characters came from."""

    text: str
    #: offsets[i]: the index in the original text of `text[i]` (a space: of the character after it).
    offsets: tuple[int, ...]

    @property
    def lower(self) -> str:
        """`text` with each letter lowercased one for one (offsets stay valid)."""
        return "".join(c if len(c.lower()) != 1 else c.lower() for c in self.text)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original text's span of `text[start:end]` (a non-empty slice)."""
        return self.offsets[start], self.offsets[end - 1] + 1


def fold(text: str) -> Folded:
    """Fold `text` as `collapse` does — page markers dropped too, quotation marks straightened —
    keeping the original offset of every character, so a match can be mapped back to the words."""
    dropped = bytearray(len(text))
    for marker in PAGE_MARKER.finditer(text):
        dropped[marker.start() : marker.end()] = b"\x01" * (marker.end() - marker.start())
    chars: list[str] = []
    offsets: list[int] = []
    gap = False
    for i, char in enumerate(text):
        if dropped[i] or char.isspace():
            gap = True
            continue
        if gap and chars:
            chars.append(" ")
            offsets.append(i)
        gap = False
        chars.append(char.translate(STRAIGHT_QUOTES))
        offsets.append(i)
    return Folded("".join(chars), tuple(offsets))


def parse_source(text: str, first_page: int) -> SourceText:
    """Cut a source text into blocks (one per non-blank line) and find its markers and notes."""
    lines = text.removeprefix("\ufeff").splitlines()
    numbered = [(i + 1, line) for i, line in enumerate(lines) if line.strip()]
    note_lines = _trailing_notes(numbered)

    blocks: list[SourceBlock] = []
    pieces: list[str] = []
    offset = 0
    next_note = 1
    kind: Literal["paragraph", "page", "note"]
    for index, (line_no, raw) in enumerate(numbered):
        collapsed = collapse(raw)
        start = offset + (1 if pieces else 0)
        end = start + len(collapsed)
        note_number = note_ref = ref_start = None
        if line_no in note_lines:
            kind = "note"
            note_number = note_lines[line_no]
        elif LONE_MARKER.match(collapsed):
            kind = "page"
        else:
            kind = "paragraph"
            trailing = TRAILING_NUMBER.search(collapsed)
            if trailing and int(trailing.group(1)) == next_note and next_note <= len(note_lines):
                note_ref = next_note
                ref_start = start + trailing.start()
                next_note += 1
        blocks.append(
            SourceBlock(
                index=index,
                kind=kind,
                line=line_no,
                text=collapsed,
                start=start,
                end=end,
                page=0,
                note_number=note_number,
                note_ref=note_ref,
                ref_start=ref_start,
            )
        )
        pieces.append(collapsed)
        offset = end
    joined = " ".join(pieces)
    markers = tuple(Marker(m.start(), m.end(), int(m.group(1))) for m in PAGE_MARKER.finditer(joined))
    source = SourceText(text=joined, blocks=(), markers=markers, notes=(), first_page=first_page)
    blocks = [_with_page(b, source.page_at(b.start if b.kind != "page" else b.end)) for b in blocks]
    refs = {b.note_ref: b.index for b in blocks if b.note_ref is not None}
    notes = tuple(
        Note(
            number=b.note_number,
            body=b.text.split(".", 1)[1].strip(),
            line=b.line,
            block=b.index,
            ref_block=refs.get(b.note_number),
        )
        for b in blocks
        if b.kind == "note" and b.note_number is not None
    )
    return SourceText(text=joined, blocks=tuple(blocks), markers=markers, notes=notes, first_page=first_page)


def _with_page(block: SourceBlock, page: int) -> SourceBlock:
    return SourceBlock(**{**block.__dict__, "page": page})


def _trailing_notes(numbered: list[tuple[int, str]]) -> dict[int, int]:
    """Return {line: note number} for the run of numbered lines that ends the source.

    The run counts only when its numbers are 1, 2, 3... in order, so a heading such as
    `58. Memorandum ...` at the top is never taken for a note.
    """
    run: list[tuple[int, int]] = []
    for line_no, raw in reversed(numbered):
        match = NOTE_LINE.match(raw)
        if not match:
            break
        run.append((line_no, int(match.group(1))))
    run.reverse()
    while run and [n for _, n in run] != list(range(1, len(run) + 1)):
        run.pop(0)
    return dict(run)


# --- finding a quote --------------------------------------------------------------------------


@dataclass(frozen=True)
class Mismatch:
    """Where a quote stops matching its source: the quote's word index and what the source has."""

    word: int
    source_word: str | None


def find_all(haystack: str, needle: str) -> list[int]:
    """Return every offset of `needle` in `haystack` that does not cut a word in two."""
    found: list[int] = []
    if not needle:
        return found
    start = haystack.find(needle)
    while start != -1:
        end = start + len(needle)
        cuts_before = start > 0 and haystack[start - 1].isalnum() and haystack[start].isalnum()
        cuts_after = end < len(haystack) and haystack[end - 1].isalnum() and haystack[end].isalnum()
        if not cuts_before and not cuts_after:
            found.append(start)
        start = haystack.find(needle, start + 1)
    return found


def diagnose(haystack: str, words: list[str]) -> Mismatch:
    """Find the longest run of leading `words` present in `haystack`; the next word is the first
    that differs. Report what the source has in its place (None when even the first word is absent)."""
    lo, hi = 0, len(words)
    while lo < hi:  # largest k such that words[:k] occurs
        mid = (lo + hi + 1) // 2
        if " ".join(words[:mid]) in haystack:
            lo = mid
        else:
            hi = mid - 1
    if lo == 0:
        return Mismatch(0, None)
    prefix = " ".join(words[:lo])
    at = haystack.find(prefix) + len(prefix)
    # The differing word may start inside the last matched one ("differenc|ies"): back up to its start.
    word_start = haystack.rfind(" ", 0, at) + 1 if at < len(haystack) and haystack[at] != " " else at + 1
    following = haystack[word_start:].split(" ", 1)[0] if word_start < len(haystack) else ""
    if at < len(haystack) and haystack[at] != " ":
        return Mismatch(lo - 1, following or None)
    return Mismatch(lo, following or None)
