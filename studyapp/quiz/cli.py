"""`flask attempts ...`: jobs an operator runs for attempts (the workers' background passes run them too)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from studyapp.domain import attempts as services
from studyapp.extensions import transaction

attempts_cli = AppGroup("attempts", help="Attempts: finalize those whose time ran out.")


@attempts_cli.command("finalize")
def finalize() -> None:
    """Submit, with their saved answers, every timed attempt whose deadline (plus the grace) has passed."""
    with transaction():
        count = services.finalize_expired(skip_locked=True)
    click.echo(f"{count} attempt(s) finalized")
