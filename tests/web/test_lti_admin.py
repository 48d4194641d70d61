"""The administrator's LTI page: registering, editing and removing platforms, the tool's addresses and its keys."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from studyapp.domain.lti import keys, platforms
from studyapp.extensions import db
from studyapp.models import LtiDeployment, LtiKey, LtiPlatform, Role

CANVAS = {
    "name": "Canvas",
    "issuer": "https://canvas.example.edu",
    "client_id": "10000000000001",
    "auth_login_url": "https://canvas.example.edu/api/lti/authorize_redirect",
    "auth_token_url": "https://canvas.example.edu/login/oauth2/token",
    "key_set_url": "https://canvas.example.edu/api/lti/security/jwks",
    "deployment_ids": "1:abc\r\n\r\n2:def\r\n",
    "auth_audience": "",
    "frame_origins": "https://school.instructure.com/courses",
}
#: The tool's four addresses as the test app builds them (SERVER_NAME is localhost).
TOOL_URLS = ("http://localhost/lti/login", "http://localhost/lti/launch", "http://localhost/lti/jwks")


def counts() -> tuple[int, int, int]:
    db.session.expire_all()
    return tuple(
        db.session.scalar(select(func.count()).select_from(model)) for model in (LtiPlatform, LtiDeployment, LtiKey)
    )


def register_moodle(app) -> LtiPlatform:
    """A platform registered straight through the domain (and committed), as a test's starting point."""
    platform = platforms.register(
        platforms.PlatformValues(
            name="Moodle",
            issuer="https://moodle.example.edu",
            client_id="moodle-client",
            auth_login_url="https://moodle.example.edu/mod/lti/auth.php",
            auth_token_url="https://moodle.example.edu/mod/lti/token.php",
            key_set_url="https://moodle.example.edu/mod/lti/certs.php",
            deployment_ids=("7",),
        )
    )
    keys.signing_key(app.config["SECRET_KEY"])
    db.session.commit()
    return platform


@pytest.fixture
def admin(make_user, login):
    user = make_user(Role.ADMIN)
    login(user)
    return user


def field_error(body: str, field: str) -> str:
    """The error shown under a field (the page marks the field invalid and ties the message to it)."""
    match = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', body, re.S)
    assert match, f"no error shown for {field}"
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="{field}"', body)
    return match.group(1)


@pytest.mark.parametrize("role", [Role.STUDENT, Role.INSTRUCTOR])
def test_only_administrators_open_the_pages_or_change_anything(app, client, make_user, login, role):
    moodle = register_moodle(app)
    login(make_user(role))
    before = counts()
    pages = ["/lti/platforms", f"/lti/platforms/{moodle.id}", f"/lti/platforms/{moodle.id}/delete"]
    for path in pages:
        assert client.get(path).status_code == 403, path
    for path in [*pages, "/lti/keys/rotate", "/lti/keys/retire"]:
        assert client.post(path, data={**CANVAS, "name": "Taken over"}).status_code == 403, path
    assert counts() == before
    assert db.session.get(LtiPlatform, moodle.id).name == "Moodle"


def test_anonymous_users_are_sent_to_sign_in(client):
    for path in ("/lti/platforms", "/lti/platforms/1"):
        response = client.get(path)
        assert response.status_code == 302 and "/login?next=" in response.location
    response = client.post("/lti/keys/rotate")
    assert response.status_code == 302 and "/login?next=" in response.location
    assert counts() == (0, 0, 0)


def test_the_page_shows_the_tools_addresses_and_labels_every_field(client, admin):
    response = client.get("/lti/platforms")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<h2 id="addresses-heading">This tool\'s addresses, to paste into the LMS</h2>' in body
    for url in TOOL_URLS:
        assert f"<code>{url}</code>" in body
    assert "OIDC login initiation URL" in body and "Deep linking URL" in body and "Public keyset (JWKS) URL" in body
    assert "No platform is registered yet." in body and "No key yet" in body
    controls = re.findall(r'<(?:input|textarea)[^>]*\bid="([^"]+)"', body)
    named = [c for c in controls if c in CANVAS]
    assert sorted(named) == sorted(CANVAS)
    for control in named:
        assert f'<label for="{control}">' in body, control
    assert "<script" not in body.split("<main", 1)[1] and " style=" not in body
    assert counts() == (0, 0, 0)  # showing the page writes nothing, not even a key


def test_the_addresses_are_built_on_public_url_when_it_is_set(app, client, admin):
    app.config["PUBLIC_URL"] = "https://tool.example"
    body = client.get("/lti/platforms").get_data(as_text=True)
    assert "<code>https://tool.example/lti/login</code>" in body
    assert "<code>https://tool.example/lti/launch</code>" in body
    assert "<code>https://tool.example/lti/jwks</code>" in body
    assert "http://localhost/lti/" not in body


def test_registering_a_platform_lists_it_and_makes_the_signing_key(client, admin):
    response = client.post("/lti/platforms", data=CANVAS)
    assert response.status_code == 302 and response.location.endswith("/lti/platforms")
    db.session.expire_all()
    platform = db.session.scalar(select(LtiPlatform))
    assert (platform.name, platform.issuer, platform.client_id) == ("Canvas", CANVAS["issuer"], CANVAS["client_id"])
    assert [d.deployment_id for d in platform.deployments] == ["1:abc", "2:def"]
    assert platform.frame_origins == "https://school.instructure.com"
    assert platform.auth_audience is None
    assert len(keys.active()) == 1
    page = client.get("/lti/platforms").get_data(as_text=True)
    assert "Registered Canvas" in page
    assert '<th scope="row">Canvas</th>' in page
    assert f"<code>{CANVAS['issuer']}</code>" in page and f"<code>{CANVAS['client_id']}</code>" in page
    assert "<code>1:abc</code>, <code>2:def</code>" in page
    assert f'href="/lti/platforms/{platform.id}"' in page
    assert f"<code>{keys.active()[0].kid}</code>" in page
    for url in TOOL_URLS:
        assert f"<code>{url}</code>" in page


def test_a_second_registration_keeps_the_one_key(app, client, admin):
    register_moodle(app)
    kid = keys.active()[0].kid
    assert client.post("/lti/platforms", data=CANVAS).status_code == 302
    assert [k.kid for k in keys.active()] == [kid]


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"name": ""}, "name", "required"),
        ({"name": "x" * 201}, "name", "200"),
        ({"auth_login_url": "http://canvas.example.edu/authorize"}, "auth_login_url", "is not an https:// address"),
        ({"key_set_url": "canvas.example.edu/jwks"}, "key_set_url", "is not an https:// address"),
        ({"frame_origins": "http://school.example"}, "frame_origins", "Frame origins"),
        ({"deployment_ids": " \r\n \r\n"}, "deployment_ids", "required"),
        ({"deployment_ids": "d" * 256}, "deployment_ids", "longer than 255"),
    ],
)
def test_a_bad_registration_is_shown_again_with_the_field_named_and_nothing_saved(
    app, client, admin, change, field, says
):
    app.config["LTI_ALLOW_HTTP"] = False
    before = counts()
    response = client.post("/lti/platforms", data={**CANVAS, **change})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert says in field_error(body, field)
    assert 'role="alert"' in body
    assert counts() == before == (0, 0, 0)
    # what was typed is kept
    assert 'value="https://canvas.example.edu/login/oauth2/token"' in body


def test_http_addresses_are_taken_when_the_app_allows_them(app, client, admin):
    app.config["LTI_ALLOW_HTTP"] = True
    local = {**CANVAS, "auth_login_url": "http://localhost:8000/authorize"}
    assert client.post("/lti/platforms", data=local).status_code == 302
    assert counts()[0] == 1


def test_registering_the_same_issuer_and_client_twice_is_refused(app, client, admin):
    assert client.post("/lti/platforms", data=CANVAS).status_code == 302
    before = counts()
    response = client.post("/lti/platforms", data={**CANVAS, "name": "Canvas again", "deployment_ids": "9"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Issuer and client ID" in body and "is registered" in body
    assert counts() == before == (1, 2, 1)
    assert db.session.scalar(select(LtiPlatform.name)) == "Canvas"


def test_editing_a_platform_shows_it_and_saves_the_changes(app, client, admin):
    moodle = register_moodle(app)
    form = client.get(f"/lti/platforms/{moodle.id}")
    body = form.get_data(as_text=True)
    assert form.status_code == 200 and "<h1" in body and "Edit Moodle" in body
    assert 'value="https://moodle.example.edu/mod/lti/auth.php"' in body
    assert re.search(r"<textarea[^>]*>\s*7</textarea>", body)
    changed = {
        **CANVAS,
        "name": "Moodle 4",
        "issuer": "https://moodle.example.edu",
        "client_id": "moodle-client",
        "deployment_ids": "7\n8",
        "auth_audience": "https://moodle.example.edu/token",
    }
    response = client.post(f"/lti/platforms/{moodle.id}", data=changed)
    assert response.status_code == 302 and response.location.endswith("/lti/platforms")
    db.session.expire_all()
    saved = db.session.get(LtiPlatform, moodle.id)
    assert saved.name == "Moodle 4" and saved.auth_audience == "https://moodle.example.edu/token"
    assert [d.deployment_id for d in saved.deployments] == ["7", "8"]
    assert "Saved the registration of Moodle 4" in client.get("/lti/platforms").get_data(as_text=True)


def test_a_bad_edit_changes_nothing(app, client, admin):
    moodle = register_moodle(app)
    assert client.post("/lti/platforms", data=CANVAS).status_code == 302
    app.config["LTI_ALLOW_HTTP"] = False
    before = counts()
    own = {**CANVAS, "issuer": "https://moodle.example.edu", "client_id": "moodle-client", "name": "Renamed"}
    bad_url = client.post(f"/lti/platforms/{moodle.id}", data={**own, "auth_token_url": "http://moodle.example.edu/t"})
    assert bad_url.status_code == 422
    assert "is not an https:// address" in field_error(bad_url.get_data(as_text=True), "auth_token_url")
    taken = client.post(f"/lti/platforms/{moodle.id}", data={**CANVAS, "name": "Renamed"})  # Canvas's issuer, client
    assert taken.status_code == 422 and "is registered" in taken.get_data(as_text=True)
    assert counts() == before
    db.session.expire_all()
    kept = db.session.get(LtiPlatform, moodle.id)
    assert (kept.name, kept.client_id, kept.auth_token_url) == (
        "Moodle",
        "moodle-client",
        "https://moodle.example.edu/mod/lti/token.php",
    )


def test_an_unknown_platform_is_not_found(client, admin):
    assert client.get("/lti/platforms/999").status_code == 404
    assert client.post("/lti/platforms/999", data=CANVAS).status_code == 404
    assert client.post("/lti/platforms/999/delete").status_code == 404
    assert counts() == (0, 0, 0)


def test_removing_a_platform_asks_first(app, client, admin):
    moodle = register_moodle(app)
    page = client.get(f"/lti/platforms/{moodle.id}/delete")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Remove Moodle?" in body and "<button" in body
    assert counts() == (1, 1, 1)  # asking removes nothing
    response = client.post(f"/lti/platforms/{moodle.id}/delete")
    assert response.status_code == 302 and response.location.endswith("/lti/platforms")
    assert counts() == (0, 0, 1)  # the deployments go with it; the tool's key stays
    assert "Removed the registration of Moodle" in client.get("/lti/platforms").get_data(as_text=True)


def test_only_a_post_with_its_csrf_token_removes_a_platform(app, client, admin):
    moodle = register_moodle(app)
    assert client.head(f"/lti/platforms/{moodle.id}/delete").status_code == 200
    assert client.post(f"/lti/platforms/{moodle.id}/delete", csrf=False).status_code == 400
    assert counts() == (1, 1, 1)


def test_rotating_the_key_publishes_both_until_the_older_is_retired(app, client, admin):
    register_moodle(app)
    first = keys.active()[0].kid
    assert client.post("/lti/keys/rotate").status_code == 302
    db.session.expire_all()
    published = [k["kid"] for k in client.get("/lti/jwks").get_json()["keys"]]
    assert len(published) == 2 and published[1] == first
    assert keys.signing_key(app.config["SECRET_KEY"]).kid == published[0]
    page = client.get("/lti/platforms").get_data(as_text=True)
    assert f"<code>{published[0]}</code>" in page and f"<code>{first}</code>" in page
    assert "Stop publishing older keys" in page
    assert client.post("/lti/keys/retire").status_code == 302
    assert [k["kid"] for k in client.get("/lti/jwks").get_json()["keys"]] == [published[0]]
    assert "1 older key(s) no longer published" in client.get("/lti/platforms").get_data(as_text=True)
