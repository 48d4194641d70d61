"""A document as the reading page prints it: every block of the source, in order."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from studyapp.core.content.glossary import mark_terms
from studyapp.core.content.model import Document, GlossaryTerm, Passage, Segment, Text


@dataclass(frozen=True)
class Block:
    """One paragraph, lone page marker or note of a document, ready to print."""

    index: int
    kind: Literal["paragraph", "page", "note"]
    #: Line in source.txt.
    line: int
    #: The page the block starts on.
    page: int
    #: For a paragraph: its text cut at page markers and at its note reference;
    #: for a note: the note's text without its leading number; for a page marker: the marker.
    segments: tuple[Segment, ...]
    #: For a note: its number.
    note_number: int | None
    #: Passages quoting part of this block, in order.
    passages: tuple[str, ...]
    #: Passages whose quote begins in this block.
    starts: tuple[str, ...]


def document_blocks(document: Document, terms: Iterable[GlossaryTerm] = ()) -> list[Block]:
    """Return every block of the document's source, in order, with the passages covering it.

    With `terms`, glossary terms are marked in paragraphs and notes (every occurrence).
    """
    source = document.source
    starts: dict[int, list[str]] = {}
    for passage in document.passages:
        if passage.start >= 0:
            starts.setdefault(source.block_at(passage.start).index, []).append(passage.id)
    terms = list(terms)
    out: list[Block] = []
    for block in source.blocks:
        if block.kind == "note":
            body = block.text.split(".", 1)[1].lstrip() if "." in block.text else block.text
            segments: list[Segment] = [Text(body)]
        else:
            segments = source.segments(block)
        if terms and block.kind != "page":
            segments = mark_terms(segments, terms)
        out.append(
            Block(
                index=block.index,
                kind=block.kind,
                line=block.line,
                page=block.page,
                segments=tuple(segments),
                note_number=block.note_number,
                passages=tuple(document.coverage.get(block.index, ())),
                starts=tuple(starts.get(block.index, ())),
            )
        )
    return out


def neighbours(passage: Passage, document: Document) -> tuple[Passage | None, Passage | None]:
    """Return the passages before and after `passage` in its document."""
    i = next(i for i, p in enumerate(document.passages) if p.id == passage.id)
    previous = document.passages[i - 1] if i > 0 else None
    following = document.passages[i + 1] if i + 1 < len(document.passages) else None
    return previous, following
