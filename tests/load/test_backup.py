"""Backups: `flask backup` / `flask restore` round-trip a populated SQLite database, even while it is being
written; on PostgreSQL the commands point at pg_dump / pg_restore, whose round trip is checked too."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from studyapp.extensions import db
from studyapp.ops import backup as backups
from tests.conftest import scratch_postgres_database
from tests.security.support import build_world, changed_tables, snapshot

pytestmark = pytest.mark.content


def _sqlite_file() -> Path:
    return Path(db.engine.url.database)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_backup_and_restore_round_trip(app, runner, tmp_path):
    build_world(app, tmp_path)
    before = snapshot()
    target = tmp_path / "backups" / "studyapp-1.sqlite3"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert "integrity ok" in result.output and target.is_file()
    assert not list(target.parent.glob(".*partial*")), "no partial file is left behind"
    again = runner.invoke(args=["backup", str(target)])
    assert again.exit_code != 0 and "already exists" in again.output, "a backup never overwrites silently"

    # Damage the live database: delete every attempt, rename a user.
    with db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM attempts"))
        conn.execute(sa.text("UPDATE users SET display_name = 'changed'"))
    assert changed_tables(before, snapshot())

    result = runner.invoke(args=["restore", str(target), "--yes"])
    assert result.exit_code == 0, result.output
    after = snapshot()
    assert changed_tables(before, after) == {}, changed_tables(before, after)
    saved = next(_sqlite_file().parent.glob(f"{_sqlite_file().name}.before-restore-*"))
    with sqlite3.connect(saved) as conn:
        assert conn.execute("SELECT count(*) FROM attempts").fetchone()[0] == 0, "the damaged state is kept aside"
    client = app.test_client()
    assert client.get("/healthz").get_json()["database"] == "ok"
    rows = sum(count for count, _ in before.values())
    print(
        f"Backup: {len(before)} tables, {rows} rows backed up ({target.stat().st_size:,} bytes), damaged, restored: "
        f"every row and checksum equal; the damaged database kept as {saved.name}"
    )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_backup_while_the_database_is_written(app, tmp_path):
    build_world(app, tmp_path)
    db.session.remove()
    path = _sqlite_file()
    stop = threading.Event()
    written = []

    def writer():
        conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        n = 0
        while not stop.is_set():
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("UPDATE users SET display_name = ? WHERE id = 1", (f"writer {n}",))
            conn.execute("COMMIT")
            written.append(n)
            n += 1
        conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        reports = [backups.backup_sqlite(f"sqlite:///{path}", tmp_path / f"live-{k}.sqlite3") for k in range(5)]
    finally:
        stop.set()
        thread.join()
    for report in reports:
        assert report.rows["users"] == 5 and report.revision
    print(
        f"Backup: 5 online backups taken while another connection committed {len(written)} writes; "
        "each copy passed SQLite's integrity check"
    )


def test_restore_refuses_what_is_not_a_studyapp_backup(tmp_path):
    live = tmp_path / "live.sqlite3"
    sqlite3.connect(live).execute("CREATE TABLE t (x)").connection.commit()
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is not a database" * 100)
    other = tmp_path / "other.sqlite3"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    for path, message in ((junk, "not a SQLite database"), (other, "no alembic_version")):
        with pytest.raises(backups.BackupError, match=message):
            backups.restore_sqlite(path, f"sqlite:///{live}")
    with pytest.raises(backups.BackupError, match="itself"):
        backups.backup_sqlite(f"sqlite:///{live}", live, overwrite=True)
    print("Backup: restore refuses a file that is not SQLite and a SQLite file that is not a studyapp backup")


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_postgresql_commands_point_to_pg_dump_and_the_documented_round_trip_works(app, runner, tmp_path):
    result = runner.invoke(args=["backup", str(tmp_path / "x.sqlite3")])
    assert result.exit_code != 0
    assert "pg_dump --format=custom" in result.output and "pg_restore" in result.output
    assert "docs/operations.md" in result.output
    result = runner.invoke(args=["restore", __file__, "--yes"])
    assert result.exit_code != 0 and "pg_restore" in result.output
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump/pg_restore not installed: the commands' messages were checked, not the round trip")
    build_world(app, tmp_path)
    before = snapshot()
    url = db.engine.url
    dump = tmp_path / "studyapp.dump"
    env = {**os.environ, "PGPASSWORD": url.password or ""}
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", conninfo], check=True, env=env)
    with scratch_postgres_database("studyapp_restore") as target_url:
        target = sa.make_url(target_url).set(drivername="postgresql").render_as_string(hide_password=False)
        subprocess.run(
            ["pg_restore", "--clean", "--if-exists", "--no-owner", f"--dbname={target}", str(dump)],
            check=True,
            env=env,
            capture_output=True,
        )
        engine = sa.create_engine(target_url)
        restored = snapshot(engine)
        engine.dispose()
    assert changed_tables(before, restored) == {}
    print(
        f"Backup (PostgreSQL): `flask backup` points to pg_dump/pg_restore; the documented pg_dump -Fc | "
        f"pg_restore round trip restored {len(before)} tables with equal rows and checksums"
    )
