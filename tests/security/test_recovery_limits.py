"""Rate limits of account recovery: failed redemptions per address and per email (only failures count),
reset links asked for per address and per email (the same answer whether the email has an account), and
codes issued per instructor or administrator. Each refusal says how long to wait and changes nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from studyapp.extensions import db
from studyapp.models import ResetCode, Role
from tests.conftest import CSRFClient
from tests.web.mail_support import smtp_inbox
from tests.web.test_classes_support import enrol, make_class

NEW_PASSWORD = "a kettle of quiet herons"
WRONG_CODE = "ABCD-EFGH-JKMN"


def first(app, name: str) -> int:
    """The count of a limit's shortest window: "10 per 5 minutes; 20 per hour" -> 10."""
    return int(app.config[name].split()[0])


def browser(app, address: str) -> CSRFClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def redeem(client, email: str, code: str = WRONG_CODE, password: str = NEW_PASSWORD) -> int:
    return client.post(
        "/reset", data={"email": email, "code": code, "password": password, "confirm": password}
    ).status_code


def stored_codes() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(ResetCode))


def issue(client, user) -> str:
    response = client.post(f"/users/{user.id}/reset-code")
    assert response.status_code == 200
    return re.search(r"([A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4})", response.get_data(as_text=True)).group(
        1
    )


def test_failed_redemptions_are_limited_per_address(app):
    allowed = first(app, "RESET_LIMIT_ADDRESS")
    guesser = browser(app, "198.51.100.7")
    codes = [redeem(guesser, f"nobody{n}@studyapp.example") for n in range(allowed + 1)]
    assert codes == [422] * allowed + [429], codes
    refused = guesser.post("/reset", data={"email": "x@studyapp.example", "code": WRONG_CODE})
    assert refused.status_code == 429 and "Try again in " in refused.get_data(as_text=True)
    assert 0 < int(refused.headers["Retry-After"]) <= 300
    assert redeem(browser(app, "192.0.2.10"), "nobody0@studyapp.example") == 422, "another address was held back"
    print(f"Recovery limits: {allowed} failed redemptions from one address, then 429")


def test_failed_redemptions_are_limited_per_email_from_every_address(app, make_user):
    student = make_user(Role.STUDENT)
    allowed = first(app, "RESET_LIMIT_EMAIL")
    codes = [redeem(browser(app, f"198.51.100.{n}"), student.email) for n in range(allowed + 1)]
    assert codes == [422] * allowed + [429], codes
    # The same for an email without an account: the limit tells nothing about who has one.
    ghost = [redeem(browser(app, f"203.0.113.{n}"), "ghost@studyapp.example") for n in range(allowed + 1)]
    assert ghost == codes
    assert redeem(browser(app, "192.0.2.99"), "someone.else@studyapp.example") == 422, "another email was held back"
    print(f"Recovery limits: {allowed} failed redemptions for one email from {allowed} addresses, then 429")


def test_only_failed_redemptions_count(app, make_user, login, client):
    admin, student = make_user(Role.ADMIN), make_user(Role.STUDENT)
    login(admin)
    code = issue(client, student)
    allowed = max(first(app, "RESET_LIMIT_ADDRESS"), first(app, "RESET_LIMIT_EMAIL"))
    typist = browser(app, "192.0.2.44")
    # A password the rules refuse is not a wrong code: as many as you like.
    assert [redeem(typist, student.email, code, "password1") for _ in range(allowed + 1)] == [422] * (allowed + 1)
    assert redeem(typist, student.email, code) == 302


def test_reset_links_are_limited_per_email_and_per_address_with_one_answer(app, make_user):
    student = make_user(Role.STUDENT)
    per_email, per_address = first(app, "FORGOT_LIMIT_EMAIL"), first(app, "FORGOT_LIMIT_ADDRESS")
    assert per_email < per_address, "the test below needs the per-email limit to be the smaller"
    with smtp_inbox(app) as inbox:
        answers = {}
        for email in (student.email, "ghost@studyapp.example"):
            codes = [
                browser(app, f"198.51.100.{n}").post("/forgot", data={"email": email}).status_code
                for n in range(per_email + 1)
            ]
            answers[email] = codes
        assert answers[student.email] == answers["ghost@studyapp.example"] == [302] * per_email + [429]
        assert len(inbox.received()) == per_email, "the limit did not stop the mail"
        one_address = browser(app, "192.0.2.77")
        codes = [
            one_address.post("/forgot", data={"email": f"someone{n}@studyapp.example"}).status_code
            for n in range(per_address + 1)
        ]
        assert codes == [302] * per_address + [429]
    assert stored_codes() == 1, "only the latest link of the account is kept"
    print(f"Recovery limits: {per_email} links per email, {per_address} requests per address, then 429 alike")


@pytest.mark.parametrize("issuer_role", [Role.INSTRUCTOR, Role.ADMIN])
def test_issuing_codes_is_limited_per_issuer(app, make_user, login, client, issuer_role, signed_in):
    app.config["RESET_ISSUE_LIMIT"] = "3 per hour"
    issuer = make_user(issuer_role)
    students = [make_user(Role.STUDENT) for _ in range(4)]
    if issuer_role is Role.INSTRUCTOR:
        enrol(make_class(issuer), *students)
    login(issuer)
    for student in students[:3]:
        issue(client, student)
    before = stored_codes()
    refused = client.post(f"/users/{students[3].id}/reset-code")
    assert refused.status_code == 429 and "Try again in " in refused.get_data(as_text=True)
    assert stored_codes() == before
    assert signed_in(make_user(Role.ADMIN)).post(f"/users/{students[3].id}/reset-code").status_code == 200, (
        "another issuer was held back"
    )


def test_a_malformed_reset_counts_as_a_failure(app):
    allowed = first(app, "RESET_LIMIT_ADDRESS")
    sender = browser(app, "198.51.100.200")
    codes = [sender.post("/reset", data={"email": f"x{n}@studyapp.example"}).status_code for n in range(allowed + 1)]
    assert codes == [422] * allowed + [429], codes
