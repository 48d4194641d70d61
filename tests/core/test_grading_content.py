"""Every shipped question can be shown, answered right and graded full marks."""

from pathlib import Path

import pytest

from studyapp.core.content import load_tree
from studyapp.core.grading import (
    CORRECT,
    INCORRECT,
    UNGRADED,
    blank_response,
    check_response,
    correct_response,
    grade,
    presentation,
)
from studyapp.core.qformat import parse
from studyapp.core.sentences import split_sentences

CONTENT = Path(__file__).resolve().parents[2] / "content"


def what_it_shows(q, quote: str | None) -> tuple[list[str], list[str]]:
    """The option texts a question shows, sorted (their order is the attempt's), and its left-hand items in order."""
    if q.type in ("single", "multiple", "truefalse"):
        return sorted(choice.text for choice in q.choices), []
    if q.type == "evidence":
        return sorted(split_sentences(quote)), []
    if q.type == "ordering":
        return sorted(q.items), []
    if q.type == "matching":
        return sorted([pair.right for pair in q.pairs] + list(q.distractors)), [pair.left for pair in q.pairs]
    return [], []  # typed answers show no options


@pytest.fixture(scope="module")
def shipped():
    """The shipped questions, and each passage's quote as evidence questions are graded against it."""
    tree, _ = load_tree(CONTENT)
    quotes = {
        pid: "\n\n".join(paragraph.text for paragraph in passage.quote_paragraphs) or passage.quote
        for pid, passage in tree.passages.items()
    }
    questions = [
        q
        for path in sorted((CONTENT / "questions").glob("*.md"))
        for q in parse(path.read_bytes(), path.name).questions
    ]
    return questions, quotes


def test_every_shipped_question_grades_its_correct_response_full(shipped):
    questions, quotes = shipped
    assert questions
    for q in questions:
        quote = quotes.get(q.evidence_passage) if q.type == "evidence" else None
        if q.type == "evidence" and quote is None:
            continue  # an unknown passage: the content checks report it
        shown = presentation(q, 1, quote=quote)
        assert (sorted(o.text for o in shown.options), [o.text for o in shown.lefts]) == what_it_shows(q, quote), q.id
        assert len({o.id for o in shown.options}) == len(shown.options), q.id
        assert grade(q, blank_response(q), quote=quote).status == INCORRECT
        response = correct_response(q, quote=quote)
        if q.type == "essay":
            assert response is None and grade(q, {"text": "An answer."}).status == UNGRADED
            continue
        assert check_response(q, response, quote=quote) == [], q.id
        result = grade(q, response, quote=quote)
        assert (result.status, result.score) == (CORRECT, q.points), q.id
