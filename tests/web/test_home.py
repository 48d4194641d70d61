"""The home page: a visitor's introduction, a student's "what next", an instructor's "what to look at"."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from studyapp.domain import attempts as quizzes
from studyapp.domain import classes
from studyapp.extensions import db
from studyapp.models import Attempt, Document, Passage, ReviewCard, Role
from studyapp.models.base import utcnow
from tests.web.test_classes_support import assign, enrol, fixed_quiz, make_class, shipped_questions, take

pytestmark = pytest.mark.content


def when(app, moment) -> str:
    """A moment as the pages print it: through the app's own `when` filter."""
    with app.test_request_context():
        return app.jinja_env.from_string("{{ moment|when }}").render(moment=moment)


def section(html: str, title: str) -> str:
    """The HTML of the page's section headed `title` (up to the next section)."""
    match = re.search(rf"<h2[^>]*>{re.escape(title)}</h2>(.*?)</section>", html, re.S)
    assert match, f"no section {title!r}"
    return match.group(1)


def rows(html: str) -> list[str]:
    return re.findall(r"<tr>\s*<th scope=\"row\">.*?</tr>", html, re.S)


def test_a_visitor_sees_the_introduction_and_a_signed_in_student_does_not(client, make_user, login):
    page = client.get("/").get_data(as_text=True)
    assert "How it works" in page and "Create a student account" in page
    login(make_user(Role.STUDENT, name="Ada Student"))
    home = client.get("/")
    assert home.status_code == 200
    page = home.get_data(as_text=True)
    assert "How it works" not in page and "Welcome back, Ada Student" in page
    assert "What is due" in page and "Spaced review" in page and "Read next" in page
    client.post("/logout")
    assert "How it works" in client.get("/").get_data(as_text=True)


def test_a_students_home_lists_each_assignment_with_its_state_and_the_attempt_to_continue(
    app, client, make_user, login, instructor
):
    student, classmate = make_user(Role.STUDENT), make_user(Role.STUDENT)
    class_ = make_class(instructor, name="HIST 210")
    enrol(class_, student, classmate)
    question = shipped_questions("single", 1)
    now = utcnow()
    soon, later = now + timedelta(days=2), now + timedelta(days=5)
    todo = assign(class_, fixed_quiz(question, slug="todo", title="Quiz to do"), closes_at=later)
    started = assign(class_, fixed_quiz(question, slug="started", title="Quiz started"), closes_at=soon)
    done = assign(class_, fixed_quiz(question, slug="done", title="Quiz done"))
    closed = assign(class_, fixed_quiz(question, slug="closed", title="Quiz closed"), closes_at=now - timedelta(days=1))
    excused = assign(class_, fixed_quiz(question, slug="excused", title="Quiz excused"))
    open_attempt = take(student, started, {}, submit=False)
    take(student, done, {1: True})
    classes.set_excused(excused, student.id, True, instructor)
    theirs = take(classmate, todo, {}, submit=False)  # the classmate's own attempt at the same assignment
    db.session.commit()

    login(student)
    page = client.get("/").get_data(as_text=True)
    due = section(page, "What is due")
    listed = rows(due)
    titles = [re.search(r'<th scope="row">(.*?)</th>', row).group(1) for row in listed]
    # To do first, soonest closing first; then the rest.
    assert titles[:2] == ["Quiz started", "Quiz to do"], titles
    assert sorted(titles[2:]) == ["Quiz closed", "Quiz done", "Quiz excused"], titles
    states = {
        t: [c.strip() for c in re.findall(r"<td>([^<]*)</td>", row) if c.strip()][-1] for t, row in zip(titles, listed)
    }
    assert states == {
        "Quiz started": "In progress",
        "Quiz to do": "Not started",
        "Quiz done": "Submitted",
        "Quiz closed": "Closed",
        "Quiz excused": "Excused",
    }
    assert when(app, later) in listed[1] and when(app, soon) in listed[0]
    assert f"/assignments/{todo.id}/start" in listed[1]
    assert f"/assignments/{closed.id}/start" not in due and f"/assignments/{excused.id}/start" not in due
    assert "2 assignments of your classes still to do" in page

    resume = section(page, "Continue where you left off")
    assert f'href="/attempts/{open_attempt.id}"' in resume and "Quiz started" in resume and "HIST 210" in resume
    assert f"/attempts/{theirs.id}" not in page, "another student's attempt never appears"
    assert client.get(f"/attempts/{open_attempt.id}").status_code == 200


def test_an_attempt_whose_time_ran_out_is_not_offered_to_continue(client, make_user, login, instructor):
    student = make_user(Role.STUDENT)
    class_ = make_class(instructor)
    enrol(class_, student)
    assignment = assign(class_, fixed_quiz(shipped_questions("single", 1)), time_limit_minutes=5)
    attempt = take(student, assignment, {}, submit=False, now=utcnow() - timedelta(minutes=10))
    login(student)
    page = client.get("/").get_data(as_text=True)
    assert "Continue where you left off" not in page and f"/attempts/{attempt.id}" not in page
    assert "Submitted" in section(page, "What is due")
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).state == quizzes.IN_PROGRESS, "the home page writes nothing"


def test_a_students_home_shows_the_reviews_due_and_the_passage_behind_the_misses(client, make_user, login, instructor):
    student, other = make_user(Role.STUDENT), make_user(Role.STUDENT)
    login(student)
    first = db.session.scalars(
        select(Passage).join(Document).order_by(Document.position, Passage.position).limit(1)
    ).one()
    page = client.get("/").get_data(as_text=True)
    assert "Your review queue is empty" in page
    assert f'href="/read/passages/{first.slug}"' in section(page, "Read next"), (
        "with nothing answered: the first passage"
    )

    class_ = make_class(instructor)
    enrol(class_, student, other)
    question = shipped_questions("single", 1)[0]
    assignment = assign(class_, fixed_quiz([question]))
    take(other, assignment, {1: False})  # another student's miss is not this student's review
    page = client.get("/").get_data(as_text=True)
    assert "Your review queue is empty" in page

    take(student, assignment, {1: False})
    assert db.session.scalar(select(ReviewCard).where(ReviewCard.user_id == student.id)) is not None
    page = client.get("/").get_data(as_text=True)
    review = section(page, "Spaced review")
    assert "<strong>1</strong> question due for review" in review and 'action="/progress/review/start"' in review
    missed = db.session.scalar(select(Passage).where(Passage.slug == question.current_version.passages[0]))
    reading = section(page, "Read next")
    assert f'href="/read/passages/{missed.slug}"' in reading and "you missed 1 question" in reading


def test_an_instructors_home_shows_their_classes_the_grading_waiting_and_what_closes_soon(
    app, client, make_user, login, instructor
):
    ann, bob = make_user(Role.STUDENT, name="Ann"), make_user(Role.STUDENT, name="Bob")
    class_ = make_class(instructor, name="HIST 210")
    enrol(class_, ann, bob)
    now = utcnow()
    soon = now + timedelta(days=3)
    essay = fixed_quiz(shipped_questions("essay", 1, points=None), slug="essay", title="Essay quiz")
    closing = assign(class_, essay, closes_at=soon)
    assign(
        class_,
        fixed_quiz(shipped_questions("single", 1), slug="far", title="Far quiz"),
        closes_at=now + timedelta(days=10),
    )
    assign(
        class_,
        fixed_quiz(shipped_questions("single", 1), slug="past", title="Past quiz"),
        closes_at=now - timedelta(hours=1),
    )
    take(ann, closing, {1: {"text": "Haig reads the letter as a threat."}})

    colleague = make_user(Role.INSTRUCTOR)
    theirs = make_class(colleague, name="Another class")
    enrol(theirs, bob)
    take(
        bob,
        assign(
            theirs, fixed_quiz(shipped_questions("essay", 1, points=None), slug="x", title="Their quiz"), closes_at=soon
        ),
        {1: {"text": "Mine."}},
    )

    login(instructor)
    page = client.get("/").get_data(as_text=True)
    assert "How it works" not in page and "What is due" not in page
    grading = section(page, "Waiting for grading")
    assert "<strong>1</strong> essay answer waiting" in grading and 'href="/grading"' in grading
    listed = rows(section(page, "Closing in the next 7 days"))
    assert len(listed) == 1 and "Essay quiz" in listed[0] and when(app, soon) in listed[0]
    assert "1 of 2" in listed[0] and f'href="/classes/{class_.id}/gradebook"' in listed[0]
    mine = section(page, "Your classes")
    assert f'href="/classes/{class_.id}"' in mine and "2 students" in mine and "1 answer to grade" in mine
    assert "Another class" not in page and "Their quiz" not in page

    login(colleague)
    page = client.get("/").get_data(as_text=True)
    assert "<strong>1</strong> essay answer waiting" in page and "HIST 210" not in page and "Essay quiz" not in page


def test_each_home_runs_a_fixed_number_of_queries(client, make_user, login, instructor, count_queries):
    student = make_user(Role.STUDENT)
    quiz = fixed_quiz(shipped_questions("single", 1))
    essay = fixed_quiz(shipped_questions("essay", 1, points=None), slug="essay")
    counts: dict[str, list[int]] = {"student": [], "instructor": []}
    soon = utcnow() + timedelta(days=2)
    for n in (1, 4):
        class_ = make_class(instructor, name=f"Class {n}")
        enrol(class_, student, *(make_user(Role.STUDENT) for _ in range(n)))
        for _ in range(n):
            take(student, assign(class_, quiz, closes_at=soon), {1: False})
            take(student, assign(class_, essay, closes_at=soon), {1: {"text": "An answer."}})
            take(student, assign(class_, quiz), {}, submit=False)
        for who in ("student", "instructor"):
            login(student if who == "student" else instructor)
            db.session.expire_all()
            with count_queries() as statements:
                page = client.get("/")
            assert page.status_code == 200
            counts[who].append(len(statements))
    assert counts["student"][0] == counts["student"][1] and counts["student"][1] <= 10, counts
    assert counts["instructor"][0] == counts["instructor"][1] and counts["instructor"][1] <= 6, counts
