"""Back up and restore the database.

SQLite: an online copy with SQLite's backup API (`sqlite3.Connection.backup`), safe while the app
serves requests: the copy is one consistent snapshot, checked with `PRAGMA integrity_check`
before it is kept. Restoring copies a checked backup back into the live file the same way, after
saving the current database beside the backup.

PostgreSQL: use its own tools, `pg_dump --format=custom` and `pg_restore` (see docs/operations.md);
`postgres_instructions` says which commands to run for the configured database.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url

#: Pages copied per step of the backup API: small steps let writers in between.
PAGES_PER_STEP = 1024


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


@dataclass
class BackupReport:
    path: Path
    bytes: int
    #: Rows per table in the copy, to compare with the live database.
    rows: dict[str, int] = field(default_factory=dict)
    #: The Alembic revision the copy's schema is at ("" if it has none).
    revision: str = ""


def sqlite_path(url: str | URL) -> Path:
    """The file of a SQLite database URL; refuse other engines and in-memory databases."""
    url = make_url(url)
    if url.get_backend_name() != "sqlite":
        raise BackupError(postgres_instructions(url))
    if not url.database or url.database == ":memory:":
        raise BackupError("The database is in memory: there is nothing on disk to back up.")
    return Path(url.database)


def postgres_instructions(url: str | URL) -> str:
    """What to run for a PostgreSQL (or any non-SQLite) database: its own dump and restore tools."""
    url = make_url(url)
    target = url.set(drivername="postgresql").render_as_string(hide_password=True)
    return (
        f"The database is {url.get_backend_name()}, not SQLite: `flask backup` and `flask restore` copy SQLite files "
        "only. Use PostgreSQL's tools instead (they read the password from PGPASSWORD or ~/.pgpass):\n"
        f"  back up:  pg_dump --format=custom --file=studyapp.dump '{target}'\n"
        f"  restore:  pg_restore --clean --if-exists --no-owner --dbname='{target}' studyapp.dump\n"
        'See docs/operations.md, "Backups".'
    )


def _connect(path: Path, *, must_exist: bool = True) -> sqlite3.Connection:
    if must_exist and not path.is_file():
        raise BackupError(f"{path} does not exist.")
    uri = f"file:{path}?mode={'rw' if must_exist else 'rwc'}"
    return sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None)


def _check(conn: sqlite3.Connection, path: Path) -> BackupReport:
    """Check a copy's integrity and count its rows."""
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a SQLite database ({exc}).") from exc
    if result != "ok":
        raise BackupError(f"{path} fails SQLite's integrity check: {result}")
    tables = [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    rows = {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in tables}
    revision = ""
    if "alembic_version" in tables:
        revision = (conn.execute("SELECT version_num FROM alembic_version").fetchone() or ("",))[0]
    return BackupReport(path, path.stat().st_size, rows, revision)


def backup_sqlite(database_url: str | URL, target: str | Path, *, overwrite: bool = False) -> BackupReport:
    """Copy the live SQLite database to `target` as one consistent snapshot, then check the copy.

    The copy is written to a temporary file beside `target` and renamed into place only once it
    passes the integrity check, so a failed or interrupted backup never leaves a half-written file.
    """
    source = sqlite_path(database_url)
    target = Path(target)
    if target.exists() and not overwrite:
        raise BackupError(f"{target} already exists; choose another name (or pass --overwrite).")
    if target.resolve() == source.resolve():
        raise BackupError("The backup cannot be the database itself.")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    partial.unlink(missing_ok=True)
    src = _connect(source)
    try:
        dst = _connect(partial, must_exist=False)
        try:
            src.backup(dst, pages=PAGES_PER_STEP)
            dst.execute("PRAGMA journal_mode=DELETE")  # a self-contained file, no -wal beside it
            report = _check(dst, partial)
        finally:
            dst.close()
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        src.close()
    os.replace(partial, target)
    report.path = target
    return report


def restore_sqlite(
    backup: str | Path, database_url: str | URL, *, keep_current: bool = True
) -> tuple[BackupReport, Path | None]:
    """Replace the live SQLite database with a checked backup; return the backup's report and where
    the database as it was has been saved (None when `keep_current` is False or there was none).

    Stop the app first (or expect requests during the restore to wait on the lock and then see
    the restored data): the backup API takes the database's write lock while it copies.
    """
    backup = Path(backup)
    target = sqlite_path(database_url)
    src = _connect(backup)
    try:
        report = _check(src, backup)
        if not report.revision:
            raise BackupError(f"{backup} has no alembic_version table: it is not a studyapp database backup.")
        saved = None
        if keep_current and target.exists():
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            saved = backup_sqlite(database_url, target.with_name(f"{target.name}.before-restore-{stamp}")).path
        dst = _connect(target, must_exist=False)
        try:
            src.backup(dst, pages=PAGES_PER_STEP)
            _check(dst, target)
        finally:
            dst.close()
    finally:
        src.close()
    return report, saved
