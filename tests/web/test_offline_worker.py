"""The attempt pages' service worker at /attempts/sw.js: one script for everyone, revalidated on each
visit, allowed by the Content-Security-Policy, and named by the attempt page (its scope is /attempts/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.security.support import fetch
from tests.security.test_headers import csp_directives, header_problems
from tests.web.quizzes import one_of_each_type, start

pytestmark = pytest.mark.content

WORKER = "/attempts/sw.js"


def script_file(app) -> bytes:
    return (Path(app.static_folder) / "js" / "attempt-sw.js").read_bytes()


def worker_sources(csp: str) -> list[str]:
    """The sources a service worker script may come from: worker-src, else child-src, else script-src, else
    default-src (CSP Level 3's fallback for workers)."""
    directives = csp_directives(csp)
    for name in ("worker-src", "child-src", "script-src", "default-src"):
        if name in directives:
            return directives[name]
    return ["*"]


def test_a_signed_out_visitor_gets_the_worker_as_a_revalidated_script(app, client):
    response = fetch(client, WORKER)
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert "Set-Cookie" not in response.headers
    assert response.data == script_file(app)
    assert 'addEventListener("fetch"' in response.get_data(as_text=True)
    assert header_problems(response) == []
    assert worker_sources(response.headers["Content-Security-Policy"]) == ["'self'"]


def test_a_student_gets_the_same_script_never_cached_as_is(app, client, student):
    response = fetch(client, WORKER)
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.data == script_file(app)  # nothing personal in it
    cache = {part.strip() for part in response.headers["Cache-Control"].split(",")}
    assert cache & {"no-cache", "no-store"}, cache  # signed-in responses are "no-store" (studyapp/web/security.py)
    assert header_problems(response) == []


def test_the_attempt_page_names_the_worker_in_its_own_folder(app, client, student):
    attempt = start(client, one_of_each_type())
    page = client.get(f"/attempts/{attempt.id}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert f'data-offline-worker="{WORKER}"' in body
    assert f'data-attempt="{attempt.id}"' in body
    assert 'role="status"' in body and "data-connection" in body
    assert "'self'" in worker_sources(page.headers["Content-Security-Policy"])


def test_only_get_is_served(client):
    assert fetch(client, WORKER, "POST").status_code == 405
