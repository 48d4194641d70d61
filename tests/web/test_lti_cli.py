"""`flask lti ...`: register, list and remove platforms, rotate and retire the tool's keys, print its addresses."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from studyapp.domain.lti import keys
from studyapp.extensions import db
from studyapp.lti.cli import lti_cli
from studyapp.models import LtiDeployment, LtiKey, LtiPlatform

CANVAS = [
    "--name", "Canvas",
    "--issuer", "https://canvas.example.edu",
    "--client-id", "10000000000001",
    "--login-url", "https://canvas.example.edu/api/lti/authorize_redirect",
    "--token-url", "https://canvas.example.edu/login/oauth2/token",
    "--jwks-url", "https://canvas.example.edu/api/lti/security/jwks",
    "--deployment", "1:abc",
    "--deployment", "2:def",
]  # fmt: skip
TOOL_LINES = (
    "OIDC login initiation URL:      https://tool.example/lti/login",
    "Redirect URI (target link URI): https://tool.example/lti/launch",
    "Deep linking URL:               https://tool.example/lti/launch",
    "Public keyset (JWKS) URL:       https://tool.example/lti/jwks",
)


@pytest.fixture
def lti(app):
    """Run `flask lti ...` (the group added to the app's commands if studyapp.cli does not add it yet)."""
    if "lti" not in app.cli.commands:
        app.cli.add_command(lti_cli)
    runner = app.test_cli_runner()

    def invoke(*args: str, **kwargs):
        return runner.invoke(args=["lti", *args], **kwargs)

    return invoke


def counts() -> tuple[int, int, int]:
    db.session.expire_all()
    return tuple(
        db.session.scalar(select(func.count()).select_from(model)) for model in (LtiPlatform, LtiDeployment, LtiKey)
    )


def with_option(args: list[str], option: str, value: str) -> list[str]:
    """`args` with `option`'s value replaced."""
    changed = list(args)
    changed[changed.index(option) + 1] = value
    return changed


def without_deployments() -> list[str]:
    return [a for a in CANVAS if a not in ("--deployment", "1:abc", "2:def")]


def test_register_saves_the_platform_makes_the_key_and_prints_the_addresses(lti):
    result = lti(
        "register", *CANVAS, "--frame-origin", "https://school.instructure.com/x", "--tool-url", "https://tool.example/"
    )
    assert result.exit_code == 0, result.output
    assert "Registered Canvas" in result.output and "deployment ids: 1:abc, 2:def" in result.output
    for line in TOOL_LINES:
        assert line in result.output
    assert counts() == (1, 2, 1)
    platform = db.session.scalar(select(LtiPlatform))
    assert (platform.issuer, platform.client_id) == ("https://canvas.example.edu", "10000000000001")
    assert platform.frame_origins == "https://school.instructure.com"


def test_register_builds_the_addresses_on_public_url(app, lti):
    app.config["PUBLIC_URL"] = "https://tool.example"
    result = lti("register", *CANVAS)
    assert result.exit_code == 0, result.output
    for line in TOOL_LINES:
        assert line in result.output
    assert "PUBLIC_URL is not set" not in result.output


def test_register_without_a_tool_address_prints_paths_and_says_what_is_missing(lti):
    result = lti("register", *CANVAS)
    assert result.exit_code == 0, result.output
    assert "OIDC login initiation URL:      /lti/login" in result.stdout
    assert "PUBLIC_URL is not set" in result.stderr and "--tool-url" in result.stderr
    assert counts() == (1, 2, 1)  # the registration itself is done


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--name", "  ", "Name: give the platform a name"),
        ("--login-url", "http://canvas.example.edu/authorize", "Authorization (login) URL: "),
        ("--jwks-url", "canvas.example.edu/jwks", "Public keyset URL: "),
        ("--deployment", " ", "Deployment IDs: give at least one"),
    ],
)
def test_register_refuses_a_bad_registration_and_saves_nothing(app, lti, option, value, says):
    app.config["LTI_ALLOW_HTTP"] = False
    if option == "--deployment":
        args = [*without_deployments(), "--deployment", value, "--deployment", ""]
    else:
        args = with_option(CANVAS, option, value)
    result = lti("register", *args)
    assert result.exit_code == 1
    assert "Error: Nothing was registered. " + says in result.output
    assert counts() == (0, 0, 0)  # not even the key


def test_register_refuses_the_same_issuer_and_client_twice(lti):
    assert lti("register", *CANVAS).exit_code == 0
    again = lti("register", *with_option(CANVAS, "--name", "Canvas again"))
    assert again.exit_code == 1
    assert "Issuer and client ID: https://canvas.example.edu with client 10000000000001 is registered." in again.output
    assert counts() == (1, 2, 1)
    assert db.session.scalar(select(LtiPlatform.name)) == "Canvas"


def test_register_needs_a_deployment(lti):
    result = lti("register", *without_deployments())
    assert result.exit_code == 2 and "--deployment" in result.output
    assert counts() == (0, 0, 0)


def test_platforms_lists_every_registration(lti):
    empty = lti("platforms")
    assert empty.exit_code == 0 and "No platform is registered." in empty.output
    assert lti("register", *CANVAS).exit_code == 0
    moodle = with_option(with_option(CANVAS, "--name", "Moodle"), "--issuer", "https://moodle.example.edu")
    assert lti("register", *moodle).exit_code == 0
    result = lti("platforms")
    assert result.exit_code == 0
    assert result.output.index("Canvas\n") < result.output.index("Moodle\n")
    assert "  issuer: https://moodle.example.edu\n  client id: 10000000000001\n  deployment ids: 1:abc, 2:def" in (
        result.output
    )
    assert "No platform" not in result.output


def test_delete_asks_then_removes_the_registration(lti):
    assert lti("register", *CANVAS).exit_code == 0
    kept = lti("delete", "https://canvas.example.edu", "10000000000001", input="n\n")
    assert kept.exit_code == 1 and "Aborted" in kept.output
    assert counts() == (1, 2, 1)
    gone = lti("delete", "https://canvas.example.edu", "10000000000001", input="y\n")
    assert gone.exit_code == 0 and "Removed Canvas" in gone.output
    assert counts() == (0, 0, 1)  # the tool's key stays


def test_delete_with_yes_does_not_ask_and_an_unknown_platform_is_an_error(lti):
    assert lti("register", *CANVAS).exit_code == 0
    unknown = lti("delete", "https://canvas.example.edu", "other-client", "--yes")
    assert unknown.exit_code == 1
    assert "No platform with the issuer https://canvas.example.edu and client id other-client" in unknown.output
    assert counts() == (1, 2, 1)
    done = lti("delete", "https://canvas.example.edu", "10000000000001", "--yes")
    assert done.exit_code == 0 and "Remove Canvas?" not in done.output
    assert counts() == (0, 0, 1)


def test_rotate_key_publishes_a_new_signing_key_beside_the_old_until_retired(app, lti):
    assert lti("register", *CANVAS).exit_code == 0
    db.session.expire_all()
    first = keys.active()[0].kid
    rotated = lti("rotate-key")
    assert rotated.exit_code == 0 and "2 key(s) published" in rotated.output
    db.session.expire_all()
    active = [k.kid for k in keys.active()]
    assert len(active) == 2 and active[1] == first and active[0] in rotated.output
    assert keys.signing_key(app.config["SECRET_KEY"]).kid == active[0]
    retired = lti("retire-keys")
    assert retired.exit_code == 0 and "1 older key(s) no longer published" in retired.output
    db.session.expire_all()
    assert [k.kid for k in keys.active()] == [active[0]]
    assert lti("retire-keys").output.startswith("0 older key(s)")


def test_urls_prints_the_four_addresses(app, lti):
    result = lti("urls", "--tool-url", "https://tool.example")
    assert result.exit_code == 0
    assert result.output.splitlines() == list(TOOL_LINES)
    app.config["PUBLIC_URL"] = "https://tool.example/"
    assert lti("urls").output.splitlines() == list(TOOL_LINES)


def test_urls_needs_a_tool_address(app, lti):
    missing = lti("urls")
    assert missing.exit_code == 1 and "PUBLIC_URL is not set: pass --tool-url" in missing.output
    app.config["LTI_ALLOW_HTTP"] = False
    wrong = lti("urls", "--tool-url", "http://tool.example")
    assert wrong.exit_code == 1 and "--tool-url: 'http://tool.example' is not an https:// address." in wrong.output
    assert lti("urls", "--tool-url", "tool.example").exit_code == 1
