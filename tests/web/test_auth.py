"""Accounts: sign-up, log-in, log-out, passwords, throttling, roles."""

from __future__ import annotations

import re
from datetime import UTC

import pytest
from sqlalchemy import func, select

from studyapp.domain.passwords import HASHER
from studyapp.extensions import db
from studyapp.models import Role, User
from tests.conftest import TEST_PASSWORD


def user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def signup(client, **overrides):
    data = {
        "display_name": "Ada Student",
        "email": "ada@studyapp.example",
        "password": "a long enough phrase",
        "confirm": "a long enough phrase",
    }
    data.update(overrides)
    return client.post("/signup", data=data)


def test_student_signs_up_then_signs_in_logs_out_and_back_in(client):
    response = signup(client)
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    user = db.session.scalar(select(User).where(User.email == "ada@studyapp.example"))
    assert user.role is Role.STUDENT and user.display_name == "Ada Student"
    page = client.get("/login").get_data(as_text=True)
    assert "Your account is ready: sign in with your email and password." in page
    assert "Ada Student" not in client.get("/").get_data(as_text=True), "sign-up signs nobody in"

    response = client.post("/login", data={"email": "ADA@studyapp.example ", "password": "a long enough phrase"})
    assert response.status_code == 302
    assert "Ada Student" in client.get("/").get_data(as_text=True)

    assert client.post("/logout").status_code == 302
    assert "Ada Student" not in client.get("/").get_data(as_text=True)

    response = client.post("/login", data={"email": "ada@studyapp.example", "password": "a long enough phrase"})
    assert response.status_code == 302
    assert "Ada Student" in client.get("/").get_data(as_text=True)


#: A CSRF token in the meta tag or in a form's hidden field.
CSRF_VALUE = re.compile(r'((?:content|value)=")[\w.-]{60,}(")')


def _answer(client, response) -> tuple:
    """What a sign-up shows: its status, where it leads, and that page (the session's flash included)."""
    location = response.headers.get("Location")
    page = client.get(location).get_data(as_text=True) if location else response.get_data(as_text=True)
    return (response.status_code, location, _tokens_out(page), _tokens_out(client.get("/").get_data(as_text=True)))


def _tokens_out(page: str) -> str:
    """A page without its CSRF tokens, which carry the second they were made in."""
    return CSRF_VALUE.sub(r"\1TOKEN\2", page)


def test_sign_up_with_a_taken_email_answers_as_a_new_one_and_changes_nothing(app, make_user):
    owner = make_user(email="taken@studyapp.example", name="Owner")
    before = (user_count(), owner.password_hash, owner.display_name, owner.session_token)
    taken, new = app.test_client(), app.test_client()
    taken_answer = _answer(taken, signup(taken, email="Taken@StudyApp.example", display_name="Somebody Else"))
    new_answer = _answer(new, signup(new, email="new@studyapp.example", display_name="Somebody Else"))
    assert taken_answer == new_answer, "sign-up tells a taken email from a new one"
    assert "already exists" not in taken_answer[2]
    db.session.refresh(owner)
    assert (user_count() - 1, owner.password_hash, owner.display_name, owner.session_token) == before
    # The owner signs in with their own password, as before; the one typed at sign-up does nothing.
    assert taken.post("/login", data={"email": owner.email, "password": "a long enough phrase"}).status_code == 401
    assert taken.post("/login", data={"email": owner.email, "password": TEST_PASSWORD}).status_code == 302
    print("Sign-up: a taken email gets the same answer as a new one; the account is unchanged")


def test_co_instructor_form_does_not_tell_who_has_an_account(client, make_user, instructor):
    from tests.web.test_classes_support import make_class

    class_ = make_class(instructor)
    student = make_user(Role.STUDENT)
    answers = []
    for email in ("nobody@studyapp.example", student.email):
        response = client.post(f"/classes/{class_.id}/instructors", data={"email": email})
        assert response.status_code == 422
        found = re.search(r'id="email-error">(.*?)</p>', response.get_data(as_text=True), re.S)
        assert found is not None
        answers.append(found.group(1).replace(email, "EMAIL"))
    assert answers[0] == answers[1], answers
    assert student.email not in answers[1]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"password": "short", "confirm": "short"}, "Use at least 8 characters"),
        ({"confirm": "something else"}, "The two passwords differ."),
        ({"email": "not-an-email"}, "Invalid email address."),
        ({"display_name": ""}, "This field is required."),
    ],
)
def test_bad_signup_input_says_what_is_wrong(client, overrides, message):
    response = signup(client, **overrides)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert user_count() == 0


def test_wrong_password_and_unknown_account_get_the_same_message(client, make_user):
    user = make_user()
    wrong = client.post("/login", data={"email": user.email, "password": "not the password"})
    unknown = client.post("/login", data={"email": "nobody@studyapp.example", "password": "not the password"})
    message = "That email and password do not match an account."
    assert wrong.status_code == unknown.status_code == 401
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)


def test_too_many_failures_for_one_account_from_one_browser_get_429(client, app, make_user):
    user = make_user()
    allowed = int(app.config["LOGIN_LIMIT_PAIR"].split()[0])
    for _ in range(allowed):
        assert client.post("/login", data={"email": user.email, "password": "wrong password"}).status_code == 401
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 429
    body = response.get_data(as_text=True)
    assert "Too many attempts" in body
    # The same answer for an account that does not exist: nothing reveals which accounts exist.
    for _ in range(allowed):
        client.post("/login", data={"email": "ghost@studyapp.example", "password": "wrong password"})
    ghost = client.post("/login", data={"email": "ghost@studyapp.example", "password": "wrong password"})
    assert ghost.status_code == 429 and "Too many attempts" in ghost.get_data(as_text=True)


def test_successful_logins_do_not_count_towards_the_limit(client, app, make_user):
    user = make_user()
    allowed = int(app.config["LOGIN_LIMIT_ACCOUNT"].split()[0])
    for _ in range(allowed + 2):
        assert client.post("/login", data={"email": user.email, "password": TEST_PASSWORD}).status_code == 302


def test_too_many_failures_from_one_address_get_429(client, app):
    allowed = int(app.config["LOGIN_LIMIT_ADDRESS"].split()[0])
    for n in range(allowed):
        client.post("/login", data={"email": f"user{n}@studyapp.example", "password": "wrong password"})
    response = client.post("/login", data={"email": "another@studyapp.example", "password": "wrong password"})
    assert response.status_code == 429


def test_post_without_csrf_token_is_refused_and_changes_nothing(client):
    response = client.post(
        "/signup",
        data={
            "display_name": "X",
            "email": "x@studyapp.example",
            "password": "longpassword",
            "confirm": "longpassword",
        },
        csrf=False,
    )
    assert response.status_code == 400
    assert "did not come from this site" in response.get_data(as_text=True)
    assert user_count() == 0


def test_csrf_token_has_no_time_limit(app):
    assert app.config["WTF_CSRF_TIME_LIMIT"] is None


def test_tampered_session_cookie_is_treated_as_logged_out(client, make_user, login):
    user = make_user()
    login(user)
    cookie = client.get_cookie("session")
    assert cookie is not None
    client.set_cookie("session", cookie.value[:-3] + ("AAA" if not cookie.value.endswith("AAA") else "BBB"))
    response = client.get("/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_replayed_cookie_after_logout_is_refused(client, make_user, login):
    user = make_user()
    login(user)
    stolen = client.get_cookie("session").value
    client.post("/logout")
    client.set_cookie("session", stolen)
    response = client.get("/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_signing_out_clears_what_the_device_keeps(client, make_user, login):
    """The quiz pages kept for a lost connection and the answers kept on the device go with the session."""
    login(make_user())
    response = client.post("/logout")
    assert response.status_code == 302
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
    assert "Clear-Site-Data" not in client.get("/").headers


def test_the_session_lasts_twelve_hours_from_sign_in_and_pages_do_not_resend_it(client, make_user, login):
    from datetime import datetime, timedelta

    user = make_user()
    signed_in = login(user)
    cookie = next(h for h in signed_in.headers.getlist("Set-Cookie") if h.startswith("session="))
    expires = datetime.strptime(cookie.split("Expires=")[1].split(";")[0], "%a, %d %b %Y %H:%M:%S GMT")
    left = expires.replace(tzinfo=UTC) - datetime.now(UTC)
    assert timedelta(hours=11, minutes=59) < left <= timedelta(hours=12)
    client.get("/account")  # the first page stores the CSRF token: the session changes once
    again = client.get("/account")
    assert again.status_code == 200
    assert not [h for h in again.headers.getlist("Set-Cookie") if h.startswith("session=")]


def test_session_is_cleared_on_login(client, make_user):
    user = make_user()
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["_user_id"].startswith(f"{user.id}:")


@pytest.mark.parametrize(
    "target",
    [
        "https://elsewhere.example/",
        "//elsewhere.example",
        "/\\elsewhere.example",
        "http:/elsewhere.example",
        "javascript:alert(1)",
    ],
)
def test_next_outside_the_site_is_ignored(client, make_user, target):
    user = make_user()
    response = client.post(
        "/login", query_string={"next": target}, data={"email": user.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_next_on_the_site_is_followed(client, make_user):
    user = make_user()
    response = client.post(
        "/login", query_string={"next": "/account"}, data={"email": user.email, "password": TEST_PASSWORD}
    )
    assert response.headers["Location"] == "/account"


def test_change_password(client, make_user, login):
    user = make_user()
    login(user)
    bad = client.post(
        "/account", data={"current": "wrong one!", "password": "new password 1", "confirm": "new password 1"}
    )
    assert bad.status_code == 422 and "The current password is not correct." in bad.get_data(as_text=True)
    ok = client.post(
        "/account", data={"current": TEST_PASSWORD, "password": "new password 1", "confirm": "new password 1"}
    )
    assert ok.status_code == 302
    assert client.get("/account").status_code == 200  # this session stays signed in
    client.post("/logout")
    assert client.post("/login", data={"email": user.email, "password": TEST_PASSWORD}).status_code == 401
    assert client.post("/login", data={"email": user.email, "password": "new password 1"}).status_code == 302


def test_password_hash_is_argon2id_at_owasp_minimum_or_above(make_user):
    user = make_user()
    params = HASHER.__class__  # the hasher used for every account
    assert user.password_hash.startswith("$argon2id$v=19$")
    settings = dict(item.split("=") for item in user.password_hash.split("$")[3].split(","))
    assert int(settings["m"]) >= 19 * 1024
    assert int(settings["t"]) >= 2
    assert int(settings["p"]) >= 1
    assert params is not None and TEST_PASSWORD not in user.password_hash


@pytest.mark.parametrize("path", ["/admin/users"])
def test_students_and_instructors_cannot_open_admin_pages(client, make_user, login, path):
    login(make_user(Role.STUDENT))
    assert client.get(path).status_code == 403
    before = user_count()
    response = client.post(
        path, data={"display_name": "X", "email": "x@studyapp.example", "role": "admin", "password": "longpassword"}
    )
    assert response.status_code == 403 and user_count() == before
    client.post("/logout")
    login(make_user(Role.INSTRUCTOR))
    assert client.get(path).status_code == 403


def test_anonymous_users_are_sent_to_login(client):
    response = client.get("/admin/users")
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]


def test_admin_creates_an_instructor_in_the_browser_form(client, make_user, login):
    login(make_user(Role.ADMIN))
    response = client.post(
        "/admin/users",
        data={
            "display_name": "Prof. Kennan",
            "email": "kennan@studyapp.example",
            "role": "instructor",
            "password": "longpassword",
        },
    )
    assert response.status_code == 302
    created = db.session.scalar(select(User).where(User.email == "kennan@studyapp.example"))
    assert created.role is Role.INSTRUCTOR
    dup = client.post(
        "/admin/users",
        data={
            "display_name": "Again",
            "email": "kennan@studyapp.example",
            "role": "instructor",
            "password": "longpassword",
        },
    )
    assert dup.status_code == 422 and "already exists" in dup.get_data(as_text=True)
