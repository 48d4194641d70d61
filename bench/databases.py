"""Scratch databases for a benchmark run: a SQLite file and a PostgreSQL database, built and dropped here.

The SQLite file is seeded (bench/seed.py); the PostgreSQL database gets the same schema from the
migrations and then a copy of every row, so both servers answer from identical data.
"""

from __future__ import annotations

import os

import sqlalchemy as sa

# The tests' helpers, used here with the benchmark's own server (PG_URL).
from tests.databases import postgres_unavailable, scratch_postgres  # noqa: F401

PG_URL = os.environ.get("BENCH_DATABASE_URL") or os.environ.get(
    "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def app_config(uri: str) -> dict:
    """The configuration the seed and the copy run the app with (not the servers: they use production's)."""
    return {"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "bench-seed", "RATELIMIT_STORAGE_URI": "memory://"}


def migrate(uri: str) -> None:
    """Build the schema with the migrations, as `flask db upgrade` does."""
    import logging

    from flask_migrate import upgrade

    from studyapp import create_app
    from studyapp.extensions import db

    app = create_app(app_config(uri))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    logging.getLogger("alembic").setLevel(logging.WARNING)


def copy_rows(source_uri: str, target_uri: str) -> int:
    """Copy every row of every table from a migrated SQLite database to an empty, migrated PostgreSQL one.

    Rows are read through the models' column types (JSON decoded, timestamps made aware) and written
    with PostgreSQL's COPY; the id sequences are then moved past the copied ids. Returns the row count.
    """
    import json

    import studyapp.models  # noqa: F401 - registers every table
    from studyapp.extensions import db

    source, target = sa.create_engine(source_uri), sa.create_engine(target_uri)
    total = 0
    try:
        with source.connect() as read, target.begin() as write:
            cursor = write.connection.driver_connection.cursor()
            for table in db.metadata.sorted_tables:
                names = [column.name for column in table.columns]
                encoded = [isinstance(column.type, sa.JSON) for column in table.columns]
                columns = ", ".join(f'"{name}"' for name in names)
                with cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
                    for row in read.execute(sa.select(table)):
                        copy.write_row(
                            [
                                json.dumps(value) if encode and value is not None else value
                                for value, encode in zip(row, encoded)
                            ]
                        )
                        total += 1
            for table in db.metadata.sorted_tables:
                if "id" in table.c and table.c.id.primary_key:
                    write.execute(
                        sa.text(
                            f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                            f'coalesce((SELECT max(id) FROM "{table.name}"), 0) + 1, false)'
                        )
                    )
        # Vacuumed and analysed now, so that autovacuum does not wake up on the fresh rows mid-measurement.
        with target.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    finally:
        source.dispose()
        target.dispose()
    return total
