"""Quotations of the document in a question keep its capitals and its full stops (the verbatim check)."""

from pathlib import Path

import pytest

from studyapp.core.content import load_tree
from studyapp.core.qformat import parse, passage_quotes, validate

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "content"
FIXTURES = ROOT / "tests" / "fixtures" / "quotations"


@pytest.fixture(scope="module")
def known():
    tree, errors = load_tree(CONTENT)
    assert errors == []
    return set(tree.themes), passage_quotes(tree)


def problems(path: Path, known) -> list[str]:
    result = parse(path.read_bytes(), path.name)
    assert result.errors == []
    return [str(problem) for problem in validate(result.questions, *known)]


def test_changed_capitals_and_an_added_full_stop_are_refused_with_file_and_line(known):
    found = problems(FIXTURES / "bad-quotations.md", known)
    assert len(found) == 4, found
    capital, stop, lowered, stop_of_lowered = found
    assert capital.startswith("bad-quotations.md:13:")
    assert "feedback of choice a: quotation changes the source's capitals" in capital
    assert (
        "“The major impression … Soviet nervousness and concern.” where the source has “the major impression" in capital
    )
    assert "mark a changed letter in brackets (“[T]he”)" in capital
    assert stop.startswith("bad-quotations.md:33:")
    assert "hint: quotation ends with a full stop the source does not have there" in stop
    assert "“I replied that … a fact of life.”; end it with an ellipsis (…)" in stop
    assert lowered.startswith("bad-quotations.md:51:")
    assert "explanation: quotation changes the source's capitals: “secret; sensitive”" in lowered
    assert "where the source has “Secret; Sensitive”" in lowered
    assert "capitals: “printed from an uninitialed copy.”" in stop_of_lowered


def test_marked_changes_ellipses_the_source_s_own_stops_and_other_documents_pass(known):
    assert problems(FIXTURES / "good-quotations.md", known) == []


def test_without_the_passages_quotations_are_not_checked():
    result = parse((FIXTURES / "bad-quotations.md").read_bytes(), "bad-quotations.md")
    assert validate(result.questions) == []


def test_every_shipped_bank_quotes_the_document_to_the_letter(known):
    for path in sorted((CONTENT / "questions").glob("*.md")):
        assert problems(path, known) == [], path.name
