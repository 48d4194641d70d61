"""What cannot be undone asks first, in Chromium with JavaScript off: a new join code, removing a student,
removing an assignment; axe-core checks each question page with JavaScript on."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from studyapp.domain import classes
from studyapp.extensions import db
from studyapp.models import Assignment, Class, Membership, Quiz, Role, User
from tests.browser.conftest import load_shipped, sign_in, visit


@pytest.fixture(scope="module", autouse=True)
def shipped_content(live_server):
    load_shipped(live_server)


def _class_with_a_student_and_an_assignment(live_server, instructor: str, student: str) -> tuple[int, int, int, str]:
    with live_server.app.app_context():
        teacher = db.session.scalar(select(User).where(User.email == instructor))
        pupil = db.session.scalar(select(User).where(User.email == student))
        class_ = classes.create_class(teacher, name="Period 5: Arms control")
        classes.join_class(class_, pupil)
        quiz = db.session.scalar(select(Quiz).where(Quiz.owner_id.is_(None)).order_by(Quiz.id))
        assignment = classes.save_assignment(class_, None, quiz, {})
        db.session.commit()
        return class_.id, assignment.id, pupil.id, class_.join_code


def test_each_irreversible_action_asks_first_without_javascript(page, page_without_js, live_server, live_user):
    instructor, student = live_user(Role.INSTRUCTOR), live_user(Role.STUDENT)
    class_id, assignment_id, pupil_id, code = _class_with_a_student_and_an_assignment(live_server, instructor, student)

    # With JavaScript on, each question page passes axe-core.
    sign_in(page, instructor)
    visit(page, f"/classes/{class_id}/join-code")
    visit(page, f"/classes/{class_id}/roster/{pupil_id}/remove")
    visit(page, f"/classes/{class_id}/assignments/{assignment_id}/delete")

    nojs = page_without_js
    sign_in(nojs, instructor)
    nojs.goto(f"/classes/{class_id}")
    nojs.get_by_role("link", name="New join code…").click()
    assert nojs.get_by_role("heading", name="Give Period 5: Arms control a new join code?").is_visible()
    nojs.get_by_role("link", name="Cancel").click()  # cancelling changes nothing
    nojs.wait_for_url(re.compile(rf"/classes/{class_id}$"))
    assert nojs.locator("#join-code").inner_text().strip() == code
    nojs.get_by_role("link", name="New join code…").click()
    nojs.get_by_role("button", name="Make a new join code").click()
    nojs.wait_for_url(re.compile(rf"/classes/{class_id}$"))
    new_code = nojs.locator("#join-code").inner_text().strip()
    assert new_code != code and nojs.get_by_text(f"The new join code is {new_code}").is_visible()

    nojs.goto(f"/classes/{class_id}/roster")
    nojs.get_by_role("link", name=re.compile(r"Remove… Student")).click()
    assert nojs.get_by_role("heading", name=re.compile(r"^Remove Student .* from Period 5")).is_visible()
    nojs.get_by_role("button", name=re.compile(r"^Remove Student")).click()
    nojs.wait_for_url(re.compile(rf"/classes/{class_id}/roster$"))
    assert nojs.get_by_text(re.compile(r"Removed Student .* from the class")).is_visible()

    nojs.goto(f"/classes/{class_id}")
    nojs.get_by_role("link", name=re.compile(r"^Remove…")).click()
    assert nojs.get_by_text("Nobody has started it").is_visible()
    nojs.get_by_role("button", name=re.compile(r"^Remove ")).click()
    nojs.wait_for_url(re.compile(rf"/classes/{class_id}#assignments$"))
    assert nojs.get_by_text("The assignment is removed.").is_visible()

    with live_server.app.app_context():
        assert db.session.get(Assignment, assignment_id) is None
        assert db.session.scalar(select(Membership).where(Membership.user_id == pupil_id)) is None
        assert db.session.get(Class, class_id).join_code == new_code
