"""Extensions, created unbound (create_app binds them with init_app), and the one commit of a unit of work."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from flask import request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with constraint names Alembic can diff on SQLite and PostgreSQL."""

    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)

if TYPE_CHECKING:
    # `db.Model` is a class Flask-SQLAlchemy builds at run time from Base (adding a bind key, the
    # table name and a query property); a type checker cannot subclass a value, so the models
    # subclass `Model`, which it sees as the declarative Base that class extends.
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def finish(ok: bool) -> None:
    """End the unit of work: commit everything it flushed, or roll all of it back.

    The one place that commits. A web request ends here (studyapp.web.boundary), and so does
    every CLI command (`transaction`); the domain layer only flushes. What the unit asked to
    run once it is saved (`on_commit`) runs after the commit, and is dropped on a rollback.
    """
    actions = db.session.info.pop(ON_COMMIT, [])
    if ok:
        db.session.commit()
        for action in actions:
            action()
    else:
        db.session.rollback()


ON_COMMIT = "studyapp.on_commit"


def on_commit(action: Callable[[], None]) -> None:
    """Run `action` after this unit of work commits through `finish`, never if it rolls back: for work that
    must see the saved rows and must not hold up the transaction (a domain event's follow-up, such as
    sending a score). A commit outside `finish` (a test's fixture) or a rollback drops what was queued."""
    db.session.info.setdefault(ON_COMMIT, []).append(action)


def _drop_on_commit_actions(session: Any, transaction: Any) -> None:
    """Forget queued actions when the session's outermost transaction ends any other way than `finish`."""
    if transaction.parent is None:
        session.info.pop(ON_COMMIT, None)


@contextmanager
def transaction(*, dry_run: bool = False) -> Iterator[None]:
    """Run a CLI command as one unit of work: commit once at the end, roll back on an error or a dry run."""
    try:
        yield
    except BaseException:
        finish(False)
        raise
    finish(not dry_run)


event.listen(db.session, "after_transaction_end", _drop_on_commit_actions)


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_connection: Any, _record: object) -> None:
    """Configure each SQLite connection for a web app: WAL, foreign keys, a busy timeout."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    # Let SQLAlchemy emit BEGIN itself so that writes can take the lock up front.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection: Connection) -> None:
    """Open SQLite transactions with BEGIN IMMEDIATE on write requests, so they never deadlock on upgrade."""
    if connection.dialect.name != "sqlite":
        return
    immediate = False
    try:
        immediate = request.method not in ("GET", "HEAD", "OPTIONS")
    except RuntimeError:  # outside a request: CLI and scripts write
        immediate = True
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
