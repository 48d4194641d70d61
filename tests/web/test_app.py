"""The app shell: configuration, headers, cookies, errors, health check, CLI."""

from __future__ import annotations

import os
import stat

from sqlalchemy import select

from studyapp import create_app
from studyapp.extensions import db, limiter
from studyapp.models import Role, User


def test_secret_key_is_generated_once_and_kept_private(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    from studyapp import config

    first = config.instance_secret_key(str(tmp_path))
    second = config.instance_secret_key(str(tmp_path))
    assert first == second and len(first) >= 64
    mode = stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode)
    assert mode == 0o600


def test_database_url_defaults_to_sqlite_in_instance_and_accepts_postgres_spellings(monkeypatch, tmp_path):
    from studyapp import config

    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert config.database_url(str(tmp_path)) == f"sqlite:///{tmp_path / 'studyapp.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/db")
    assert config.database_url(str(tmp_path)) == "postgresql+psycopg://u@h/db"


def test_production_config_sets_secure_cookies_and_hsts(monkeypatch, tmp_path):
    monkeypatch.setenv("STUDYAPP_ENV", "production")
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    with app.test_client() as client:
        assert "max-age" in client.get("/healthz").headers.get("Strict-Transport-Security", "")


def test_session_cookie_flags(client, make_user):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": "correct horse battery"})
    cookie = next(v for v in response.headers.getlist("Set-Cookie") if v.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_sqlite_is_configured_for_a_web_app(tmp_path):
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/web.db"})
    with app.app_context(), db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "redis": "not configured"}


def test_healthz_reports_an_unreachable_database(tmp_path):
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_healthz_reports_redis_and_stays_up_when_redis_is_down(monkeypatch, tmp_path):
    """Redis answering: "ok". Redis down: 200 "degraded", since every instance shares it and each keeps
    serving with its limits counted in memory; a load balancer must not take them all out."""
    from tests.security.test_rate_limits import REDIS_URL, _redis

    _redis()
    monkeypatch.setattr(limiter, "_storage_dead", limiter._storage_dead)  # the one Limiter outlives these apps
    uri = f"sqlite:///{tmp_path}/h.db"
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": uri, "RATELIMIT_STORAGE_URI": REDIS_URL})
    response = app.test_client().get("/healthz")
    assert (response.status_code, response.get_json()) == (200, {"status": "ok", "database": "ok", "redis": "ok"})
    app = create_app(
        {"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": uri, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:9/0"}
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "degraded", "database": "ok", "redis": "unreachable"}


def test_security_headers_on_pages_errors_and_json(client):
    for path in ("/", "/no-such-page", "/healthz"):
        response = client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "object-src 'none'" in csp and "base-uri 'none'" in csp and "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"


def test_error_pages_use_the_layout(client):
    response = client.get("/no-such-page")
    body = response.get_data(as_text=True)
    assert response.status_code == 404
    assert '<main id="main"' in body and "Not found" in body
    assert client.get("/no-such-page", headers={"Accept": "application/json"}).get_json()["error"] == "Not found"
    assert client.put("/healthz").status_code == 405


def test_server_error_page(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "Something went wrong" in response.get_data(as_text=True)


def test_no_asset_comes_from_another_site(client):
    body = client.get("/").get_data(as_text=True)
    assert "http://" not in body.replace("http://localhost", "")
    for attr in ('src="http', 'href="http', 'src="//', 'href="//'):
        assert attr not in body


def test_cli_creates_users_and_refuses_duplicates(runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "Prof@studyapp.example",
            "--name",
            "Prof",
            "--role",
            "instructor",
            "--password",
            "longpassword",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "prof@studyapp.example"))
    assert user.role is Role.INSTRUCTOR
    again = runner.invoke(
        args=["users", "create", "--email", "prof@studyapp.example", "--name", "Prof", "--password", "longpassword"]
    )
    assert again.exit_code != 0 and "already exists" in again.output


def test_demo_prints_logins_that_work(runner, client):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    for line in result.output.splitlines():
        if "password:" in line:
            role, email, _, password = line.split()
            response = client.post("/login", data={"email": email, "password": password})
            assert response.status_code == 302, (role, email)
            client.post("/logout")
