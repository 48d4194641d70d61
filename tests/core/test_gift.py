"""GIFT: a hand-written file of every construct imports to the expected questions; our banks go round."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studyapp.core import qformat
from studyapp.core.content import load_tree
from studyapp.core.qformat import UNFILED, Blank, Choice, ImportDefaults, Pair, Question, parse_gift, write_gift
from studyapp.core.qformat.gift import DEFAULT_DIFFICULTY, GIFT_TYPES, MISSING_EXPLANATION, MISSING_RUBRIC
from studyapp.core.sentences import normalize_ws

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "interchange"
BANKS = sorted((ROOT / "content" / "questions").glob("*.md"))


def shipped_questions() -> list[Question]:
    questions = []
    for path in BANKS:
        result = qformat.parse(path.read_bytes(), str(path))
        assert not result.errors
        questions.extend(result.questions)
    return questions


def gift_carries(question: Question) -> bool:
    return question.type in GIFT_TYPES and (question.type != "cloze" or len(question.blanks) == 1)


def read_fixture(name: str, defaults: ImportDefaults | None = None):
    return parse_gift((FIXTURES / name).read_bytes(), name, defaults)


def common(**fields) -> dict:
    """The fields every expected question repeats, overridden by `fields`."""
    return {"hint": "", "points": 1.0, **fields}


EXPECTED = [
    Question(
        id="gift-whose-words",
        type="single",
        prompt="Whose position does the memorandum report with “Moscow could not accept the concept of linkage”?",
        explanation="The paragraph opens “Dobrynin said that Moscow was prepared to negotiate…”.",
        themes=("linkage", "sourcing"),
        passages=("memo-linkage",),
        difficulty=2,
        hint="Who is speaking until the words “I replied”?",
        choices=(
            Choice("a", "Haig's own", False, "Haig's answer starts “I replied”."),
            Choice("b", "Dobrynin's, as Haig reports it", True, "Yes: it is reported speech."),
            Choice("c", "Brezhnev's, from the letter", False),
        ),
    ),
    Question(
        id="issues-open-to-negotiation",
        type="multiple",
        prompt="Which issues did Dobrynin say Moscow was prepared to negotiate on?",
        explanation="“Cuba, Africa, Afghanistan, arms control, and trade”.",
        themes=("linkage",),
        passages=("memo-linkage",),
        difficulty=2,
        points=2.0,
        choices=(
            Choice("a", "Cuba", True),
            Choice("b", "Afghanistan", True),
            Choice("c", "Nicaragua", False, "Nicaragua is Haig's example, not on Dobrynin's list."),
            Choice("d", "Lebanon", False),
        ),
    ),
    Question(
        id="weighted",
        type="multiple",
        prompt="Which of these are on Dobrynin's list?",
        explanation="“arms control, and trade”.",
        themes=("linkage",),
        passages=("memo-linkage",),
        difficulty=3,
        choices=(Choice("a", "arms control", True), Choice("b", "trade", True), Choice("c", "the PLO", False)),
    ),
    Question(
        id="tnf-next-week",
        type="truefalse",
        prompt="Dobrynin asked “Why not next week?” about TNF talks.",
        explanation="The TNF paragraph ends with Dobrynin's question.",
        themes=("arms-control",),
        passages=("memo-tnf",),
        difficulty=1,
        choices=(
            Choice("a", "True", True, "Right: “Why not next week?”"),
            Choice("b", "False", False, "Read the TNF paragraph again."),
        ),
    ),
    Question(
        id="in-sum",
        type="truefalse",
        prompt='Haig writes that the letter is "new or startling" in \\*content\\*.',
        explanation="“while the letter offers nothing new or startling”.",
        themes=("tone-and-intent",),
        passages=("memo-in-sum",),
        difficulty=1,
        choices=(Choice("a", "True", False), Choice("b", "False", True)),
    ),
    Question(
        id="meeting",
        type="truefalse",
        prompt="Haig reads in the letter *an almost open appeal* for a meeting.",
        explanation="“He ends with an almost open appeal for a face-to-face meeting with you.”",
        themes=("summit",),
        passages=("memo-soviet-nervousness",),
        difficulty=1,
        choices=(Choice("a", "True", True), Choice("b", "False", False)),
    ),
    Question(
        id="every-construct-7",
        type="truefalse",
        prompt="Haig writes that President Carter escapes blame in the letter.",
        explanation="“Nor does President Carter escape”.",
        themes=("carter-legacy",),
        passages=("memo-carter-blamed",),
        difficulty=1,
        choices=(Choice("a", "True", False), Choice("b", "False", True)),
    ),
    Question(
        id="tnf-question",
        type="short",
        prompt="What did Dobrynin ask about **TNF** talks, in his own words?",
        explanation="“Why not next week?”",
        themes=("arms-control",),
        passages=("memo-tnf",),
        difficulty=1,
        answers=("Why not next week?", "next week"),
    ),
    Question(
        id="casa-pacifica-year",
        type="numeric",
        prompt="In what year was the reception at “Casa Pacifica”?",
        explanation="June 1973.",
        themes=("detente", "summit"),
        passages=("letter-opening",),
        difficulty=1,
        answer=1973.0,
        tolerance=1.0,
    ),
    Question(
        id="days-between-letters",
        type="numeric",
        prompt="About how many days passed between the letter of April 24 and the reply of May 25, 1981?",
        explanation="From April 24 to May 25 is 31 days.",
        themes=("sourcing",),
        passages=("memo-heading-and-delivery", "letter-opening"),
        difficulty=2,
        minimum=30.0,
        maximum=32.0,
    ),
    Question(
        id="page-of-the-letter",
        type="numeric",
        prompt="On which page of the volume does Brezhnev's letter begin?",
        # Moodle's own ("auto") format has no Markdown: its brackets are escaped to show as they are.
        explanation="The letter's heading follows the “\\[Page 155\\]” marker.",
        themes=("sourcing",),
        passages=("letter-opening",),
        difficulty=2,
        answer=155.0,
    ),
    Question(
        id="voices",
        type="matching",
        prompt="Match each phrase with its speaker.",
        explanation="Haig's “In sum”, Dobrynin on TNF, Brezhnev on the Carter administration.",
        themes=("sourcing", "tone-and-intent"),
        passages=("memo-in-sum", "memo-tnf", "letter-carter-and-new-administration"),
        difficulty=2,
        pairs=(
            Pair("a", "a substantial lack of Soviet confidence", "Haig"),
            Pair("b", "Why not next week?", "Dobrynin"),
            Pair("c", "the lion’s share", "Brezhnev"),
        ),
        distractors=("Reagan",),
    ),
    Question(
        id="fact-of-life",
        type="single",
        prompt="Haig replied that linkage was _____.",
        explanation="“I replied that linkage was a fact of life”.",
        themes=("linkage",),
        passages=("memo-linkage",),
        difficulty=1,
        choices=(
            Choice("a", "a fact of life", True),
            Choice("b", "a mistake", False),
            Choice("c", "open to negotiation", False),
        ),
    ),
    Question(
        id="lion-s-share",
        type="cloze",
        prompt="Carter is blamed for the “{{lion’s share|lion's share}}” of the responsibility.",
        explanation="He is blamed for the “lion’s share” of the responsibility.",
        themes=("carter-legacy",),
        passages=("memo-carter-blamed",),
        difficulty=1,
        match="exact",
        blanks=(Blank("1", ("lion’s share", "lion's share")),),
    ),
    Question(
        id="nervousness-essay",
        type="essay",
        prompt="Argue for or against Haig's reading of “substantial Soviet nervousness”.",
        explanation="Compare Haig's summary with the letter's own words.",
        themes=("tone-and-intent",),
        passages=("memo-soviet-nervousness",),
        difficulty=3,
        points=5.0,
        rubric="- Quotes the letter exactly.\n- Weighs one passage that cuts the other way.",
    ),
    Question(
        id="escapes",
        type="short",
        prompt="Colon : hash # equals = braces \\{ \\} tilde ~ backslash \\\\ and a new<br>\nline.",
        explanation="Every escape: \\\\n is a new line.",
        themes=("sourcing",),
        passages=("memo-heading-and-delivery",),
        difficulty=2,
        answers=("yes = right",),
    ),
]


def test_every_construct_imports_to_the_expected_questions():
    result = read_fixture("every-construct.gift")
    assert result.errors == []
    assert result.title == "Document 58/GIFT"
    assert [q.id for q in result.questions] == [q.id for q in EXPECTED]
    for got, expected in zip(result.questions, EXPECTED):
        for field in dataclasses.fields(Question):
            if field.compare:
                assert getattr(got, field.name) == getattr(expected, field.name), (expected.id, field.name)


def test_every_construct_reports_what_has_no_equivalent_with_its_line():
    warnings = {(w.line, w.message.split(":")[0].split(" (")[0]) for w in read_fixture("every-construct.gift").warnings}
    assert warnings == {
        (27, "weights"),
        (52, "feedback on the answer '155"),
        (53, "answer '154' is worth 50%"),
        (53, "feedback on the answer '154' has no equivalent"),
        (73, "a second category 'Document 58/Essays'"),
        (80, "feedback on the answer 'yes = right' has no equivalent for typed answers"),
    }


def test_imported_questions_carry_the_lines_of_the_gift_file():
    result = read_fixture("every-construct.gift")
    lines = {q.id: q.line for q in result.questions}
    assert lines["gift-whose-words"] == 10
    assert lines["escapes"] == 80
    by_id = {q.id: q for q in result.questions}
    assert by_id["gift-whose-words"].position("themes", "sourcing") == (7, 26)


def test_questions_without_tags_take_the_defaults_and_warnings_name_lines():
    defaults = ImportDefaults(("sourcing",), ("memo-heading-and-delivery",), 1, "warn")
    result = read_fixture("needs-defaults.gift", defaults)
    assert result.errors == []
    essay, short = result.questions
    assert (essay.id, essay.type, essay.explanation, essay.rubric) == (
        "write",
        "essay",
        MISSING_EXPLANATION,
        MISSING_RUBRIC,
    )
    assert (short.themes, short.passages, short.difficulty) == (("sourcing",), ("memo-heading-and-delivery",), 1)
    assert short.answers == ("Dobrynin", "Ambassador Dobrynin")
    assert [(w.line, w.message[:30]) for w in result.warnings] == [
        (3, "no explanation: 'No explanatio"),
        (3, "an essay needs a rubric: none "),
        (5, "a description (text without an"),
        (7, "these comment tags are not fol"),
    ]


def test_without_defaults_questions_import_not_filed_yet_with_a_warning_on_their_line():
    result = read_fixture("needs-defaults.gift")
    assert result.errors == []
    essay, short = result.questions
    for question in (essay, short):
        assert (question.themes, question.passages, question.difficulty) == ((UNFILED,), (UNFILED,), DEFAULT_DIFFICULTY)
    assert essay.explanation == MISSING_EXPLANATION
    filing = [(w.line, w.message) for w in result.warnings if w.message.startswith("no theme")]
    assert [line for line, _ in filing] == [3, 9]
    assert "no passage: not filed yet" in filing[0][1] and f"no difficulty: {DEFAULT_DIFFICULTY}" in filing[0][1]
    assert any(w.line == 3 and w.message.startswith("no explanation") for w in result.warnings)


def test_a_missing_explanation_is_an_error_only_when_asked():
    result = read_fixture("needs-defaults.gift", ImportDefaults(explanation_missing="error"))
    assert [(e.line, e.message.split(":")[0]) for e in result.errors] == [(3, "no explanation")]
    assert [q.id for q in result.questions] == ["delivery"]


def test_shipped_banks_go_round_through_gift_field_by_field():
    questions = shipped_questions()
    carried = [q for q in questions if gift_carries(q)]
    exported = write_gift(questions, title="Document 58")
    assert exported.count == len(carried) + sum(q.type == "ordering" for q in questions)
    result = parse_gift(exported.data, "export.gift")
    assert result.errors == [] and result.warnings == []
    back = {q.id: q for q in result.questions}
    for question in carried:
        assert back[question.id] == question, question.id
    assert result.title == "Document 58"


def test_what_gift_cannot_carry_is_converted_or_left_out_with_a_warning():
    questions = shipped_questions()
    tree, _ = load_tree(ROOT / "content")
    exported = write_gift(questions, quotes=qformat.passage_quotes(tree))
    result = parse_gift(exported.data, "export.gift")
    back = {q.id: q for q in result.questions}
    by_id = {q.id: q for q in questions}
    warned = {warning.split(":")[0]: warning for warning in exported.warnings}
    for question in questions:
        if gift_carries(question):
            assert question.id not in warned
        elif question.type == "evidence":
            assert "multiple-answer question" in warned[question.id]
            converted = back[question.id]
            assert converted.type == "multiple"
            right = [c.text for c in converted.choices if c.correct]
            assert right == [normalize_ws(s.text) for s in by_id[question.id].evidence if s.correct]
        elif question.type == "ordering":
            assert "matching question" in warned[question.id]
            assert [(p.left, p.right) for p in back[question.id].pairs] == [
                (item, f"{n}{'st' if n == 1 else 'nd' if n == 2 else 'rd' if n == 3 else 'th'}")
                for n, item in enumerate(question.items, 1)
            ]
        else:
            assert question.type == "cloze" and "left out" in warned[question.id]
            assert question.id not in back


@pytest.mark.parametrize(
    "prompt",
    [
        "Complete Haig's words: linkage was {{a fact of life}}, he replied.",
        "Haig replied that linkage was a {{fact of life|fact}}",
        "{{Dobrynin}} gave Haig the letter.",
    ],
)
def test_a_cloze_with_one_blank_goes_round_wherever_the_blank_is(prompt):
    blanks = (Blank("1", tuple(prompt.split("{{")[1].split("}}")[0].split("|"))),)
    question = Question(
        id="one-blank",
        type="cloze",
        prompt=prompt,
        explanation="“I replied that linkage was a fact of life”.",
        themes=("linkage",),
        passages=("memo-linkage",),
        difficulty=1,
        blanks=blanks,
    )
    result = parse_gift(write_gift([question]).data)
    assert result.errors == [] and result.questions == [question]


SPECIALS = (
    st.text(alphabet="ab :#={}~\\%[]*_-><|", min_size=1, max_size=20)
    .map(str.strip)
    .filter(lambda text: text and "\n" not in text)
)


@settings(max_examples=max(10, settings().max_examples // 4))
@given(st.lists(SPECIALS, min_size=2, max_size=4, unique=True), SPECIALS, SPECIALS)
def test_any_special_characters_survive_the_escapes(texts, feedback, explanation):
    question = Question(
        id="specials",
        type="single",
        prompt=f"Which one? {texts[0]}",
        explanation=f"Because {explanation}",
        themes=("linkage",),
        passages=("memo-linkage",),
        difficulty=2,
        choices=tuple(
            Choice(qformat.choice_id(n), text, n == 0, feedback if n == 1 else "") for n, text in enumerate(texts)
        ),
    )
    result = parse_gift(write_gift([question]).data)
    assert result.errors == []
    assert result.questions == [question]
