"""/quizzes lists each quiz once: an assigned quiz under its class, the others under "Self-study"; the
self-study copy of an assigned quiz is hidden and cannot be started while the assignment exists."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from studyapp.extensions import db
from studyapp.models import Attempt, Role
from studyapp.models.base import utcnow
from tests.web.quizzes import start
from tests.web.test_classes_support import assign, enrol, fixed_quiz, make_class, shipped_questions

pytestmark = pytest.mark.content

TITLE = "Reading the memorandum"


def sections(html: str) -> dict[str, str]:
    """Each section of the list by its heading: a class's name, or "Self-study"."""
    return dict(re.findall(r'<h2 id="[^"]+">([^<]+)</h2>(.*?)</section>', html, re.S))


def row_titles(html: str) -> list[str]:
    return re.findall(r'<th scope="row">([^<]+)', html)


def attempts_of(user) -> int:
    return db.session.scalar(select(func.count()).select_from(Attempt).where(Attempt.user_id == user.id))


def test_an_assigned_quiz_is_listed_once_under_its_class_with_its_rules(client, login, make_user, instructor):
    student, outsider = make_user(Role.STUDENT), make_user(Role.STUDENT)
    class_ = make_class(instructor, name="HIST 210")
    enrol(class_, student)
    quiz = fixed_quiz(shipped_questions("single", 2), max_attempts=3)
    closes = utcnow() + timedelta(days=4)
    assignment = assign(class_, quiz, closes_at=closes, time_limit_minutes=20, max_attempts=2)

    login(student)
    html = client.get("/quizzes").get_data(as_text=True)
    assert html.count(f'<th scope="row">{TITLE}') == 1
    listed = sections(html)
    assert list(listed) == ["HIST 210", "Self-study"]
    assert row_titles(listed["HIST 210"]) == [TITLE]
    row = listed["HIST 210"]
    assert "20 minutes" in row and "2 attempts" in row, "the assignment's settings, not the quiz's"
    with client.application.test_request_context():
        due = client.application.jinja_env.from_string("{{ m|when }}").render(m=closes)
    assert due in row and f"/assignments/{assignment.id}/start" in row
    assert TITLE not in listed["Self-study"] and f"/quizzes/{quiz.id}/start" not in html
    assert "no class gradebook counts them" in listed["Self-study"]
    assert len(row_titles(listed["Self-study"])) >= 10, "the shipped quizzes stay in self-study"

    # A student of no class sees the quiz once, as self-study, and may start it.
    client.post("/logout")
    login(outsider)
    html = client.get("/quizzes").get_data(as_text=True)
    assert list(sections(html)) == ["Self-study"] and TITLE in row_titles(html)
    assert start(client, quiz).assignment_id is None


def test_the_self_study_copy_is_refused_while_assigned_and_back_once_the_assignment_is_removed(
    client, login, make_user, instructor
):
    student = make_user(Role.STUDENT)
    class_ = make_class(instructor, name="HIST 210")
    enrol(class_, student)
    quiz = fixed_quiz(shipped_questions("single", 1))
    assignment = assign(class_, quiz)

    login(student)
    refused = client.post(f"/quizzes/{quiz.id}/start")
    assert refused.status_code == 302 and refused.headers["Location"].endswith("/quizzes")
    assert attempts_of(student) == 0
    message = client.get("/quizzes").get_data(as_text=True)
    assert f"{TITLE} is assigned to your class HIST 210" in message

    client.post("/logout")
    login(instructor)
    client.post(f"/classes/{class_.id}/assignments/{assignment.id}/delete")
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 0
    client.post("/logout")
    login(student)
    html = client.get("/quizzes").get_data(as_text=True)
    assert list(sections(html)) == ["Self-study"] and TITLE in row_titles(html)
    assert start(client, quiz).assignment_id is None
    assert attempts_of(student) == 1


def test_self_study_done_before_the_assignment_is_hidden_but_kept(client, login, make_user, instructor):
    student = make_user(Role.STUDENT)
    class_ = make_class(instructor, name="HIST 210")
    enrol(class_, student)
    quiz = fixed_quiz(shipped_questions("single", 1))
    login(student)
    finished = start(client, quiz)
    client.post(f"/attempts/{finished.id}/submit")
    still_open = start(client, quiz)
    assert still_open.id != finished.id

    assign(class_, quiz)
    html = client.get("/quizzes").get_data(as_text=True)
    assert html.count(f'<th scope="row">{TITLE}') == 1 and TITLE not in sections(html)["Self-study"]
    # The submitted attempt's result stays on the progress page; the open one can be finished.
    assert TITLE in client.get("/progress").get_data(as_text=True)
    assert client.get(f"/attempts/{finished.id}/result").status_code == 200
    resumed = client.post(f"/quizzes/{quiz.id}/start")
    assert resumed.headers["Location"].endswith(f"/attempts/{still_open.id}"), "an open attempt resumes"
    home = client.get("/").get_data(as_text=True)
    assert f'href="/attempts/{still_open.id}"' in home and "self-study" in home
    client.post(f"/attempts/{still_open.id}/submit")
    again = client.post(f"/quizzes/{quiz.id}/start")
    assert again.headers["Location"].endswith("/quizzes") and attempts_of(student) == 2, "but no new one starts"


def test_a_quiz_assigned_in_two_classes_is_listed_under_each(client, login, make_user, instructor):
    student = make_user(Role.STUDENT)
    first, second = make_class(instructor, name="Class A"), make_class(instructor, name="Class B")
    enrol(first, student)
    enrol(second, student)
    quiz = fixed_quiz(shipped_questions("single", 1))
    assign(first, quiz)
    assign(second, quiz)
    login(student)
    html = client.get("/quizzes").get_data(as_text=True)
    listed = sections(html)
    assert row_titles(listed["Class A"]) == [TITLE] and row_titles(listed["Class B"]) == [TITLE]
    assert html.count(f'<th scope="row">{TITLE}') == 2
    refused = client.post(f"/quizzes/{quiz.id}/start")
    assert refused.headers["Location"].endswith("/quizzes") and attempts_of(student) == 0
    assert "assigned to your class Class A and Class B" in client.get("/quizzes").get_data(as_text=True)
