"""Cross-site request forgery: every state-changing route refuses a write without a valid token, and no
GET changes anything. Both walk app.url_map, so routes added later are covered without editing this file."""

from __future__ import annotations

import pytest

from studyapp.extensions import csrf
from tests.security.support import PAYLOAD, WRITE_METHODS, changed_tables, fetch, routes, snapshot

pytestmark = pytest.mark.content

WRITERS = (None, "student", "instructor", "admin")


#: The only views without a CSRF token, and why: a learning platform's page posts to them from its own site.
#: Instead of a token, the launch carries an id_token signed by the registered platform, bound to the browser by
#: the OIDC state cookie and used once (its nonce); the login initiation only starts that exchange.
EXEMPT_BY_DESIGN = {
    "studyapp.lti.views.launch": "an LTI launch: a signed id_token, a state cookie and a single-use nonce",
    "studyapp.lti.views.login": "an LTI login initiation: it changes nothing but a short-lived state and nonce",
}


def test_only_the_lti_launch_endpoints_are_exempt_from_csrf(app):
    exempt = sorted(getattr(csrf, "_exempt_views", set())) + sorted(getattr(csrf, "_exempt_blueprints", set()))
    assert exempt == sorted(EXEMPT_BY_DESIGN), f"views exempt from CSRF protection: {exempt}"
    assert app.config.get("WTF_CSRF_ENABLED", True) and app.config.get("WTF_CSRF_CHECK_DEFAULT", True)
    print(
        "CSRF: checked on every request before any view runs, except "
        + "; ".join(f"{view} ({why})" for view, why in EXEMPT_BY_DESIGN.items())
    )


def test_every_write_without_a_valid_token_is_refused_and_changes_nothing(app, world, as_role):
    writes = [route for route in routes(app, world) if route.methods & WRITE_METHODS]
    forged = as_role("other_student")
    foreign_token = forged.csrf_token()  # a real token, but of another session
    for role in WRITERS:
        as_role(role)  # sign in before the snapshot: signing in writes last_login_at
    before = snapshot()
    sent = 0
    for role in WRITERS:
        client = as_role(role)
        for route in writes:
            for method in sorted(route.methods & WRITE_METHODS):
                attempts = {
                    "no token": {"csrf": False},
                    "bogus header": {"csrf": False, "headers": {"X-CSRFToken": "bogus"}},
                    "another session's token (header)": {"csrf": False, "headers": {"X-CSRFToken": foreign_token}},
                    "another session's token (form)": {"csrf": False, "data": {**PAYLOAD, "csrf_token": foreign_token}},
                }
                for label, kwargs in attempts.items():
                    kwargs.setdefault("data", PAYLOAD)
                    response = fetch(client, route.path, method, **kwargs)
                    sent += 1
                    if _view_of(app, route.endpoint) in EXEMPT_BY_DESIGN:
                        # no token needed, but without a platform's signed request nothing is done
                        assert response.status_code in (400, 403), (route.path, response.status_code)
                        continue
                    assert response.status_code == 400, (
                        f"{role or 'anonymous'} {method} {route.path} with {label}: {response.status_code}"
                    )
                    if response.mimetype == "text/html":
                        assert "did not come from this site" in response.get_data(as_text=True)
    after = snapshot()
    assert changed_tables(before, after) == {}, changed_tables(before, after)
    print(
        f"CSRF: {len(writes)} write routes x {len(WRITERS)} roles x 4 forgeries = {sent} requests, "
        f"all 400; {len(before)} tables unchanged (row counts and checksums)"
    )


def test_no_get_changes_state(app, world, as_role):
    gets = [route for route in routes(app, world) if "GET" in route.methods]
    viewers = (None, "student", "instructor", "admin", "other_student", "other_instructor")
    for role in viewers:
        as_role(role)  # sign everyone in first: a sign-in writes (last_login_at), a GET must not
    before = snapshot()
    statuses: dict[int, int] = {}
    for role in viewers:
        client = as_role(role)
        for route in gets:
            response = fetch(client, route.path)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            head = fetch(client, route.path, "HEAD")
            assert head.status_code == response.status_code
    after = snapshot()
    changed = changed_tables(before, after)
    assert changed == {}, f"a GET changed these tables: {changed}"
    print(
        f"GET: {len(gets)} routes x {len(viewers)} roles (GET and HEAD) = {2 * len(gets) * len(viewers)} requests "
        f"(statuses {dict(sorted(statuses.items()))}); {len(before)} tables unchanged"
    )


def _view_of(app, endpoint: str) -> str:
    view = app.view_functions[endpoint]
    return f"{view.__module__}.{view.__name__}"
