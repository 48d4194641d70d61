"""`flask lti ...`: register platforms and manage the tool's keys from a shell (as the admin's LTI page does)."""

from __future__ import annotations

from urllib.parse import urlsplit

import click
from flask import current_app
from flask.cli import AppGroup

from studyapp.domain.lti import keys, passback, platforms, roster
from studyapp.extensions import db, transaction
from studyapp.lti import outbox
from studyapp.lti.admin import TOOL_ADDRESSES
from studyapp.models import Class, LtiPlatform

lti_cli = AppGroup("lti", help="LTI 1.3: register platforms, manage the tool's keys.")

NO_PUBLIC_URL = (
    "PUBLIC_URL is not set, so these are paths only: set PUBLIC_URL or pass --tool-url https://tool.example "
    "for the absolute addresses to give the platform."
)

tool_url_option = click.option(
    "--tool-url",
    metavar="URL",
    help="The scheme and host platforms reach this tool at (https://tool.example); PUBLIC_URL when not given.",
)


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def _tool_base(given: str | None) -> str:
    """The scheme and host the tool's addresses are built on: --tool-url, else PUBLIC_URL, else "" (paths)."""
    base = (given or current_app.config.get("PUBLIC_URL") or "").strip().rstrip("/")
    if base:
        parts = urlsplit(base)
        schemes = ("https", "http") if current_app.config["LTI_ALLOW_HTTP"] else ("https",)
        if parts.scheme not in schemes or not parts.netloc:
            source = "--tool-url" if given else "PUBLIC_URL"
            need = "an http:// or https:// address" if len(schemes) == 2 else "an https:// address"
            raise click.ClickException(f"{source}: {base!r} is not {need}.")
    return base


def _echo_addresses(base: str) -> None:
    """Print the tool's four addresses an LMS asks for, on `base` (paths only when it is empty)."""
    # Paths only: there is no request here, and no Host header is trusted.
    adapter = current_app.url_map.bind("localhost", script_name=current_app.config["APPLICATION_ROOT"])
    width = max(len(label) for label, _ in TOOL_ADDRESSES) + 1
    for label, endpoint in TOOL_ADDRESSES:
        click.echo(f"{label + ':':<{width}} {base}{adapter.build(endpoint)}")


def _describe(platform: LtiPlatform) -> str:
    """A platform's registration, one field a line."""
    deployments = ", ".join(d.deployment_id for d in platform.deployments)
    return "\n".join(
        (
            platform.name,
            f"  issuer: {platform.issuer}",
            f"  client id: {platform.client_id}",
            f"  deployment ids: {deployments}",
        )
    )


@lti_cli.command("register")
@click.option("--name", required=True, help="As people will recognise it, e.g. Canvas.")
@click.option("--issuer", required=True, help="The platform's iss (Canvas: https://canvas.instructure.com).")
@click.option("--client-id", required=True, help="The client id the platform gave this tool.")
@click.option("--login-url", required=True, help="The platform's OIDC authorization (login) URL.")
@click.option("--token-url", required=True, help="The platform's OAuth 2 access token URL.")
@click.option("--jwks-url", required=True, help="Where the platform publishes its public keys (JWKS).")
@click.option("--deployment", "deployments", multiple=True, required=True, help="A deployment id (repeat for more).")
@click.option("--audience", default="", help="The token audience, if the platform wants one other than its token URL.")
@click.option("--frame-origin", "frame_origins", multiple=True, help="Another origin that may frame the tool (repeat).")
@tool_url_option
def register(
    name: str,
    issuer: str,
    client_id: str,
    login_url: str,
    token_url: str,
    jwks_url: str,
    deployments: tuple[str, ...],
    audience: str,
    frame_origins: tuple[str, ...],
    tool_url: str | None,
) -> None:
    """Register a platform (and make the tool's signing key if there is none), then print the tool's addresses."""
    base = _tool_base(tool_url)
    values = platforms.PlatformValues(
        name=name,
        issuer=issuer,
        client_id=client_id,
        auth_login_url=login_url,
        auth_token_url=token_url,
        key_set_url=jwks_url,
        deployment_ids=deployments,
        auth_audience=audience,
        frame_origins=" ".join(frame_origins),
    )
    with transaction():
        try:
            platform = platforms.register(values, allow_http=current_app.config["LTI_ALLOW_HTTP"])
        except platforms.PlatformError as error:
            raise click.ClickException(f"Nothing was registered. {error.message}") from error
        keys.signing_key(_secret())
        described = _describe(platform)
    click.echo("Registered " + described)
    click.echo("\nThe tool's addresses, to paste into the platform:")
    _echo_addresses(base)
    if not base:
        click.echo(NO_PUBLIC_URL, err=True)


@lti_cli.command("platforms")
def list_platforms() -> None:
    """Print the registered platforms: name, issuer, client id and deployment ids."""
    found = platforms.all_platforms()
    if not found:
        click.echo("No platform is registered.")
    for platform in found:
        click.echo(_describe(platform))


@lti_cli.command("delete")
@click.argument("issuer")
@click.argument("client_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def delete(issuer: str, client_id: str, yes: bool) -> None:
    """Remove the registration of ISSUER with CLIENT_ID: its launches stop; the accounts and classes it made stay."""
    with transaction():
        platform = platforms.find(issuer, client_id)
        if platform is None:
            raise click.ClickException(f"No platform with the issuer {issuer} and client id {client_id} is registered.")
        if not yes:
            click.confirm(
                f"Remove {platform.name}? Its people's and courses' links to accounts and classes go with it.",
                abort=True,
            )
        name = platform.name
        platforms.delete(platform)
    click.echo(f"Removed {name} ({issuer}, client {client_id}).")


@lti_cli.command("rotate-key")
def rotate_key() -> None:
    """Start signing with a new key; the older ones stay published until `flask lti retire-keys`."""
    with transaction():
        key = keys.rotate(_secret())
        published = len(keys.active())
    click.echo(f"The tool signs with the new key {key.kid}; {published} key(s) published.")
    click.echo("Once the platforms have fetched the key set again (a day is plenty), run `flask lti retire-keys`.")


@lti_cli.command("retire-keys")
def retire_keys() -> None:
    """Stop publishing every key but the one that signs."""
    with transaction():
        count = keys.retire_old()
    click.echo(f"{count} older key(s) no longer published.")


@lti_cli.command("urls")
@tool_url_option
def urls(tool_url: str | None) -> None:
    """Print the tool's addresses to paste into a platform (on --tool-url, else PUBLIC_URL)."""
    base = _tool_base(tool_url)
    if not base:
        raise click.ClickException(
            "PUBLIC_URL is not set: pass --tool-url https://tool.example (the scheme and host platforms reach "
            "this tool at), or set PUBLIC_URL."
        )
    _echo_addresses(base)


@lti_cli.command("sync")
@click.option("--all", "everything", is_flag=True, help="Also send scores still waiting out their backoff.")
def sync(everything: bool) -> None:
    """Send the grade passback scores that are due (the workers' background passes do it too)."""
    report = outbox.drain(_secret(), include_waiting=everything)
    with transaction():
        waiting = len(passback.due(include_waiting=True))
    click.echo(f"{report.sent} sent, {report.failed} failed, {waiting} waiting")
    for error in report.errors:
        click.echo(f"  {error}", err=True)


@lti_cli.command("roster")
@click.argument("class_id", type=int)
def roster_command(class_id: int) -> None:
    """Sync a class's roster from its platform course (Names and Role Provisioning Services)."""
    class_ = db.session.get(Class, class_id)
    if class_ is None:
        raise click.ClickException(f"No class {class_id}.")
    try:
        with transaction():
            report = roster.sync(class_, _secret())
    except roster.RosterSyncError as error:
        raise click.ClickException(error.message) from error
    click.echo(
        f"{len(report.joined)} joined, {len(report.left)} left, {report.unchanged} unchanged, "
        f"{len(report.instructors)} co-instructor(s) added"
    )
    for note in report.skipped:
        click.echo(f"  not added: {note}")
