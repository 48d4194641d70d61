"""Account recovery: reset codes issued by instructors (for their students) and administrators (for anyone),
redeemed with the account's email, once, before they expire; reset links mailed through a real SMTP server
(aiosmtpd on loopback); one answer for every failure and for every email.

The rate limits are in tests/security/test_recovery_limits.py."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from studyapp.domain import classes as classes
from studyapp.domain import recovery
from studyapp.domain.passwords import HAS_NAME, TOO_COMMON
from studyapp.extensions import db
from studyapp.models import ResetCode, ResetKind, Role, User
from studyapp.models.base import utcnow
from studyapp.web.mail import wait_for_mail
from tests.conftest import CSRF_META, TEST_PASSWORD
from tests.web.mail_support import configure_mail, free_port, reset_link, smtp_inbox
from tests.web.test_classes_support import enrol, make_class

NEW_PASSWORD = "a kettle of quiet herons"
CODE_SHOWN = re.compile(r'<p class="reset-code">.*?([A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4})</p>', re.S)
REFUSED = "That email and code do not match a valid reset code."


# --- helpers ----------------------------------------------------------------------------------------------------


def issue(client, user) -> str:
    """Issue a reset code for `user` as whoever `client` is signed in as; return the code the page shows."""
    response = client.post(f"/users/{user.id}/reset-code", data={"next": "/admin/users"})
    assert response.status_code == 200, response.status_code
    found = CODE_SHOWN.search(response.get_data(as_text=True))
    assert found, "the page shows no code"
    return found.group(1)


def redeem(client, email_address: str, code: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    return client.post(
        "/reset",
        data={
            "email": email_address,
            "code": code,
            "password": password,
            "confirm": password if confirm is None else confirm,
        },
    )


def codes_of(user) -> list[ResetCode]:
    db.session.expire_all()
    return list(db.session.scalars(select(ResetCode).where(ResetCode.user_id == user.id).order_by(ResetCode.id)))


def state() -> tuple:
    """Everything a reset may change: the accounts' password hashes and session tokens, and every code."""
    db.session.expire_all()
    users = db.session.execute(select(User.id, User.password_hash, User.session_token).order_by(User.id)).all()
    codes = db.session.execute(
        select(ResetCode.id, ResetCode.user_id, ResetCode.code_hash, ResetCode.used_at, ResetCode.expires_at).order_by(
            ResetCode.id
        )
    ).all()
    return users, codes


def answer(client, response) -> tuple:
    """What a visitor sees of a response: status, where it leads, and the page (the CSRF token masked)."""
    location = response.headers.get("Location")
    page = client.get(location) if location else response
    body = page.get_data(as_text=True)
    token = CSRF_META.search(body)
    if token:
        body = body.replace(token.group(1), "TOKEN")
    return response.status_code, location, body


def signs_in(app, email_address: str, password: str) -> bool:
    return app.test_client().post("/login", data={"email": email_address, "password": password}).status_code == 302


@pytest.fixture
def taught(make_user):
    """An instructor (not signed in) teaching a class with one student."""
    instructor = make_user(Role.INSTRUCTOR)
    student = make_user(Role.STUDENT, name="Ada Lovelace", email="countess@studyapp.example")
    class_ = make_class(instructor)
    enrol(class_, student)
    return instructor, student, class_


# --- who may issue a code ----------------------------------------------------------------------------------------


def test_an_instructor_issues_a_code_for_a_student_of_their_class(client, login, taught):
    instructor, student, class_ = taught
    login(instructor)
    response = client.post(f"/users/{student.id}/reset-code", data={"next": f"/classes/{class_.id}/roster"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    code = CODE_SHOWN.search(page).group(1)
    assert student.display_name in page and student.email in page and "/reset" in page and "48 hours" in page
    assert f'href="/classes/{class_.id}/roster"' in page, "the page leads back where the button was"
    [row] = codes_of(student)
    assert row.kind is ResetKind.CODE and row.created_by_id == instructor.id and row.used_at is None
    assert row.code_hash == recovery.hash_secret(code.replace("-", "")) and code.replace("-", "") not in row.code_hash
    assert timedelta(hours=47, minutes=59) < row.expires_at - row.created_at <= timedelta(hours=48)
    print(f"Recovery: an instructor issued {code} for their student; only its SHA-256 is stored")


def test_an_instructor_cannot_issue_a_code_for_anyone_else(client, login, make_user, taught):
    instructor, student, class_ = taught
    other_class = make_class(make_user(Role.INSTRUCTOR), name="Another class")
    elsewhere = make_user(Role.STUDENT)
    enrol(other_class, elsewhere)
    co_teacher, admin, loner, removed = (
        make_user(Role.INSTRUCTOR),
        make_user(Role.ADMIN),
        make_user(Role.STUDENT),
        make_user(Role.STUDENT),
    )
    enrol(class_, removed)
    classes.remove_student(class_, removed.id)
    classes.add_co_instructor(class_, co_teacher.email)
    db.session.commit()
    login(instructor)
    before = state()
    for target in (elsewhere, co_teacher, admin, loner, removed, instructor):
        response = client.post(f"/users/{target.id}/reset-code")
        assert response.status_code == 404, (target, response.status_code)
    assert client.post("/users/999999/reset-code").status_code == 404
    assert state() == before, "a refused request wrote something"
    # A student may issue none, not even for a classmate or for themselves.
    classmate = make_user(Role.STUDENT)
    enrol(class_, classmate)
    login(classmate)
    assert client.post(f"/users/{student.id}/reset-code").status_code == 404
    assert client.post(f"/users/{classmate.id}/reset-code").status_code == 404
    assert state()[1] == before[1]


def test_an_admin_issues_a_code_for_anyone(client, login, make_user, taught):
    instructor, student, _ = taught
    admin, other_admin = make_user(Role.ADMIN), make_user(Role.ADMIN)
    login(admin)
    for target in (student, instructor, other_admin, admin):
        issue(client, target)
        [row] = codes_of(target)
        assert row.created_by_id == admin.id


def test_the_buttons_are_on_the_roster_and_the_account_list(client, login, make_user, taught):
    instructor, student, class_ = taught
    login(instructor)
    roster = client.get(f"/classes/{class_.id}/roster").get_data(as_text=True)
    assert f'action="/users/{student.id}/reset-code"' in roster
    admin = make_user(Role.ADMIN)
    login(admin)
    accounts = client.get("/admin/users").get_data(as_text=True)
    for user in (instructor, student, admin):
        assert f'action="/users/{user.id}/reset-code"' in accounts
    assert 'href="/forgot"' in client.get("/login").get_data(as_text=True)


# --- redeeming a code --------------------------------------------------------------------------------------------


def test_a_code_sets_a_new_password_and_ends_every_session(app, client, login, signed_in, taught):
    instructor, student, _ = taught
    laptop = signed_in(student)
    assert laptop.get("/account").status_code == 200
    login(instructor)
    code = issue(client, student)
    visitor = app.test_client()
    assert visitor.get("/reset").status_code == 200
    response = redeem(visitor, student.email, code)
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert "Your new password is set" in visitor.get("/login").get_data(as_text=True)
    assert signs_in(app, student.email, NEW_PASSWORD)
    assert not signs_in(app, student.email, TEST_PASSWORD), "the old password still works"
    assert laptop.get("/account").status_code == 302, "a session from before the reset is still signed in"
    [row] = codes_of(student)
    assert row.used_at is not None
    print("Recovery: code redeemed; new password works, old one refused, earlier sessions signed out")


def test_a_code_works_once(client, login, taught):
    instructor, student, _ = taught
    login(instructor)
    code = issue(client, student)
    assert redeem(client, student.email, code).status_code == 302
    before = state()
    again = redeem(client, student.email, code, "another quiet evening")
    assert again.status_code == 422 and REFUSED in again.get_data(as_text=True)
    assert state() == before


def test_a_code_is_read_leniently(client, login, taught):
    instructor, student, _ = taught
    login(instructor)
    code = issue(client, student)
    typed = " " + code.replace("-", " ").lower() + " "
    assert redeem(client, "  COUNTESS@StudyApp.example ", typed).status_code == 302


def test_a_new_code_replaces_the_earlier_one(client, login, taught):
    instructor, student, _ = taught
    login(instructor)
    first = issue(client, student)
    second = issue(client, student)
    assert len(codes_of(student)) == 1
    assert redeem(client, student.email, first).status_code == 422
    assert redeem(client, student.email, second).status_code == 302


def test_an_expired_code_is_refused(client, login, taught):
    instructor, student, _ = taught
    login(instructor)
    code = issue(client, student)
    db.session.execute(update(ResetCode).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    before = state()
    response = redeem(client, student.email, code)
    assert response.status_code == 422 and REFUSED in response.get_data(as_text=True)
    assert "expire 48 hours after" in response.get_data(as_text=True)
    assert state() == before


def test_every_failure_gets_one_answer_and_changes_nothing(app, client, login, make_user, taught):
    instructor, student, class_ = taught
    classmate = make_user(Role.STUDENT)
    enrol(class_, classmate)
    login(instructor)
    code = issue(client, student)
    used = issue(client, classmate)
    assert redeem(client, classmate.email, used).status_code == 302
    expired_for = make_user(Role.STUDENT)
    enrol(class_, expired_for)
    expired = issue(client, expired_for)
    db.session.execute(
        update(ResetCode).where(ResetCode.user_id == expired_for.id).values(expires_at=utcnow() - timedelta(hours=1))
    )
    db.session.commit()
    wrong = code[:-1] + ("A" if code[-1] != "A" else "B")
    tries = {
        "an unknown email": ("nobody@studyapp.example", code),
        "a wrong code": (student.email, wrong),
        "another account's code": (classmate.email, code),
        "a used code": (classmate.email, used),
        "an expired code": (expired_for.email, expired),
        "a code too short": (student.email, code[:8]),
        "an unknown email and a wrong code": ("nobody@studyapp.example", wrong),
    }
    before = state()
    answers = {}
    for label, (email_address, typed) in tries.items():
        visitor = app.test_client()
        status, location, body = answer(visitor, redeem(visitor, email_address, typed))
        found = re.search(r'<div class="form-errors" role="alert">(.*?)</div>', body, re.S)
        answers[label] = (status, location, found.group(1).strip() if found else None)
    assert len(set(answers.values())) == 1, answers
    status, location, message = next(iter(answers.values()))
    assert status == 422 and location is None and REFUSED in message
    assert state() == before, "a refused reset wrote something"
    print(f"Recovery: {len(tries)} kinds of failure, one answer: {message[:80]}…")


@pytest.mark.parametrize(
    ("password", "confirm", "message"),
    [
        ("password1", None, TOO_COMMON),
        ("short", None, "Use at least 8 characters"),
        (NEW_PASSWORD, "something else entirely", "The two passwords differ."),
        ("countess2024!", None, "contains your email address"),
        ("Lovelace1815", None, HAS_NAME),  # the account's name: checked once the code is known to be right
    ],
)
def test_the_password_rules_apply_and_the_code_stays_valid(client, login, taught, password, confirm, message):
    instructor, student, _ = taught
    login(instructor)
    code = issue(client, student)
    before = state()
    response = redeem(client, student.email, code, password, confirm)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message[:40] in body, body[:3000]
    assert REFUSED not in body
    assert state() == before
    assert redeem(client, student.email, code).status_code == 302, "the code stopped working"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("email", "not-an-email", "Invalid email address."), ("code", "", "This field is required.")],
)
def test_bad_input_names_the_field(client, login, taught, field, value, message):
    instructor, student, _ = taught
    login(instructor)
    code = issue(client, student)
    before = state()
    data = {"email": student.email, "code": code, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD, field: value}
    response = client.post("/reset", data=data)
    assert response.status_code == 422
    found = re.search(rf'id="{field}-error">(.*?)</p>', response.get_data(as_text=True), re.S)
    assert found and message in found.group(1)
    assert state() == before


def test_a_redeemed_code_drops_the_accounts_other_codes_and_links(client, login, taught):
    instructor, student, _ = taught
    recovery.request_reset_link(student.email)
    db.session.commit()
    login(instructor)
    code = issue(client, student)
    kinds = sorted(row.kind.value for row in codes_of(student))
    assert kinds == ["code", "link"], "asking for a link must not cancel a code, nor a code a link"
    assert redeem(client, student.email, code).status_code == 302
    assert [(row.kind, row.used_at is not None) for row in codes_of(student)] == [(ResetKind.CODE, True)]


# --- mailed links ---------------------------------------------------------------------------------------------------


@pytest.fixture
def inbox(app):
    """A real SMTP server on loopback (aiosmtpd), and the app set to send through it."""
    with smtp_inbox(app) as handler:
        yield handler


def ask_for_link(client, email_address: str):
    return client.post("/forgot", data={"email": email_address})


def test_a_mailed_link_sets_a_new_password(app, client, inbox, make_user, signed_in):
    student = make_user(Role.STUDENT)
    laptop = signed_in(student)
    page = client.get("/forgot").get_data(as_text=True)
    assert 'name="email"' in page and "1 hour" in page
    response = ask_for_link(client, student.email.upper())
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert "If an account has this email, a link is on its way; it works for 1 hour." in client.get("/login").get_data(
        as_text=True
    )
    [message] = inbox.received()
    assert message["To"] == student.email and message["X-Envelope-To"] == student.email
    assert message["From"] == "studyapp <no-reply@school.example>" and "password" in message["Subject"]
    assert "It works once, for 1 hour" in message.get_content()
    link = reset_link(message)
    [row] = codes_of(student)
    assert row.kind is ResetKind.LINK and row.created_by_id is None and link.rsplit("/", 1)[1] not in row.code_hash
    form = client.get(link)
    assert form.status_code == 200 and student.email in form.get_data(as_text=True)
    assert codes_of(student)[0].used_at is None, "opening the link spent it"
    done = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert signs_in(app, student.email, NEW_PASSWORD) and not signs_in(app, student.email, TEST_PASSWORD)
    assert laptop.get("/account").status_code == 302, "a session from before the reset is still signed in"
    again = client.get(link)
    assert again.status_code == 404 and "This reset link does not work." in again.get_data(as_text=True)
    before = state()
    assert (
        client.post(link, data={"password": "one more new phrase", "confirm": "one more new phrase"}).status_code == 404
    )
    assert state() == before
    print("Recovery: a link mailed through SMTP (aiosmtpd) set a new password, once")


def test_the_answer_is_the_same_for_an_email_without_an_account(app, inbox, make_user):
    student = make_user(Role.STUDENT)
    known, unknown = app.test_client(), app.test_client()
    known_answer = answer(known, ask_for_link(known, student.email))
    unknown_answer = answer(unknown, ask_for_link(unknown, "nobody@studyapp.example"))
    assert known_answer == unknown_answer
    assert [m["To"] for m in inbox.received()] == [student.email], "mail went to an address without an account"
    assert db.session.scalar(select(func.count()).select_from(ResetCode)) == 1


def test_a_mail_server_that_is_down_changes_nothing_in_the_answer(app, inbox, make_user, caplog):
    student = make_user(Role.STUDENT)
    working = app.test_client()
    working_answer = answer(working, ask_for_link(working, student.email))
    assert len(inbox.received()) == 1
    configure_mail(app, free_port())  # nothing listens there
    down = app.test_client()
    with caplog.at_level(logging.WARNING, logger="studyapp.web.mail"):
        down_answer = answer(down, ask_for_link(down, student.email))
        wait_for_mail()
    assert down_answer == working_answer, "a mail server that is down changed the answer"
    assert any("not sent" in record.getMessage() for record in caplog.records), caplog.text
    assert "/reset/" not in caplog.text, "the log holds a reset link"


def test_a_newer_link_replaces_an_older_one_and_links_expire(client, inbox, make_user):
    student = make_user(Role.STUDENT)
    ask_for_link(client, student.email)
    [older] = [reset_link(message) for message in inbox.received()]
    ask_for_link(client, student.email)
    [newer] = [reset_link(message) for message in inbox.received()]
    assert client.get(older).status_code == 404
    assert client.get(newer).status_code == 200
    db.session.execute(update(ResetCode).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    expired = client.get(newer)
    assert expired.status_code == 404 and "expire 1 hour after" in expired.get_data(as_text=True)


def test_a_link_applies_the_password_rules_with_the_accounts_name(client, inbox, make_user):
    student = make_user(Role.STUDENT, name="Grace Hopper", email="ghopper@studyapp.example")
    ask_for_link(client, student.email)
    [message] = inbox.received()
    link = reset_link(message)
    before = state()
    refused = client.post(link, data={"password": "Hopper1906", "confirm": "Hopper1906"})
    assert refused.status_code == 422 and "contains your name" in refused.get_data(as_text=True)
    assert state() == before
    assert client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302


def test_a_forged_host_does_not_change_where_the_link_leads(client, inbox, make_user):
    student = make_user(Role.STUDENT)
    page = client.get("/forgot", base_url="http://evil.example")
    token = CSRF_META.search(page.get_data(as_text=True)).group(1)
    response = client.post(
        "/forgot",
        data={"email": student.email},
        base_url="http://evil.example",
        headers={"X-CSRFToken": token},
        csrf=False,
    )
    assert response.status_code == 302
    [message] = inbox.received()
    assert "evil.example" not in message.get_content()
    assert reset_link(message).startswith("/reset/")


def test_without_mail_the_page_says_whom_to_ask(client, make_user):
    student = make_user(Role.STUDENT)
    page = client.get("/forgot")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'name="email"' not in text
    assert "ask the instructor" in text and "administrator" in text and 'href="/reset"' in text
    assert ask_for_link(client, student.email).status_code == 200
    assert codes_of(student) == [], "a link was made with no way to send it"
    # A mail server alone is not enough: links need the address students use (PUBLIC_URL).
    configure_mail(client.application, free_port())
    client.application.config["PUBLIC_URL"] = ""
    assert 'name="email"' not in client.get("/forgot").get_data(as_text=True)
    assert ask_for_link(client, student.email).status_code == 200
    assert codes_of(student) == []
