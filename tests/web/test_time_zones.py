"""Times in the user's time zone: typed on the assignment form in the zone that applies, stored in UTC,
shown back on that zone's clock; the zone chosen on the account page and on the class's page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from studyapp.extensions import db
from studyapp.models import Assignment, Attempt, Class, Role, User
from tests.web.test_classes_support import assign, enrol, fixed_quiz, make_class, shipped_questions

PARIS = ZoneInfo("Europe/Paris")


def form_data(quiz, **values) -> dict:
    data = {
        "quiz": str(quiz.id),
        "opens_at": "",
        "closes_at": "",
        "time_limit_minutes": "",
        "max_attempts": "",
        "grading": "",
        "review": "",
        "layout": "",
        "shuffle_questions": "",
        "shuffle_choices": "",
    }
    data.update(values)
    return data


def set_class_zone(client, class_: Class, zone: str):
    return client.post(f"/classes/{class_.id}/edit", data={"name": class_.name, "term": class_.term, "time_zone": zone})


def set_own_zone(client, zone: str):
    return client.post("/account", data={"zone-time_zone": zone})


def assignment_of(class_: Class) -> Assignment | None:
    db.session.expire_all()
    return db.session.scalar(select(Assignment).where(Assignment.class_id == class_.id))


@pytest.mark.content
@pytest.mark.parametrize(
    ("typed", "stored", "shown"),
    [
        ("2027-01-15T18:00", datetime(2027, 1, 15, 17, 0, tzinfo=UTC), "15 Jan 2027, 18:00 CET"),  # winter: UTC+1
        ("2027-07-15T18:00", datetime(2027, 7, 15, 16, 0, tzinfo=UTC), "15 Jul 2027, 18:00 CEST"),  # summer: UTC+2
    ],
)
def test_a_closing_time_typed_in_the_class_zone_is_stored_in_utc_and_shown_back(
    client, instructor, typed, stored, shown
):
    class_ = make_class(instructor)
    quiz = fixed_quiz(shipped_questions("single", 2), title="Whose words?")
    assert set_class_zone(client, class_, "Europe/Paris").status_code == 302
    assert db.session.get(Class, class_.id).time_zone == "Europe/Paris"

    form = client.get(f"/classes/{class_.id}/assignments/new").get_data(as_text=True)
    assert "Times are in <strong>Europe/Paris</strong>, the class's time zone" in form
    assert "Closes (Europe/Paris)" in form

    response = client.post(f"/classes/{class_.id}/assignments/new", data=form_data(quiz, closes_at=typed))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assignment = assignment_of(class_)
    assert assignment.closes_at == stored

    # Shown back on the class's page and, on its form, as the time typed.
    assert shown in client.get(f"/classes/{class_.id}").get_data(as_text=True)
    edit = client.get(f"/classes/{class_.id}/assignments/{assignment.id}/edit").get_data(as_text=True)
    assert f'value="{typed}"' in edit


@pytest.mark.content
def test_a_time_the_clocks_skip_is_a_form_error_and_nothing_changes(client, instructor):
    class_ = make_class(instructor)
    quiz = fixed_quiz(shipped_questions("single", 2))
    set_class_zone(client, class_, "Europe/Paris")
    # 28 March 2027: Paris clocks go from 02:00 straight to 03:00.
    gap = form_data(quiz, closes_at="2027-03-28T02:30")

    response = client.post(f"/classes/{class_.id}/assignments/new", data=gap)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "28 Mar 2027, 02:30 does not exist in Europe/Paris" in page
    assert assignment_of(class_) is None

    assignment = assign(class_, quiz, closes_at=datetime(2027, 4, 1, 10, 0, tzinfo=UTC))
    response = client.post(f"/classes/{class_.id}/assignments/{assignment.id}/edit", data=gap)
    assert response.status_code == 422
    assert "does not exist in Europe/Paris" in response.get_data(as_text=True)
    assert assignment_of(class_).closes_at == datetime(2027, 4, 1, 10, 0, tzinfo=UTC)


@pytest.mark.content
def test_a_repeated_time_means_its_first_occurrence(client, instructor):
    class_ = make_class(instructor)
    quiz = fixed_quiz(shipped_questions("single", 2))
    set_class_zone(client, class_, "Europe/Paris")
    # 31 October 2027: Paris clocks go from 03:00 back to 02:00; 02:30 happens twice, first on summer time.
    response = client.post(f"/classes/{class_.id}/assignments/new", data=form_data(quiz, closes_at="2027-10-31T02:30"))
    assert response.status_code == 302
    assert assignment_of(class_).closes_at == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)


def test_an_unknown_zone_is_refused_on_the_account_page(client, student):
    page = client.get("/account").get_data(as_text=True)
    assert '<option value="Europe/Paris">Europe/Paris</option>' in page
    response = set_own_zone(client, "Mars/Olympus")
    assert response.status_code == 422
    assert "Not a valid choice" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, student.id).time_zone is None

    assert set_own_zone(client, "Europe/Paris").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, student.id).time_zone == "Europe/Paris"
    assert "Times are shown, and typed on forms, in <strong>Europe/Paris</strong>" in client.get("/account").get_data(
        as_text=True
    )
    # Choosing none again goes back to the class's zone or UTC.
    assert set_own_zone(client, "").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, student.id).time_zone is None


def test_the_password_form_still_works_beside_the_zone_form(client, student):
    response = client.post("/account", data={"current": "wrong password", "password": "", "confirm": ""})
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(User, student.id).time_zone is None


def test_an_unknown_zone_is_refused_on_the_class_page(client, instructor):
    class_ = make_class(instructor)
    response = set_class_zone(client, class_, "Europe/Atlantis")
    assert response.status_code == 422
    assert "Not a valid choice" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Class, class_.id).time_zone == "UTC"


def start(client, assignment: Assignment) -> tuple[Attempt, str]:
    response = client.post(f"/assignments/{assignment.id}/start")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    attempt = db.session.scalar(select(Attempt).where(Attempt.assignment_id == assignment.id))
    return attempt, client.get(f"/attempts/{attempt.id}").get_data(as_text=True)


def on_clock(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{local:%H:%M} {local.tzname()}"


@pytest.mark.content
def test_a_student_who_chose_no_zone_sees_the_class_zone(client, make_user, login):
    teacher = make_user(Role.INSTRUCTOR)
    class_ = make_class(teacher)
    student = make_user(Role.STUDENT)
    enrol(class_, student)
    db.session.get(Class, class_.id).time_zone = "Europe/Paris"
    db.session.commit()
    closes = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=3)
    quiz = fixed_quiz(shipped_questions("single", 2), time_limit_minutes=20)
    assignment = assign(class_, quiz, closes_at=closes)

    login(student)
    attempt, page = start(client, assignment)
    assert re.search(rf"ends at <time[^>]*>{on_clock(attempt.deadline_at, PARIS)}</time>", page)
    local = closes.astimezone(PARIS)
    assert f"This quiz closes on {local:%-d %b %Y, %H:%M} {local.tzname()}" in page
    assert "UTC" not in re.search(r'<div class="attempt-status">.*?</div>', page, re.S).group(0)


@pytest.mark.content
def test_the_user_zone_wins_over_the_class_zone(client, make_user, login):
    teacher = make_user(Role.INSTRUCTOR)
    class_ = make_class(teacher)
    student = make_user(Role.STUDENT)
    enrol(class_, student)
    db.session.get(Class, class_.id).time_zone = "Europe/Paris"
    db.session.commit()
    quiz = fixed_quiz(shipped_questions("single", 2), time_limit_minutes=20)
    assignment = assign(class_, quiz)

    login(student)
    assert set_own_zone(client, "America/Chicago").status_code == 302
    attempt, page = start(client, assignment)
    assert re.search(rf"ends at <time[^>]*>{on_clock(attempt.deadline_at, ZoneInfo('America/Chicago'))}</time>", page)

    # An instructor's own zone wins on the assignment form too: typed and stored on their clock.
    login(teacher)
    assert set_own_zone(client, "Asia/Tokyo").status_code == 302
    form = client.get(f"/classes/{class_.id}/assignments/{assignment.id}/edit").get_data(as_text=True)
    assert "Times are in <strong>Asia/Tokyo</strong>, your own time zone" in form
    response = client.post(
        f"/classes/{class_.id}/assignments/{assignment.id}/edit", data=form_data(quiz, closes_at="2027-01-15T18:00")
    )
    assert response.status_code == 302
    assert assignment_of(class_).closes_at == datetime(2027, 1, 15, 9, 0, tzinfo=UTC)
    assert "15 Jan 2027, 18:00 JST" in client.get(f"/classes/{class_.id}").get_data(as_text=True)
