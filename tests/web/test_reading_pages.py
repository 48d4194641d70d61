"""The reading pages, served from the database after `flask content load`."""

from __future__ import annotations

import re
import shutil
from html import unescape

import pytest
from sqlalchemy import func, select

from studyapp.core.content import load_tree
from studyapp.domain.content import load_content
from studyapp.extensions import db
from studyapp.models import Document, Passage
from tests.web.reading_support import CONTENT, SECOND_DOCUMENT, edit, text_of, words

DOC = "frus-1981-88-v03-d58"
CITATION_URL = "https://history.state.gov/historicaldocuments/frus1981-88v03/d58"


@pytest.fixture(scope="module")
def tree():
    tree, errors = load_tree(CONTENT)
    assert errors == []
    return tree


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_index_lists_the_document_and_every_passage(client, loaded, tree):
    body = page(client, "/read/")
    assert f'href="/read/documents/{DOC}"' in body
    for passage_id in tree.passages:
        assert f'href="/read/passages/{passage_id}"' in body
    assert 'aria-current="page"' in body  # "Read" is the current section in the main navigation


def test_index_without_content_says_how_to_load_it(client):
    assert "flask content load" in page(client, "/read/")


def test_every_word_of_the_source_appears_in_order_on_the_document_page(client, loaded):
    body = page(client, f"/read/documents/{DOC}")
    source = (CONTENT / "source.txt").read_text(encoding="utf-8")
    assert words(text_of(body, "text")) == words(source)


def test_the_document_page_has_page_markers_footnotes_and_passages(client, loaded, tree):
    body = page(client, f"/read/documents/{DOC}")
    for page_number in (154, 155, 156, 157, 158):
        assert f'id="page-{page_number}"' in body
    for note in (1, 2, 3, 4):
        # Reference -> note, and note -> back to its reference.
        assert f'<a href="#note-{note}" id="noteref-{note}"' in body
        assert f'<li id="note-{note}">' in body
        assert f'href="#noteref-{note}"' in body
    for passage_id in tree.passages:
        assert f'id="passage-{passage_id}"' in body
        assert f'href="/read/passages/{passage_id}"' in body
    assert "Editorial introduction" in body


def quoted_words(body: str) -> list[str]:
    """The words of a passage page's quote as a reader sees them (glossary tooltips left out)."""
    blockquote = re.search(r"<blockquote[^>]*>(.*?)</blockquote>", body, re.S).group(1)
    visible = re.sub(r'<span class="term-tip".*?</span></span>', "</span>", blockquote, flags=re.S)
    return words(unescape(re.sub(r"<[^>]+>", "", visible)))


def test_a_passage_page(client, loaded, tree):
    body = page(client, "/read/passages/memo-linkage")
    assert quoted_words(body) == tree.passages["memo-linkage"].quote.split()
    # A glossary term: a link to its entry, described by a tooltip with the definition.
    assert '<a class="term-link" href="/read/glossary#term-linkage" aria-describedby="tip-linkage">linkage</a>' in body
    assert 'id="tip-linkage"' in body
    assert 'href="/read/themes/linkage"' in body
    assert '<h2 id="editorial-title" class="editorial-label">Editorial note</h2>' in body
    assert body.count("<li>") >= 2 and "Guiding questions" in body
    assert CITATION_URL in body and "Cite this passage" in body
    assert 'rel="prev" href="/read/passages/memo-tnf"' in body
    assert 'rel="next" href="/read/passages/letter-opening"' in body
    assert "reading.css" in body and "js/reading.js" in body


def test_the_quote_and_the_editorial_note_are_apart(client, loaded):
    body = page(client, "/read/passages/memo-soviet-nervousness")
    quote_at = body.index("<blockquote")
    editorial_at = body.index("Editorial note")
    assert body.index("</blockquote>") < editorial_at
    assert quote_at < editorial_at
    assert '<span class="page-marker">[Page 154]</span>' in body


def test_first_and_last_passages_have_one_neighbour(client, loaded):
    first = page(client, "/read/passages/memo-heading-and-delivery")
    assert 'rel="prev"' not in first and 'rel="next"' in first
    last = page(client, "/read/passages/notes-source-notes")
    assert 'rel="next"' not in last and 'rel="prev"' in last


def test_unknown_pages_are_404(client, loaded):
    for url in ("/read/passages/nope", "/read/documents/nope", "/read/themes/nope"):
        assert client.get(url).status_code == 404


def test_claim_and_source(client, loaded, tree):
    body = page(client, "/read/claims")
    assert len(tree.claims) >= 6
    for claim in tree.claims.values():
        assert f'id="{claim.id}"' in body
        for side in (claim.haig, claim.letter):
            assert f"<p>{side.quote}</p>" in unescape(body)
            assert f'href="/read/passages/{side.passage}"' in body
    assert "asks almost plaintively why we continue to supply arms to Afghanistan insurgents" in body
    assert body.count("Editorial question") == len(tree.claims)


def test_theme_index_and_theme_pages(client, loaded, tree):
    body = page(client, "/read/themes")
    for theme in tree.themes.values():
        assert f'href="/read/themes/{theme.id}"' in body
    linkage = page(client, "/read/themes/linkage")
    for passage in tree.passages_for_theme("linkage"):
        assert f'href="/read/passages/{passage.id}"' in linkage
    # A theme page carries the passages' full text, to print as a handout.
    assert "linkage was a fact of life" in linkage
    assert CITATION_URL in linkage


def test_glossary(client, loaded, tree):
    body = page(client, "/read/glossary")
    assert len(tree.glossary) >= 20
    for term in tree.glossary.values():
        assert f'id="term-{term.id}"' in body
    assert "<dfn>" in body


def test_search_finds_passages_and_terms(client, loaded):
    body = page(client, "/read/search?q=plaintively")
    assert 'href="/read/passages/memo-soviet-nervousness"' in body
    assert "<mark>plaintively</mark>" in body
    terms = page(client, "/read/search?q=Dobrynin")
    assert 'href="/read/glossary#term-dobrynin"' in terms


def test_search_is_case_insensitive_and_literal(client, loaded):
    assert 'href="/read/passages/memo-linkage"' in page(client, "/read/search?q=LINKAGE")
    assert "0 results" in page(client, "/read/search?q=100%25")
    assert "0 results" in page(client, "/read/search?q=a_b")


def test_search_escapes_what_it_echoes(client, loaded):
    body = page(client, "/read/search?q=%3Cscript%3Ealert(1)%3C/script%3E")
    assert "<script>alert(1)" not in body
    assert "&lt;script&gt;" in body


def test_search_needs_two_letters(client, loaded):
    assert "at least two letters" in page(client, "/read/search?q=a")
    assert 'role="search"' in page(client, "/read/search")


def test_print_styles_are_served(client):
    with client.get("/static/css/reading.css") as response:
        assert response.status_code == 200
        css = response.get_data(as_text=True)
    assert "@media print" in css
    assert ".term-tip" in css


def queries(client, count_queries, url: str) -> list[str]:
    """The SQL statements one request for `url` runs (SQLite's BEGIN left out)."""
    with count_queries() as statements:
        assert client.get(url).status_code == 200, url
    return [s for s in statements if not s.startswith("BEGIN")]


@pytest.mark.parametrize(
    ("small", "large"),
    [
        ("/read/passages/memo-in-sum", "/read/passages/notes-source-notes"),
        ("/read/themes/summit", "/read/themes/tone-and-intent"),
    ],
)
def test_a_reading_page_runs_the_same_queries_however_much_it_shows(client, loaded, count_queries, small, large):
    assert len(queries(client, count_queries, small)) == len(queries(client, count_queries, large))


def test_every_reading_page_runs_a_bounded_number_of_queries(client, loaded, count_queries, tree):
    limits = {f"/read/passages/{p}": 5 for p in tree.passages}
    limits.update({f"/read/themes/{t}": 5 for t in tree.themes})
    limits.update(
        {
            "/read/": 2,
            f"/read/documents/{DOC}": 2,
            "/read/claims": 6,
            "/read/themes": 2,
            "/read/glossary": 2,
            "/read/search?q=Soviet": 3,
        }
    )
    for url, most in limits.items():
        statements = queries(client, count_queries, url)
        assert len(statements) <= most, (url, statements)


def test_a_second_document_folder_appears_with_no_code_change(app, client, content_copy):
    shutil.copytree(SECOND_DOCUMENT, content_copy / SECOND_DOCUMENT.name)
    load_content(content_copy)
    db.session.commit()
    index = page(client, "/read/")
    assert f'href="/read/documents/{DOC}"' in index
    assert 'href="/read/documents/town-bell-notice"' in index
    document = page(client, "/read/documents/town-bell-notice")
    source = (SECOND_DOCUMENT / "source.txt").read_text(encoding="utf-8")
    assert words(text_of(document, "text")) == words(source)
    passage = page(client, "/read/passages/bell-notice-fishermen")
    assert "Town Crier" in passage and "Test data" in passage
    assert 'aria-describedby="tip-town-bell"' in page(client, "/read/passages/bell-notice-rule")
    assert 'href="/read/passages/bell-notice-rule"' in page(client, "/read/themes/town-bell")
    count = db.session.scalar(select(func.count()).select_from(Passage))
    assert count == 24


def test_a_passage_page_is_rendered_once_then_served_with_one_query(client, loaded, tree, count_queries):
    url = "/read/passages/memo-heading-and-delivery"
    with count_queries() as first:
        rendered = page(client, url)
    with count_queries() as again:
        served = page(client, url)
    first, again = ([s for s in run if not s.startswith("BEGIN")] for run in (first, again))
    assert len(again) == 1 < len(first), (first, again)
    assert served == rendered  # the page served from the cache is the page as rendered, byte for byte
    assert quoted_words(served) == tree.passages["memo-heading-and-delivery"].quote.split()


def test_a_content_load_that_changes_a_passage_shows_the_change(client, loaded, content_copy):
    url = "/read/passages/memo-heading-and-delivery"
    assert "These lines open Document 58." in page(client, url)
    version = db.session.scalar(select(Document.content_version))
    load_content(content_copy)  # unchanged: the cached page stays
    db.session.commit()
    assert db.session.scalar(select(Document.content_version)) == version
    edit(
        content_copy / "passages" / "01-memo-heading-and-delivery.md",
        "These lines open Document 58.",
        "These are the opening lines of Document 58.",
    )
    load_content(content_copy)
    db.session.commit()
    assert db.session.scalar(select(Document.content_version)) == version + 1
    shown = page(client, url)
    assert "These are the opening lines of Document 58." in shown
    assert "These lines open Document 58." not in shown
