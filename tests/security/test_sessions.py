"""Sessions: a new session at sign-in, nothing left after sign-out, a copied cookie refused everywhere after
sign-out or a password change, and the cookie's flags. (Sign-in throttling is in test_rate_limits.py.)"""

from __future__ import annotations

import pytest

from studyapp import create_app
from studyapp.extensions import db
from tests.conftest import TEST_PASSWORD, base_config
from tests.security.support import PAYLOAD, WRITE_METHODS, changed_tables, fetch, routes, snapshot

pytestmark = pytest.mark.content


def _session_cookie(client):
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def test_sign_in_starts_a_new_session(app, world):
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    before_cookie = _session_cookie(client)
    old_token = client.csrf_token()
    response = client.post("/login", data={"email": world.emails["student"], "password": TEST_PASSWORD})
    assert response.status_code == 302
    after_cookie = _session_cookie(client)
    assert after_cookie and after_cookie != before_cookie
    with client.session_transaction() as sess:
        assert "planted" not in sess, "data planted before sign-in survived it (session fixation)"
        assert sess["_user_id"].startswith(f"{world.users['student']}:")
        assert sess.get("_fresh") is True
    # The CSRF token of the anonymous session is gone with it.
    refused = client.post("/logout", headers={"X-CSRFToken": old_token}, csrf=False)
    assert refused.status_code == 400
    # The pre-sign-in cookie, replayed, is still anonymous.
    replay = app.test_client()
    replay.set_cookie("session", before_cookie)
    assert fetch(replay, "/account").status_code == 302
    print(
        "Session: sign-in drops planted keys, issues a new cookie and a new CSRF token; the old cookie stays anonymous"
    )


def test_a_cookie_replayed_after_sign_out_is_refused_on_every_route(app, world, as_role):
    victim = as_role("instructor")
    stolen = _session_cookie(victim)
    stolen_token = victim.csrf_token()
    student = as_role("student")
    student_stolen = _session_cookie(student)
    assert fetch(victim, "/account").status_code == 200
    assert victim.post("/logout").status_code == 302
    assert student.post("/logout").status_code == 302
    with victim.session_transaction() as sess:
        assert "_user_id" not in sess, "sign-out left the user in the session"
    before = snapshot()
    protected = [route for route in routes(app, world) if not route.endpoint.endswith("static")]
    replayed = 0
    for cookie in (stolen, student_stolen):
        thief = app.test_client()
        thief.set_cookie("session", cookie)
        for route in protected:
            for method in sorted(route.methods):
                kwargs = (
                    {"data": PAYLOAD, "headers": {"X-CSRFToken": stolen_token}, "csrf": False}
                    if method in WRITE_METHODS
                    else {}
                )
                response = fetch(thief, route.path, method, **kwargs)
                replayed += 1
                body = response.get_data(as_text=True)
                assert response.status_code != 500, f"{method} {route.path} answered 500 to a replayed cookie"
                assert world.emails["instructor"] not in body and "Sign out" not in body, (
                    f"{method} {route.path}: a replayed cookie is still signed in"
                )
                public = ("main.index", "main.healthz", "lti.jwks", "quiz.service_worker")  # the same for everyone
                if route.endpoint in public or route.endpoint.startswith("reading."):
                    continue
                if method == "GET" and response.status_code == 200:
                    assert "/login" in body or route.endpoint in ("auth.login", "auth.signup", "classes.join"), (
                        f"GET {route.path} served a signed-in page to a replayed cookie"
                    )
    assert changed_tables(before, snapshot()) == {}
    print(
        f"Session: 2 cookies replayed after sign-out on {len(protected)} routes ({replayed} requests): "
        "none signed in, nothing changed"
    )


def test_changing_the_password_signs_out_every_other_session(app, world):
    first, second = app.test_client(), app.test_client()
    for client in (first, second):
        assert (
            client.post("/login", data={"email": world.emails["student"], "password": TEST_PASSWORD}).status_code == 302
        )
    copied = _session_cookie(second)
    response = first.post(
        "/account",
        data={"current": TEST_PASSWORD, "password": "a brand new passphrase", "confirm": "a brand new passphrase"},
    )
    assert response.status_code == 302
    assert fetch(first, "/account").status_code == 200, "the session that changed the password stays signed in"
    assert fetch(second, "/account").status_code == 302, "another session survived a password change"
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert fetch(thief, "/progress").status_code == 302
    print("Session: a password change keeps this session and signs out the others (copied cookies too)")


def _flags(response, name="session"):
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(f"{name}="):
            return {
                part.strip().split("=", 1)[0].lower(): (part.strip().split("=", 1) + [""])[1]
                for part in header.split(";")[1:]
            }
    return None


@pytest.mark.parametrize("env", ["development", "production"])
def test_session_cookie_flags(app, database_url, monkeypatch, env, world):
    monkeypatch.setenv("STUDYAPP_ENV", env)
    db.session.rollback()  # the test's own transaction must not hold SQLite's lock while the other app signs in
    app = create_app(base_config(database_url))
    client = app.test_client()
    page = client.get("/login", base_url="https://localhost")
    token = page.get_data(as_text=True).split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    response = client.post(
        "/login",
        base_url="https://localhost",
        headers={"Referer": "https://localhost/login"},
        data={"email": world.emails["student"], "password": TEST_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    flags = _flags(response)
    assert flags is not None, "sign-in must set the session cookie"
    assert "httponly" in flags
    assert flags.get("samesite", "").lower() == "lax"
    assert flags.get("path") == "/"
    assert "domain" not in flags, "the cookie must stay on this host"
    assert ("secure" in flags) == (env == "production")
    assert _flags(response, "remember_token") is None, "no long-lived remember-me cookie is issued"
    with app.app_context():
        db.engine.dispose()
    print(f"Session cookie ({env}): {'; '.join(sorted(flags))}")


class Clock:
    """The wall clock, as the app, its signed cookies and its limits read it (time.time)."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    import time

    fake = Clock(time.time())
    monkeypatch.setattr(time, "time", fake)
    return fake


def test_a_session_ends_12_hours_after_sign_in_even_when_its_cookie_is_sent_again(app, world, clock):
    from datetime import timedelta

    assert app.permanent_session_lifetime == timedelta(hours=12)
    client = app.test_client()
    assert client.post("/login", data={"email": world.emails["student"], "password": TEST_PASSWORD}).status_code == 302
    signed_in = _session_cookie(client)
    clock.now += 11 * 3600
    assert fetch(client, "/account").status_code == 200
    # A refused join code flashes a message: the session changes, so its cookie is signed and sent again.
    client.post("/classes/join", data={"code": "WRONG234"})
    assert _session_cookie(client) != signed_in, "the flash did not re-sign the cookie"
    clock.now += 59 * 60
    assert fetch(client, "/account").status_code == 200, "ended before 12 hours"
    clock.now += 61
    response = fetch(client, "/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"], (
        "a session outlived 12 hours from sign-in"
    )
    # A copy of the re-signed cookie is no better.
    thief = app.test_client()
    thief.set_cookie("session", signed_in)
    assert fetch(thief, "/account").status_code == 302
    print("Session: ends 12 hours after sign-in, although a flashed message re-signed the cookie at 11 hours")


def test_a_session_without_a_sign_in_time_is_refused(app, world):
    client = app.test_client()
    assert client.post("/login", data={"email": world.emails["student"], "password": TEST_PASSWORD}).status_code == 302
    with client.session_transaction() as sess:
        sess.pop("signed_in_at", None)
    assert fetch(client, "/account").status_code == 302
