"""Fixtures for the LTI tests: a real platform (lti1p3platform over HTTP) registered with the tool under test.

The tool is driven through Flask's test client; the platform calls back to the tool's key set over HTTP,
so the same database is also served by a second app on a loopback port (`tool_server`).
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
import sqlalchemy as sa

from studyapp.domain.lti import keys, platforms
from studyapp.extensions import db
from studyapp.models import LtiPlatform
from tests.browser.conftest import serving
from tests.lti.platform import ROLE_INSTRUCTOR, ROLE_LEARNER, Member, Platform

#: The tool's own addresses, as the test client's app builds them (SERVER_NAME is localhost).
LOGIN_URL = "http://localhost/lti/login"
LAUNCH_URL = "http://localhost/lti/launch"

TEACHER = Member(sub="teacher-1", name="Ada Teacher", email="ada@school.example", roles=[ROLE_INSTRUCTOR])
LEARNER = Member(sub="learner-1", name="Lee Learner", email="lee@school.example", roles=[ROLE_LEARNER])


@pytest.fixture
def tool_server(app):
    """The app under test, on its database, served on loopback (for the platform's calls to /lti/jwks)."""
    with serving(app.config["SQLALCHEMY_DATABASE_URI"]) as server:
        yield server


def register(lms: Platform, secret: str, frame_origins: str = "") -> LtiPlatform:
    """Register the running platform with the tool (one deployment) and make the tool's key; committed."""
    row = platforms.register(
        platforms.PlatformValues(
            name="Test LMS",
            issuer=lms.issuer,
            client_id=lms.client_id,
            auth_login_url=lms.auth_login_url,
            auth_token_url=lms.token_url,
            key_set_url=lms.jwks_url,
            deployment_ids=(lms.deployment_id,),
            frame_origins=frame_origins,
        ),
        allow_http=True,
    )
    keys.signing_key(secret)
    db.session.commit()
    return row


@pytest.fixture
def platform(app, tool_server):
    """A running platform, registered with the tool (one deployment), the tool's key made."""
    lms = Platform()
    lms.configure_tool(
        login_url=LOGIN_URL, launch_url=LAUNCH_URL, jwks_url=tool_server.url + "/lti/jwks", deep_link_url=LAUNCH_URL
    )
    lms.start()
    register(lms, app.config["SECRET_KEY"])
    yield lms
    lms.stop()


def launch(client, lms: Platform, member: Member = LEARNER, *, forge: dict | None = None, **link):
    """Run a launch the way a browser does: the platform's login initiation, the tool's redirect to the
    platform's authorization endpoint, and the platform's form post of the id_token to the tool.
    Returns the tool's answer to that post."""
    query = lms.login_initiation(member=member, **link)
    started = client.get("/lti/login", query_string={**query, "checked": "1"})
    assert started.status_code == 302, started.get_data(as_text=True)[:800]
    auth = dict(parse_qsl(urlsplit(started.location).query))
    redirect_uri, form = lms.authorize(auth, **(forge or {}))
    assert redirect_uri == LAUNCH_URL
    return client.post("/lti/launch", data=form, csrf=False)


def follow(client, response):
    """Follow a launch's redirects (through its ticket) to the page it lands on; return that page's response."""
    while response.status_code in (301, 302, 303):
        response = client.get(response.location)
    return response


def counts() -> dict[str, int]:
    """Row counts of the tables a launch may write."""
    tables = ["users", "classes", "memberships", "lti_users", "lti_contexts", "lti_resource_links", "lti_tickets"]
    return {t: db.session.scalar(sa.text(f"SELECT count(*) FROM {t}")) for t in tables}
