"""`flask questions ...` and `flask quizzes ...`: check, import and list, for instructors and tools."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from studyapp.core import qformat
from studyapp.core.qformat.gift import DEFAULT_DIFFICULTY, EXPLANATION_POLICIES
from studyapp.domain import questions as services
from studyapp.domain import quizzes as quiz_rules
from studyapp.domain.attempts import regrade as regrade_question
from studyapp.extensions import db, transaction
from studyapp.models import Question, QuestionBank

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


def _tag_pairs(ctx, param, values) -> tuple[tuple[str, str], ...]:
    """Read each `--tag-theme TAG=THEME` (the tag as Moodle writes it, the theme's id)."""
    pairs = []
    for value in values:
        tag, equals, theme = value.rpartition("=")
        if not equals or not tag.strip() or not qformat.is_slug(theme.strip()):
            raise click.BadParameter(f"expected TAG=THEME-ID, found '{value}'", ctx, param)
        pairs.append((tag.strip(), theme.strip()))
    return tuple(pairs)


def _reading_options(command):
    """Add the options that choose a bank file's format and the defaults of GIFT and text2qti files."""
    options = (
        click.option(
            "--format",
            "fmt",
            type=click.Choice(list(services.IMPORT_FORMATS)),
            default="md",
            show_default=True,
            help="The files' format: our Markdown, Moodle GIFT or text2qti.",
        ),
        click.option(
            "--theme",
            "themes",
            multiple=True,
            help="GIFT/text2qti: theme of questions whose tags name none (repeat for several); "
            "without it they are not filed yet.",
        ),
        click.option(
            "--passage",
            "passages",
            multiple=True,
            help="GIFT/text2qti: passage of questions without a [passage:...] comment (repeatable); "
            "without it they are not filed yet.",
        ),
        click.option(
            "--difficulty",
            type=click.IntRange(1, 3),
            help=f"GIFT/text2qti: difficulty of questions without a [difficulty:...] comment "
            f"(without it: {DEFAULT_DIFFICULTY}, with a warning).",
        ),
        click.option(
            "--tag-theme",
            "tag_themes",
            multiple=True,
            metavar="TAG=THEME",
            callback=_tag_pairs,
            help="GIFT/text2qti: file questions with this tag under this theme (repeatable); a tag that is "
            "a theme's id needs none.",
        ),
        click.option(
            "--explanation-missing",
            type=click.Choice(EXPLANATION_POLICIES),
            default="warn",
            show_default=True,
            help="GIFT/text2qti: warn about a question with no explanation, or refuse it.",
        ),
    )
    for option in reversed(options):
        command = option(command)
    return command


def _read(paths, tree, fmt, themes, passages, difficulty, tag_themes, explanation_missing, base=None):
    """Read the bank files in `fmt`; print the warnings of foreign files to stderr.

    A tag that is the id of one of the content's themes files its question under that theme.
    """
    defaults = qformat.ImportDefaults(
        tuple(themes),
        tuple(passages),
        difficulty,
        explanation_missing,
        known_themes=frozenset(tree.themes),
        tag_themes=tag_themes,
    )
    files = services.expand(paths, services.IMPORT_FORMATS[fmt])
    banks = services.read_banks(files, base=base, fmt=fmt, defaults=defaults)
    for warning in services.bank_warnings(banks):
        click.echo(f"{warning.file}:{warning.line}:{warning.column}: warning: {warning.message}", err=True)
    return banks


@questions_cli.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the parsed questions as JSON.")
@_reading_options
def check(paths, as_json: bool, **reading) -> None:
    """Check bank files (or folders of them); print every problem as file:line:column: message."""
    tree = _tree()
    banks = _read(paths, tree, **reading)
    problems = services.check_banks(banks, tree)
    if as_json:
        questions = [services.question_data(q) for bank in banks for q in bank.result.questions]
        click.echo(
            json.dumps({"questions": questions, "problems": [str(p) for p in problems]}, ensure_ascii=False, indent=2)
        )
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
@_reading_options
def import_(paths, dry_run: bool, **reading) -> None:
    """Import bank files into the shipped banks: all of them or, on any problem, none."""
    tree = _tree()
    banks = _read(paths, tree, **reading, base=_content_dir())
    with transaction(dry_run=dry_run):
        report = services.import_banks(banks, tree, dry_run=dry_run)
        if not report.ok:
            _fail(report.problems)
    verb = "would be" if dry_run else "were"
    click.echo(
        f"{len(report.created)} question(s) {verb} created, {len(report.changed)} changed, "
        f"{len(report.unchanged)} unchanged, {len(report.retired)} retired"
    )


@questions_cli.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(services.EXPORT_FORMATS),
    required=True,
    help="gift (Moodle), qti (a QTI 1.2 zip for Canvas) or md (our Markdown).",
)
@click.option("--bank", "banks", multiple=True, help="A shipped bank to export, by its slug (repeatable).")
@click.option("--id", "keys", multiple=True, help="A question to export, by its id (repeatable).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True)
def export(fmt: str, banks, keys, output: Path) -> None:
    """Export the current versions of shipped questions (all, or the banks and ids given) to a file."""
    try:
        exported = services.export_questions(fmt, banks=banks, keys=keys, quotes=qformat.passage_quotes(_tree()))
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc
    data = exported.data.encode("utf-8") if isinstance(exported.data, str) else exported.data
    output.write_bytes(data)
    for warning in exported.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"{exported.count} question(s) written to {output}")


@questions_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print every question's current version as JSON.")
def list_(as_json: bool) -> None:
    """List the questions in the database."""
    rows = db.session.scalars(
        select(Question)
        .join(QuestionBank)
        .order_by(QuestionBank.slug, Question.position)
        .options(selectinload(Question.current_version), selectinload(Question.bank))
    ).all()
    if as_json:
        data = [
            {
                "bank": q.bank.slug,
                "retired": q.retired,
                "version": q.current_number,
                **services.question_data(services.question_of(q.current_version)),
            }
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
    with transaction():
        report = regrade_question(question, actor=None)
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
    quizzes, problems = quiz_rules.read_quizzes(services.expand(paths), base=_content_dir())
    with transaction(dry_run=dry_run):
        report = quiz_rules.import_quizzes(quizzes, problems, _tree(), dry_run=dry_run)
        if not report.ok:
            _fail(report.problems)
    click.echo(f"{len(report.created)} quiz(zes) created, {len(report.changed)} updated")
