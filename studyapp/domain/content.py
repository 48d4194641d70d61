"""Readings: load `content/` into the database, and the queries the reading pages run.

Loading upserts by slug (ids stay stable, so a second load changes nothing), flushes and
sends `events.content_loaded`; the caller commits once. Nothing is written (and nothing is
sent) when the content has any error.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup
from sqlalchemy import or_, select, update
from sqlalchemy.orm import joinedload, load_only, selectinload

from studyapp.core import content as core
from studyapp.core.markdown import render
from studyapp.domain import events
from studyapp.domain.errors import DomainError, NotFound
from studyapp.extensions import db
from studyapp.models import Claim, Document, GlossaryTerm, Passage, Theme

#: Results a search returns per kind, at most.
SEARCH_LIMIT = 50
SEARCH_MIN_LENGTH = 2


class ContentInvalid(DomainError):
    """The content has errors; nothing was loaded."""

    def __init__(self, errors: Sequence[core.Error]) -> None:
        super().__init__(f"{len(errors)} content error(s)", 422)
        self.errors = list(errors)


@dataclass
class LoadReport:
    """What a load found and changed, per table."""

    counts: dict[str, int] = field(default_factory=dict)
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return any(self.created.values()) or any(self.updated.values()) or any(self.removed.values())


# --- segments as stored: plain dicts the templates print, escaped -------------------------------


def segment_data(segment: core.Segment) -> dict[str, Any]:
    """Store a segment as {"k": kind, "t": text} plus the term id or page/note number."""
    data: dict[str, Any] = {"k": segment.kind, "t": segment.text}
    if isinstance(segment, core.Term):
        data["id"] = segment.term_id
    elif isinstance(segment, core.PageMark):
        data["n"] = segment.page
    elif isinstance(segment, core.NoteRef):
        data["n"] = segment.number
    return data


def document_blocks_data(document: core.Document) -> list[dict[str, Any]]:
    """Every block of the document's source, as stored for the document page."""
    return [
        {
            "kind": block.kind,
            "line": block.line,
            "page": block.page,
            "note": block.note_number,
            "segments": [segment_data(s) for s in block.segments],
            "passages": list(block.passages),
            "starts": list(block.starts),
        }
        for block in core.document_blocks(document)
    ]


def quote_data(passage: core.Passage, terms: Iterable[core.GlossaryTerm]) -> list[dict[str, Any]]:
    """The quote along the source's paragraphs, each of the passage's terms marked where it first occurs."""
    forms = core.term_forms(terms)
    seen: set[str] = set()
    out = []
    for paragraph in passage.quote_paragraphs:
        segments = core.mark_terms(
            paragraph.segments, {f: t for f, t in forms.items() if t not in seen}, first_only=True
        )
        seen.update(s.term_id for s in segments if isinstance(s, core.Term))
        out.append(
            {"kind": paragraph.kind, "line": paragraph.source_line, "segments": [segment_data(s) for s in segments]}
        )
    return out


def plain_text(html: str) -> str:
    """Text without tags and with whitespace collapsed: a definition as its tooltip shows it."""
    return " ".join(Markup(html).striptags().split())


# --- loading ------------------------------------------------------------------------------------


def load_content(content_dir: str | Path, *, notify: bool = True) -> LoadReport:
    """Check the content tree and upsert it into the database; raise ContentInvalid, writing
    nothing, if it has any error. Rows whose files are gone are removed. Flushes, never commits.

    Sends `content_loaded` unless `notify` is false: a caller that loads more with the readings
    (`load_shipped_content`) sends one signal for all of it.
    """
    tree, errors = core.load_tree(content_dir)
    if errors:
        raise ContentInvalid(errors)
    report = LoadReport()
    with db.session.no_autoflush:  # rows are filled in over several steps: flush once, at the end
        _load(tree, _Sync(report))
    db.session.flush()
    if report.changed:
        db.session.execute(
            update(Document)
            .values(content_version=Document.content_version + 1)
            .execution_options(synchronize_session=False)
        )
        db.session.expire_all()
    if notify:
        events.content_loaded.send(report, readings=report, questions=None, quizzes=None)
    return report


def _load(tree: core.ContentTree, sync: _Sync) -> None:
    documents = sync.rows(Document, [d.id for d in tree.documents])
    for position, doc in enumerate(tree.documents, start=1):
        sync.set(
            documents[doc.id],
            title=doc.title,
            short_title=doc.short_title,
            date=str(doc.date),
            first_page=doc.first_page,
            url=doc.url,
            citation=doc.citation,
            position=position,
            introduction_html=render(doc.introduction),
            blocks=document_blocks_data(doc),
        )

    themes = sync.rows(Theme, list(tree.themes))
    for theme in tree.themes.values():
        sync.set(themes[theme.id], title=theme.title, position=theme.order, description_html=render(theme.description))

    terms = sync.rows(GlossaryTerm, list(tree.glossary))
    for term in tree.glossary.values():
        html = render(term.definition)
        sync.set(
            terms[term.id],
            term=term.term,
            forms=list(term.match),
            source=term.source,
            definition_html=html,
            definition_text=plain_text(html),
        )

    claims = sync.rows(Claim, list(tree.claims))
    passages = sync.rows(Passage, list(tree.passages))
    for doc in tree.documents:
        for passage in doc.passages:
            row = passages[passage.id]
            passage_terms = [tree.glossary[t] for t in passage.glossary]
            sync.set(
                row,
                document=documents[doc.id],
                position=passage.order,
                title=passage.title,
                part=passage.part,
                speakers=list(passage.speakers),
                pages=list(passage.pages),
                quote_text=passage.quote,
                quote=quote_data(passage, passage_terms),
                source_line=passage.quote_paragraphs[0].source_line if passage.quote_paragraphs else 0,
                context_md=passage.context,
                context_html=render(passage.context),
                questions_html=[render(q, inline=True) for q in passage.questions],
            )
            sync.set_list(row, "themes", [themes[t] for t in passage.themes])
            sync.set_list(row, "terms", [terms[t] for t in passage.glossary])

    for position, claim in enumerate(tree.claims_in_order(), start=1):
        row = claims[claim.id]
        sync.set(
            row,
            title=claim.title,
            position=position,
            haig_passage=passages[claim.haig.passage],
            haig_quote=claim.haig.quote,
            letter_passage=passages[claim.letter.passage],
            letter_quote=claim.letter.quote,
            prompt_html=render(claim.prompt),
        )
        sync.set_list(row, "themes", [themes[t] for t in claim.themes])
    sync.finish()


class _Sync:
    """Upsert rows by slug and count what changed."""

    def __init__(self, report: LoadReport) -> None:
        self.report = report
        self.touched: dict[str, list[Any]] = {}

    def rows(self, model, slugs: list[str]) -> dict[str, Any]:
        name = model.__tablename__
        existing = {row.slug: row for row in db.session.scalars(select(model))}
        rows = {}
        created = 0
        for slug in slugs:
            row = existing.pop(slug, None)
            if row is None:
                row = model(slug=slug)
                db.session.add(row)
                created += 1
            rows[slug] = row
        for row in existing.values():
            db.session.delete(row)
        self.report.counts[name] = len(slugs)
        self.report.created[name] = created
        self.report.removed[name] = len(existing)
        self.touched[name] = list(rows.values())
        return rows

    @staticmethod
    def set(row, **values) -> None:
        for key, value in values.items():
            if getattr(row, key) != value:
                setattr(row, key, value)

    @staticmethod
    def set_list(row, key: str, items: list) -> None:
        if list(getattr(row, key)) != items:
            setattr(row, key, items)

    def finish(self) -> None:
        for name, rows in self.touched.items():
            self.report.updated[name] = sum(
                1 for row in rows if row not in db.session.new and db.session.is_modified(row)
            )


def document_runs(blocks: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], set[int]]:
    """Group a document's blocks into runs, one per passage (and one per stretch no passage
    quotes, such as a lone page marker), with consecutive notes gathered into one list.
    Also return the numbers of the notes the text refers to."""
    runs: list[dict[str, Any]] = []
    seen_notes = False
    for block in blocks:
        current = runs[-1]["passage"] if runs else None
        if block["starts"]:
            key = block["starts"][0]
        elif current in block["passages"]:
            key = current
        else:
            key = block["passages"][0] if block["passages"] else None
        if not runs or current != key:
            runs.append({"passage": key, "items": []})
        items = runs[-1]["items"]
        if block["kind"] == "note":
            if items and items[-1]["kind"] == "notes":
                items[-1]["blocks"].append(block)
            else:
                items.append({"kind": "notes", "blocks": [block], "first": not seen_notes})
                seen_notes = True
        else:
            items.append(block)
    refs = {s["n"] for block in blocks for s in block["segments"] if s["k"] == "note"}
    return runs, refs


def page_range(pages: Sequence[int]) -> str:
    """ "page 153", "pages 153–154", "pages 153, 155"."""
    pages = sorted(pages)
    if not pages:
        return ""
    if len(pages) == 1:
        return f"page {pages[0]}"
    if pages == list(range(pages[0], pages[-1] + 1)):
        return f"pages {pages[0]}–{pages[-1]}"
    return "pages " + ", ".join(map(str, pages))


# --- reading queries ----------------------------------------------------------------------------


def list_documents() -> Sequence[Document]:
    """Every document, in order, with its passages (two queries)."""
    return db.session.scalars(
        select(Document).options(selectinload(Document.passages)).order_by(Document.position, Document.slug)
    ).all()


def get_document_or_404(slug: str) -> Document:
    """A document with its passages (two queries); its text is a column of its own."""
    document = db.session.scalar(select(Document).where(Document.slug == slug).options(selectinload(Document.passages)))
    if document is None:
        raise NotFound()
    return document


def reading_title(kind: str, slug: str) -> str | None:
    """The title of a passage or a document ("passage" or "document" and its slug), or None if there is none."""
    model = {"passage": Passage, "document": Document}.get(kind)
    if model is None:
        return None
    return db.session.scalar(select(model.title).where(model.slug == slug))  # type: ignore[attr-defined]


def passage_version(slug: str) -> int | None:
    """The content version a passage page is cached under, or None when there is no such passage (one query)."""
    return db.session.scalar(
        select(Document.content_version).join(Passage, Passage.document_id == Document.id).where(Passage.slug == slug)
    )


def get_passage_or_404(slug: str) -> Passage:
    """A passage with its document (not the document's whole text), themes and terms (three queries)."""
    passage = db.session.scalar(
        select(Passage)
        .where(Passage.slug == slug)
        .options(
            joinedload(Passage.document, innerjoin=True).defer(Document.blocks),
            selectinload(Passage.themes),
            selectinload(Passage.terms),
        )
    )
    if passage is None:
        raise NotFound()
    return passage


def neighbours(passage: Passage) -> tuple[Passage | None, Passage | None]:
    """The passages before and after this one in its document: their slugs and titles (one query)."""
    rows = db.session.scalars(
        select(Passage)
        .where(
            Passage.document_id == passage.document_id,
            Passage.position.in_([passage.position - 1, passage.position + 1]),
        )
        .options(load_only(Passage.slug, Passage.title, Passage.position, Passage.document_id))
    ).all()
    by_position = {row.position: row for row in rows}
    return by_position.get(passage.position - 1), by_position.get(passage.position + 1)


def list_themes(*, with_passages: bool = False) -> Sequence[Theme]:
    """Every theme in order (one query), with its passages if asked (two)."""
    query = select(Theme).order_by(Theme.position, Theme.slug)
    if with_passages:
        query = query.options(selectinload(Theme.passages))
    return db.session.scalars(query).all()


def get_theme_or_404(slug: str) -> Theme:
    """A theme with its passages (their documents and terms) and its claims (five queries)."""
    theme = db.session.scalar(
        select(Theme)
        .where(Theme.slug == slug)
        .options(
            selectinload(Theme.passages).selectinload(Passage.document),
            selectinload(Theme.passages).selectinload(Passage.terms),
            selectinload(Theme.claims),
        )
    )
    if theme is None:
        raise NotFound()
    return theme


def list_terms() -> Sequence[GlossaryTerm]:
    """Every glossary term, alphabetically, with the passages that mark it (two queries)."""
    return db.session.scalars(
        select(GlossaryTerm).options(selectinload(GlossaryTerm.passages)).order_by(GlossaryTerm.term)
    ).all()


def list_claims() -> Sequence[Claim]:
    """Every claim in order, with both passages, their documents and the claim's themes."""
    return db.session.scalars(
        select(Claim)
        .options(
            selectinload(Claim.haig_passage).selectinload(Passage.document),
            selectinload(Claim.letter_passage).selectinload(Passage.document),
            selectinload(Claim.themes),
        )
        .order_by(Claim.position, Claim.slug)
    ).all()


def _like(query: str) -> str:
    """A LIKE pattern matching `query` literally anywhere (its % and _ escaped)."""
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass
class SearchResults:
    query: str
    passages: Sequence[Passage] = ()
    terms: Sequence[GlossaryTerm] = ()
    too_short: bool = False

    @property
    def count(self) -> int:
        return len(self.passages) + len(self.terms)


def search(query: str) -> SearchResults:
    """Find passages (title, quote, context) and glossary terms (term, forms, definition) holding `query`."""
    query = " ".join(query.split())[:200]
    if len(query) < SEARCH_MIN_LENGTH:
        return SearchResults(query, too_short=bool(query))
    pattern = _like(query)
    passages = db.session.scalars(
        select(Passage)
        .where(
            or_(
                Passage.title.ilike(pattern, escape="\\"),
                Passage.quote_text.ilike(pattern, escape="\\"),
                Passage.context_md.ilike(pattern, escape="\\"),
            )
        )
        .options(selectinload(Passage.document))
        .order_by(Passage.document_id, Passage.position)
        .limit(SEARCH_LIMIT)
    ).all()
    terms = db.session.scalars(
        select(GlossaryTerm)
        .where(
            or_(
                GlossaryTerm.term.ilike(pattern, escape="\\"),
                GlossaryTerm.definition_text.ilike(pattern, escape="\\"),
                GlossaryTerm.slug.ilike(pattern, escape="\\"),
            )
        )
        .order_by(GlossaryTerm.term)
        .limit(SEARCH_LIMIT)
    ).all()
    return SearchResults(query, passages, terms)


def excerpt(text: str, query: str, width: int = 90) -> tuple[str, str, str]:
    """Cut `text` around the first case-insensitive match of `query`: (before, match, after)."""
    at = text.lower().find(query.lower())
    if at < 0:
        cut = text[: width * 2]
        return (cut + ("…" if len(text) > len(cut) else ""), "", "")
    start = max(0, at - width)
    end = min(len(text), at + len(query) + width)
    before = ("…" if start > 0 else "") + text[start:at]
    after = text[at + len(query) : end] + ("…" if end < len(text) else "")
    return before, text[at : at + len(query)], after


def passage_json(passage: core.Passage) -> dict[str, Any]:
    """A passage as `flask content list --json` prints it (read from the files, not the database)."""
    return {
        "id": passage.id,
        "document": passage.document_id,
        "title": passage.title,
        "part": passage.part,
        "speaker": list(passage.speakers),
        "pages": list(passage.pages),
        "themes": list(passage.themes),
        "glossary": list(passage.glossary),
        "text": passage.quote,
    }


def passage_quote(passage: Passage) -> str:
    """A passage's quote with its paragraphs separated by blank lines (evidence questions split it)."""
    return quote_text(passage.quote)


def quote_text(quote: list[dict[str, Any]]) -> str:
    """The text of a stored quote (Passage.quote), its paragraphs separated by blank lines."""
    return "\n\n".join("".join(segment["t"] for segment in paragraph["segments"]) for paragraph in quote)
