"""`flask ...` commands: thin wrappers over the services."""

from __future__ import annotations

import secrets

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from studyapp.domain import accounts as accounts
from studyapp.domain import library
from studyapp.domain.passwords import password_problem
from studyapp.extensions import transaction
from studyapp.models import Role

users_cli = AppGroup("users", help="Manage accounts.")

#: Demo accounts `flask demo` creates (or resets) and prints.
DEMO_ACCOUNTS = (
    ("admin@studyapp.example", "Demo Admin", Role.ADMIN),
    ("instructor@studyapp.example", "Demo Instructor", Role.INSTRUCTOR),
    ("student@studyapp.example", "Demo Student", Role.STUDENT),
)


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.STUDENT.value, show_default=True)
@click.password_option("--password", help="Prompted for when not given.")
def create_user(email: str, display_name: str, role: str, password: str) -> None:
    """Create an account (use --role instructor for instructors)."""
    problem = password_problem(password, email=email, name=display_name)
    if problem:
        raise click.BadParameter(problem, param_hint="--password")
    with transaction():
        try:
            user = accounts.create_user(email=email, display_name=display_name, password=password, role=Role(role))
        except accounts.AccountError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"Created {user.role.value} {user.email}")


@users_cli.command("list")
def list_users() -> None:
    """Print every account: role, email, name."""
    for user in accounts.list_users():
        click.echo(f"{user.role.value:<10} {user.email:<40} {user.display_name}")


@click.command("demo")
def demo() -> None:
    """Load the shipped content, create (or reset) the demo accounts and print their logins."""
    with transaction():
        try:
            loaded = library.load_shipped_content(current_app.config["CONTENT_DIR"])
        except library.ContentProblems as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            raise click.ClickException(
                "the content has problems; nothing was loaded (see `flask content check`)"
            ) from exc
        lines = []
        for email, name, role in DEMO_ACCOUNTS:
            password = secrets.token_urlsafe(9)
            user = accounts.find_user(email)
            if user is None:
                accounts.create_user(email=email, display_name=name, password=password, role=role)
            else:
                accounts.set_password(user, password)
            lines.append(f"  {role.value:<11} {email:<30} password: {password}")
    click.echo(library.summary(loaded))
    click.echo("Demo accounts (new passwords each time `flask demo` runs):")
    click.echo("\n".join(lines))


def register(app: Flask) -> None:
    """Attach the command groups to the app."""
    from studyapp.authoring.cli import questions_cli, quizzes_cli
    from studyapp.classes.cli import export_cli
    from studyapp.lti.cli import lti_cli
    from studyapp.ops.cli import backup_command, restore_command
    from studyapp.progress.cli import progress_cli
    from studyapp.quiz.cli import attempts_cli
    from studyapp.reading.cli import content_cli

    for command in (
        users_cli,
        demo,
        questions_cli,
        quizzes_cli,
        content_cli,
        attempts_cli,
        progress_cli,
        export_cli,
        lti_cli,
        backup_command,
        restore_command,
    ):
        app.cli.add_command(command)
