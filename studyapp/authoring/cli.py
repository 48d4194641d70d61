"""`flask questions ...` and `flask quizzes ...`: check, import and list, for instructors and tools."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from studyapp.authoring import services
from studyapp.extensions import db
from studyapp.models import Question, QuestionBank
from studyapp.quiz.services import regrade as regrade_question

questions_cli = AppGroup("questions", help="Check, import and list question banks.")
quizzes_cli = AppGroup("quizzes", help="Check and import quiz definitions.")


def _content_dir() -> Path:
    return Path(current_app.config["CONTENT_DIR"])


def _tree():
    tree, problems = services.content_tree(_content_dir())
    if problems:
        for problem in problems:
            click.echo(str(problem), err=True)
        raise click.ClickException("the readings in the content folder have problems; run `flask content check`")
    return tree


def _fail(problems) -> None:
    for problem in problems:
        click.echo(str(problem))
    raise click.exceptions.Exit(1)


@questions_cli.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the parsed questions as JSON.")
def check(paths, as_json: bool) -> None:
    """Check bank files (or folders of them); print every problem as file:line:column: message."""
    banks = services.read_banks(services.expand(paths))
    problems = services.check_banks(banks, _tree())
    if as_json:
        questions = [services.question_data(q) for bank in banks for q in bank.result.questions]
        click.echo(json.dumps({"questions": questions, "problems": [str(p) for p in problems]}, ensure_ascii=False,
                              indent=2))
        if problems:
            raise click.exceptions.Exit(1)
        return
    if problems:
        _fail(problems)
    count = sum(len(bank.result.questions) for bank in banks)
    click.echo(f"{len(banks)} file(s), {count} question(s): no problems")


@questions_cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Report what would change; change nothing.")
def import_(paths, dry_run: bool) -> None:
    """Import bank files into the shipped banks: all of them or, on any problem, none."""
    banks = services.read_banks(services.expand(paths), base=_content_dir())
    report = services.import_banks(banks, _tree(), dry_run=dry_run)
    if not report.ok:
        _fail(report.problems)
    if not dry_run:
        db.session.commit()
    verb = "would be" if dry_run else "were"
    click.echo(
        f"{len(report.created)} question(s) {verb} created, {len(report.changed)} changed, "
        f"{len(report.unchanged)} unchanged, {len(report.retired)} retired"
    )


@questions_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print every question's current version as JSON.")
def list_(as_json: bool) -> None:
    """List the questions in the database."""
    rows = db.session.scalars(
        select(Question).join(QuestionBank).order_by(QuestionBank.slug, Question.position)
        .options(selectinload(Question.current_version), selectinload(Question.bank))
    ).all()
    if as_json:
        data = [
            {"bank": q.bank.slug, "retired": q.retired, "version": q.current_number,
             **services.question_data(services.question_of(q.current_version))}
            for q in rows
        ]
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for q in rows:
        flag = " (retired)" if q.retired else ""
        click.echo(f"{q.bank.slug:<20} {q.key:<50} {q.current_version.type:<10} v{q.current_number}{flag}")


@questions_cli.command("regrade")
@click.argument("key")
def regrade(key: str) -> None:
    """Grade submitted answers to older versions of a shipped question again, against its current key."""
    question = services.shipped_questions().get(key)
    if question is None:
        raise click.ClickException(f"no shipped question '{key}'")
    report = regrade_question(question, actor=None)
    db.session.commit()
    for attempt_id, position, before, after in report.regraded:
        click.echo(f"attempt {attempt_id} question {position}: {before} -> {after}")
    for attempt_id, position, reason in report.skipped:
        click.echo(f"attempt {attempt_id} question {position}: left as it was ({reason})")
    click.echo(f"{len(report.regraded)} answer(s) regraded, {len(report.skipped)} left as they were")


@quizzes_cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True)
def import_quizzes(paths, dry_run: bool) -> None:
    """Import quiz definitions (their questions must be imported first)."""
    quizzes, problems = services.read_quizzes(services.expand(paths), base=_content_dir())
    report = services.import_quizzes(quizzes, problems, _tree(), dry_run=dry_run)
    if not report.ok:
        _fail(report.problems)
    if not dry_run:
        db.session.commit()
    click.echo(f"{len(report.created)} quiz(zes) created, {len(report.changed)} updated")
