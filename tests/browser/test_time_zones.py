"""Time zones in Chromium: an instructor in Paris assigns a quiz and reads its closing time back on her
clock; a student who chose no zone sees the class's on the attempt page, where the countdown still
runs; the form's "As the quiz says" hints follow the chosen quiz. axe-core checks the account page and
the assignment form."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from studyapp.domain import attempts, classes
from studyapp.extensions import db
from studyapp.models import Assignment, Class, Role, User
from tests.browser.conftest import assert_accessible, load_shipped, sign_in, visit

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture(scope="module", autouse=True)
def shipped_content(live_server):
    """The shipped quizzes: what the instructor assigns."""
    load_shipped(live_server)


def test_an_instructor_in_paris_assigns_and_a_student_sees_the_class_clock(page, browser, live_server, live_user):
    instructor = live_user(Role.INSTRUCTOR)
    student_email = live_user(Role.STUDENT)

    # The instructor chooses her zone on her account page.
    sign_in(page, instructor)
    visit(page, "/account")
    page.get_by_label("Your time zone").select_option("Europe/Paris")
    page.get_by_role("button", name="Save the time zone").click()
    page.wait_for_url("**/account")
    assert page.get_by_text("Times are shown, and typed on forms, in Europe/Paris").is_visible()
    assert_accessible(page)

    # She creates a class, whose zone stays UTC for now.
    visit(page, "/classes/new")
    page.get_by_label("Class name").fill("HIST 210: Paris")
    page.get_by_role("button", name="Create the class").click()
    page.wait_for_url(re.compile(r"/classes/\d+$"))
    class_url = page.url
    class_id = int(class_url.rsplit("/", 1)[1])

    # The assignment form names her zone and says what each quiz's own settings are.
    page.get_by_role("link", name="Assign a quiz").click()
    assert page.get_by_text("Times are in Europe/Paris, your own time zone").is_visible()
    assert_accessible(page)
    menu = page.get_by_label("Quiz")
    first = menu.input_value()
    limits = {
        row.get_attribute("data-quiz"): row.locator('[data-said="time_limit_minutes"]').inner_text()
        for row in page.locator("tr[data-quiz]").all()
    }
    assert page.locator("#time_limit_minutes-hint").inner_text() == f"As the quiz says: {limits[first]}"
    other = next(value for value, limit in limits.items() if limit != limits[first])
    for value in (other, first):  # another quiz, then back: the hints follow the select
        menu.select_option(value)
        row = page.locator(f'tr[data-quiz="{value}"]')
        assert page.locator("#time_limit_minutes-hint").inner_text() == f"As the quiz says: {limits[value]}"
        total = row.locator('[data-said="total"]').inner_text()
        assert page.locator("#quiz-hint").inner_text() == f"Worth {total} in all."
        grading = row.locator('[data-said="grading"]').inner_text()
        assert page.locator("#grading-hint").inner_text() == f"As the quiz says: {grading}"

    # She assigns it, closing at 18:00 on her clock in January (17:00 UTC), with a 20-minute limit.
    page.get_by_label("Closes (Europe/Paris)").fill("2037-01-15T18:00")
    page.get_by_label("Time limit in minutes").fill("20")
    page.get_by_role("button", name="Assign the quiz").click()
    page.wait_for_url(re.compile(r"/classes/\d+#assignments$"))
    assert page.get_by_role("cell", name="15 Jan 2037, 18:00 CET").is_visible()
    with live_server.app.app_context():
        assignment = db.session.scalar(select(Assignment).where(Assignment.class_id == class_id))
        assert assignment.closes_at == datetime(2037, 1, 15, 17, 0, tzinfo=UTC)
        assignment_id = assignment.id

    # Editing shows the time as she typed it.
    page.goto(f"{class_url}/assignments/{assignment_id}/edit")
    assert page.get_by_label("Closes (Europe/Paris)").input_value() == "2037-01-15T18:00"

    # She sets the class's zone to Paris on the class's page, for students who chose none.
    page.goto(class_url)
    page.get_by_label("Time zone").select_option("Europe/Paris")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(class_url)
    with live_server.app.app_context():
        assert db.session.get_one(Class, class_id).time_zone == "Europe/Paris"
        class_ = db.session.get_one(Class, class_id)
        user = db.session.scalar(select(User).where(User.email == student_email))
        classes.join_class(class_, user)
        assignment = db.session.get_one(Assignment, assignment_id)
        attempt = attempts.start_attempt(assignment.quiz, user, assignment=assignment)
        db.session.commit()
        attempt_id, deadline = attempt.id, attempt.deadline_at

    # A student who chose no zone reads the class's clock on the attempt page; the countdown runs.
    context = browser.new_context(base_url=live_server.url, timezone_id="America/New_York")
    student = context.new_page()
    student.set_default_timeout(10_000)
    try:
        sign_in(student, student_email)
        visit(student, f"/attempts/{attempt_id}")
        local = deadline.astimezone(PARIS)
        ends = student.locator(".timer time")
        assert ends.inner_text() == f"{local:%H:%M} {local.tzname()}"
        assert student.get_by_text("This quiz closes on 15 Jan 2037, 18:00 CET").is_visible()
        remaining = student.locator("[data-remaining]")
        student.wait_for_function(
            "el => /^\\d+:\\d\\d$/.test(el.textContent)", arg=remaining.element_handle(), timeout=5_000
        )
        first = remaining.inner_text()
        student.wait_for_function("([el, t]) => el.textContent !== t", arg=[remaining.element_handle(), first])
        assert int(remaining.inner_text().split(":")[0]) in (18, 19)
    finally:
        context.close()
