"""Fixtures: the app on SQLite and on PostgreSQL, a CSRF-aware client, and factories."""

from __future__ import annotations

import os
import re
import shutil
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import g, has_app_context
from flask.testing import FlaskClient
from hypothesis import settings

from studyapp import create_app
from studyapp.extensions import db
from studyapp.models import Role
from tests.databases import PG_URL, postgres_unavailable, scratch_postgres

# Hypothesis profiles: "dev" is quick, "ci" thorough. HYPOTHESIS_PROFILE names one; otherwise CI set picks "ci".
# No deadline: a loaded 2-core CI machine makes timings noisy, and property tests check results, never speed.
settings.register_profile("dev", max_examples=25, deadline=None)
settings.register_profile("ci", max_examples=300, deadline=None, derandomize=False, print_blob=True)


def hypothesis_profile(environ=os.environ) -> str:
    """The profile to load: HYPOTHESIS_PROFILE if set, else "ci" when CI is set (and not "0" or "false"), else "dev"."""
    named = environ.get("HYPOTHESIS_PROFILE", "").strip()
    if named:
        return named
    return "ci" if environ.get("CI", "").strip().lower() not in ("", "0", "false", "no") else "dev"


settings.load_profile(hypothesis_profile())

CONTENT = Path(__file__).resolve().parents[1] / "content"
REQUIRE_POSTGRES = os.environ.get("REQUIRE_POSTGRES") == "1"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
TEST_PASSWORD = "correct horse battery"
#: Statements that open or close a transaction: the request boundary issues them, they query nothing.
TRANSACTION_CONTROL = frozenset({"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"})


def _postgres_available() -> str | None:
    """Return why PostgreSQL cannot be used, or None when it can."""
    return postgres_unavailable(PG_URL)


def base_config(uri: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-" + uuid.uuid4().hex,
        "SQLALCHEMY_DATABASE_URI": uri,
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": "localhost",
        "LTI_SEND_SCORES": "inline",  # grade passback sends before the answer, so a test sees what was sent
    }


def migrate_to_head(uri: str) -> None:
    """Build the schema with the migrations, exactly as `flask db upgrade` does."""
    from flask_migrate import upgrade

    app = create_app(base_config(uri))
    with app.app_context():
        upgrade()
        db.engine.dispose()


def scratch_postgres_database(prefix: str, template: str | None = None):
    """Create a throwaway PostgreSQL database (so parallel runs never collide) and drop it after."""
    return scratch_postgres(prefix, template=template, url=PG_URL)


def load_shipped_content(uri: str) -> None:
    """Load the readings, the question banks and the quizzes, as `flask demo` does."""
    from studyapp.domain.library import load_shipped_content as load

    app = create_app(base_config(uri))
    with app.app_context():
        load(app.config["CONTENT_DIR"])
        db.session.commit()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite file, copied for each test."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    migrate_to_head(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def sqlite_content_template(sqlite_template, tmp_path_factory) -> Path:
    """A migrated SQLite file holding the shipped content."""
    path = tmp_path_factory.mktemp("sqlite-content") / "content.sqlite3"
    shutil.copyfile(sqlite_template, path)
    load_shipped_content(f"sqlite:///{path}")
    return path


def require_postgres() -> None:
    reason = _postgres_available()
    if reason:
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required (REQUIRE_POSTGRES=1) but unreachable at {PG_URL}: {reason}")
        pytest.skip(
            f"PostgreSQL unreachable at {PG_URL} ({reason}); start it or set TEST_DATABASE_URL to run these tests"
        )


@pytest.fixture(scope="session")
def postgres_database():
    """A migrated PostgreSQL database for this test session (emptied after each test)."""
    require_postgres()
    with scratch_postgres_database("studyapp_test") as url:
        migrate_to_head(url)
        yield url


@pytest.fixture(scope="session")
def postgres_content_template():
    """A migrated PostgreSQL database holding the shipped content, copied (as a template) per test."""
    require_postgres()
    with scratch_postgres_database("studyapp_tpl") as url:
        migrate_to_head(url)
        load_shipped_content(url)
        yield url


@contextmanager
def postgres_copy(template_url: str):
    """A fresh database created from a template database; dropped afterwards."""
    template = sa.make_url(template_url).database
    with scratch_postgres_database("studyapp_copy", template=template) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """Each web test runs once on SQLite and once on PostgreSQL.

    Tests marked `content` start from a database holding the shipped readings, banks and quizzes.
    """
    with_content = request.node.get_closest_marker("content") is not None
    if request.param == "sqlite":
        path = tmp_path / "test.sqlite3"
        template = "sqlite_content_template" if with_content else "sqlite_template"
        shutil.copyfile(request.getfixturevalue(template), path)
        yield f"sqlite:///{path}"
    elif with_content:
        with postgres_copy(request.getfixturevalue("postgres_content_template")) as url:
            yield url
    else:
        yield request.getfixturevalue("postgres_database")


class CSRFClient(FlaskClient):
    """A test client that sends a valid CSRF token with every write, unless told `csrf=False`.

    Tests hold one app context, which Flask reuses for every request; `g` is emptied before each
    request so that nothing (the signed-in user, the CSRF token) leaks between requests, as in production.
    """

    def csrf_token(self) -> str:
        page = self.get("/", headers={"Accept": "text/html"})
        match = CSRF_META.search(page.get_data(as_text=True))
        assert match, "the home page must carry the CSRF meta tag"
        return match.group(1)

    def open(self, *args, csrf: bool = True, **kwargs):
        if has_app_context():
            vars(g).clear()
        method = kwargs.get("method", "GET").upper()
        if csrf and method not in ("GET", "HEAD", "OPTIONS"):
            headers = dict(kwargs.pop("headers", None) or {})
            if "X-CSRFToken" not in headers:  # a token given is used as it is (and no page is fetched for one)
                headers["X-CSRFToken"] = self.csrf_token()
            kwargs["headers"] = headers
        response = super().open(*args, **kwargs)
        if has_app_context():
            vars(g).clear()
        return response


@pytest.fixture
def app(database_url):
    app = create_app(base_config(database_url))
    app.test_client_class = CSRFClient
    with app.app_context():
        yield app
        db.session.remove()
        if db.engine.dialect.name == "postgresql" and "/studyapp_test_" in database_url:
            tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            with db.engine.begin() as conn:
                conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.engine.dispose()


@pytest.fixture
def client(app) -> CSRFClient:
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """Return a callable that creates a user (and commits)."""
    from studyapp.domain import accounts as services

    counter = iter(range(1, 1_000_000))

    def make(
        role: Role = Role.STUDENT, *, email: str | None = None, name: str | None = None, password: str = TEST_PASSWORD
    ):
        n = next(counter)
        user = services.create_user(
            email=email or f"{role.value}{n}@studyapp.example",
            display_name=name or f"{role.value.title()} {n}",
            password=password,
            role=role,
        )
        db.session.commit()
        return user

    return make


def sign_in(client: FlaskClient, email: str, password: str = TEST_PASSWORD):
    """Sign `client` in through the login form; the login must succeed."""
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, (email, response.status_code, response.get_data(as_text=True)[:500])
    return response


@pytest.fixture
def login(client):
    """Return a callable that signs `client` in as a user (switching from whoever was signed in)."""

    def do_login(user, password: str = TEST_PASSWORD):
        return sign_in(client, user.email, password)

    return do_login


@pytest.fixture
def signed_in(app):
    """Return a callable giving another browser: a fresh client, signed in as a user (None: anonymous)."""

    def new_client(user=None, password: str = TEST_PASSWORD) -> CSRFClient:
        other = app.test_client()
        if user is not None:
            sign_in(other, user.email, password)
        return other

    return new_client


@pytest.fixture
def student(make_user, login):
    """A student, signed in on `client`."""
    user = make_user(Role.STUDENT)
    login(user)
    return user


@pytest.fixture
def instructor(make_user, login):
    """An instructor, signed in on `client`."""
    user = make_user(Role.INSTRUCTOR)
    login(user)
    return user


@pytest.fixture
def content_copy(tmp_path) -> Path:
    """A copy of the shipped readings (without the question banks and quizzes) to change."""
    return Path(shutil.copytree(CONTENT, tmp_path / "content", ignore=shutil.ignore_patterns("questions", "quizzes")))


@pytest.fixture
def count_queries(app):
    """Return a context manager that counts the SQL statements run inside it (not BEGIN, COMMIT and the like)."""

    @contextmanager
    def counting():
        statements: list[str] = []

        def before(conn, cursor, statement, parameters, context, executemany):
            if statement.split(None, 1)[0].upper() not in TRANSACTION_CONTROL:
                statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", before)

    return counting
