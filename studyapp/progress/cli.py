"""`flask progress ...`: maintenance of what progress pages read."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from studyapp.domain import points
from studyapp.extensions import transaction

progress_cli = AppGroup("progress", help="Progress: rebuild the points per attempt and theme.")


@progress_cli.command("rebuild")
def rebuild() -> None:
    """Sum every submitted attempt's answers again into the points per attempt and theme.

    The grading events keep those rows up to date; run this after writing attempts or answers
    around the app (a bulk import straight into the database, a hand-made correction).
    """
    with transaction():
        count = points.rebuild_all()
    click.echo(f"points per theme rebuilt for {count} submitted attempt(s)")
