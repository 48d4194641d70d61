"""The home page in Chromium: a student lands on what is due and continues an attempt; an instructor sees their
classes, the grading waiting and what closes soon; axe-core checks both."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from studyapp.domain import attempts as quizzes
from studyapp.domain import classes
from studyapp.extensions import db
from studyapp.models import Quiz, Role, User
from studyapp.models.base import utcnow
from tests.browser.conftest import assert_accessible, load_shipped, sign_in


@pytest.fixture(scope="module", autouse=True)
def shipped_content(live_server):
    """Load the readings, question banks and quizzes into the live server's database."""
    load_shipped(live_server)


def _class_with_assignments(live_server, instructor_email: str, student_email: str) -> dict:
    """A class of the instructor's with the student in it, two quizzes assigned (the first started by the student)."""
    with live_server.app.app_context():
        teacher = db.session.scalar(select(User).where(User.email == instructor_email))
        student = db.session.scalar(select(User).where(User.email == student_email))
        class_ = classes.create_class(teacher, name="HIST 210: Home")
        classes.join_class(class_, student)
        shipped = db.session.scalars(select(Quiz).where(Quiz.owner_id.is_(None)).order_by(Quiz.id).limit(2)).all()
        closes = utcnow() + timedelta(days=3)
        started = classes.save_assignment(class_, None, shipped[0], {"closes_at": closes})
        waiting = classes.save_assignment(class_, None, shipped[1], {"closes_at": closes + timedelta(days=1)})
        attempt = quizzes.start_attempt(shipped[0], student, assignment=started)
        db.session.commit()
        return {
            "class_id": class_.id,
            "started": shipped[0].title,
            "waiting": shipped[1].title,
            "attempt_id": attempt.id,
            "waiting_id": waiting.id,
        }


def test_a_student_lands_on_what_is_due_and_continues_an_attempt(page, live_server, live_user):
    instructor, student = live_user(Role.INSTRUCTOR), live_user(Role.STUDENT)
    made = _class_with_assignments(live_server, instructor, student)

    sign_in(page, student)
    assert page.get_by_role("heading", level=1, name=re.compile("Welcome back")).is_visible()
    due = page.get_by_role("table", name=re.compile("assignments of your classes"))
    waiting_row = due.get_by_role("row", name=re.compile(re.escape(made["waiting"])))
    assert waiting_row.get_by_role("cell", name="Not started").is_visible()
    assert waiting_row.get_by_role("button", name=f"Start {made['waiting']} for HIST 210: Home").is_visible()
    started_row = due.get_by_role("row", name=re.compile(re.escape(made["started"])))
    assert started_row.get_by_role("cell", name="In progress").is_visible()
    assert page.get_by_role("heading", name="Spaced review").is_visible()
    assert page.get_by_role("heading", name="Read next").is_visible()
    assert_accessible(page)

    page.get_by_role("link", name=f"Continue {made['started']}", exact=True).click()
    page.wait_for_url(f"**/attempts/{made['attempt_id']}")
    assert page.get_by_role("heading", level=1, name=made["started"]).is_visible()


def test_an_instructor_home_shows_their_classes_and_what_closes_soon(page, live_server, live_user):
    instructor, student = live_user(Role.INSTRUCTOR), live_user(Role.STUDENT)
    made = _class_with_assignments(live_server, instructor, student)

    sign_in(page, instructor)
    assert page.get_by_role("heading", name="Waiting for grading").is_visible()
    closing = page.get_by_role("table", name=re.compile("closing in the next 7 days"))
    assert closing.get_by_role("row", name=re.compile(re.escape(made["waiting"]))).is_visible()
    assert closing.get_by_role("row", name=re.compile(re.escape(made["started"]))).get_by_text("0 of 1").is_visible()
    assert_accessible(page)

    page.get_by_role("link", name="HIST 210: Home", exact=True).click()
    page.wait_for_url(f"**/classes/{made['class_id']}")
    assert page.get_by_role("heading", level=1, name="HIST 210: Home").is_visible()
