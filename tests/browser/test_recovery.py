"""Account recovery in Chromium: an instructor issues a reset code from the roster, the student sets a new
password with it; the pages for asking for a link and for a link that no longer works. axe-core checks each."""

from __future__ import annotations

import re

from studyapp.domain import accounts, classes
from studyapp.extensions import db
from studyapp.models import Role
from tests.browser.conftest import assert_accessible, sign_in

NEW_PASSWORD = "a kettle of quiet herons"


def test_a_code_from_the_roster_sets_a_new_password(page, live_server, live_user):
    instructor_email, student_email = live_user(Role.INSTRUCTOR), live_user(Role.STUDENT)
    with live_server.app.app_context():
        instructor, student = accounts.find_user(instructor_email), accounts.find_user(student_email)
        class_ = classes.create_class(instructor, name="HIST 210: Détente")
        classes.join_class(class_, student)
        db.session.commit()
        class_id, student_name = class_.id, student.display_name

    sign_in(page, instructor_email)
    page.goto(f"/classes/{class_id}/roster")
    assert_accessible(page)
    page.get_by_role("button", name=f"Reset code for {student_name}").click()
    assert page.get_by_role("heading", name=f"Reset code for {student_name}").is_visible()
    assert_accessible(page)
    code = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", page.locator(".reset-code").inner_text()).group(0)
    page.get_by_role("button", name="Sign out").click()

    page.goto("/login")
    page.get_by_role("link", name="Forgot your password?").click()
    assert page.get_by_text("ask the instructor of one of your classes").is_visible()
    assert_accessible(page)
    page.get_by_role("link", name="set a new password").click()
    assert_accessible(page)
    page.get_by_label("Email").fill(student_email)
    page.get_by_label("Reset code").fill("ABCD-EFGH-JKMN")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set the new password").click()
    assert page.get_by_role("alert").get_by_text("do not match a valid reset code").is_visible()
    assert_accessible(page)
    page.get_by_label("Reset code").fill(code.lower())
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set the new password").click()
    page.wait_for_url("**/login")
    assert page.get_by_text("Your new password is set").is_visible()
    sign_in(page, student_email, NEW_PASSWORD)
    assert page.get_by_role("link", name=student_name).is_visible()


def test_the_link_pages_are_accessible(page, live_server):
    config = live_server.app.config
    saved = {name: config[name] for name in ("MAIL_SERVER", "PUBLIC_URL")}
    config.update(MAIL_SERVER="127.0.0.1", PUBLIC_URL=live_server.url)  # only shown here: nothing is posted
    try:
        page.goto("/forgot")
        assert page.get_by_role("button", name="Send me a link").is_visible()
        assert_accessible(page)
    finally:
        config.update(saved)
    response = page.goto("/reset/no-such-link")
    assert response.status == 404
    assert page.get_by_text("This reset link does not work.").is_visible()
    assert_accessible(page)
