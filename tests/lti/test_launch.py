"""Launches from a real LTI 1.3 platform: who they sign in, what they create, and what they refuse."""

from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy import select

from studyapp.domain.lti import keys
from studyapp.extensions import db
from studyapp.models import Class, LtiContext, LtiLaunchState, LtiUser, Membership, Role, User
from studyapp.models.classes import INSTRUCTOR, STUDENT
from tests.lti.conftest import LEARNER, TEACHER, counts, follow, launch
from tests.lti.platform import ROLE_INSTRUCTOR, ROLE_LEARNER, Member


def _user(sub: str) -> User | None:
    return db.session.scalar(select(User).join(LtiUser, LtiUser.user_id == User.id).where(LtiUser.subject == sub))


def test_an_instructor_launch_creates_the_account_and_the_class_and_lands_on_it(client, platform):
    answer = launch(client, platform, TEACHER, context_id="course-7", context_title="HIST 210")
    assert answer.status_code == 302 and "/lti/enter/" in answer.location
    page = follow(client, answer)
    assert page.status_code == 200
    teacher = _user(TEACHER.sub)
    assert teacher is not None and teacher.role == Role.INSTRUCTOR
    assert (teacher.display_name, teacher.email) == (TEACHER.name, TEACHER.email)
    assert teacher.password_hash == "!lti"  # no password: the platform is the only way in
    context = db.session.scalar(select(LtiContext).where(LtiContext.context_id == "course-7"))
    class_ = db.session.get(Class, context.class_id)
    assert class_.name == "HIST 210" and class_.owner_id == teacher.id
    assert "HIST 210" in page.get_data(as_text=True)
    assert context.memberships_url == platform.issuer + "/contexts/course-7/memberships"
    assert context.ags["lineitems"] == platform.issuer + "/contexts/course-7/lineitems"


def test_a_learner_launch_joins_the_class_as_a_student(client, platform, signed_in):
    launch(signed_in(), platform, TEACHER)  # the course becomes a class
    page = follow(client, launch(client, platform, LEARNER))
    assert page.status_code == 200
    learner = _user(LEARNER.sub)
    assert learner.role == Role.STUDENT and learner.email == LEARNER.email
    member = db.session.scalar(select(Membership).where(Membership.user_id == learner.id))
    assert member.role == STUDENT
    # a second launch finds the same account, whatever the name the platform sends now
    again = Member(sub=LEARNER.sub, name="Lee Renamed", email=LEARNER.email, roles=[ROLE_LEARNER])
    follow(client, launch(client, platform, again))
    db.session.expire_all()
    assert db.session.scalar(select(User.display_name).where(User.id == learner.id)) == "Lee Renamed"
    assert len(db.session.scalars(select(LtiUser).where(LtiUser.subject == LEARNER.sub)).all()) == 1


def test_an_email_taken_here_is_not_linked_to_the_platform_user(client, platform, make_user):
    existing = make_user(Role.INSTRUCTOR, email=LEARNER.email)
    follow(client, launch(client, platform, LEARNER))
    learner = _user(LEARNER.sub)
    assert learner.id != existing.id
    assert learner.email.endswith("@lti.invalid")  # a placeholder: the platform cannot claim someone's account


def _refused(answer, words: str) -> None:
    body = unescape(answer.get_data(as_text=True))
    assert answer.status_code in (400, 403), answer.status_code
    assert "This launch was refused" in body and words in body, body[:2000]


@pytest.mark.parametrize(
    ("forge", "words"),
    [
        ({"sign_with_foreign_key": True}, "could not be verified"),
        ({"aud": "some-other-tool"}, "could not be verified"),
        ({"expired": True}, "could not be verified"),
        ({"deployment_id": "deployment-unknown"}, "deployment"),
        ({"nonce": "a-nonce-the-tool-never-issued"}, "could not be verified"),
    ],
)
def test_a_forged_or_stale_launch_is_refused_and_creates_nothing(client, platform, forge, words):
    before = counts()
    _refused(launch(client, platform, LEARNER, forge=forge), words)
    assert counts() == before


def test_a_replayed_launch_is_refused(client, platform, signed_in):
    from urllib.parse import parse_qsl, urlsplit

    query = platform.login_initiation(member=TEACHER)
    started = client.get("/lti/login", query_string={**query, "checked": "1"})
    _, form = platform.authorize(dict(parse_qsl(urlsplit(started.location).query)))
    first = client.post("/lti/launch", data=form, csrf=False)
    assert first.status_code == 302
    before = counts()
    replay = client.post("/lti/launch", data=form, csrf=False)
    _refused(replay, "")
    assert counts() == before
    # and from another browser, which never had the state cookie
    _refused(signed_in().post("/lti/launch", data=form, csrf=False), "")
    assert counts() == before


def test_a_student_claiming_to_teach_another_course_is_refused(client, platform, signed_in):
    launch(signed_in(), platform, TEACHER, context_id="course-1")
    follow(client, launch(client, platform, LEARNER, context_id="course-1"))
    before = counts()
    claims_to_teach = Member(sub=LEARNER.sub, name=LEARNER.name, email=LEARNER.email, roles=[ROLE_INSTRUCTOR])
    answer = launch(client, platform, claims_to_teach, context_id="course-2", context_title="My own course")
    _refused(answer, "your account here is a student's")
    assert counts() == before
    assert _user(LEARNER.sub).role == Role.STUDENT
    assert db.session.scalar(select(LtiContext).where(LtiContext.context_id == "course-2")) is None


def test_an_unregistered_platform_cannot_start_a_login(client, platform):
    query = platform.login_initiation(member=LEARNER)
    answer = client.get("/lti/login", query_string={**query, "iss": "https://evil.example", "checked": "1"})
    assert answer.status_code == 403
    assert "No platform with the issuer https://evil.example" in answer.get_data(as_text=True)
    assert db.session.scalar(select(LtiLaunchState.key)) is None


def test_the_login_first_checks_the_frame_can_keep_cookies(client, platform):
    query = platform.login_initiation(member=LEARNER)
    page = client.get("/lti/login", query_string=query)
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Open studyapp in a new window" in body and "checked=1" in body
    assert "cookie-check.js" in body
    # a registered platform may frame the launch pages, nobody else
    assert f"frame-ancestors {platform.issuer}" in page.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in page.headers


def test_a_frame_without_the_session_cookie_is_offered_a_new_window(client, platform, signed_in):
    answer = launch(client, platform, TEACHER)
    entry = answer.location
    frame = signed_in()  # the frame's next request arrives without the cookie the launch set
    offered = frame.get(entry)
    assert offered.status_code == 200
    body = offered.get_data(as_text=True)
    assert "Open studyapp in a new window" in body and "window=1" in body
    window = signed_in()
    opened = window.get(entry + "?window=1")
    assert opened.status_code == 302
    landed = window.get(opened.location)
    assert landed.status_code == 200 and "Sign out" in landed.get_data(as_text=True)
    assert window.get(entry + "?window=1").status_code == 410  # the pass works once


def test_pages_of_a_launched_session_may_be_framed_by_its_platform_only(client, platform):
    page = follow(client, launch(client, platform, TEACHER))
    assert page.status_code == 200
    home = client.get("/")
    assert f"frame-ancestors {platform.issuer}" in home.headers["Content-Security-Policy"]
    other = client.application.test_client()
    assert "frame-ancestors 'none'" in other.get("/").headers["Content-Security-Policy"]


def test_the_tool_publishes_its_key_set(client, platform):
    published = client.get("/lti/jwks").get_json()
    assert [k["kid"] for k in published["keys"]] == [k.kid for k in keys.active()]
    assert all(set(k) >= {"kty", "n", "e", "kid", "alg"} and "d" not in k for k in published["keys"])


def test_instructors_of_the_course_become_co_instructors(client, platform, signed_in, make_user):
    launch(signed_in(), platform, TEACHER)
    second = Member(sub="teacher-2", name="Second Teacher", email="t2@school.example", roles=[ROLE_INSTRUCTOR])
    follow(client, launch(client, platform, second))
    roles = dict(db.session.execute(select(Membership.user_id, Membership.role)).all())
    assert roles[_user("teacher-2").id] == INSTRUCTOR and roles[_user(TEACHER.sub).id] == INSTRUCTOR
