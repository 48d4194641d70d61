"""`flask backup PATH` and `flask restore PATH`: thin wrappers over studyapp.ops.backup."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from studyapp.extensions import db
from studyapp.ops import backup as backups


def _database_url() -> str:
    return db.engine.url.render_as_string(hide_password=False)


def _head() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(current_app.extensions["migrate"].directory).get_current_head() or ""


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--overwrite", is_flag=True, help="Replace PATH if it exists.")
def backup_command(path: Path, overwrite: bool) -> None:
    """Copy the SQLite database to PATH while the app runs (PostgreSQL: prints the pg_dump command)."""
    try:
        report = backups.backup_sqlite(_database_url(), path, overwrite=overwrite)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"Backed up to {report.path} ({report.bytes:,} bytes, schema {report.revision or 'none'}, "
        f"integrity ok): "
        + ", ".join(f"{name} {count}" for name, count in report.rows.items() if name != "alembic_version")
    )


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(path: Path, yes: bool) -> None:
    """Replace the SQLite database with the backup at PATH (stop the app first; PostgreSQL: pg_restore)."""
    url = _database_url()
    try:
        backups.sqlite_path(url)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    if not yes:
        click.confirm(f"Replace every row of {backups.sqlite_path(url)} with the backup {path}?", abort=True)
    db.session.remove()
    db.engine.dispose()  # no pooled connection keeps pages of the database being replaced
    try:
        report, saved = backups.restore_sqlite(path, url)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    if saved:
        click.echo(f"The database as it was is saved in {saved}.")
    click.echo(
        f"Restored {path}: "
        + ", ".join(f"{name} {count}" for name, count in report.rows.items() if name != "alembic_version")
    )
    if report.revision != _head():
        click.echo(
            f"The backup's schema is at {report.revision}; run `flask db upgrade` to bring it to {_head()}.", err=True
        )
