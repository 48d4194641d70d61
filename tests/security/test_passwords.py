"""Passwords, NIST SP 800-63B style: at least 8 characters, refused when on the shipped list of common
passwords, no composition rules, one clear message, on every path that sets a password (sign-up, change
password, the admin's form, `flask users create`).

The hashing parameters (argon2id, m >= 19 MiB, t >= 2, p >= 1) are asserted by
tests/web/test_auth.py::test_password_hash_is_argon2id_at_owasp_minimum_or_above; not repeated here.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from studyapp.domain.passwords import COMMON_PASSWORDS_FILE, TOO_COMMON, common_passwords, password_problem
from studyapp.extensions import db
from studyapp.models import Role, User
from tests.conftest import TEST_PASSWORD

#: From the top of the list, 8 characters or more; and two spelled in capitals (the check ignores case).
COMMON = ["password", "12345678", "iloveyou", "password1", "qwertyuiop", "PASSWORD1", "Sunshine1", " baseball "]
#: No composition rules: lower case only, one repeated word, spaces, non-Latin scripts, 64+ characters all pass.
FINE = [
    "correct horse battery staple",
    "no digits or capitals here",
    "пароль для урока истории",
    "détente and its decline",
    "x" * 7 + "y",
    "a" * 64 + " long passphrase",
]


def user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_the_shipped_list_is_a_real_list():
    words = common_passwords()
    assert COMMON_PASSWORDS_FILE.stat().st_size > 100_000
    assert len(words) >= 10_000, len(words)
    assert {"123456", "password", "qwerty", "iloveyou", "dragon", "monkey"} <= words
    long_enough = sum(1 for w in words if len(w) >= 8)
    print(
        f"Passwords: {len(words):,} common passwords shipped, {long_enough:,} of them 8 characters or more "
        f"(the rest are already refused by length)"
    )


@pytest.mark.parametrize("password", COMMON)
def test_common_passwords_are_refused(password):
    assert password_problem(password) == TOO_COMMON


@pytest.mark.parametrize("password", FINE)
def test_no_composition_rules(password):
    assert password_problem(password) is None


def test_length_bounds():
    assert password_problem("seven77") is not None
    assert password_problem("x" * 257) is not None
    assert password_problem("x" * 256) is None
    print("Passwords: 8 to 256 characters; 7 and 257 refused")


def test_every_path_that_sets_a_password_refuses_a_common_one(client, make_user, login, runner):
    tried = []
    before = user_count()
    response = client.post(
        "/signup",
        data={"display_name": "Ada", "email": "ada@studyapp.example", "password": "iloveyou1", "confirm": "iloveyou1"},
    )
    assert response.status_code == 422 and TOO_COMMON in response.get_data(as_text=True)
    assert user_count() == before
    tried.append("sign-up")

    user = make_user()
    login(user)
    old_hash = user.password_hash
    response = client.post(
        "/account", data={"current": TEST_PASSWORD, "password": "Password123", "confirm": "Password123"}
    )
    assert response.status_code == 422 and TOO_COMMON in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.password_hash == old_hash
    tried.append("change password")
    client.post("/logout")

    login(make_user(Role.ADMIN))
    before = user_count()
    response = client.post(
        "/admin/users",
        data={"display_name": "Prof", "email": "prof@studyapp.example", "role": "instructor", "password": "qwertyuiop"},
    )
    assert response.status_code == 422 and TOO_COMMON in response.get_data(as_text=True)
    assert user_count() == before
    tried.append("admin's form")

    result = runner.invoke(
        args=["users", "create", "--email", "cli@studyapp.example", "--name", "Cli", "--password", "baseball1"]
    )
    assert result.exit_code != 0 and "common in data breaches" in result.output
    assert user_count() == before
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "cli@studyapp.example",
            "--name",
            "Cli",
            "--password",
            "the grain embargo was lifted",
        ]
    )
    assert result.exit_code == 0, result.output
    tried.append("flask users create")

    response = client.post(
        "/admin/users",
        data={
            "display_name": "Prof",
            "email": "prof@studyapp.example",
            "role": "instructor",
            "password": "a fine passphrase",
        },
    )
    assert response.status_code == 302
    print(
        f"Passwords: a common password refused with one message on {', '.join(tried)}; nothing written; "
        "an uncommon one accepted"
    )
