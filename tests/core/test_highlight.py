"""The words the review page highlights: quotations found in their passage despite wrapping,
nested quotation marks, page markers, [sic], a bracketed capital and ellipses."""

from pathlib import Path

import pytest

from studyapp.core.content import load_tree
from studyapp.core.content.source import fold
from studyapp.core.highlight import highlight
from studyapp.core.qformat import parse
from studyapp.core.quotations import fragments, quotations, trimmed

CONTENT = Path(__file__).resolve().parents[2] / "content"

PASSAGE = (
    "Returning to an old theme, Dobrynin asked plaintively why we cannot talk about the Middle East. "
    "He added that he is “sure” the Syrians would do nothing in Lebanon and hoped that the Israelis "
    "would act with [Page 155] restraint. Even the posession during a certain period of time of what "
    "you call “the ultimate weapon” didn’t make the USA omnipotent."
)


def question(explanation: str, *, prompt: str = "Who?", choices: str = "- [x] Dobrynin\n- [ ] Haig") -> object:
    text = f"## q\ntype: single\nthemes: t\npassages: p\ndifficulty: 1\n\n{prompt}\n\n### Choices\n{choices}\n\n"
    text += f"### Explanation\n{explanation}\n"
    [q] = parse(text, "bank.md").questions
    return q


def words_for(explanation: str, **kwargs) -> str:
    found = highlight(question(explanation, **kwargs), [("p", PASSAGE)])
    assert found is not None and found.passage == 0
    return found.words


def test_a_quotation_wrapped_across_lines_is_found():
    words = words_for("Haig: “Dobrynin asked plaintively why we\ncannot talk about the Middle East.”")
    assert words == "Dobrynin asked plaintively why we cannot talk about the Middle East"


def test_nested_quotation_marks_keep_the_whole_quotation():
    words = words_for("“He added that he is “sure” the Syrians would do nothing in Lebanon” is reported speech.")
    assert words == "He added that he is “sure” the Syrians would do nothing in Lebanon"


def test_a_page_marker_inside_the_passage_is_skipped_and_never_highlighted():
    words = words_for("“the Israelis would act with restraint”")
    assert words == "the Israelis would act with"  # the longer side of the marker: a text fragment cannot cross it
    assert "[Page" not in words


def test_sic_and_a_bracketed_capital_are_read_as_the_source():
    words = words_for("“[E]ven the posession [sic] during a certain period of time” is his concession.")
    assert words == "Even the posession during a certain period of time"


def test_straight_quotes_in_the_explanation_match_curly_ones_in_the_passage():
    words = words_for('“what you call "the ultimate weapon" didn\'t make the USA omnipotent”')
    assert words == "what you call “the ultimate weapon” didn’t make the USA omnipotent"


def test_an_ellipsis_cuts_the_quotation_into_pieces():
    words = words_for("“Returning to an old theme… asked plaintively why”", choices="- [x] Yes\n- [ ] No")
    assert words == "Returning to an old theme"
    words = words_for("“Returning to an old theme… Dobrynin asked plaintively why”")
    assert words == "Dobrynin asked plaintively why"  # the piece that names the answer


def test_the_quotation_sharing_words_with_the_key_wins_over_the_first():
    explanation = "Compare “Returning to an old theme” with “the Syrians would do nothing in Lebanon”."
    assert words_for(explanation, choices="- [x] The Syrians in Lebanon\n- [ ] Haig") == (
        "the Syrians would do nothing in Lebanon"
    )
    assert words_for(explanation) == "Returning to an old theme"


def test_a_clause_is_preferred_to_a_phrase_and_single_words_are_terms():
    assert words_for("The word “plaintively”, and “old theme”, and “why we cannot talk about the Middle East”.") == (
        "why we cannot talk about the Middle East"
    )
    assert words_for("Only the word “plaintively” and a paraphrase.") == ""


def test_no_quotation_of_the_passage_highlights_nothing_but_still_links_it():
    found = highlight(question("Nixon wrote that “the great issues are fundamentally interrelated”."), [("p", PASSAGE)])
    assert found is not None and (found.passage, found.words) == (0, "")
    assert highlight(question("“Returning to an old theme”"), []) is None


def test_the_passage_that_holds_the_quotation_is_the_one_linked():
    q = question("“the Syrians would do nothing in Lebanon”")
    found = highlight(q, [("other", "Nothing to see here at all."), ("p", PASSAGE)])
    assert found is not None and (found.passage, found.words) == (1, "the Syrians would do nothing in Lebanon")


def test_an_evidence_question_highlights_its_supporting_sentence_in_its_passage():
    text = (
        "## e\ntype: evidence\nthemes: t\npassages: other, p\nevidence-passage: p\ndifficulty: 1\n\nWhich?\n\n"
        "### Evidence\n- He added that he is “sure” the Syrians would do nothing in Lebanon and hoped that the "
        "Israelis would act with restraint.\n\n### Explanation\nSee.\n"
    )
    result = parse(text, "bank.md")
    assert result.errors == []
    [q] = result.questions
    found = highlight(q, [("other", "Nothing."), ("p", PASSAGE)])
    assert found is not None and found.passage == 1
    assert found.words.startswith("He added that he is “sure” the Syrians would do nothing in Lebanon")
    assert found.words.endswith("and hoped that the Israelis would act with")  # up to the page marker


# --- every shipped question ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped():
    tree, errors = load_tree(CONTENT)
    assert errors == []
    questions = [
        q
        for path in sorted((CONTENT / "questions").glob("*.md"))
        for q in parse(path.read_bytes(), path.name).questions
    ]
    return tree, questions


def quotes_a_passage(q, texts: list[str]) -> bool:
    """Whether the explanation quotes two words or more of one of the passages (letters in any case)."""
    folded = [fold(text).lower for text in texts]
    for quotation in quotations(q.explanation):
        for fragment in fragments(quotation):
            needle = fold(trimmed(fragment).text).lower.strip(" .")
            if len(needle.split()) >= 2 and any(needle in text for text in folded):
                return True
    return False


def test_every_shipped_question_that_quotes_its_passage_highlights_words_of_it(shipped):
    tree, questions = shipped
    quoting = 0
    for q in questions:
        passages = [(slug, tree.passages[slug].quote) for slug in q.passages]
        found = highlight(q, passages)
        assert found is not None, q.id
        text = passages[found.passage][1]
        if q.type == "evidence" or quotes_a_passage(q, [text for _, text in passages]):
            quoting += 1
            assert len(found.words.split()) >= 2, q.id
            assert found.words in text, (q.id, found.words)  # the passage's own words, as printed
            assert "[Page" not in found.words, q.id
        if found.words:
            assert found.words in text, (q.id, found.words)
    assert quoting >= 120  # of 142: the essays and a few explanations quote no words of their passages
