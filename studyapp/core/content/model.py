"""The content tree as plain data: documents, their source text, passages, themes, terms, claims."""

from __future__ import annotations

import bisect
import datetime
import re
from dataclasses import dataclass, field
from typing import Literal

#: A `[Page N]` marker, where the printed page turns.
PAGE_MARKER = re.compile(r"\[Page (\d+)\]")


@dataclass(frozen=True, order=True)
class Error:
    """One problem in the content, reported as `file:line: message`."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


# --- segments: a run of text cut at page markers, note references and glossary terms ---------


@dataclass(frozen=True)
class Text:
    """Plain source text, printed as it is."""

    text: str
    kind: Literal["text"] = "text"


@dataclass(frozen=True)
class Term:
    """Source text that is a form of a glossary term."""

    text: str
    term_id: str
    kind: Literal["term"] = "term"


@dataclass(frozen=True)
class PageMark:
    """A `[Page N]` marker: page N starts here."""

    page: int
    text: str
    kind: Literal["page"] = "page"


@dataclass(frozen=True)
class NoteRef:
    """The number at the end of a paragraph that refers to a note."""

    number: int
    text: str
    kind: Literal["note"] = "note"


Segment = Text | Term | PageMark | NoteRef


# --- the source text --------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceBlock:
    """One non-blank line of `source.txt`: a paragraph, a lone page marker or a note.

    Offsets are into `SourceText.text`, the whole source with every run of whitespace
    collapsed to one space; that is the string quotes are compared against.
    """

    index: int
    kind: Literal["paragraph", "page", "note"]
    #: Line in source.txt (1-based).
    line: int
    #: The line with its whitespace collapsed.
    text: str
    start: int
    end: int
    #: The page the block starts on.
    page: int
    #: For a note: its number.
    note_number: int | None = None
    #: For a paragraph ending in a note reference: the note's number and where the number starts.
    note_ref: int | None = None
    ref_start: int | None = None


@dataclass(frozen=True)
class Note:
    """A numbered note at the end of the source, with the paragraph that refers to it."""

    number: int
    #: The note without its leading `N.`.
    body: str
    line: int
    block: int
    #: Index of the block whose trailing number refers to this note, if any.
    ref_block: int | None


@dataclass(frozen=True)
class Marker:
    """A page marker's place in the collapsed source text."""

    start: int
    end: int
    page: int


@dataclass(frozen=True)
class SourceText:
    """A document's source text, cut into blocks, with its page markers and notes."""

    text: str
    blocks: tuple[SourceBlock, ...]
    markers: tuple[Marker, ...]
    notes: tuple[Note, ...]
    first_page: int

    @property
    def paragraphs(self) -> tuple[SourceBlock, ...]:
        return tuple(b for b in self.blocks if b.kind == "paragraph")

    def page_at(self, offset: int) -> int:
        """Return the page the character at `offset` is printed on."""
        starts = [m.start for m in self.markers]
        i = bisect.bisect_right(starts, offset) - 1
        return self.markers[i].page if i >= 0 else self.first_page

    def in_marker(self, offset: int) -> bool:
        return any(m.start <= offset < m.end for m in self.markers)

    def pages_of(self, start: int, end: int) -> tuple[int, ...]:
        """Return every page a word of `text[start:end]` is printed on (markers don't count)."""
        pages: set[int] = set()
        for word in re.finditer(r"\S+", self.text[start:end]):
            offset = start + word.start()
            if not self.in_marker(offset):
                pages.add(self.page_at(offset))
        return tuple(sorted(pages))

    def block_at(self, offset: int) -> SourceBlock:
        starts = [b.start for b in self.blocks]
        return self.blocks[max(bisect.bisect_right(starts, offset) - 1, 0)]

    def blocks_between(self, start: int, end: int) -> list[SourceBlock]:
        """Return the blocks that share at least one character with `text[start:end]`."""
        return [b for b in self.blocks if b.start < end and start < b.end]

    def segments(self, block: SourceBlock, start: int | None = None, end: int | None = None) -> list[Segment]:
        """Cut `block` (or the part of it between two offsets) at page markers and its note reference."""
        lo = block.start if start is None else max(start, block.start)
        hi = block.end if end is None else min(end, block.end)
        cuts: list[tuple[int, int, Segment]] = [
            (m.start, m.end, PageMark(m.page, self.text[m.start : m.end]))
            for m in self.markers
            if lo <= m.start and m.end <= hi
        ]
        if block.ref_start is not None and block.note_ref is not None and lo <= block.ref_start < hi:
            cuts.append((block.ref_start, block.end, NoteRef(block.note_ref, self.text[block.ref_start : block.end])))
        out: list[Segment] = []
        pos = lo
        for cut_start, cut_end, segment in sorted(cuts, key=lambda c: c[0]):
            if cut_start > pos:
                out.append(Text(self.text[pos:cut_start]))
            out.append(segment)
            pos = cut_end
        if pos < hi:
            out.append(Text(self.text[pos:hi]))
        return out


# --- the content ------------------------------------------------------------------------------


@dataclass
class QuoteParagraph:
    """One paragraph (or part of one) of a passage's quote, cut into segments."""

    block: int
    #: Line of the paragraph in source.txt.
    source_line: int
    kind: Literal["paragraph", "page", "note"]
    segments: list[Segment]

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.segments)


@dataclass
class Passage:
    """A curated, verbatim passage of a document, with its editorial apparatus."""

    id: str
    title: str
    part: str
    speakers: list[str]
    pages: list[int]
    themes: list[str]
    glossary: list[str]
    #: The quote with its whitespace collapsed, exactly as it occurs in the source.
    quote: str
    #: The quote cut along the source's own paragraphs (filled in once it is found in the source).
    quote_paragraphs: list[QuoteParagraph]
    #: Markdown of the `## Context` section (the editorial note).
    context: str
    #: Markdown of each guiding question.
    questions: list[str]
    file: str
    #: File line of each front-matter field, and of the first quote line.
    lines: dict[str, int]
    quote_line: int
    #: 1-based position in its document.
    order: int
    document_id: str
    #: Where the quote starts and ends in the document's collapsed source text (-1: not found).
    start: int = -1
    end: int = -1


@dataclass
class Document:
    """A primary source: its metadata, introduction, source text and passages."""

    id: str
    title: str
    short_title: str
    date: datetime.date | str
    first_page: int
    url: str
    citation: str
    order: int
    #: Markdown: the editorial introduction shown above the text.
    introduction: str
    source: SourceText
    folder: str
    file: str
    #: The values a passage's `part` and `speaker` may take.
    parts: list[str] = field(default_factory=list)
    speakers: list[str] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    #: For each source block index: the ids of the passages that quote part of it, in order.
    coverage: dict[int, list[str]] = field(default_factory=dict)


@dataclass
class Theme:
    id: str
    title: str
    order: int
    #: Markdown: what the theme is and why it matters.
    description: str
    file: str
    line: int
    document_id: str


@dataclass
class GlossaryTerm:
    id: str
    term: str
    #: Exact, case-sensitive forms marked wherever they occur as whole words.
    match: list[str]
    source: str
    #: Markdown definition.
    definition: str
    file: str
    line: int
    document_id: str


@dataclass
class ClaimSide:
    passage: str
    quote: str
    line: int


@dataclass
class Claim:
    """Haig's characterization of the letter set beside the letter's own words."""

    id: str
    title: str
    order: int
    themes: list[str]
    haig: ClaimSide
    letter: ClaimSide
    #: Markdown: the question asking how fair the summary is.
    prompt: str
    file: str
    line: int
    document_id: str


@dataclass
class ContentTree:
    """Everything under `content/`, loaded and cross-checked."""

    documents: list[Document]
    passages: dict[str, Passage]
    themes: dict[str, Theme]
    glossary: dict[str, GlossaryTerm]
    claims: dict[str, Claim]

    def document(self, document_id: str) -> Document:
        return next(d for d in self.documents if d.id == document_id)

    def passages_for_theme(self, theme_id: str) -> list[Passage]:
        return [p for d in self.documents for p in d.passages if theme_id in p.themes]

    def claims_in_order(self) -> list[Claim]:
        docs = {d.id: d.order for d in self.documents}
        return sorted(self.claims.values(), key=lambda c: (docs.get(c.document_id, 0), c.order, c.id))
