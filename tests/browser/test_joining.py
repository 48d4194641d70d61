"""A class behind one school address joins in Chromium: forty sign-ups with the join code, none refused;
sign-ups without a code are still limited, and the refusal says how long to wait."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import func, select

from studyapp.domain import classes
from studyapp.extensions import db
from studyapp.models import Membership, Role, User
from tests.browser.conftest import assert_accessible

PASSPHRASE = "a long enough phrase for class"


def _sign_up(page, name: str, code: str = "") -> None:
    page.goto(f"/signup?join_code={code}" if code else "/signup")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email").fill(f"{uuid.uuid4().hex[:10]}@school.example")
    page.get_by_label("Password", exact=True).fill(PASSPHRASE)
    page.get_by_label("Repeat the password").fill(PASSPHRASE)
    page.get_by_role("button", name="Create account").click()


def test_forty_students_join_one_class_from_one_address(page, live_server, live_user):
    owner = live_user(Role.INSTRUCTOR)
    with live_server.app.app_context():
        teacher = db.session.scalar(select(User).where(User.email == owner))
        class_ = classes.create_class(teacher, name="Period 3: The Cold War")
        db.session.commit()
        class_id, code = class_.id, class_.join_code

    for n in range(40):  # one browser, one address: a classroom behind the school's NAT
        _sign_up(page, f"Pupil {n}", code)
        page.wait_for_url("**/login")
        assert page.get_by_text("Your account is ready").is_visible(), n
    assert_accessible(page)

    with live_server.app.app_context():
        joined = db.session.scalar(
            select(func.count()).where(Membership.class_id == class_id, Membership.role == "student")
        )
    assert joined == 40


def test_sign_ups_without_a_code_are_limited_and_told_how_long_to_wait(page, live_server):
    config = live_server.app.config
    saved = config["SIGNUP_LIMIT"]
    config["SIGNUP_LIMIT"] = "2 per hour"  # its own window: the usual allowance of this address is untouched
    try:
        for n in range(2):
            _sign_up(page, f"Walk-in {n}")
            page.wait_for_url("**/login")
        _sign_up(page, "One too many")
        assert page.get_by_role("heading", name="Too many attempts").is_visible()
        message = page.get_by_text(re.compile(r"Try again in \d+ minutes")).inner_text()
        minutes = int(re.search(r"Try again in (\d+) minutes", message).group(1))
        assert 55 <= minutes <= 60, message
        assert_accessible(page)
    finally:
        config["SIGNUP_LIMIT"] = saved
