"""The GIFT writer gives only grades Moodle accepts, with a warning wherever Moodle then scores differently."""

from __future__ import annotations

import re
from fractions import Fraction

import pytest

from studyapp.core.qformat import Choice, Question, parse_gift, write_gift
from studyapp.core.qformat.gift import MOODLE_GRADES

#: Moodle's own list (question/engine/bank.php, `ensure_fraction_options_initialised`): the positive
#: grades besides 0 and 1, to seven places; the full list adds their negatives and -1.
MOODLE_RAW_FRACTIONS = (
    0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, 0.6, 0.5, 0.4, 0.3333333,
    0.3, 0.25, 0.2, 0.1666667, 0.1428571, 0.125, 0.1111111, 0.1, 0.05,
)  # fmt: skip
MOODLE_FULL = {0.0, 1.0, -1.0} | set(MOODLE_RAW_FRACTIONS) | {-f for f in MOODLE_RAW_FRACTIONS}
GRADE_RE = re.compile(r"~%(-?[\d.]+)%")


def moodle_accepts(percent: float) -> bool:
    """Moodle's `match_grade_options(..., 'error')`: within 0.00001 of one of its fractions, or refused."""
    return any(abs(percent / 100 - option) < 0.00001 for option in MOODLE_FULL)


def multiple(right: int, wrong: int) -> Question:
    return Question(
        id=f"m-{right}-{wrong}",
        type="multiple",
        prompt="Which of these does Haig's memorandum report?",
        explanation="The memorandum's paragraphs say so.",
        themes=("linkage",),
        passages=("memo-linkage",),
        difficulty=2,
        choices=tuple(Choice(f"c{n}", f"Statement {n}", n < right, "") for n in range(right + wrong)),
    )


def test_the_grade_list_is_moodles():
    assert {float(round(g, 7)) for g in MOODLE_GRADES} == {0.0, 1.0} | set(MOODLE_RAW_FRACTIONS)


@pytest.mark.parametrize("right", range(1, 24))
@pytest.mark.parametrize("wrong", [0, 1, 2, 5, 7, 9, 10, 11, 13, 15, 19, 20, 21, 30])
def test_every_written_grade_is_one_moodle_accepts(right, wrong):
    exported = write_gift([multiple(right, wrong)])
    if right > 20:
        assert exported.count == 0
        assert any("left out" in w and f"{right} right choices" in w for w in exported.warnings)
        return
    grades = [float(g) for g in GRADE_RE.findall(exported.data)]
    assert len(grades) == right + wrong
    assert all(moodle_accepts(g) for g in grades), grades
    positive = [g for g in grades if g > 0]
    assert round(sum(positive) / 100, 2) == 1  # Moodle's check on a multiple-answer question's grades
    assert len(positive) == right and all(g < 0 for g in grades[right:])
    exact_right = Fraction(1, right) in MOODLE_GRADES
    exact_wrong = wrong == 0 or Fraction(1, wrong) in MOODLE_GRADES
    assert any("worth 10% and the others 5%" in w for w in exported.warnings) != exact_right
    assert any(f"no grade of -1/{wrong}" in w for w in exported.warnings) != exact_wrong


def test_eleven_wrong_choices_take_off_the_nearest_grade_moodle_has():
    exported = write_gift([multiple(2, 11)])
    grades = GRADE_RE.findall(exported.data)
    assert grades == ["50"] * 2 + ["-10"] * 11  # not -9.09091, which stops Moodle's import
    assert exported.warnings == [
        "m-2-11: Moodle has no grade of -1/11: each wrong choice takes off 10% there, where here the 11 wrong "
        "choices together take off 100%"
    ]


def test_exact_grades_still_read_back_as_the_same_question():
    question = multiple(3, 7)
    exported = write_gift([question])
    assert exported.warnings == []
    result = parse_gift(exported.data)
    assert result.errors == [] and result.warnings == []
    assert [c.correct for c in result.questions[0].choices] == [c.correct for c in question.choices]
