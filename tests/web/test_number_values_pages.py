"""Every page that shows points or scores prints each value of a hard list the same way.

The values are those that broke or could break a hand-made format: 0, 0.5, 1, 7.05 and 8.08 (whose
inner zero `replace('.0', '')` swallowed: "75", "88"), 10 (not "1"), 100.04, a million (grouped:
"1,000,000") and negative penalties (-0.5, -1.25). Ten students of one class each score one of them
out of 19 on a two-question quiz (11.95 + 7.05 points); the pages are the quiz list, the result and
its review, the student's progress and the instructor's view of it, the gradebook and its cells,
the instructor's view of an attempt, the quiz's results and attempt pages, and the item analysis.
The grading queue and the question preview print question points (positive only), tested apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from studyapp.domain import attempts as quizzes
from studyapp.domain import questions as question_services
from studyapp.extensions import db
from studyapp.models import Assignment, Attempt, Class, Quiz, Role, User
from tests.web.test_classes_support import assign, enrol, make_class, take
from tests.web.test_formatting_pages import NUMERIC, two_question_quiz

pytestmark = pytest.mark.content

#: (score, as every page prints it, as a percentage of 19).
VALUES = [
    (0, "0", "0%"),
    (0.5, "0.5", "3%"),
    (1, "1", "5%"),
    (7.05, "7.05", "37%"),
    (8.08, "8.08", "43%"),
    (10, "10", "53%"),
    (100.04, "100.04", "527%"),
    (1e6, "1,000,000", "5,263,158%"),
    (-0.5, "-0.5", "-3%"),
    (-1.25, "-1.25", "-7%"),
]
#: What hand-made formats printed for these values, and Python's own float text.
WRONG = re.compile(r">\s*(75|88|1e\+06|1000000\.0|100\.0|10\.0|0\.0|1\.0|-0\.0)\s*(<|/| of)")


@dataclass
class Ledger:
    instructor: User
    class_: Class
    quiz: Quiz
    assignment: Assignment
    #: Each student with their attempt and the value it scored.
    rows: list[tuple[User, Attempt, tuple[float, str, str]]]


@pytest.fixture
def ledger(make_user) -> Ledger:
    instructor = make_user(Role.INSTRUCTOR, name="Ina Instructor")
    quiz = two_question_quiz(instructor, "values-check", "Values check")
    class_ = make_class(instructor)
    students = [make_user(Role.STUDENT, name=f"Student {n:02d}") for n in range(1, len(VALUES) + 1)]
    enrol(class_, *students)
    assignment = assign(class_, quiz)
    rows = []
    for student, value in zip(students, VALUES):
        attempt = take(student, assignment, {1: True, 2: True})
        first, second = sorted(attempt.items, key=lambda item: item.position)
        first.score, first.status = value[0], "partial"  # a penalty or a bonus set by hand: any number
        second.score, second.status = 0.0, "incorrect"
        attempt.score = value[0]
        rows.append((student, attempt, value))
    db.session.commit()
    return Ledger(instructor, class_, quiz, assignment, rows)


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    html = response.get_data(as_text=True)
    wrong = WRONG.search(html)
    assert wrong is None, (url, wrong.group(0) if wrong else "")
    return html


def test_the_students_pages_print_every_value(ledger, signed_in):
    for student, attempt, (_, shown, percent) in ledger.rows:
        browser = signed_in(student)
        listed = page(browser, "/quizzes")
        row = re.search(r"Values check.*?</tr>", listed, re.S).group(0)
        assert f"<td>{shown} / 19</td>" in row, (shown, row)

        result = page(browser, f"/attempts/{attempt.id}/result")
        assert f"Score: <strong>{shown}</strong> of 19" in result and f"({percent})" in result, shown
        assert f"{shown} / 11.95 points" in result and "0 / 7.05 points" in result, shown

        progress = page(browser, "/progress")
        table = re.search(r'<table class="attempts-table".*?</table>', progress, re.S).group(0)
        assert f'<td class="num">{shown} / 19</td>' in table and f'<td class="num">{percent}</td>' in table, shown


def test_the_instructors_pages_print_every_value(ledger, signed_in):
    teacher = signed_in(ledger.instructor)
    book = page(teacher, f"/classes/{ledger.class_.id}/gradebook")
    base = f"/classes/{ledger.class_.id}/gradebook/{ledger.assignment.id}"
    results = page(teacher, f"/authoring/quizzes/{ledger.quiz.id}/results")
    for student, attempt, (_, shown, percent) in ledger.rows:
        assert f'<a href="{base}/{student.id}">{shown}<span class="state' in book, shown
        assert f"<td>{shown} / 19</td>" in results, shown
        cell = page(teacher, f"{base}/{student.id}")
        assert f'<td class="num">{shown} / 19</td>' in cell, shown
        manage = page(teacher, f"/manage/attempts/{attempt.id}")
        assert f"<dt>Score</dt><dd>{shown} / 19</dd>" in manage and f"{shown} / 11.95 points" in manage, shown
        detail = page(teacher, f"/authoring/quizzes/{ledger.quiz.id}/attempts/{attempt.id}")
        assert f"Score: <strong>{shown}</strong> of 19" in detail, shown
        progress = page(teacher, f"/progress/students/{student.id}")
        table = re.search(r'<table class="attempts-table".*?</table>', progress, re.S).group(0)
        assert f'<td class="num">{shown} / 19</td>' in table and f'<td class="num">{percent}</td>' in table, shown


def test_the_item_analysis_prints_the_statistics_of_these_values(ledger, signed_in):
    html = page(
        signed_in(ledger.instructor), f"/classes/{ledger.class_.id}/assignments/{ledger.assignment.id}/analysis"
    )
    # The ten totals add up to 1,000,124.92: a mean of 100,012.492 (526,381.5% of 19); the median is
    # halfway between 1 and 7.05, 4.025, shown rounded half up.
    assert '<th scope="row">Mean score</th><td class="num">100,012.49 of 19 (526,381.5%)</td>' in html
    assert '<th scope="row">Median score</th><td class="num">4.03</td>' in html


#: Essay points of a question, as pages print them.
ESSAY_POINTS = [
    (0.5, "0.5"),
    (1, "1"),
    (7.05, "7.05"),
    (8.08, "8.08"),
    (10, "10"),
    (100.04, "100.04"),
    (1e6, "1,000,000"),
]

ESSAY = """## fmt-essay-{n}
type: essay
themes: linkage
passages: memo-linkage
difficulty: 2
points: {points}

Why does Haig call linkage "a fact of life"? ({n})

### Rubric
Names the memorandum's words.

### Explanation
Any careful answer.
"""


def test_the_grading_queue_and_the_provisional_result_print_every_value(make_user, signed_in):
    instructor = make_user(Role.INSTRUCTOR, name="Ina Instructor")
    essays = []
    for n, (worth, _) in enumerate(ESSAY_POINTS, 1):
        result = question_services.save_question(ESSAY.format(n=n, points=repr(worth)), instructor)
        assert result.question is not None, result.problems
        essays.append(result.question)
    db.session.commit()
    quiz = Quiz(
        slug="essays",
        title="Essays",
        question_ids=[q.id for q in essays],
        shuffle_questions=False,
        owner_id=instructor.id,
        review="after_submit",
    )
    db.session.add(quiz)
    db.session.commit()
    class_ = make_class(instructor, name="HIST 210")
    student = make_user(Role.STUDENT, name="Eve Essayist")
    enrol(class_, student)
    attempt = take(student, assign(class_, quiz), {n: {"text": "Because he says so."} for n in range(1, 8)})
    assert attempt.pending == 7

    queue = page(signed_in(instructor), "/grading")
    rows = re.findall(r"<tr>\s*<td>Eve Essayist</td>(.*?)</tr>", queue, re.S)
    assert len(rows) == 7
    for row, (_, shown) in zip(rows, ESSAY_POINTS):
        assert "<td>HIST 210</td>" in row and f'<td class="num">{shown}</td>' in row, (shown, row)

    result = page(signed_in(student), f"/attempts/{attempt.id}/result")
    assert "Score: <strong>0</strong> of 1,000,126.67 (0%)" in result
    assert "provisional: 7 answers awaiting grading" in result

    teacher = signed_in(instructor)
    quizzes_graded = teacher.post(f"/manage/attempts/{attempt.id}/grade/3", data={"score": "7.05", "comment": ""})
    assert quizzes_graded.status_code == 302
    result = page(signed_in(student), f"/attempts/{attempt.id}/result")
    assert "Score: <strong>7.05</strong> of 1,000,126.67 (0%)" in result
    assert "provisional: 6 answers awaiting grading" in result
    assert quizzes.get_attempt_or_404(attempt.id, student).pending == 6


@pytest.mark.parametrize(("worth", "shown"), ESSAY_POINTS)
def test_the_question_preview_prints_every_value(signed_in, make_user, worth, shown):
    author = signed_in(make_user(Role.INSTRUCTOR))
    source = NUMERIC.replace("points: 7.05", f"points: {worth!r}")
    reply = author.post("/authoring/preview", data={"source": source})
    assert reply.status_code == 200
    html = reply.get_json()["html"]
    assert f"<dt>Points</dt><dd>{shown}</dd>" in html
    assert f'<span class="qmeta">{shown} point{"" if shown == "1" else "s"}</span>' in html
    assert WRONG.search(html) is None
