"""Passwords, NIST SP 800-63B style: at least 8 characters, refused when on the shipped list of common
passwords or built from what is guessed first (the account's email and name, the site's name with a year,
repeated or consecutive characters), no composition rules, a message that names the rule, on every path
that sets a password (sign-up, change password, the admin's form, `flask users create`).

The hashing parameters (argon2id, m >= 19 MiB, t >= 2, p >= 1) are asserted by
tests/web/test_auth.py::test_password_hash_is_argon2id_at_owasp_minimum_or_above; not repeated here.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from studyapp.domain import passwords
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
    longest = ("the grain embargo was lifted in april " * 7)[:256]
    assert password_problem(longest + "x") is not None
    assert password_problem(longest) is None
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


ADA = {"email": "ada.lovelace@school.example", "name": "Ada Lovelace"}
#: (password, the rule's message's name in studyapp.domain.passwords); none of these is on the common list.
GUESSABLE = [
    ("ada.lovelace@school.example", "HAS_EMAIL"),
    ("adalovelace", "HAS_EMAIL"),
    ("my adalovelace password", "HAS_EMAIL"),
    ("Lovelace1815!", "HAS_EMAIL"),
    ("studyapp2026", "HAS_SITE_NAME"),
    ("StudyApp-2026!", "HAS_SITE_NAME"),
    ("studyapp@1", "HAS_SITE_NAME"),
    ("hhhhhhhhhhhh", "REPEATED"),
    ("xyzxyzxyzxyz", "REPEATED"),
    ("7q7q7q7q7q", "REPEATED"),
    ("lmnopqrstu", "SEQUENTIAL"),
    ("ZYXWVUTSRQ", "SEQUENTIAL"),
    ("5678901234", "SEQUENTIAL"),
]


@pytest.mark.parametrize(("password", "rule"), GUESSABLE)
def test_passwords_guessed_first_are_refused_with_the_rule(password, rule):
    message = getattr(passwords, rule, None)
    assert message is not None, f"no rule {rule}"
    assert password not in common_passwords()
    assert password_problem(password, **ADA) == message


def test_the_name_is_refused_when_the_email_is_not():
    assert password_problem("Lovelace1815!", email="a.l@school.example", name="Ada Lovelace") == getattr(
        passwords, "HAS_NAME", "missing"
    )
    assert password_problem("ada lovelace rules", email="x1@school.example", name="Ada Lovelace") == getattr(
        passwords, "HAS_NAME", "missing"
    )


@pytest.mark.parametrize(
    "password",
    [
        "canadian maple syrup",  # "ada" inside another word, with plenty of its own
        "lovelace wrote the first program",  # a name among many words of its own
        "correct horse battery",
        "studyapp is where I read history",
        "aaaaaaab1",  # nearly, but not only, repeated
        "abcdefgh and more",
    ],
)
def test_context_is_refused_only_when_it_is_most_of_the_password(password):
    assert password_problem(password, **ADA) is None


def test_the_forms_say_which_rule_failed(client, make_user, login):
    before = user_count()
    response = client.post(
        "/signup",
        data={
            "display_name": "Ada Lovelace",
            "email": "ada.lovelace@school.example",
            "password": "adalovelace1",
            "confirm": "adalovelace1",
        },
    )
    assert response.status_code == 422
    assert "contains your email address" in response.get_data(as_text=True)
    assert user_count() == before
    user = make_user(email="grace.hopper@school.example", name="Grace Hopper")
    login(user)
    for password, words in [
        ("gracehopper!", "contains your email address"),
        ("Hopper1906", "contains your email address"),
        ("studyapp2026", "name with a few digits"),
        ("vvvvvvvvvvv", "repeats a few characters"),
        ("0123456789", "on a list of passwords"),
        ("rstuvwxyz", "consecutive characters"),
    ]:
        response = client.post("/account", data={"current": TEST_PASSWORD, "password": password, "confirm": password})
        assert response.status_code == 422 and words in response.get_data(as_text=True), (password, words)
    old_hash = user.password_hash
    db.session.refresh(user)
    assert user.password_hash == old_hash
    print("Passwords: the email, the name, the site's name with a year, repeats and runs refused, the rule named")
