"""text2qti: a hand-written quiz of every construct imports to the expected questions; bad input is refused."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from studyapp.core.qformat import UNFILED, Choice, ImportDefaults, Question, parse_text2qti
from studyapp.core.qformat.gift import DEFAULT_DIFFICULTY, MISSING_EXPLANATION

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "interchange" / "every-construct.txt"
TAGS = "% [tag:linkage] [passage:memo-linkage] [difficulty:2]\n"

EXPECTED = [
    Question(
        id="t2q-whose-words",
        type="single",
        prompt="Whose position does the memorandum report with “Moscow could not accept\nthe concept of linkage”?"
        "\n\nRead the whole paragraph.",
        explanation="The paragraph opens “Dobrynin said that Moscow was prepared to\nnegotiate…”.",
        themes=("linkage", "sourcing"),
        passages=("memo-linkage",),
        difficulty=2,
        points=2.0,
        choices=(
            Choice("a", "Haig's own", False, "Haig's answer starts “I replied”."),
            Choice("b", "Dobrynin's, as Haig reports it", True),
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
        choices=(
            Choice("a", "Cuba", True),
            Choice("b", "Afghanistan", True),
            Choice("c", "Nicaragua", False, "Nicaragua is Haig's example."),
            Choice("d", "Lebanon", False),
        ),
    ),
    Question(
        id="every-construct-3",
        type="truefalse",
        prompt="Dobrynin asked “Why not next week?” about TNF talks.",
        explanation="The TNF paragraph ends with his question.",
        themes=("arms-control",),
        passages=("memo-tnf",),
        difficulty=1,
        choices=(
            Choice("a", "True", True, "Right: “Why not next week?”"),
            Choice("b", "False", False, "Read the TNF paragraph again."),
        ),
    ),
    Question(
        id="every-construct-4",
        type="short",
        prompt="What did Dobrynin ask about TNF talks, in his own words?",
        explanation="“Why not next week?”",
        themes=("arms-control",),
        passages=("memo-tnf",),
        difficulty=1,
        answers=("Why not next week?", "next week"),
    ),
    Question(
        id="every-construct-5",
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
        id="every-construct-6",
        type="numeric",
        prompt="About how many days passed between the letter of April 24 and the reply\nof May 25, 1981?",
        explanation="From April 24 to May 25 is 31 days.",
        themes=("sourcing",),
        passages=("memo-heading-and-delivery", "letter-opening"),
        difficulty=2,
        minimum=30.0,
        maximum=32.0,
    ),
    Question(
        id="every-construct-7",
        type="numeric",
        prompt="In what year was the reception at “Casa Pacifica”, within one percent?",
        explanation="June 1973.",
        themes=("sourcing",),
        passages=("letter-opening",),
        difficulty=3,
        answer=1973.0,
        tolerance=19.73,
    ),
    Question(
        id="every-construct-8",
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
        id="every-construct-10",
        type="truefalse",
        prompt="Haig writes that President Carter escapes blame in the letter.",
        explanation="“Nor does President Carter escape”.",
        themes=("carter-legacy",),
        passages=("memo-carter-blamed",),
        difficulty=1,
        points=2.0,
        choices=(Choice("a", "True", False), Choice("b", "False", True)),
    ),
    Question(
        id="every-construct-11",
        type="short",
        prompt="What does Haig call the letter's tone, compared with earlier Brezhnev\ncommunications?",
        explanation="“markedly different in tone from earlier Brezhnev communications”.",
        themes=("tone-and-intent",),
        passages=("memo-in-sum",),
        difficulty=1,
        answers=("markedly different",),
    ),
]


def test_every_construct_imports_to_the_expected_questions():
    result = parse_text2qti(FIXTURE.read_bytes(), FIXTURE.name)
    assert result.errors == []
    assert result.title == "Document 58 in text2qti"
    assert (
        result.description
        == "Every construct of text2qti's plain-text format that the\nimporter reads, written by hand."
    )
    assert [q.id for q in result.questions] == [q.id for q in EXPECTED]
    for got, expected in zip(result.questions, EXPECTED):
        for field in dataclasses.fields(Question):
            if field.compare:
                assert (
                    getattr(got, field.name) == pytest.approx(getattr(expected, field.name))
                    if isinstance(getattr(expected, field.name), float)
                    else getattr(got, field.name) == getattr(expected, field.name)
                ), (expected.id, field.name)
    assert [q.line for q in result.questions] == [10, 28, 37, 45, 51, 56, 62, 71, 87, 94]


def test_every_construct_reports_what_has_no_equivalent_with_its_line():
    result = parse_text2qti(FIXTURE.read_bytes(), FIXTURE.name)
    assert [(w.line, w.message.split(":")[0].split(" (")[0]) for w in result.warnings] == [
        (4, "quiz option 'shuffle answers' belongs to a quiz, not a bank"),
        (66, "a text region has no equivalent in a bank"),
        (67, "a text region has no equivalent in a bank"),
        (78, "a file-upload question has no equivalent"),
        (82, "a question group has no equivalent in a bank"),
        (83, "'pick"),
    ]


def text_errors(text: str | bytes) -> list[tuple[int, str]]:
    return [(e.line, e.message) for e in parse_text2qti(text, "bad.txt").errors]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        pytest.param(
            "Quiz title: Linkage\n\na)  Dobrynin\n*b) Haig\n",
            3,
            "choice 'a)' has no question above it: a question starts with a number and a period",
            id="choice-first",
        ),
        pytest.param(
            TAGS + "1.  Who?\n... D.\n*a) Dobrynin\n\n*   Haig\n",
            6,
            "a multiple-choice ('a)') question cannot also have a short-answer ('*') answer",
            id="mixed-kinds",
        ),
        pytest.param(
            TAGS + "1.  In what year?\n... 1973.\n=   nineteen73\n",
            4,
            "numeric answer must be a number, found 'nineteen73'",
            id="numeric-not-a-number",
        ),
        pytest.param(
            TAGS + "1.  In what year?\n... 1973.\n=   1973 +- a lot\n",
            4,
            "numeric answer must be a number, found '1973 +- a lot'",
            id="margin-not-a-number",
        ),
        pytest.param(
            TAGS + "1.  In what year?\n... 1973.\n=   [1975, 1970]\n",
            4,
            "the range '[1975, 1970]' starts above its end",
            id="range-backwards",
        ),
        pytest.param(
            TAGS + "1.  Who?\n... D.\n*a) Dobrynin\n*b) Haig\n",
            2,
            "2 choices are marked correct: a multiple-choice question has one",
            id="two-correct",
        ),
        pytest.param(
            TAGS + "1.  Who?\n... D.\na)  Dobrynin\nb)  Haig\n",
            2,
            "no correct choice: mark it with '*'",
            id="no-correct",
        ),
        pytest.param(TAGS + "1.  Who?\n... D.\n", 2, "question has no answers", id="no-answers"),
        pytest.param(
            TAGS + "1.  Who?\n... D.\n*a) Dobrynin\nb)  Haig\n+   Right.\n",
            6,
            "'+' goes straight after the question's text, before its answers",
            id="late-correct-feedback",
        ),
        pytest.param(
            TAGS + "1.  Who said\nlinkage?\n... D.\n*a) Dobrynin\nb)  Haig\n",
            3,
            "unexpected text (a wrapped line must be indented like the text it continues): 'linkage?'",
            id="bad-indentation",
        ),
        pytest.param(TAGS + "1.Who?\n", 2, "missing space after '1.'", id="missing-space"),
        pytest.param(TAGS + "1.  Who?\n... D.\n*a)\nb)  Haig\n", 4, "nothing after '*a)'", id="missing-content"),
        pytest.param(
            "COMMENT\nnever closed\n", 1, "'COMMENT' without an 'END_COMMENT' line after it", id="unclosed-comment"
        ),
        pytest.param(
            "GROUP\n" + TAGS + "1.  Who?\n... D.\n*a) Dobrynin\nb)  Haig\n",
            1,
            "question group never ended",
            id="unclosed-group",
        ),
        pytest.param("END_GROUP\n", 1, "'END_GROUP' without a 'GROUP' line before it", id="stray-end-group"),
        pytest.param(
            "Title: Lonely\n\nQuiz description: x\n",
            1,
            "'Title:' or 'Points:' is not followed by a question",
            id="title-without-question",
        ),
        pytest.param(
            "```{.python .run}\nprint('1. Who?')\n```\n",
            1,
            "executable code blocks are not run on import",
            id="code-block",
        ),
        pytest.param(
            "% [tag:linkage] [passage:memo-linkage] [difficulty:2]\nPoints: many\n1.  Who?\n... D.\n"
            "*a) Dobrynin\nb)  Haig\n",
            2,
            "points must be a positive number",
            id="bad-points",
        ),
    ],
)
def test_bad_text2qti_is_an_error_with_its_line(text, line, message):
    found = text_errors(text)
    assert any(got_line == line and got.startswith(message) for got_line, got in found), found


def test_a_choice_without_a_question_imports_nothing():
    result = parse_text2qti("Quiz title: Linkage\n\na)  Dobrynin\n*b) Haig\n", "bad.txt")
    assert result.questions == []
    assert [(e.line, e.column) for e in result.errors][:2] == [(3, 1), (4, 1)]


def test_windows_1252_bytes_are_an_error_with_their_line():
    data = (TAGS + "1.  Who delivered the letter to the caf\u00e9?\n... D.\n*a) Dobrynin\nb)  Haig\n").encode("cp1252")
    result = parse_text2qti(data, "cp1252.txt")
    assert result.questions == []
    assert [(e.line, e.column) for e in result.errors] == [(2, 40)]
    assert result.errors[0].message.startswith("not UTF-8: byte 0xe9")


def test_defaults_fill_what_the_comments_do_not_say():
    text = "1.  Who delivered the letter?\n*   Dobrynin\n"
    result = parse_text2qti(text, "plain.txt", ImportDefaults(("sourcing",), ("memo-heading-and-delivery",), 1, "warn"))
    assert result.errors == []
    (question,) = result.questions
    assert (question.id, question.themes, question.passages, question.difficulty) == (
        "plain-1",
        ("sourcing",),
        ("memo-heading-and-delivery",),
        1,
    )
    assert [w.message.split(":")[0] for w in result.warnings] == ["no explanation"]


def test_correct_and_incorrect_feedback_has_no_equivalent_for_typed_answers():
    text = TAGS + "1.  Who?\n... Dobrynin.\n+   Right.\n-   Wrong.\n*   Dobrynin\n"
    result = parse_text2qti(text, "feedback.txt")
    assert result.errors == [] and result.questions[0].answers == ("Dobrynin",)
    assert [(w.line, w.message) for w in result.warnings] == [
        (4, "'+' feedback has no equivalent for short questions: not imported"),
        (5, "'-' feedback has no equivalent for short questions: not imported"),
    ]


def test_a_solution_becomes_the_explanation_when_there_is_no_feedback():
    text = TAGS + "1.  Who?\n!   Dobrynin delivered it.\n*a) Dobrynin\nb)  Haig\n"
    result = parse_text2qti(text, "solution.txt")
    assert result.errors == [] and result.questions[0].explanation == "Dobrynin delivered it."


def test_a_plain_text2qti_file_imports_not_filed_yet_with_warnings():
    result = parse_text2qti("1.  Who gave Haig the letter?\n*a) Dobrynin\nb)  Brezhnev\n", "plain.txt")
    assert result.errors == []
    (question,) = result.questions
    assert (question.themes, question.passages, question.difficulty) == ((UNFILED,), (UNFILED,), DEFAULT_DIFFICULTY)
    assert question.explanation == MISSING_EXPLANATION
    assert sorted((w.line, w.message.split(":")[0]) for w in result.warnings) == [
        (1, "no explanation"),
        (1, "no theme"),
    ]
