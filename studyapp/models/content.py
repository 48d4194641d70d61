"""Readings: documents, passages, themes, glossary terms and claims, loaded from `content/`.

Rows are written only by `flask content load` (studyapp.domain.content.load_content), which
upserts them by slug so that ids stay stable across loads. Markdown is rendered to sanitized
HTML once, at load time; the verbatim source text is kept as structured segments (see
`studyapp.domain.content`) and printed, escaped, by the templates.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from studyapp.extensions import Model, db

passage_themes = Table(
    "passage_themes",
    db.metadata,
    Column("passage_id", Integer, ForeignKey("passages.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", Integer, ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True),
)

passage_terms = Table(
    "passage_terms",
    db.metadata,
    Column("passage_id", Integer, ForeignKey("passages.id", ondelete="CASCADE"), primary_key=True),
    Column("term_id", Integer, ForeignKey("glossary_terms.id", ondelete="CASCADE"), primary_key=True),
)

claim_themes = Table(
    "claim_themes",
    db.metadata,
    Column("claim_id", Integer, ForeignKey("claims.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", Integer, ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True),
)


class Document(Model):
    """A primary source: its citation, introduction and whole text."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The `id` of document.md.
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(400))
    short_title: Mapped[str] = mapped_column(String(200))
    #: As written in document.md (ISO date).
    date: Mapped[str] = mapped_column(String(40))
    first_page: Mapped[int]
    url: Mapped[str] = mapped_column(String(500))
    #: Chicago-style citation, plain text.
    citation: Mapped[str] = mapped_column(Text)
    #: Position in the list of documents.
    position: Mapped[int]
    introduction_html: Mapped[str] = mapped_column(Text)
    #: Every block of source.txt in order: {kind, line, page, note, segments, passages, starts}.
    blocks: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    #: Raised by every content load that changes anything; pages rendered from the content are
    #: cached under it (a passage page is the same for every reader).
    content_version: Mapped[int] = mapped_column(default=1, server_default="1")

    passages: Mapped[list[Passage]] = relationship(
        back_populates="document", order_by="Passage.position", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Document {self.slug}>"


class Passage(Model):
    """A curated passage, quoted verbatim, with its editorial note and guiding questions."""

    __tablename__ = "passages"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The `id` of the passage file; questions name passages by it.
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    #: 1-based position in its document (the order of the files' NN- prefixes).
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    #: memorandum, letter or notes (or what the document lists).
    part: Mapped[str] = mapped_column(String(60))
    speakers: Mapped[list[str]] = mapped_column(JSON)
    pages: Mapped[list[int]] = mapped_column(JSON)
    #: The quote with whitespace collapsed, exactly as in the source: for search and export.
    quote_text: Mapped[str] = mapped_column(Text)
    #: The quote along the source's paragraphs: [{kind, line, segments}], terms marked.
    quote: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    #: Line of source.txt the quote starts on.
    source_line: Mapped[int]
    context_md: Mapped[str] = mapped_column(Text)
    context_html: Mapped[str] = mapped_column(Text)
    #: Each guiding question as sanitized inline HTML.
    questions_html: Mapped[list[str]] = mapped_column(JSON)

    document: Mapped[Document] = relationship(back_populates="passages")
    themes: Mapped[list[Theme]] = relationship(
        secondary=passage_themes, back_populates="passages", order_by="Theme.position"
    )
    terms: Mapped[list[GlossaryTerm]] = relationship(
        secondary=passage_terms, back_populates="passages", order_by="GlossaryTerm.term"
    )

    def __repr__(self) -> str:
        return f"<Passage {self.slug}>"


class Theme(Model):
    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int]
    description_html: Mapped[str] = mapped_column(Text)

    passages: Mapped[list[Passage]] = relationship(
        secondary=passage_themes, back_populates="themes", order_by="Passage.position"
    )
    claims: Mapped[list[Claim]] = relationship(
        secondary=claim_themes, back_populates="themes", order_by="Claim.position"
    )

    def __repr__(self) -> str:
        return f"<Theme {self.slug}>"


class GlossaryTerm(Model):
    __tablename__ = "glossary_terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    term: Mapped[str] = mapped_column(String(200))
    #: The exact forms marked in passage text.
    forms: Mapped[list[str]] = mapped_column(JSON)
    #: Where the definition comes from.
    source: Mapped[str] = mapped_column(String(300))
    definition_html: Mapped[str] = mapped_column(Text)
    #: The definition as plain text, for the tooltip beside a marked term.
    definition_text: Mapped[str] = mapped_column(Text)

    passages: Mapped[list[Passage]] = relationship(
        secondary=passage_terms, back_populates="terms", order_by="Passage.position"
    )

    def __repr__(self) -> str:
        return f"<GlossaryTerm {self.slug}>"


class Claim(Model):
    """Haig's characterization of the letter beside the letter's own words, with a prompt."""

    __tablename__ = "claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    position: Mapped[int]
    haig_passage_id: Mapped[int] = mapped_column(ForeignKey("passages.id", ondelete="CASCADE"), index=True)
    haig_quote: Mapped[str] = mapped_column(Text)
    letter_passage_id: Mapped[int] = mapped_column(ForeignKey("passages.id", ondelete="CASCADE"), index=True)
    letter_quote: Mapped[str] = mapped_column(Text)
    prompt_html: Mapped[str] = mapped_column(Text)

    haig_passage: Mapped[Passage] = relationship(foreign_keys=[haig_passage_id])
    letter_passage: Mapped[Passage] = relationship(foreign_keys=[letter_passage_id])
    themes: Mapped[list[Theme]] = relationship(
        secondary=claim_themes, back_populates="claims", order_by="Theme.position"
    )

    def __repr__(self) -> str:
        return f"<Claim {self.slug}>"
