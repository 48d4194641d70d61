"""`flask export gradebook|responses --class ID --format csv|xlsx -o FILE`: the gradebook buttons' files."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from studyapp.domain import exports
from studyapp.extensions import db, transaction
from studyapp.models import Class

export_cli = AppGroup("export", help="Export a class's results (the files the gradebook's buttons give).")


def _command(kind: str, help_text: str):
    @export_cli.command(kind, help=help_text)
    @click.option("--class", "class_id", type=int, required=True, help="The class's id (in its address).")
    @click.option("--format", "fmt", type=click.Choice(exports.FORMATS), default="csv", show_default=True)
    @click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, writable=True, path_type=Path),
        help="The file to write (default: the download's name, in this folder).",
    )
    def command(class_id: int, fmt: str, output: Path | None) -> None:
        with transaction():
            class_ = db.session.get(Class, class_id)
            if class_ is None:
                raise click.ClickException(f"no class has the id {class_id}")
            result = exports.export(class_, kind, fmt)
            target = output or Path(result.filename)
            size = 0
            with target.open("wb") as handle:
                for chunk in result.chunks:
                    handle.write(chunk)
                    size += len(chunk)
        click.echo(f"Wrote {target} ({size:,} bytes).")

    return command


_command("gradebook", "The gradebook in Canvas's import layout: one row per student, one column per assignment.")
_command("responses", "Every answer: one row per student x question of every attempt at the class's assignments.")
