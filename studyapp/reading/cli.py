"""`flask content check|list|load`: thin wrappers over studyapp.core.content and the reading services."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from studyapp.core import content as core
from studyapp.domain import content as services
from studyapp.domain import library
from studyapp.domain import questions as authoring
from studyapp.domain import quizzes as quiz_rules
from studyapp.extensions import transaction

content_cli = AppGroup("content", help="Check and list the readings in content/; load the whole library.")

content_dir_option = click.option(
    "--content-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The content folder (default: the CONTENT_DIR setting, content/ in the project).",
)


def _content_dir(given: Path | None) -> Path:
    return given if given is not None else Path(current_app.config["CONTENT_DIR"])


def _shown(path: str) -> str:
    """A path relative to the working directory when it lies under it, as compilers print them."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return path


def _report_errors(errors: list[core.Error]) -> None:
    for error in errors:
        click.echo(f"{_shown(error.file)}:{error.line}: {error.message}", err=True)
    click.echo(f"{len(errors)} error(s)", err=True)


@content_cli.command("check")
@content_dir_option
def check(content_dir: Path | None) -> None:
    """Check every document, passage, theme, glossary term and claim; print each problem as file:line: message."""
    folder = _content_dir(content_dir)
    tree, errors = core.load_tree(folder)
    if errors:
        _report_errors(errors)
        raise SystemExit(1)
    # The question banks and quizzes shipped beside the readings must name passages and themes that exist.
    banks = authoring.read_banks(authoring.expand([folder / "questions"]), base=folder)
    quizzes, quiz_problems = quiz_rules.read_quizzes(authoring.expand([folder / "quizzes"]), base=folder)
    problems = authoring.check_banks(banks, tree) + quiz_problems
    if problems:
        for problem in problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(problems)} error(s) in the question banks and quizzes", err=True)
        raise SystemExit(1)
    click.echo(
        f"ok: {len(tree.documents)} document(s), {len(tree.passages)} passages, {len(tree.themes)} themes, "
        f"{len(tree.glossary)} glossary terms, {len(tree.claims)} claims; "
        f"{sum(len(b.result.questions) for b in banks)} questions and {len(quizzes)} quizzes refer to them"
    )


@content_cli.command("list")
@content_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print every passage as JSON.")
def list_passages(content_dir: Path | None, as_json: bool) -> None:
    """List the passages, in document order."""
    tree, errors = core.load_tree(_content_dir(content_dir))
    if errors:
        _report_errors(errors)
        raise SystemExit(1)
    passages = [p for d in tree.documents for p in d.passages]
    if as_json:
        click.echo(json.dumps([services.passage_json(p) for p in passages], ensure_ascii=False, indent=2))
        return
    for passage in passages:
        pages = (
            "–".join(str(n) for n in (passage.pages[0], passage.pages[-1]))
            if len(passage.pages) > 1
            else str(passage.pages[0])
        )
        click.echo(f"{passage.id:<40} {passage.part:<11} p.{pages:<8} {passage.title}")


@content_cli.command("load")
@content_dir_option
def load(content_dir: Path | None) -> None:
    """Load the readings, question banks and quizzes in one transaction; again, only what changed (nothing on error)."""
    with transaction():
        try:
            report = library.load_shipped_content(_content_dir(content_dir))
        except library.ContentProblems as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            click.echo(f"{len(exc.problems)} error(s)\nNothing was loaded.", err=True)
            raise SystemExit(1) from None
    click.echo(library.summary(report))
