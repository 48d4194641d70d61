"""Every reading page type in Chromium, each checked with axe-core; the glossary tooltip by keyboard."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_accessible

DOC = "frus-1981-88-v03-d58"


@pytest.mark.parametrize(
    ("url", "heading"),
    [
        ("/read/", "Readings"),
        (f"/read/documents/{DOC}", "Memorandum From Secretary of State Haig to President Reagan"),
        ("/read/passages/memo-soviet-nervousness", None),
        ("/read/passages/notes-source-notes", None),
        ("/read/claims", "Claim and source"),
        ("/read/themes", "Themes"),
        ("/read/themes/linkage", "Linkage"),
        ("/read/glossary", "Glossary"),
        ("/read/search?q=Afghanistan", "Search the readings"),
        ("/read/search?q=x", "Search the readings"),
    ],
)
def test_reading_pages_are_accessible(page, url, heading):
    response = page.goto(url)
    assert response.status == 200
    h1 = page.get_by_role("heading", level=1)
    assert h1.is_visible()
    if heading:
        assert heading in h1.inner_text()
    assert_accessible(page)


def test_a_glossary_term_shows_its_definition_on_keyboard_focus_and_hover(page):
    page.goto("/read/passages/memo-linkage")
    link = page.locator(".term-link", has_text="Dobrynin")
    tip = page.locator("#tip-dobrynin")
    assert not tip.is_visible()
    link.focus()
    assert tip.is_visible()
    assert "Soviet Ambassador" in tip.inner_text()
    assert link.evaluate("el => el.getAttribute('aria-describedby')") == "tip-dobrynin"
    page.keyboard.press("Escape")
    assert not tip.is_visible()
    page.locator("#main").focus()
    page.locator(".term-link", has_text="linkage").first.hover()
    assert page.locator("#tip-linkage").is_visible()
    assert_accessible(page)
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/read/glossary#term-dobrynin")


def test_passage_prints_as_a_handout(page):
    page.goto("/read/passages/memo-linkage")
    page.emulate_media(media="print")
    assert page.locator("blockquote").is_visible()
    assert page.get_by_role("heading", name="Editorial note").is_visible()
    assert page.get_by_role("heading", name="Cite this passage").is_visible()
    for hidden in (".pager", ".site-header", ".breadcrumb"):
        assert not page.locator(hidden).first.is_visible()


def test_theme_prints_as_a_handout(page):
    page.goto("/read/themes/linkage")
    page.emulate_media(media="print")
    assert page.locator(".theme-passage blockquote").first.is_visible()
    assert not page.locator(".site-header").is_visible()


def target_in_view(locator) -> bool:
    """Whether the element is the page's :target, scrolled into the viewport."""
    return locator.evaluate(
        "el => { const box = el.getBoundingClientRect();"
        " return el.matches(':target') && box.top >= 0 && box.bottom <= window.innerHeight; }"
    )


def test_footnotes_link_both_ways(page):
    page.goto(f"/read/documents/{DOC}")
    reference, note = page.locator("#noteref-3"), page.locator("#note-3")
    assert not target_in_view(note)
    reference.click()
    page.wait_for_url("**#note-3")
    assert target_in_view(note) and note.locator(".note-number").inner_text() == "3."
    assert not target_in_view(reference)
    note.get_by_role("link", name="Back to the reference to note 3").click()
    page.wait_for_url("**#noteref-3")
    assert target_in_view(reference) and reference.inner_text() == "3"
    assert not target_in_view(note)


def test_search_from_the_form(page):
    page.goto("/read/search")
    page.get_by_label("Words to find in the passages and the glossary").fill("Pax Americana")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/read/search?q=Pax+Americana")
    assert page.get_by_role("status").inner_text().endswith("for “Pax Americana”.")
    assert_accessible(page)
