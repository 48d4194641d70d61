"""Grades a teacher can trust: lateness decided at submission and kept, "Close now", fixed marks for drawn
questions, provisional scores while an essay waits, and columns that can be told apart.

The questions are the instructor's own (the readings are loaded; the shipped banks are not), so every
drawn question comes from a pool whose points are known: 1 to 8, one of each.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from studyapp.core.exports import CANVAS_POINTS_POSSIBLE
from studyapp.domain import attempts as quizzes
from studyapp.domain import gradebook as books
from studyapp.domain import mastery
from studyapp.domain import questions as question_services
from studyapp.domain.quizzes import quiz_totals
from studyapp.extensions import db
from studyapp.models import Assignment, Attempt, Quiz, Role
from studyapp.models.base import utcnow
from tests.web.test_classes_support import assign, enrol, make_class, take

SINGLE = """## {key}
type: single
themes: {theme}
passages: memo-linkage
difficulty: 2
points: {points}

Which is the first option of {key}?

### Choices
- [x] The first option of {key}
- [ ] The second option of {key}

### Explanation
The first option is the first.
"""

ESSAY = """## {key}
type: essay
themes: {theme}
passages: memo-linkage
difficulty: 2
points: {points}

Explain the memorandum in your own words ({key}).

### Rubric
Any careful answer.

### Explanation
Any careful answer.
"""

#: Two single-choice questions drawn at 4.04 points each and one essay at 7.05: 15.13 in all.
DRAW_RULES = [
    {"themes": [], "types": ["single"], "difficulty": [], "count": 2, "points": 4.04},
    {"themes": [], "types": ["essay"], "difficulty": [], "count": 1, "points": 7.05},
]
TOTAL = "15.13"


def own_question(template: str, author, key: str, points: float, theme: str = "linkage"):
    result = question_services.save_question(template.format(key=key, points=points, theme=theme), author)
    assert result.question is not None and not result.problems, result.problems
    db.session.commit()
    return result.question


def draws(attempt: Attempt) -> tuple[str, ...]:
    return tuple(question_services.question_of(item.version).id for item in attempt.items)


@pytest.fixture
def course(loaded, make_user):
    """An instructor's class with six students, a drawn quiz assigned to it and the pool it draws from:
    eight single-choice questions worth 1 to 8 points and one essay worth 3."""
    instructor = make_user(Role.INSTRUCTOR, name="Ina Instructor")
    for points in range(1, 9):
        own_question(SINGLE, instructor, f"pool-single-{points}", points)
    own_question(ESSAY, instructor, "pool-essay", 3)
    quiz = Quiz(
        slug="drawn",
        title="Linkage",
        owner_id=instructor.id,
        draw_rules=DRAW_RULES,
        shuffle_questions=False,
        shuffle_choices=False,
        review="after_submit",
    )
    db.session.add(quiz)
    db.session.commit()
    class_ = make_class(instructor, name="HIST 210")
    students = [make_user(Role.STUDENT, name=f"Student {n}") for n in range(1, 7)]
    enrol(class_, *students)
    assignment = assign(class_, quiz, closes_at=utcnow() + timedelta(days=2))
    return dict(instructor=instructor, class_=class_, students=students, quiz=quiz, assignment=assignment)


# --- fixed marks ---------------------------------------------------------------------------------------


def test_every_attempt_of_a_drawn_quiz_has_the_same_maximum_whatever_is_drawn(course):
    attempts = [quizzes.start_attempt(course["quiz"], s, assignment=course["assignment"]) for s in course["students"]]
    db.session.commit()
    assert len({draws(a) for a in attempts}) > 1, "six students drew the same questions: the pool is too small"
    own_points = {sum(question_services.question_of(i.version).points for i in a.items) for a in attempts}
    assert len(own_points) > 1, "without fixed marks the maxima would differ"
    for attempt in attempts:
        assert [item.max_score for item in attempt.items] == [4.04, 4.04, 7.05]
        assert attempt.max_score == pytest.approx(15.13)
    assert quiz_totals([course["quiz"]])[course["quiz"].id] == pytest.approx(15.13)


def test_a_drawn_question_is_shown_graded_and_reviewed_out_of_its_slot(client, login, course):
    ann, ben = course["students"][:2]
    right = take(ann, course["assignment"], {1: True, 2: True, 3: {"text": "Linkage ties talks together."}})
    half = take(ben, course["assignment"], {1: True, 2: False, 3: {"text": "Linkage."}})
    assert [item.score for item in right.items] == [4.04, 4.04, None]  # full marks of each slot; the essay waits
    assert [item.score for item in half.items] == [4.04, 0.0, None]

    login(ann)
    page = client.get(f"/attempts/{right.id}/result").get_data(as_text=True)
    assert f"Score: <strong>8.08</strong> of {TOTAL}" in page
    assert page.count("4.04 / 4.04 points") == 2

    login(course["instructor"])
    manage = client.get(f"/manage/attempts/{right.id}").get_data(as_text=True)
    assert "Score (0 to 7.05)" in manage  # the essay is graded out of its slot's 7.05, not its own 3
    graded = client.post(f"/manage/attempts/{right.id}/grade/3", data={"score": "7.05", "comment": "Good."})
    assert graded.status_code == 302
    db.session.expire_all()
    final = db.session.get(Attempt, right.id)
    assert final.items[2].score == 7.05 and final.score == pytest.approx(15.13) and final.pending == 0

    book = client.get(f"/classes/{course['class_'].id}/gradebook").get_data(as_text=True)
    assert f'<span class="hint">out of {TOTAL}</span>' in book
    assert f">{TOTAL}<span class=" in book

    csv_text = client.get(f"/classes/{course['class_'].id}/export/gradebook.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(csv_text.lstrip("\ufeff"))))
    assert rows[1][0] == CANVAS_POINTS_POSSIBLE and rows[1][5] == TOTAL
    student = next(row for row in rows if row[0] == ann.display_name)
    assert student[5] == TOTAL  # every answer right: full marks, out of the same total as everyone


def test_regrading_a_drawn_question_keeps_its_slots_marks(course):
    author = course["instructor"]
    ann = course["students"][0]
    attempt = take(ann, course["assignment"], {1: False, 2: False})
    first = attempt.items[0]
    question = db.session.get(question_services.Question, first.version.question_id)
    source = SINGLE.format(key=question.key, points=question.current_version.points, theme="linkage")
    corrected = source.replace("- [x] The first option", "- [y] The first option")
    corrected = corrected.replace("- [ ] The second option", "- [x] The second option").replace("[y]", "[ ]")
    saved = question_services.save_question(corrected, author, question=question)
    assert saved.question is not None and not saved.problems, saved.problems
    db.session.commit()
    report = quizzes.regrade(question, author)
    db.session.commit()
    assert [(a, p) for a, p, _, _ in report.regraded] == [(attempt.id, 1)]
    db.session.expire_all()
    item = db.session.get(Attempt, attempt.id).items[0]
    assert (item.score, item.max_score) == (4.04, 4.04)  # now right, out of the slot's 4.04, not its own points


def test_the_quiz_total_is_on_the_assign_form_and_the_class_page(client, login, course):
    login(course["instructor"])
    form = client.get(f"/classes/{course['class_'].id}/assignments/new").get_data(as_text=True)
    assert f"Linkage (yours): {TOTAL} points</option>" in form
    page = client.get(f"/classes/{course['class_'].id}").get_data(as_text=True)
    assert f'<td class="num">{TOTAL}</td>' in page


# --- lateness, decided once ----------------------------------------------------------------------------


def test_moving_the_close_into_the_past_leaves_on_time_submissions_on_time(client, login, course):
    assignment = course["assignment"]
    on_time = take(course["students"][0], assignment, {1: True, 2: True, 3: {"text": "On time."}})
    late = take(course["students"][1], assignment, {1: True}, submit=False)
    quizzes.submit(late, assignment.closes_at + timedelta(hours=1))  # after the close then in force
    db.session.commit()
    assert (on_time.late, db.session.get(Attempt, late.id).late) == (False, True)

    for moved in (utcnow() - timedelta(days=3), utcnow() + timedelta(days=30)):  # into the past, then later
        assignment.closes_at = moved
        db.session.commit()
        book = books.gradebook(course["class_"])
        states = {row.user_id: row.cells[assignment.id].state for row in book.rows}
        assert states[course["students"][0].id] == "needs_grading"  # its essay waits; it is not late
        assert states[course["students"][1].id] == "late"
        details = books.cell_attempts(assignment, course["students"][0].id)
        assert [d.late for d in details] == [False]
        login(course["instructor"])
        text = client.get(f"/classes/{course['class_'].id}/export/responses.csv").get_data(as_text=True)
        lates = {row[3]: row[-1] for row in csv.reader(io.StringIO(text.lstrip("\ufeff")))}
        assert lates[course["students"][0].display_name] == "no" and lates[course["students"][1].display_name] == "yes"


def test_an_attempt_is_late_against_the_quizs_own_close_when_the_assignment_sets_none(course):
    assignment, quiz = course["assignment"], course["quiz"]
    assignment.closes_at = None
    quiz.closes_at = utcnow() + timedelta(hours=1)
    db.session.commit()
    attempt = take(course["students"][0], assignment, {}, submit=False)
    quizzes.submit(attempt, quiz.closes_at + timedelta(seconds=1))
    practice = quizzes.start_attempt(quiz, course["students"][1], practice=True)
    quizzes.submit(practice, quiz.closes_at + timedelta(days=1))
    db.session.commit()
    assert db.session.get(Attempt, attempt.id).late is True
    assert db.session.get(Attempt, practice.id).late is False  # practice never closes


# --- Close now -----------------------------------------------------------------------------------------


def test_close_now_asks_first_then_closes_and_submits_the_open_attempts_on_time(client, login, course):
    class_, assignment = course["class_"], course["assignment"]
    done = take(course["students"][0], assignment, {1: True, 2: True, 3: {"text": "Done."}})
    open_one = take(course["students"][1], assignment, {1: True}, submit=False)
    open_two = take(course["students"][2], assignment, {}, submit=False)
    login(course["instructor"])
    shown = client.get(f"/classes/{class_.id}").get_data(as_text=True)
    url = f"/classes/{class_.id}/assignments/{assignment.id}/close"
    assert f'href="{url}">Close now…' in shown

    ask = client.get(url)
    assert ask.status_code == 200
    page = ask.get_data(as_text=True)
    assert "Close Linkage now?" in page and "Students with open attempts will be submitted" in page
    assert "2 attempts are open now" in page
    assert db.session.get(Assignment, assignment.id).closes_at > utcnow()  # asking changes nothing

    forged = client.post(url, csrf=False)
    assert forged.status_code == 400
    db.session.expire_all()
    assert db.session.get(Attempt, open_one.id).state == "in_progress"  # no token: nothing happened

    before = utcnow()
    closed = client.post(url)
    assert closed.status_code == 302 and closed.headers["Location"].endswith(f"/classes/{class_.id}#assignments")
    db.session.expire_all()
    moment = db.session.get(Assignment, assignment.id).closes_at
    assert before <= moment <= utcnow()
    for attempt_id in (open_one.id, open_two.id):
        attempt = db.session.get(Attempt, attempt_id)
        assert (attempt.state, attempt.auto_submitted, attempt.late) == ("submitted", True, False)
        assert attempt.submitted_at == moment
    assert db.session.get(Attempt, done.id).late is False
    flashed = client.get(f"/classes/{class_.id}").get_data(as_text=True)
    assert "Linkage is closed. 2 open attempts submitted with the answers saved." in flashed
    assert f'href="{url}">Close now…' not in flashed and "(closed)" in flashed

    again = client.get(url).get_data(as_text=True)
    assert "Linkage is closed" in again and "Close Linkage now?" not in again
    refused = client.post(url)
    assert refused.status_code == 302
    assert "closed on" in client.get(refused.headers["Location"]).get_data(as_text=True)

    login(course["students"][3])
    start = client.post(f"/assignments/{assignment.id}/start")
    assert start.status_code == 302
    assert db.session.scalar(select(Attempt).where(Attempt.user_id == course["students"][3].id)) is None


def test_close_now_is_refused_before_the_assignment_opens_and_to_other_instructors(client, login, make_user, course):
    class_, assignment = course["class_"], course["assignment"]
    assignment.opens_at = utcnow() + timedelta(days=1)
    db.session.commit()
    url = f"/classes/{class_.id}/assignments/{assignment.id}/close"
    login(make_user(Role.INSTRUCTOR, name="Olga Other"))
    assert client.get(url).status_code == 404 and client.post(url).status_code == 404
    login(course["instructor"])
    refused = client.post(url)
    assert refused.status_code == 302
    assert "it cannot close before it opens" in client.get(refused.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id).closes_at > utcnow()


# --- provisional scores --------------------------------------------------------------------------------


def test_a_score_with_an_essay_waiting_is_provisional_everywhere_and_left_out_of_mastery(
    client, login, signed_in, course
):
    ann = course["students"][0]
    attempt = take(ann, course["assignment"], {1: True, 2: True, 3: {"text": "Linkage, in short."}})
    assert attempt.pending == 1
    note = "provisional: 1 answer awaiting grading"

    student = signed_in(ann)
    listed = student.get("/quizzes").get_data(as_text=True)
    row = re.search(r"Linkage</th>.*?</tr>", listed, re.S).group(0)
    assert f"8.08 / {TOTAL}" in row and note in row
    progress = student.get("/progress").get_data(as_text=True)
    table = re.search(r'<table class="attempts-table".*?</table>', progress, re.S).group(0)
    assert f"8.08 / {TOTAL}" in table and note in table and "53%" in table
    result = student.get(f"/attempts/{attempt.id}/result").get_data(as_text=True)
    assert note in result

    teacher = signed_in(course["instructor"])
    cell = teacher.get(f"/classes/{course['class_'].id}/gradebook/{course['assignment'].id}/{ann.id}")
    assert note in cell.get_data(as_text=True)
    assert note in teacher.get(f"/manage/attempts/{attempt.id}").get_data(as_text=True)
    results = teacher.get(f"/authoring/quizzes/{course['quiz'].id}/results").get_data(as_text=True)
    assert "Submitted, waiting for grading" in results and note in results

    now = utcnow()
    board = mastery.dashboard(ann, now)
    assert board.overall.answers == 2, "the essay waiting for a person is not in mastery"
    assert board.trend == [], "a provisional score is not in the trend"

    teacher.post(f"/manage/attempts/{attempt.id}/grade/3", data={"score": "3.5", "comment": ""})
    db.session.expire_all()
    board = mastery.dashboard(ann, utcnow())
    assert board.overall.answers == 3 and len(board.trend) == 1
    final = student.get("/quizzes").get_data(as_text=True)
    row = re.search(r"Linkage</th>.*?</tr>", final, re.S).group(0)
    assert "11.58 / 15.13" in row and "provisional" not in row


# --- columns -------------------------------------------------------------------------------------------


def test_an_assignment_and_a_theme_of_the_same_name_have_different_column_titles(client, login, course):
    take(course["students"][0], course["assignment"], {1: True, 2: True})
    login(course["instructor"])
    page = client.get(f"/classes/{course['class_'].id}/gradebook").get_data(as_text=True)
    titles = re.findall(r'<span class="col-title"[^>]*>([^<]*)</span>', page)
    assert titles == ["Quiz: Linkage", "Theme: Linkage"]
    assert len(set(titles)) == len(titles)


def test_the_grading_queue_names_each_answers_class_in_a_fixed_number_of_queries(
    client, login, make_user, course, count_queries
):
    login(course["instructor"])

    def queue_queries() -> tuple[str, int]:
        with count_queries() as statements:
            page = client.get("/grading")
        assert page.status_code == 200
        return page.get_data(as_text=True), len(statements)

    take(course["students"][0], course["assignment"], {3: {"text": "One."}})
    one, few = queue_queries()
    assert "<td>HIST 210</td>" in one and '<td class="num">7.05</td>' in one
    other = make_class(course["instructor"], name="HIST 310")
    enrol(other, *course["students"][1:])
    elsewhere = assign(other, course["quiz"])
    for student in course["students"][1:]:
        take(student, elsewhere, {3: {"text": "Another."}})
    many, more = queue_queries()
    assert many.count("<td>HIST 310</td>") == 5 and many.count("<td>HIST 210</td>") == 1
    assert more == few, f"{few} queries for one answer, {more} for six"
