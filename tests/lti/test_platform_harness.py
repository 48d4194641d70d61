"""The test platform itself, over real HTTP and without the app: the tool's tests trust what it signs, checks
and records, so a harness bug must show up here rather than as a puzzling tool failure."""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from html import unescape
from urllib.parse import parse_qsl, urlsplit

import jwt
import pytest
import requests
from jwcrypto.jwk import JWK
from werkzeug.serving import make_server

from tests.lti.platform import (
    ROLE_INSTRUCTOR,
    ROLE_LEARNER,
    SCOPE_LINEITEM,
    SCOPE_NRPS,
    SCOPE_SCORE,
    LaunchRefused,
    Member,
    Platform,
)

TOOL = "http://tool.invalid"
LOGIN_URL, LAUNCH_URL, DEEP_LINK_URL = TOOL + "/lti/login", TOOL + "/lti/launch", TOOL + "/lti/deep-link"
ALL_SCOPES = [
    SCOPE_LINEITEM,
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    SCOPE_SCORE,
    SCOPE_NRPS,
]
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"

TEACHER = Member(sub="t-1", name="Ada Teacher", email="ada@school.example", roles=[ROLE_INSTRUCTOR])
LEARNER = Member(sub="l-1", name="Lee Learner", email="lee@school.example", roles=[ROLE_LEARNER])


class FakeTool:
    """Stands in for the tool: an RSA key whose public half it serves at /jwks over HTTP, as the real tool does."""

    def __init__(self) -> None:
        self.key = JWK.generate(kty="RSA", size=2048)
        self.kid = self.key.thumbprint()
        public = {**json.loads(self.key.export_public()), "kid": self.kid, "alg": "RS256", "use": "sig"}
        body = json.dumps({"keys": [public]}).encode()

        def app(environ, start_response):
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.jwks_url = f"http://127.0.0.1:{self.server.server_port}/jwks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def sign(self, claims: dict, key: JWK | None = None) -> str:
        pem = (key or self.key).export_to_pem(private_key=True, password=None)
        return jwt.encode(claims, pem, algorithm="RS256", headers={"kid": self.kid})

    def close(self) -> None:
        self.server.shutdown()
        self.thread.join()
        self.server.server_close()


@pytest.fixture(scope="module")
def tool():
    fake = FakeTool()
    yield fake
    fake.close()


@pytest.fixture(scope="module")
def lms(tool):
    platform = Platform()
    platform.configure_tool(
        login_url=LOGIN_URL, launch_url=LAUNCH_URL, jwks_url=tool.jwks_url, deep_link_url=DEEP_LINK_URL
    )
    with platform:
        yield platform


@pytest.fixture(autouse=True)
def platform_up(lms):
    """One platform serves the module (keys are slow to make); a test that takes it down cannot leak that."""
    lms.down = False
    yield
    lms.down = False


def http(method: str, url: str, **kwargs) -> requests.Response:
    """A request whose connection is closed before the test reads the (already loaded) answer."""
    with requests.request(method, url, timeout=5, **kwargs) as answer:
        answer.content  # noqa: B018 - load the body before the connection closes
    return answer


def auth_params(query: dict[str, str], redirect_uri: str = LAUNCH_URL, nonce: str = "nonce-1") -> dict[str, str]:
    """The authentication request a tool (pylti1p3) makes from the login initiation's query."""
    return {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": query["client_id"],
        "redirect_uri": redirect_uri,
        "state": "state-1",
        "nonce": nonce,
        "login_hint": query["login_hint"],
        "lti_message_hint": query["lti_message_hint"],
    }


def verified(lms: Platform, id_token: str) -> dict:
    """The id_token's claims, checked the way a tool checks them: against the key set fetched over HTTP."""
    keys = http("GET", lms.jwks_url).json()["keys"]
    (key,) = [k for k in keys if k["kid"] == jwt.get_unverified_header(id_token)["kid"]]
    return jwt.decode(id_token, jwt.PyJWK(key).key, algorithms=["RS256"], audience=lms.client_id, issuer=lms.issuer)


def launch_token(lms: Platform, member: Member = LEARNER, redirect_uri: str = LAUNCH_URL, forge=None, **link) -> str:
    query = lms.login_initiation(member=member, **link)
    uri, form = lms.authorize(auth_params(query, redirect_uri), **(forge or {}))
    assert uri == redirect_uri and form["state"] == "state-1"
    return form["id_token"]


def assertion(lms: Platform, tool: FakeTool, *, key: JWK | None = None, jti: str | None = None, **claims) -> str:
    now = int(time.time())
    body = {"iss": lms.client_id, "sub": lms.client_id, "aud": lms.token_url, "iat": now, "exp": now + 300}
    return tool.sign({**body, "jti": jti or uuid.uuid4().hex, **claims}, key)


def token_request(lms: Platform, tool: FakeTool, scopes=ALL_SCOPES, **kwargs) -> requests.Response:
    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion(lms, tool, **kwargs),
        "scope": " ".join(scopes),
    }
    return http("POST", lms.token_url, data=form)


def bearer(lms: Platform, tool: FakeTool, scopes=ALL_SCOPES) -> dict[str, str]:
    answer = token_request(lms, tool, scopes)
    assert answer.status_code == 200, answer.text
    return {"Authorization": "Bearer " + answer.json()["access_token"]}


def test_the_key_set_is_served_without_its_private_part(lms):
    answer = http("GET", lms.jwks_url)
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/json"
    (key,) = answer.json()["keys"]
    assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["kid"] and "d" not in key


def test_an_id_token_verifies_against_the_key_set_and_carries_the_launch_claims(lms):
    query = lms.login_initiation(member=LEARNER, custom={"a": "1"}, lineitem_url=lms.issuer + "/x/lineitems/9")
    assert query["iss"] == lms.issuer and query["login_hint"] == LEARNER.sub and query["target_link_uri"] == LAUNCH_URL
    assert (query["client_id"], query["lti_deployment_id"]) == (lms.client_id, lms.deployment_id)
    _, form = lms.authorize(auth_params(query))
    claims = verified(lms, form["id_token"])
    assert claims["nonce"] == "nonce-1" and claims["exp"] > time.time() >= claims["iat"] - 5
    assert (claims["sub"], claims["name"], claims["email"]) == (LEARNER.sub, LEARNER.name, LEARNER.email)
    assert claims[LTI + "message_type"] == "LtiResourceLinkRequest" and claims[LTI + "version"] == "1.3.0"
    assert claims[LTI + "deployment_id"] == lms.deployment_id and claims[LTI + "target_link_uri"] == LAUNCH_URL
    assert claims[LTI + "roles"] == [ROLE_LEARNER] and claims[LTI + "custom"] == {"a": "1"}
    assert claims[LTI + "resource_link"] == {"id": "link-1", "title": "Quiz"}
    context = claims[LTI + "context"]
    assert (context["id"], context["label"], context["title"]) == ("course-1", "course-1", "History 101")
    ags = claims["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"]
    assert set(ags["scope"]) == set(ALL_SCOPES) - {SCOPE_NRPS}
    assert ags["lineitems"] == lms.issuer + "/contexts/course-1/lineitems"
    assert ags["lineitem"] == lms.issuer + "/x/lineitems/9"
    assert claims["https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"] == {
        "context_memberships_url": lms.issuer + "/contexts/course-1/memberships",
        "service_versions": ["2.0"],
    }
    assert DL + "deep_linking_settings" not in claims


def test_a_deep_linking_request_carries_its_settings(lms):
    token = launch_token(lms, TEACHER, DEEP_LINK_URL, message_type="LtiDeepLinkingRequest")
    claims = verified(lms, token)
    assert claims[LTI + "message_type"] == "LtiDeepLinkingRequest"
    assert claims[LTI + "target_link_uri"] == DEEP_LINK_URL
    settings = claims[DL + "deep_linking_settings"]
    assert settings["deep_link_return_url"] == lms.issuer + "/deep_link_return"
    assert settings["accept_types"] == ["ltiResourceLink"] and settings["accept_multiple"] is False
    assert settings["accept_presentation_document_targets"] == ["iframe", "window"]
    assert re.fullmatch(r"dl-data-\d+", settings["data"])


@pytest.mark.parametrize(
    ("forge", "refusal"),
    [
        ({"sign_with_foreign_key": True}, jwt.InvalidSignatureError),
        ({"aud": "something-else"}, jwt.InvalidAudienceError),
        ({"expired": True}, jwt.ExpiredSignatureError),
    ],
)
def test_a_forged_id_token_does_not_verify(lms, forge, refusal):
    token = launch_token(lms, forge=forge)
    assert jwt.get_unverified_header(token)["kid"] == http("GET", lms.jwks_url).json()["keys"][0]["kid"]
    with pytest.raises(refusal):
        verified(lms, token)
    assert jwt.decode(token, options={"verify_signature": False})[LTI + "deployment_id"] == lms.deployment_id


@pytest.mark.parametrize(
    ("forge", "claim", "value"),
    [
        ({"deployment_id": "other"}, LTI + "deployment_id", "other"),
        ({"nonce": "other"}, "nonce", "other"),
        ({"roles": [ROLE_INSTRUCTOR]}, LTI + "roles", [ROLE_INSTRUCTOR]),
    ],
)
def test_a_forged_claim_is_signed_properly_and_changes_nothing_else(lms, forge, claim, value):
    claims = verified(lms, launch_token(lms, forge=forge))
    assert claims[claim] == value
    assert claims["aud"] == lms.client_id and claims[LTI + "context"]["id"] == "course-1"


def test_a_forged_context_changes_only_the_context_claim(lms):
    claims = verified(lms, launch_token(lms, forge={"context_id": "other"}))
    assert claims[LTI + "context"]["id"] == "other" and claims["nonce"] == "nonce-1"
    assert claims["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"]["lineitems"].endswith("/course-1/lineitems")


@pytest.mark.parametrize(
    "change",
    [{"client_id": "someone-else"}, {"redirect_uri": TOOL + "/elsewhere"}, {"lti_message_hint": "never-issued"}],
)
def test_an_authentication_request_off_the_registration_is_refused(lms, change):
    query = lms.login_initiation(member=LEARNER)
    with pytest.raises(LaunchRefused):
        lms.authorize({**auth_params(query), **change})


def test_the_browser_endpoint_posts_the_id_token_to_the_tool(lms):
    query = lms.login_initiation(member=TEACHER)
    page = http("GET", lms.auth_login_url, params=auth_params(query))
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert unescape(re.search(r'action="([^"]+)"', page.text).group(1)) == LAUNCH_URL
    assert ".submit()" in page.text
    id_token = unescape(re.search(r'name="id_token" value="([^"]+)"', page.text).group(1))
    assert verified(lms, id_token)["sub"] == TEACHER.sub
    refused = http("POST", lms.auth_login_url, data={**auth_params(query), "redirect_uri": TOOL + "/elsewhere"})
    assert refused.status_code == 400 and "id_token" not in refused.text


def test_an_access_token_is_issued_for_the_tools_own_assertion_only(lms, tool):
    before = len(lms.token_requests)
    answer = token_request(lms, tool, [SCOPE_SCORE, "made-up-scope"])
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600 and body["scope"] == SCOPE_SCORE
    assert len(lms.token_requests) == before + 1 and lms.token_requests[-1]["granted"] == SCOPE_SCORE
    stranger = JWK.generate(kty="RSA", size=2048)
    for refused in [
        token_request(lms, tool, key=stranger),  # signed by another key under the tool's kid
        token_request(lms, tool, aud=lms.issuer),  # meant for someone else
        token_request(lms, tool, iss="someone-else"),
        token_request(lms, tool, exp=int(time.time()) - 60),
    ]:
        assert refused.status_code == 401 and refused.json()["error"] == "invalid_client", refused.text
    replayed = token_request(lms, tool, jti="once")
    assert replayed.status_code == 200 and token_request(lms, tool, jti="once").status_code == 401
    assert len(lms.token_requests) == before + 2


def test_line_items_are_created_listed_filtered_and_updated(lms, tool):
    url = lms.issuer + "/contexts/course-li/lineitems"
    item = {"label": "Quiz 1", "scoreMaximum": 10, "resourceLinkId": "rl-1", "tag": "quiz", "resourceId": "q-1"}
    assert http("POST", url, json=item).status_code == 401  # no token
    assert http("GET", url, headers={"Authorization": "Bearer forged"}).status_code == 401
    headers = bearer(lms, tool)
    typed = {**headers, "Content-Type": LINEITEM_TYPE}
    created = http("POST", url, data=json.dumps(item), headers=typed)
    assert created.status_code == 201 and created.headers["Content-Type"] == LINEITEM_TYPE
    first = created.json()
    assert re.fullmatch(re.escape(url) + r"/\d+", first["id"]) and lms.lineitems[first["id"]]["label"] == "Quiz 1"
    other = {"label": "Essay", "scoreMaximum": 5, "resourceLinkId": "rl-2", "tag": "essay"}
    second = http("POST", url, data=json.dumps(other), headers=typed).json()
    assert http("POST", url, data=json.dumps({"label": "No maximum"}), headers=typed).status_code == 400
    assert http("POST", url, json=other, headers=headers).status_code == 415  # application/json is not the type
    listed = http("GET", url, headers=headers)
    assert listed.headers["Content-Type"] == "application/vnd.ims.lis.v2.lineitemcontainer+json"
    assert [i["id"] for i in listed.json()] == [first["id"], second["id"]]
    filters = [({"resource_link_id": "rl-2"}, second), ({"tag": "quiz"}, first), ({"resource_id": "q-1"}, first)]
    for query, expected in filters:
        assert http("GET", url, params=query, headers=headers).json() == [expected]
    paged = http("GET", url, params={"limit": 1}, headers=headers)
    assert paged.json() == [first] and 'rel="next"' in paged.headers["Link"]
    assert http("GET", first["id"], headers=headers).json() == first
    changed = http("PUT", first["id"], data=json.dumps({**item, "label": "Quiz one"}), headers=typed)
    assert changed.status_code == 200 and changed.json() == {**first, "label": "Quiz one"}
    assert http("GET", lms.issuer + "/contexts/elsewhere/lineitems", headers=headers).json() == []
    score_only = {**bearer(lms, tool, [SCOPE_SCORE]), "Content-Type": LINEITEM_TYPE}
    assert http("POST", url, data=json.dumps(item), headers=score_only).status_code == 401  # needs the lineitem scope


def test_scores_are_recorded_and_read_back_as_results(lms, tool):
    headers = bearer(lms, tool)
    url = lms.issuer + "/contexts/course-sc/lineitems"
    line = {"label": "Quiz", "scoreMaximum": 2}
    item = http("POST", url, data=json.dumps(line), headers={**headers, "Content-Type": LINEITEM_TYPE}).json()
    score = {
        "userId": LEARNER.sub,
        "scoreGiven": 1.0,
        "scoreMaximum": 2.0,
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
        "timestamp": "2026-01-01T10:00:00+00:00",
    }
    typed = {**headers, "Content-Type": SCORE_TYPE}
    posted = http("POST", item["id"] + "/scores", data=json.dumps(score), headers=typed)
    assert posted.status_code in (200, 204) and not posted.content
    assert lms.lineitem_scores(item["id"]) == [{**score, "lineitem": item["id"]}]
    incomplete = {k: v for k, v in score.items() if k != "timestamp"}
    assert http("POST", item["id"] + "/scores", data=json.dumps(incomplete), headers=typed).status_code == 400
    assert http("POST", url + "/999999/scores", data=json.dumps(score), headers=typed).status_code == 404
    lineitem_only = {**bearer(lms, tool, [SCOPE_LINEITEM]), "Content-Type": SCORE_TYPE}
    assert http("POST", item["id"] + "/scores", data=json.dumps(score), headers=lineitem_only).status_code == 401
    results = http("GET", item["id"] + "/results", headers=headers)
    assert results.headers["Content-Type"] == "application/vnd.ims.lis.v2.resultcontainer+json"
    ((result),) = results.json()
    assert (result["userId"], result["resultScore"], result["scoreOf"]) == (LEARNER.sub, 1.0, item["id"])


def test_memberships_are_served_page_by_page(lms, tool):
    for member in (TEACHER, LEARNER, Member(sub="l-2", name="Two", email="two@school.example", roles=[ROLE_LEARNER])):
        lms.add_member("course-m", member)
    lms.add_member("course-m", Member(sub="l-2", name="Renamed", email="two@school.example", roles=[ROLE_LEARNER]))
    url = lms.issuer + "/contexts/course-m/memberships"
    assert http("GET", url).status_code == 401
    headers = bearer(lms, tool, [SCOPE_NRPS])
    answer = http("GET", url, headers=headers)
    assert answer.headers["Content-Type"] == "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
    body = answer.json()
    assert body["id"] == url and body["context"]["id"] == "course-m"
    assert body["members"][0] == {
        "status": "Active",
        "name": TEACHER.name,
        "email": TEACHER.email,
        "user_id": TEACHER.sub,
        "roles": [ROLE_INSTRUCTOR],
    }
    assert [m["name"] for m in body["members"]] == [TEACHER.name, LEARNER.name, "Renamed"]
    assert [m["user_id"] for m in http("GET", url, params={"role": "Learner"}, headers=headers).json()["members"]] == [
        LEARNER.sub,
        "l-2",
    ]
    names, following = [], url + "?limit=2"
    while following:
        page = http("GET", following, headers=headers)
        names += [m["name"] for m in page.json()["members"]]
        link = re.search(r'<([^>]+)>;\s*rel="next"', page.headers.get("Link", ""))
        following = link.group(1) if link else None
    assert names == [TEACHER.name, LEARNER.name, "Renamed"]
    assert http("GET", url, headers=bearer(lms, tool, [SCOPE_SCORE])).status_code == 401


def _deep_link_response(lms: Platform, tool: FakeTool, data: str, **claims) -> str:
    now = int(time.time())
    item = {
        "type": "ltiResourceLink",
        "title": "Quiz <one>",
        "url": LAUNCH_URL,
        "custom": {"quiz": "1"},
        "lineItem": {"scoreMaximum": 3, "label": "Quiz one", "resourceId": "quiz-1"},
    }
    body = {
        "iss": lms.client_id,
        "aud": lms.issuer,
        "iat": now,
        "exp": now + 300,
        "nonce": uuid.uuid4().hex,
        LTI + "deployment_id": lms.deployment_id,
        LTI + "message_type": "LtiDeepLinkingResponse",
        LTI + "version": "1.3.0",
        DL + "data": data,
        DL + "content_items": [item],
    }
    return tool.sign({**body, **claims})


def test_a_deep_linking_response_is_checked_recorded_and_makes_its_line_item(lms, tool):
    request = launch_token(lms, TEACHER, DEEP_LINK_URL, message_type="LtiDeepLinkingRequest", context_id="course-dl")
    claims = verified(lms, request)
    data = claims[DL + "deep_linking_settings"]["data"]
    before = len(lms.deep_link_responses)
    good = jwt.decode(_deep_link_response(lms, tool, data), options={"verify_signature": False})
    for forged in [
        _deep_link_response(lms, tool, "dl-data-never"),
        _deep_link_response(lms, tool, data, aud="someone-else"),
        _deep_link_response(lms, tool, data, **{LTI + "deployment_id": "other"}),
        _deep_link_response(lms, tool, data, **{LTI + "message_type": "LtiResourceLinkRequest"}),
        tool.sign(good, JWK.generate(kty="RSA", size=2048)),  # another key under the tool's kid
    ]:
        refused = http("POST", lms.issuer + "/deep_link_return", data={"JWT": forged})
        assert refused.status_code == 400 and "Content refused" in refused.text
    assert len(lms.deep_link_responses) == before
    answer = http("POST", lms.issuer + "/deep_link_return", data={"JWT": _deep_link_response(lms, tool, data)})
    assert answer.status_code == 200 and "Content added" in answer.text and "Quiz &lt;one&gt;" in answer.text
    recorded = lms.deep_link_responses[-1]
    assert recorded[DL + "data"] == data and recorded["iss"] == lms.client_id
    (item,) = recorded[DL + "content_items"]
    assert item["custom"] == {"quiz": "1"} and item["lineitem_url"].startswith(lms.issuer + "/contexts/course-dl/")
    line = lms.lineitems[item["lineitem_url"]]
    assert line["resourceLinkId"] == item["resource_link_id"] and line["scoreMaximum"] == 3
    assert lms.resource_links[item["resource_link_id"]]["context_id"] == "course-dl"


def test_the_course_page_links_to_the_tools_login_initiation(lms):
    lms.add_member("course-p", LEARNER)
    page = http("GET", lms.issuer + "/course/course-p", params={"sub": LEARNER.sub, "resource_link_id": "rl-p"})
    href = unescape(re.search(r'<a id="launch" href="([^"]+)"', page.text).group(1))
    assert href.startswith(LOGIN_URL + "?")
    query = dict(parse_qsl(urlsplit(href).query))
    assert query["login_hint"] == LEARNER.sub and query["iss"] == lms.issuer
    claims = verified(lms, lms.authorize(auth_params(query))[1]["id_token"])
    assert claims[LTI + "resource_link"]["id"] == "rl-p" and claims[LTI + "context"]["id"] == "course-p"
    framed = http("GET", lms.issuer + "/course/course-p", params={"sub": LEARNER.sub, "frame": "1"})
    assert '<iframe id="tool"' in framed.text and LOGIN_URL in framed.text
    assert http("GET", lms.issuer + "/course/course-p", params={"sub": "stranger"}).status_code == 404


def test_a_platform_that_is_down_answers_503_everywhere(lms, tool):
    headers = bearer(lms, tool)
    lms.down = True
    for method, path in [("GET", "/jwks"), ("POST", "/token"), ("GET", "/contexts/c/lineitems"), ("GET", "/auth")]:
        assert http(method, lms.issuer + path, headers=headers).status_code == 503
    lms.down = False
    assert http("GET", lms.issuer + "/contexts/c/lineitems", headers=headers).status_code == 200
