"""Every page that shows points or scores prints them one way: "8.08 / 19", never "88 / 19" or "11.0 / 19.0".

Three students take a two-question quiz worth 11.95 + 7.05 = 19 points and score 8.08, 7.05 and 11:
values whose zeros the old `round(2)|string|replace('.0', '')` swallowed, and a whole number the old
`round(2)` printed as "11.0".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from studyapp.domain import questions as question_services
from studyapp.extensions import db
from studyapp.models import Assignment, Attempt, Class, Question, Quiz, Role, User
from tests.web.test_classes_support import assign, enrol, make_class, take

pytestmark = pytest.mark.content

SINGLE = """## fmt-whose-words
type: single
themes: linkage
passages: memo-linkage
difficulty: 2
points: 11.95

Whose position does the memorandum report on linkage?

### Choices
- [x] Dobrynin's, as Haig reports it
- [ ] Haig's own

### Explanation
Haig reports what Dobrynin said.
"""

NUMERIC = """## fmt-which-year
type: numeric
themes: linkage
passages: memo-linkage
difficulty: 1
points: 7.05
answer: 1981
tolerance: 0.5

In which year did Haig write the memorandum?

### Explanation
The memorandum is dated 1981.
"""

#: Each student's score on the two questions, and the total as the pages print it.
SCORES = {
    "Ann": ((8.08, "partial"), (0.0, "incorrect"), "8.08"),
    "Ben": ((0.0, "incorrect"), (7.05, "correct"), "7.05"),
    "Cat": ((11.0, "partial"), (0.0, "incorrect"), "11"),
}
#: What the old idioms printed for these totals.
WRONG = ("88 / 19", "75 / 19", "11.0 / 19.0", "11.0 / 19", "8.08 / 19.0", "7.05 / 19.0", "/ 18.99")


@dataclass
class World:
    instructor: User
    students: dict[str, User]
    class_: Class
    quiz: Quiz
    assignment: Assignment
    attempts: dict[str, Attempt]
    questions: list[Question]


def new_question(source: str, author: User) -> Question:
    result = question_services.save_question(source, author)
    assert result.question is not None and not result.problems, result.problems
    db.session.commit()
    return result.question


def two_question_quiz(instructor: User, slug: str, title: str) -> Quiz:
    """A quiz of the two questions above (11.95 + 7.05 points), in order, reviewed after submitting."""
    questions = [new_question(SINGLE, instructor), new_question(NUMERIC, instructor)]
    quiz = Quiz(
        slug=slug,
        title=title,
        question_ids=[q.id for q in questions],
        shuffle_questions=False,
        shuffle_choices=False,
        owner_id=instructor.id,
        review="after_submit",
    )
    db.session.add(quiz)
    db.session.commit()
    return quiz


@pytest.fixture
def world(make_user) -> World:
    instructor = make_user(Role.INSTRUCTOR, name="Ina Instructor")
    quiz = two_question_quiz(instructor, "formatting-check", "Formatting check")
    class_ = make_class(instructor)
    students = {name: make_user(Role.STUDENT, name=f"{name} Student") for name in SCORES}
    enrol(class_, *students.values())
    assignment = assign(class_, quiz)
    attempts = {}
    for name, (first, second, _) in SCORES.items():
        attempt = take(students[name], assignment, {1: True, 2: True})
        items = sorted(attempt.items, key=lambda item: item.position)
        for item, (points, status) in zip(items, (first, second)):
            item.score, item.status = points, status
        attempt.score = first[0] + second[0]
        attempts[name] = attempt
    db.session.commit()
    questions = [db.session.get_one(Question, question_id) for question_id in quiz.question_ids]
    return World(instructor, students, class_, quiz, assignment, attempts, questions)


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def assert_none_wrong(html: str) -> None:
    for wrong in WRONG:
        assert wrong not in html, wrong
    assert not re.search(r"\d\.0(?!\d)", re.sub(r"<(script|style|svg)\b.*?</\1>", "", html, flags=re.S)), (
        "a whole number printed with a trailing .0"
    )


def test_the_quiz_list_prints_each_students_score(world, signed_in):
    for name, (_, _, total) in SCORES.items():
        html = text_of(signed_in(world.students[name]).get("/quizzes"))
        row = re.search(r"Formatting check.*?</tr>", html, re.S).group(0)
        assert f"<td>{total} / 19</td>" in row, row
        assert_none_wrong(html)


def test_the_result_page_prints_the_score_its_percentage_and_each_questions_points(world, signed_in):
    ann = text_of(signed_in(world.students["Ann"]).get(f"/attempts/{world.attempts['Ann'].id}/result"))
    assert "Score: <strong>8.08</strong> of 19" in ann and "(43%)" in ann
    assert "8.08 / 11.95 points" in ann and "0 / 7.05 points" in ann
    assert "1981 ± 0.5" in ann  # the numeric key as written, not "1981.0 ± 0.5"
    assert_none_wrong(ann)

    ben = text_of(signed_in(world.students["Ben"]).get(f"/attempts/{world.attempts['Ben'].id}/result"))
    assert "Score: <strong>7.05</strong> of 19" in ben and "(37%)" in ben
    assert "0 / 11.95 points" in ben and "7.05 / 7.05 points" in ben
    assert_none_wrong(ben)

    cat = text_of(signed_in(world.students["Cat"]).get(f"/attempts/{world.attempts['Cat'].id}/result"))
    assert "Score: <strong>11</strong> of 19" in cat and "(58%)" in cat
    assert "11 / 11.95 points" in cat
    assert_none_wrong(cat)


def attempts_row(html: str) -> str:
    table = re.search(r'<table class="attempts-table".*?</table>', html, re.S).group(0)
    return re.search(r"<tr>\s*<td>[^<]*</td>\s*<th scope=\"row\">Formatting check</th>.*?</tr>", table, re.S).group(0)


@pytest.mark.parametrize(("name", "percent"), [("Ann", "43%"), ("Ben", "37%"), ("Cat", "58%")])
def test_the_progress_pages_print_scores_and_percentages(world, signed_in, name, percent):
    total = SCORES[name][2]
    own = text_of(signed_in(world.students[name]).get("/progress"))
    row = attempts_row(own)
    assert f'<td class="num">{total} / 19</td>' in row and f'<td class="num">{percent}</td>' in row, row
    assert_none_wrong(own)

    teacher = text_of(signed_in(world.instructor).get(f"/progress/students/{world.students[name].id}"))
    row = attempts_row(teacher)
    assert f'<td class="num">{total} / 19</td>' in row and f'<td class="num">{percent}</td>' in row, row
    assert_none_wrong(teacher)


def test_the_gradebook_and_its_cells(world, signed_in):
    teacher = signed_in(world.instructor)
    html = text_of(teacher.get(f"/classes/{world.class_.id}/gradebook"))
    assert '<span class="hint">out of 19</span>' in html
    base = f"/classes/{world.class_.id}/gradebook/{world.assignment.id}"
    for name, (_, _, total) in SCORES.items():
        student = world.students[name]
        assert f'<a href="{base}/{student.id}">{total}<span class="state' in html, name
        cell = text_of(teacher.get(f"{base}/{student.id}"))
        assert f'<td class="num">{total} / 19</td>' in cell, name
        assert_none_wrong(cell)
    assert_none_wrong(html)
    # The theme column is a percentage of the points earned on the theme: 26.13 of 57 for the class.
    assert re.search(r'<td class="num theme-col">\d+%</td>', html)


def test_item_analysis(world, signed_in):
    html = text_of(
        signed_in(world.instructor).get(f"/classes/{world.class_.id}/assignments/{world.assignment.id}/analysis")
    )
    # Totals 8.08, 7.05 and 11: mean 26.13 / 3 = 8.71 (45.8% of 19), median 8.08.
    assert '<th scope="row">Mean score</th><td class="num">8.71 of 19 (45.8%)</td>' in html
    assert '<th scope="row">Median score</th><td class="num">8.08</td>' in html
    row = re.search(r'<a href="#choices-1">fmt-whose-words</a></th>(.*?)</tr>', html, re.S).group(1)
    # Facility: the mean share of the 11.95 points, (8.08 + 0 + 11) / 3 / 11.95 = 53.2%.
    assert re.findall(r'<td class="num">([^<]*)</td>', row)[:2] == ["3", "53.2"]
    assert_none_wrong(html)


def test_the_instructors_views_of_an_attempt(world, signed_in):
    teacher = signed_in(world.instructor)
    manage = text_of(teacher.get(f"/manage/attempts/{world.attempts['Ann'].id}"))
    assert "<dt>Score</dt><dd>8.08 / 19</dd>" in manage and "8.08 / 11.95 points" in manage
    assert_none_wrong(manage)

    results = text_of(teacher.get(f"/authoring/quizzes/{world.quiz.id}/results"))
    for _, _, total in SCORES.values():
        assert f"<td>{total} / 19</td>" in results, total
    assert_none_wrong(results)

    detail = text_of(teacher.get(f"/authoring/quizzes/{world.quiz.id}/attempts/{world.attempts['Cat'].id}"))
    assert "Score: <strong>11</strong> of 19" in detail
    assert_none_wrong(detail)


def test_the_question_partial_prints_each_questions_points(world, signed_in, make_user):
    newcomer = make_user(Role.STUDENT, name="Dan Student")
    enrol(world.class_, newcomer)
    browser = signed_in(newcomer)
    started = browser.post(f"/assignments/{world.assignment.id}/start")
    assert started.status_code == 302, started.status_code
    html = text_of(browser.get(started.headers["Location"]))
    assert '<span class="qmeta">11.95 points</span>' in html and '<span class="qmeta">7.05 points</span>' in html
    assert_none_wrong(html)

    preview = text_of(signed_in(world.instructor).get(f"/authoring/questions/{world.questions[1].id}/student"))
    assert '<span class="qmeta">7.05 points</span>' in preview
    assert "± " not in preview and "give or take" not in preview  # a student preview shows no key


@pytest.mark.parametrize(
    ("points", "shown"),
    [("8.08", "8.08 points"), ("7.05", "7.05 points"), ("1", "1 point"), ("1.0", "1 point"), ("10", "10 points")],
)
def test_the_authoring_preview_prints_the_points(signed_in, make_user, points, shown):
    author = signed_in(make_user(Role.INSTRUCTOR))
    source = NUMERIC.replace("points: 7.05", f"points: {points}")
    reply = author.post("/authoring/preview", data={"source": source})
    assert reply.status_code == 200
    html = reply.get_json()["html"]
    assert f"<dt>Points</dt><dd>{shown.split()[0]}</dd>" in html
    assert f'<span class="qmeta">{shown}</span>' in html
    assert "1981, give or take 0.5" in html
    assert ">88 point" not in html and ">75 point" not in html and "<dd>88</dd>" not in html
    assert_none_wrong(html)


def test_practice_feedback_prints_the_points_of_the_answer(signed_in, make_user):
    from studyapp.core.grading import correct_response
    from studyapp.domain.questions import public_id, question_of

    browser = signed_in(make_user(Role.STUDENT))
    started = browser.post("/practice/linkage")
    attempt = db.session.get(Attempt, int(started.headers["Location"].rsplit("/", 1)[1]))
    item = next(i for i in attempt.items if question_of(i.version).type == "single")
    question = question_of(item.version)
    choice = public_id(attempt.seed, question.id, correct_response(question)["choice"])
    browser.post(f"/attempts/{attempt.id}?page={item.position}", data={f"q{item.position}": choice, "action": "check"})
    html = text_of(browser.get(f"/attempts/{attempt.id}?page={item.position}"))
    verdict = re.search(r'<p class="verdict">Correct\.(.*?)</p>', html, re.S)
    assert verdict, "the checked answer has its feedback"
    worth = question.points
    assert verdict.group(1).strip() == f"{worth:g} / {worth:g}"
    assert_none_wrong(html)
