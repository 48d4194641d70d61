"""Security headers on every response: pages, redirects, errors (400, 403, 404, 405, 413, 429, 500),
JSON, downloads (CSV, XLSX, Markdown) and static files; HSTS in production only."""

from __future__ import annotations

import pytest

from studyapp import create_app
from studyapp.extensions import db
from tests.conftest import base_config
from tests.security.support import PAYLOAD, fetch, multipart, routes

pytestmark = pytest.mark.content


def csp_directives(value: str) -> dict[str, list[str]]:
    directives = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = [w.lower() for w in words[1:]]
    return directives


#: The LTI launch endpoints answer inside a registered platform's frame (the world registers https://lms.example).
FRAMED_BY_PLATFORMS = {
    "lti.login": ["https://lms.example"],
    "lti.launch": ["https://lms.example"],
    "lti.enter": ["https://lms.example"],
}


def header_problems(response, *, production: bool = False, framers: list[str] | None = None) -> list[str]:
    """What a response lacks of the headers every response must carry."""
    problems = []
    csp = response.headers.get("Content-Security-Policy")
    if not csp:
        return ["no Content-Security-Policy"]
    directives = csp_directives(csp)
    scripts = directives.get("script-src", directives.get("default-src", []))
    if (
        not scripts
        or "'unsafe-inline'" in scripts
        or "'unsafe-eval'" in scripts
        or "*" in scripts
        or any(s.startswith(("http:", "https:", "data:")) for s in scripts)
    ):
        problems.append(f"script-src too wide: {scripts}")
    for name in ("object-src", "base-uri"):
        if directives.get(name) != ["'none'"]:
            problems.append(f"{name} is {directives.get(name)}, not 'none'")
    if directives.get("frame-ancestors") != (framers or ["'none'"]):
        problems.append(f"frame-ancestors is {directives.get('frame-ancestors')}, not {framers or ['none']}")
    elif framers and response.headers.get("X-Frame-Options"):
        problems.append("X-Frame-Options set on a page a platform may frame")
    elif not framers and response.headers.get("X-Frame-Options") != "DENY":
        problems.append("no X-Frame-Options: DENY")
    if directives.get("default-src") != ["'self'"]:
        problems.append(f"default-src is {directives.get('default-src')}")
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    if response.headers.get("Referrer-Policy") not in (
        "same-origin",
        "strict-origin-when-cross-origin",
        "no-referrer",
        "strict-origin",
    ):
        problems.append(f"Referrer-Policy {response.headers.get('Referrer-Policy')!r}")
    hsts = response.headers.get("Strict-Transport-Security")
    if production:
        if not hsts or int(hsts.split("max-age=")[1].split(";")[0]) < 31536000:
            problems.append(f"HSTS missing or shorter than a year: {hsts!r}")
    elif hsts:
        problems.append("HSTS sent outside production (it would pin plain-HTTP development hosts)")
    return problems


def test_every_response_carries_the_security_headers(app, world, as_role, monkeypatch):
    seen: dict[str, int] = {}
    failures = []

    def check(label, response, endpoint=None):
        kind = f"{response.status_code} {response.mimetype}"
        seen[kind] = seen.get(kind, 0) + 1
        for problem in header_problems(response, framers=FRAMED_BY_PLATFORMS.get(endpoint)):
            failures.append(f"{label} ({kind}): {problem}")

    walked = routes(app, world)
    for role in (None, "student", "instructor", "other_student"):
        client = as_role(role)
        for route in walked:
            for method in sorted(route.methods):
                kwargs = {"data": PAYLOAD, "csrf": False} if method != "GET" else {}
                check(f"{role} {method} {route.path}", fetch(client, route.path, method, **kwargs), route.endpoint)
    instructor = as_role("instructor")
    check("404", fetch(instructor, "/no/such/page"))
    check("404 json", fetch(instructor, "/no/such/page", headers={"Accept": "application/json"}))
    check("405", fetch(instructor, "/healthz", "POST"))
    body, content_type = multipart({}, {"file": (b"x" * (7 << 20), "a.md")})
    too_large = fetch(instructor, "/authoring/upload", "POST", data=body, content_type=content_type)
    assert too_large.status_code == 413
    check("413", too_large)
    check(
        "markdown download",
        fetch(instructor, "/authoring/export", "POST", data={"question": [str(i) for i in world.question_ids]}),
    )
    for fmt in ("csv", "xlsx"):
        response = fetch(instructor, f"/classes/{world.class_id}/export/gradebook.{fmt}")
        assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
        check(f"{fmt} download", response)
    for _ in range(30):
        response = fetch(
            as_role(None), "/login", "POST", data={"email": "nobody@studyapp.example", "password": "wrong"}
        )
    assert response.status_code == 429
    check("429", response)

    def boom():
        raise RuntimeError("a crash in a view")

    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setitem(app.view_functions, "main.healthz", boom)
    crashed = fetch(instructor, "/healthz")
    assert crashed.status_code == 500
    check("500", crashed)
    assert not failures, "\n".join(failures[:30])
    total = sum(seen.values())
    print(
        f"Headers: {total} responses checked, all with CSP (script-src 'self', object-src/base-uri/frame-ancestors "
        f"'none'), nosniff, Referrer-Policy, no HSTS in development"
    )
    for kind, count in sorted(seen.items()):
        print(f"  {kind}: {count}")


def test_hsts_in_production(app, database_url, monkeypatch, world):
    monkeypatch.setenv("STUDYAPP_ENV", "production")
    db.session.rollback()
    app = create_app(base_config(database_url))
    client = app.test_client()
    checked = 0
    for path in ("/", "/login", "/no/such/page", "/static/css/app.css", "/healthz", "/read/"):
        response = fetch(client, path, base_url="https://localhost")
        assert not header_problems(response, production=True), (path, header_problems(response, production=True))
        checked += 1
    with app.app_context():
        db.engine.dispose()
    print(f"Headers (production): HSTS max-age >= 1 year on {checked} responses, pages, errors and static files")


def test_the_header_check_catches_a_weak_policy():
    from werkzeug.wrappers import Response

    weak = Response("x", headers={"Content-Security-Policy": "default-src 'self'; script-src 'self' 'unsafe-inline'"})
    problems = header_problems(weak)
    assert any("script-src" in p for p in problems) and any("object-src" in p for p in problems)
    assert any("nosniff" in p for p in problems)
    print(f"Headers: the check flags a weak policy ({len(problems)} problems)")


def test_signed_in_pages_are_never_stored(app, world, as_role):
    """Shared classroom computers: no signed-in page stays in the browser's cache for the next person."""
    checked = 0
    for role in ("student", "instructor"):
        client = as_role(role)
        for path in ("/", "/account", "/progress", "/classes", "/no/such/page"):
            response = fetch(client, path)
            assert "no-store" in response.headers.get("Cache-Control", ""), f"{role} GET {path}"
            checked += 1
        static = fetch(client, "/static/css/app.css")
        assert static.status_code == 200 and "no-store" not in static.headers.get("Cache-Control", "")
    anonymous = fetch(as_role(None), "/static/css/app.css")
    assert "no-store" not in anonymous.headers.get("Cache-Control", "")
    print(f"Headers: Cache-Control: no-store on {checked} signed-in responses; static files stay cacheable")
