"""Fixtures of the security tests: the hostile world, signed-in clients per role, table snapshots.

The world is built once per database engine in a template database (the shipped content plus the
world), and each test gets a fresh copy of that template: a copied SQLite file, or a PostgreSQL
database created from it.
"""

from __future__ import annotations

import shutil

import pytest
import sqlalchemy as sa

from studyapp import create_app
from studyapp.extensions import db
from studyapp.models import User
from tests.conftest import base_config, postgres_copy, scratch_postgres_database
from tests.security.support import build_world, snapshot


@pytest.fixture(scope="session")
def _world_templates():
    """engine name -> (template database URL, World); PostgreSQL templates are dropped at the end."""
    templates, closers = {}, []
    yield templates, closers
    for close in reversed(closers):
        close()


def _world_template(request, engine: str):
    templates, closers = request.getfixturevalue("_world_templates")
    if engine not in templates:
        factory = request.getfixturevalue("tmp_path_factory")
        if engine == "sqlite":
            path = factory.mktemp("world") / "world.sqlite3"
            shutil.copyfile(request.getfixturevalue("sqlite_content_template"), path)
            url = f"sqlite:///{path}"
        else:
            content = sa.make_url(request.getfixturevalue("postgres_content_template")).database
            manager = scratch_postgres_database("studyapp_world", template=content)
            url = manager.__enter__()
            closers.append(lambda: manager.__exit__(None, None, None))
        app = create_app(base_config(url))
        with app.app_context():
            world = build_world(app, factory.mktemp("hostile"))
            db.session.remove()
            db.engine.dispose()
        templates[engine] = (url, world)
    return templates[engine]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A copy of the world's template database: each test runs on SQLite and on PostgreSQL."""
    template, _ = _world_template(request, request.param)
    if request.param == "sqlite":
        path = tmp_path / "test.sqlite3"
        shutil.copyfile(sa.make_url(template).database, path)
        yield f"sqlite:///{path}"
    else:
        with postgres_copy(template) as url:
            yield url


@pytest.fixture
def world(request, database_url):
    """Two instructors, two students, an admin, classes, a quiz, attempts: hostile text in every field."""
    return _world_template(request, "sqlite" if database_url.startswith("sqlite") else "postgresql")[1]


@pytest.fixture
def as_role(world, signed_in):
    """Return a callable giving a client signed in as a role of the world (None: anonymous), one per role."""
    clients = {}

    def get(role):
        if role not in clients:
            clients[role] = signed_in(None if role is None else db.session.get(User, world.users[role]))
        return clients[role]

    return get


@pytest.fixture
def tables():
    """Return the snapshot function: row counts and checksums of every table."""
    return snapshot
