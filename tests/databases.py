"""The test suite's PostgreSQL server: whether it answers, and throwaway databases on it."""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager

import sqlalchemy as sa

PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def postgres_unavailable(url: str = PG_URL) -> str | None:
    """Why PostgreSQL cannot be used at `url`, or None when it can."""
    try:
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}".splitlines()[0]
    return None


@contextmanager
def scratch_postgres(prefix: str, *, template: str | None = None, url: str = PG_URL):
    """Create a throwaway PostgreSQL database on the server of `url` (a copy of `template`, if named)
    and drop it afterwards, whatever happens. The name carries the process id, so parallel runs never collide."""
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    try:
        yield sa.make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
