"""The reading pages: documents, passages, themes, glossary, claim and source, search."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from markupsafe import Markup

from studyapp.domain import content as services

bp = Blueprint("reading", __name__, url_prefix="/read", template_folder="templates")
bp.add_app_template_filter(services.page_range, "page_range")

#: Rendered passage bodies kept per process (a document has tens of passages; a version change leaves old ones).
PASSAGE_PAGES_KEPT = 512


@bp.get("/")
def index():
    """List the documents and their passages."""
    return render_template("reading/index.html", documents=services.list_documents())


@bp.get("/documents/<slug>")
def document(slug: str):
    """Print the whole document in order, with page markers, notes and its passages marked."""
    document = services.get_document_or_404(slug)
    runs, refs = services.document_runs(document.blocks)
    return render_template(
        "reading/document.html",
        document=document,
        runs=runs,
        refs=refs,
        passages={p.slug: p for p in document.passages},
    )


@bp.get("/passages/<slug>")
def passage(slug: str):
    """Show one passage: the quote with its terms, then the editorial note and the citation.

    The page's body is the same for every reader: it is rendered once per process and content
    version, so a reader costs one query beyond the session's.
    """
    version = services.passage_version(slug)
    if version is None:
        abort(404)
    pages = current_app.extensions.setdefault("reading.passage_pages", {})
    page = pages.get((slug, version))
    if page is None:
        passage = services.get_passage_or_404(slug)
        previous, following = services.neighbours(passage)
        body = Markup(
            render_template(
                "reading/_passage.html",
                passage=passage,
                document=passage.document,
                terms={t.slug: t for t in passage.terms},
                previous=previous,
                following=following,
            )
        )
        if len(pages) >= PASSAGE_PAGES_KEPT:
            pages.clear()
        page = pages[(slug, version)] = (passage.title, body)
    title, body = page
    return render_template("reading/passage.html", title=title, body=body)


@bp.get("/claims")
def claims():
    """Set Haig's characterizations beside the letter's own words."""
    return render_template("reading/claims.html", claims=services.list_claims())


@bp.get("/themes")
def themes():
    """List the themes with their passages."""
    return render_template("reading/themes.html", themes=services.list_themes(with_passages=True))


@bp.get("/themes/<slug>")
def theme(slug: str):
    """Show a theme's passages in full, and its claims: a handout when printed."""
    return render_template("reading/theme.html", theme=services.get_theme_or_404(slug))


@bp.get("/glossary")
def glossary():
    """List every glossary term with its definition and the passages that use it."""
    return render_template("reading/glossary.html", terms=services.list_terms())


@bp.get("/search")
def search():
    """Search passages and glossary terms for a word or phrase."""
    results = services.search(request.args.get("q", ""))
    return render_template("reading/search.html", results=results, excerpt=services.excerpt)
