"""Bad GIFT: each mistake is an error with its line and column, and the question is not imported."""

from __future__ import annotations

import pytest

from studyapp.core.qformat import ImportDefaults, parse_gift

TAGS = "// [tag:linkage] [passage:memo-linkage] [difficulty:2]\n"
GOOD = TAGS + "::Good::Haig replied that linkage was a fact of life.{TRUE####“linkage was a fact of life”.}\n"


def errors_of(text: str | bytes) -> list[tuple[int, int, str]]:
    result = parse_gift(text, "bad.gift", ImportDefaults(explanation_missing="error"))
    return [(e.line, e.column, e.message) for e in result.errors]


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        pytest.param(
            TAGS + "::Open::Who spoke?{=Dobrynin ~Haig\n\n" + GOOD,
            2,
            19,
            "unbalanced braces: '{' is never closed by '}' (a blank line ends a question",
            id="unclosed-brace",
        ),
        pytest.param(
            TAGS + "::Close::Who spoke? =Dobrynin ~Haig}\n",
            2,
            36,
            "unbalanced braces: '}' with no '{' before it",
            id="stray-closing-brace",
        ),
        pytest.param(
            TAGS + "::Nested::Who {spoke?{=Dobrynin ~Haig}\n",
            2,
            22,
            "unbalanced braces: '{' inside the answer block opened at line 2, column 15",
            id="nested-brace",
        ),
        pytest.param(
            TAGS + "::Two::Who {=Dobrynin ~Haig} spoke {=yes ~no}\n",
            2,
            36,
            "unbalanced braces: a second answer block",
            id="two-blocks",
        ),
        pytest.param(
            TAGS + "::Escape::Who said \\q linkage?{=Dobrynin ~Haig####Dobrynin.}\n",
            2,
            20,
            "unknown escape '\\q': GIFT escapes are \\: \\# \\= \\{ \\} \\~ \\\\ and \\n",
            id="unknown-escape",
        ),
        pytest.param(
            TAGS + "::Escape::Who said linkage?\\\n{=Dobrynin ~Haig####Dobrynin.}\n",
            2,
            28,
            "unknown escape '\\' at the end of a line",
            id="backslash-at-end-of-line",
        ),
        pytest.param(
            TAGS + "::Weight::Which issues?{\n~%150%Cuba\n~%-50%Nicaragua\n####Cuba.}\n",
            3,
            2,
            "weight over 100%: found '%150%' (weights run from -100% to 100%)",
            id="weight-over-100",
        ),
        pytest.param(
            TAGS + "::Weight::Which issues?{~%50%Cuba ~%50%Afghanistan ~%-120%Nicaragua####Cuba.}\n",
            2,
            53,
            "weight under -100%",
            id="weight-under-minus-100",
        ),
        pytest.param(
            TAGS + "::Year::In what year?{#nineteen73####1973.}\n",
            2,
            24,
            "numeric answer must be a number, found 'nineteen73'",
            id="numeric-not-a-number",
        ),
        pytest.param(
            TAGS + "::Year::In what year?{#1973:about one####1973.}\n",
            2,
            24,
            "numeric answer must be a number, found 'about one'",
            id="tolerance-not-a-number",
        ),
        pytest.param(
            TAGS + "::Year::In what year?{#=1973 =1974####1973.}\n",
            2,
            1,
            "2 numeric answers are worth 100%",
            id="two-full-numeric-answers",
        ),
        pytest.param(
            TAGS + "::Two right::Who spoke?{=Dobrynin =Haig ~Brezhnev####Dobrynin.}\n",
            2,
            1,
            "2 answers are worth 100%: a single-answer question has one right answer",
            id="two-right-answers",
        ),
        pytest.param(
            TAGS + "::None right::Who spoke?{~%0%Dobrynin ~Haig####Dobrynin.}\n",
            2,
            1,
            "no right answer: give the right answers positive weights",
            id="no-right-answer",
        ),
        pytest.param(
            TAGS + "::Pairs::Match.{=Haig -> memo =Brezhnev =Dobrynin -> TNF####x.}\n",
            2,
            32,
            "expected '=left -> right' in a matching question, found 'Brezhnev'",
            id="matching-without-arrow",
        ),
        pytest.param(
            "// [tag:linkage] [passage:memo-linkage] [difficulty:4]\n::Hard::Who?{=Dobrynin ~Haig####D.}\n",
            1,
            41,
            "difficulty must be 1, 2 or 3, found '4'",
            id="bad-difficulty",
        ),
        pytest.param(
            TAGS + "::Copy::Who?{=Dobrynin ~Dobrynin####D.}\n",
            2,
            1,
            "question 'copy': same text as the item on line",
            id="our-rules-apply",
        ),
        pytest.param(
            TAGS + "::No explanation::Who?{=Dobrynin ~Haig}\n",
            2,
            1,
            "no explanation: every question needs one",
            id="no-explanation",
        ),
        pytest.param(
            "// just a comment\n",
            1,
            1,
            "no questions found in this GIFT file",
            id="empty",
        ),
    ],
)
def test_bad_gift_is_an_error_with_its_line(text, line, column, message):
    found = errors_of(text)
    assert any(
        (got_line, got_column) == (line, column) and got_message.startswith(message)
        for got_line, got_column, got_message in found
    ), found


@pytest.mark.parametrize(
    "text",
    [
        TAGS + "::Open::Who spoke?{=Dobrynin ~Haig\n",
        TAGS + "::Escape::Who said \\q linkage?{=Dobrynin ~Haig####Dobrynin.}\n",
        TAGS + "::Weight::Which?{~%150%Cuba ~%-50%Nicaragua####Cuba.}\n",
        TAGS + "::Year::In what year?{#nineteen73####1973.}\n",
    ],
)
def test_the_bad_question_is_left_out_and_the_good_one_still_read(text):
    result = parse_gift(text + "\n" + GOOD, "bad.gift")
    assert result.errors
    assert [q.id for q in result.questions] == ["good"]


def test_windows_1252_bytes_are_an_error_with_their_line():
    data = (TAGS + "::Caf\u00e9::Who?{=Dobrynin ~Haig####D.}\n").encode("cp1252")
    result = parse_gift(data, "cp1252.gift")
    assert result.questions == []
    assert [(e.line, e.column) for e in result.errors] == [(2, 6)]
    assert result.errors[0].message.startswith("not UTF-8: byte 0xe9 cannot start or continue a character")


def test_explanation_missing_is_a_warning_by_default():
    text = TAGS + "::No explanation::Who?{=Dobrynin ~Haig}\n"
    result = parse_gift(text, "warn.gift")
    assert result.errors == [] and len(result.questions) == 1
    assert [(w.line, w.message.split(":")[0]) for w in result.warnings] == [(2, "no explanation")]


def test_a_single_question_with_partial_or_negative_weights_warns():
    text = TAGS + "::Partial::Who?{=Dobrynin ~%50%Haig ~%-25%Brezhnev####D.}\n"
    result = parse_gift(text, "partial.gift")
    assert result.errors == []
    assert [w.message.split(" (")[0] for w in result.warnings] == ["partial credit", "negative weight"]
    assert [c.correct for c in result.questions[0].choices] == [True, False, False]
