"""The documented examples parse to the questions they describe, and write back unchanged."""

import re
from dataclasses import replace
from pathlib import Path

import pytest

from studyapp.core.qformat import (
    TYPES,
    Blank,
    Choice,
    EvidenceSentence,
    Pair,
    evidence_choices,
    fill_blanks,
    parse,
    validate,
    write,
    write_question,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "question-format.md"
BLOCKS = re.findall(r"```markdown\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
#: The first example of the docs, and the bank holding one example of each type.
FIRST_EXAMPLE, EXAMPLES = BLOCKS[0], BLOCKS[1]

#: content/passages/21-letter-peace-and-meeting.md, as its quote block reads.
PEACE_AND_MEETING = (
    "Thus our policy is a policy of peace. We will never set up the fire of war. You know very well, as we do, "
    "what such a fire would lead to. I would want to believe in the wisdom of your people, in your personal "
    "wisdom also not to allow anything that would push the world towards a catastrophe.\n\n"
    "These are some of the general considerations which I wanted to convey to you, Mr. President, in "
    "connection with your letter. Maybe it was not possible to express everything in sufficient detail. An "
    "exchange of correspondence has its limitations, and in this sense a private conversation is better. In "
    "this regard, concerning the possible meeting between us, I would like to say that it is also my view that "
    "such a meeting should be well prepared. We could yet return to the question of its timing, I believe, at "
    "a moment acceptable to both of us.\n\n"
    "L. Brezhnev 4"
)


@pytest.fixture(scope="module")
def examples():
    result = parse(EXAMPLES, "examples.md")
    assert result.errors == []
    return {q.id.split("-")[1]: q for q in result.questions if not q.id.startswith("example-numeric-range")}


@pytest.fixture(scope="module")
def by_id():
    return {q.id: q for q in parse(EXAMPLES, "examples.md").questions}


def test_the_docs_hold_an_example_of_every_type(examples):
    assert sorted(examples) == sorted(TYPES)
    assert all(q.file == "examples.md" and q.line > 0 for q in examples.values())


def test_the_first_example_of_the_docs_is_valid():
    result = parse(FIRST_EXAMPLE, "bank.md")
    assert result.errors == []
    assert result.title == "Linkage"
    assert result.description == "Optional description of the bank (Markdown), up to the first question."


def test_the_quiz_example_of_the_docs_is_valid():
    from studyapp.core.qformat.quizdef import parse_quiz

    assert parse_quiz(BLOCKS[2], "quiz.md").errors == []


def test_common_fields(examples):
    q = examples["single"]
    assert q.id == "example-single-whose-words"
    assert q.themes == ("sourcing", "tone-and-intent")
    assert q.passages == ("memo-dobrynin-restraint",)
    assert q.difficulty == 2 and q.points == 1
    assert q.prompt.startswith(
        'Whose words are we reading when the memorandum says the Soviets "have deliberately not\n'
    )
    assert q.hint == "How does the paragraph open?"
    assert q.explanation.startswith('The paragraph opens "In my conversation with Dobrynin…"')
    assert q.explanation.endswith("from a signed letter.")


def test_single_choices_have_ids_by_position_and_feedback(examples):
    a, b, c, d = examples["single"].choices
    assert a == Choice("a", "Brezhnev's, from his letter", False, 'The letter never uses the word "provocations".')
    assert (b.id, b.correct) == ("b", True)
    assert c.feedback == (
        """Haig's own judgement frames the paragraph ("I was again struck by…"); the\n"""
        """"provocations" are the ambassador's word."""
    )
    assert d == Choice("d", "The Executive Secretariat's summary", False)


def test_multiple(examples):
    q = examples["multiple"]
    assert q.points == 2
    assert [c.correct for c in q.choices] == [True, True, True, False]


def test_truefalse(examples):
    assert [(c.id, c.text, c.correct) for c in examples["truefalse"].choices] == [
        ("a", "True", False),
        ("b", "False", True),
    ]


def test_short(examples):
    q = examples["short"]
    assert q.answers == ("Nixon", "Richard Nixon", "R. Nixon", "President Nixon")
    assert q.match == "normalized"


def test_numeric_answer_and_range(examples, by_id):
    q = examples["numeric"]
    assert (q.answer, q.tolerance, q.minimum, q.maximum) == (1973, 0, None, None)
    r = by_id["example-numeric-range"]
    assert (r.answer, r.minimum, r.maximum) == (None, 30, 32)


def test_ordering(examples):
    items = examples["ordering"].items
    assert len(items) == 5
    assert items[0].startswith("NATO is created") and items[-1] == "Brezhnev signs this letter"


def test_matching(examples):
    q = examples["matching"]
    assert q.pairs[1] == Pair("b", '"Why not next week?"', "Dobrynin, as Haig reports him")
    assert [p.id for p in q.pairs] == ["a", "b", "c", "d"]
    assert q.distractors == ("President Reagan, in his handwritten letter",)


def test_cloze(examples):
    q = examples["cloze"]
    assert q.blanks == (Blank("1", ("lion’s share",)), Blank("2", ("detente", "détente")), Blank("3", ("Carter",)))
    assert "{{detente|détente}}" in q.prompt
    filled = fill_blanks(q.prompt, lambda blank: f"[{blank.id}]")
    assert "“[1]”" in filled and "era of [2]." in filled and "the [3] path" in filled


def test_essay(examples):
    q = examples["essay"]
    assert q.points == 5
    assert q.rubric.startswith("- Quotes at least two passages of the letter exactly")
    assert q.choices == () and q.answers == ()


def test_evidence(examples):
    q = examples["evidence"]
    assert q.evidence_passage == "letter-peace-and-meeting"
    first, second = q.evidence
    assert first.correct and first.text.startswith("In this regard, concerning the possible meeting")
    assert first.feedback.startswith("Yes: it speaks of the meeting")
    assert not second.correct
    assert validate([q], {"summit", "tone-and-intent"}, {"letter-peace-and-meeting": PEACE_AND_MEETING}) == []


def test_evidence_choices_are_the_passage_sentences(examples):
    choices = evidence_choices(examples["evidence"], PEACE_AND_MEETING)
    assert [c.id for c in choices] == list("abcdefghij")
    assert choices[4].text == (
        "These are some of the general considerations which I wanted to convey to you, Mr. President, "
        "in connection with your letter."
    )
    assert [c.id for c in choices if c.correct] == ["h"]
    assert choices[6].feedback.startswith("This sentence favours talking")
    assert choices[-1].text == "L. Brezhnev 4"


def test_evidence_passage_defaults_to_the_first_passage():
    text = (
        EXAMPLES[EXAMPLES.index("## example-evidence-summit") :]
        .replace("evidence-passage: letter-peace-and-meeting\n", "")
        .replace("passages: letter-peace-and-meeting", "passages: letter-peace-and-meeting, memo-soviet-nervousness")
    )
    [q] = parse(text, "bank.md").questions
    assert q.evidence_passage == "letter-peace-and-meeting"


def test_positions_point_at_field_values(examples):
    q = examples["single"]
    assert q.position("themes", "tone-and-intent") == (q.line + 2, 19)
    assert q.position("themes") == (q.line + 2, 9)
    assert q.position("difficulty") == (q.line + 4, 13)
    assert q.position("nothing") == (q.line, 1)


def test_equality_ignores_where_a_question_came_from(examples):
    q = examples["single"]
    assert replace(q, file="elsewhere.md", line=99, positions={}) == q
    assert replace(q, difficulty=3) != q
    assert hash(replace(q, file="elsewhere.md")) == hash(q)


@pytest.mark.parametrize("qtype", TYPES)
def test_round_trip_of_each_type(examples, qtype):
    q = examples[qtype]
    assert parse(write([q]), "x.md").questions == [q]


def test_round_trip_of_the_whole_bank_with_title_and_description():
    result = parse(EXAMPLES, "examples.md")
    again = parse(write(result.questions, title=result.title, description=result.description), "x.md")
    assert again.errors == []
    assert (again.questions, again.title, again.description) == (result.questions, result.title, result.description)


def test_writing_is_stable(by_id):
    text = write(by_id.values())
    assert write(parse(text, "x.md").questions) == text


def test_written_question_reads_like_the_docs(examples):
    assert write_question(examples["single"]).split("\n")[:6] == [
        "## example-single-whose-words",
        "type: single",
        "themes: sourcing, tone-and-intent",
        "passages: memo-dobrynin-restraint",
        "difficulty: 2",
        "",
    ]


def test_numbers_are_written_so_they_read_back_the_same(examples):
    q = replace(examples["numeric"], answer=0.1 + 0.2, tolerance=1e-7, points=2.5)
    text = write([q])
    assert "answer: 0.30000000000000004" in text and "tolerance: 1e-07" in text and "points: 2.5" in text
    assert parse(text, "x.md").questions == [q]


def test_ambiguous_evidence_sentence_gets_an_explicit_box(examples):
    q = replace(
        examples["evidence"], evidence=(EvidenceSentence("[x] marks the spot."), EvidenceSentence("[ ] too.", False))
    )
    text = write([q])
    assert "- [x] [x] marks the spot." in text and "- [ ] [ ] too." in text
    assert parse(text, "x.md").questions == [q]


def test_feedback_with_a_blank_line_round_trips(examples):
    q = examples["single"]
    choices = (replace(q.choices[0], feedback="First paragraph.\n\nSecond one."),) + q.choices[1:]
    q = replace(q, choices=choices)
    assert "  > First paragraph.\n  >\n  > Second one." in write([q])
    assert parse(write([q]), "x.md").questions == [q]


def test_lenient_spellings_are_accepted():
    text = (
        "## q1\ntype:single\nthemes:  linkage ,detente\npassages: memo-linkage\ndifficulty: 1\n\n"
        "Who?\n\n### choices\n- [X] Haig   \n-  [ ] Dobrynin\n\n### EXPLANATION\nSee the memo.\n"
    )
    result = parse(text, "bank.md")
    assert [e.message for e in result.errors] == [
        "expected a list item '- [x] text' or '- [ ] text', or feedback '  > text' under one"
    ]
    result = parse(text.replace("-  [ ]", "- [ ]"), "bank.md")
    [q] = result.questions
    assert q.themes == ("linkage", "detente")
    assert [c.text for c in q.choices] == ["Haig", "Dobrynin"]
    assert q.explanation == "See the memo."


def test_a_heading_in_deeper_levels_is_prompt_text():
    text = (
        "## q1\ntype: essay\nthemes: linkage\npassages: memo-linkage\ndifficulty: 1\n\n"
        "#### Before you write\nRead the memo.\n\n### Rubric\n- Quotes.\n\n### Explanation\nSee the memo.\n"
    )
    [q] = parse(text, "bank.md").questions
    assert q.prompt == "#### Before you write\nRead the memo."
