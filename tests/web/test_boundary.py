"""The request boundary: a request commits once when it succeeds, and anything else leaves the database as it was.

A throwaway blueprint writes a row and then ends each way a request can end; after each request
the test discards whatever was not committed and counts what stayed.
"""

from __future__ import annotations

import pytest
from flask import Blueprint, jsonify, render_template_string
from sqlalchemy import func, select

from studyapp.domain.errors import DomainError
from studyapp.extensions import db
from studyapp.models import Role, User
from studyapp.web.boundary import after_commit, refuse, refuse_json

probe = Blueprint("probe", __name__)


def _write(name: str) -> None:
    db.session.add(User(email=f"{name}@probe.example", display_name=name, role=Role.STUDENT, password_hash="!"))
    db.session.flush()


@probe.post("/probe/<ending>")
def end(ending: str):
    """Write a row, then end as `ending` says."""
    _write(ending)
    if ending == "ok":
        return jsonify(ok=True)
    if ending == "form-errors":
        return render_template_string("<p>Fix the form</p>"), 422
    if ending == "refused":
        return refuse(DomainError("Not like that."), "/somewhere")
    if ending == "refused-json":
        return refuse_json(DomainError("Not like that.", 409, closed=True))
    if ending == "uncaught":
        raise DomainError("Nobody caught this.", 409)
    if ending == "missing":
        raise DomainError("gone", 404)
    raise RuntimeError("the view broke")


#: What each after-commit action saw: (ending, whether its row was committed when it ran).
after_commit_runs: list[tuple[str, bool]] = []


def _committed(name: str) -> bool:
    """Whether the row `name` is committed, read on a connection of its own (not the request's session)."""
    with db.engine.connect() as conn:
        return conn.scalar(select(func.count(User.id)).where(User.email == f"{name}@probe.example")) == 1


@probe.post("/probe/after-commit/<ending>")
def end_after_commit(ending: str):
    """Write a row, ask for an action after the commit, then end as `ending` says."""
    name = f"after-{ending}"
    _write(name)
    after_commit(lambda: after_commit_runs.append((ending, _committed(name))))
    if ending == "ok":
        return jsonify(ok=True)
    if ending == "form-errors":
        return render_template_string("<p>Fix the form</p>"), 422
    raise RuntimeError("the view broke")


@pytest.fixture
def probe_app(app):
    app.register_blueprint(probe)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # answer with the 500 page, as in production
    return app


def stored(name: str) -> bool:
    """Whether the row `name` was committed (anything uncommitted is discarded first)."""
    db.session.rollback()
    return db.session.scalar(select(func.count(User.id)).where(User.email == f"{name}@probe.example")) == 1


def test_a_successful_request_commits(probe_app, client):
    assert client.post("/probe/ok").status_code == 200
    assert stored("ok")


@pytest.mark.parametrize(
    ("ending", "status"), [("form-errors", 422), ("refused-json", 409), ("uncaught", 409), ("missing", 404)]
)
def test_a_refused_request_changes_nothing(probe_app, client, ending, status):
    response = client.post(f"/probe/{ending}")
    assert response.status_code == status
    assert not stored(ending)


def test_refuse_flashes_the_message_and_redirects(probe_app, client):
    response = client.post("/probe/refused")
    assert response.status_code == 302 and response.headers["Location"] == "/somewhere"
    assert not stored("refused")
    assert "Not like that." in client.get("/").get_data(as_text=True)


def test_refuse_json_says_why_with_the_errors_details(probe_app, client):
    response = client.post("/probe/refused-json")
    assert response.get_json() == {"ok": False, "error": "Not like that.", "closed": True}


def test_an_uncaught_domain_error_goes_back_to_the_page_of_the_form(probe_app, client):
    back = client.post("/probe/uncaught", headers={"Referer": "http://localhost/quizzes?page=2"})
    assert back.status_code == 302 and back.headers["Location"] == "/quizzes?page=2"
    assert "Nobody caught this." in client.get("/").get_data(as_text=True)
    elsewhere = client.post("/probe/uncaught", headers={"Referer": "https://evil.example/quizzes"})
    assert elsewhere.status_code == 409 and "Nobody caught this." in elsewhere.get_data(as_text=True)
    as_json = client.post("/probe/uncaught", headers={"Accept": "application/json"})
    assert as_json.status_code == 409 and as_json.get_json()["error"] == "Nobody caught this."
    assert not stored("uncaught")


def test_an_exception_rolls_back(probe_app, client):
    assert client.post("/probe/broken").status_code == 500
    assert not stored("broken")


def test_a_nul_character_is_refused_before_the_view_runs(probe_app, client):
    response = client.post("/probe/ok", data={"name": "a\x00b"})
    assert response.status_code == 400
    assert "The field &#39;name&#39; holds a NUL character" in response.get_data(as_text=True)
    assert not stored("ok")
    assert client.get("/?q=%00").status_code == 400


@pytest.mark.parametrize(("ending", "status"), [("ok", 200), ("form-errors", 422), ("broken", 500)])
def test_an_after_commit_action_runs_only_once_the_request_has_committed(probe_app, client, ending, status):
    after_commit_runs.clear()
    assert client.post(f"/probe/after-commit/{ending}").status_code == status
    assert after_commit_runs == ([("ok", True)] if ending == "ok" else []), after_commit_runs
    assert client.post("/probe/ok").status_code == 200
    assert after_commit_runs == ([("ok", True)] if ending == "ok" else []), "an action ran for a later request"
