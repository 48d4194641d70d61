"""Lockouts: other people's failed sign-ins never refuse the right password, each client behind a reverse
proxy is counted by its own address, the wait is said, and the account page's current-password check is
limited per account. (Limits kept in Redis across workers are in test_rate_limits.py.)"""

from __future__ import annotations

import pytest

from studyapp import create_app
from studyapp.extensions import db
from studyapp.models import Role
from tests.conftest import TEST_PASSWORD, CSRFClient, base_config

WRONG = "not the password at all"


def first(app, name: str, default: str = "5 per 5 minutes") -> int:
    """The count of a limit's shortest window: "5 per 5 minutes; 10 per hour" -> 5."""
    return int(app.config.get(name, default).split()[0])


def browser(app, address: str = "127.0.0.1", *, forwarded: str | None = None) -> CSRFClient:
    """A new browser connecting from `address` (or through a proxy that says it is `forwarded`)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    if forwarded is not None:
        client.environ_base["HTTP_X_FORWARDED_FOR"] = forwarded
    return client


def sign_in(client, email: str, password: str = TEST_PASSWORD) -> int:
    return client.post("/login", data={"email": email, "password": password}).status_code


@pytest.fixture
def proxied(app, database_url):
    """Return a maker of apps on the test database with TRUSTED_PROXIES set."""
    made = []

    def make(proxies: int):
        db.session.rollback()  # hold no SQLite lock while the other app serves requests
        other = create_app({**base_config(database_url), "TRUSTED_PROXIES": proxies})
        other.test_client_class = CSRFClient
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            db.engine.dispose()


def test_behind_a_proxy_each_client_is_counted_by_its_own_address(proxied, make_user):
    email = make_user().email
    app = proxied(1)
    allowed = first(app, "LOGIN_LIMIT_ADDRESS")
    # One client behind the proxy fails for many accounts: it alone reaches the per-address limit.
    sprayer = browser(app, "10.0.0.2", forwarded="203.0.113.9")
    codes = [sign_in(sprayer, f"nobody{n}@studyapp.example", WRONG) for n in range(allowed + 1)]
    assert codes == [401] * allowed + [429], codes
    # Everyone else comes through the same proxy address, from their own.
    classmate = browser(app, "10.0.0.2", forwarded="203.0.113.50")
    assert sign_in(classmate, "nobody0@studyapp.example", WRONG) == 401, "another client was counted as the sprayer"
    assert sign_in(browser(app, "10.0.0.2", forwarded="203.0.113.51"), email) == 302
    print(
        f"Proxy: {allowed} failures from one client behind the proxy limit that client only; "
        "others behind the same proxy still sign in"
    )


def test_without_trusted_proxies_a_forwarded_address_is_ignored(proxied):
    app = proxied(0)
    allowed = first(app, "LOGIN_LIMIT_ADDRESS")
    client = browser(app, "198.51.100.4")
    codes = []
    for n in range(allowed + 1):
        client.environ_base["HTTP_X_FORWARDED_FOR"] = f"203.0.113.{n % 250}"  # a forged header per request
        codes.append(sign_in(client, f"nobody{n}@studyapp.example", WRONG))
    assert codes == [401] * allowed + [429], "a forged X-Forwarded-For bought a new allowance"


def test_another_addresss_failures_never_refuse_the_right_password(app, make_user):
    owner = make_user()
    per_account = first(app, "LOGIN_LIMIT_ACCOUNT")
    # Someone at another address fails for the owner's account until refused.
    attacker = browser(app, "198.51.100.7")
    codes = [sign_in(attacker, owner.email, WRONG) for _ in range(per_account + 2)]
    assert 429 in codes and codes[0] == 401, codes
    assert sign_in(attacker, owner.email) == 429, "the failing client itself stays held back"
    # The owner, in a browser they have not used before, at their own address: signed in.
    assert sign_in(browser(app, "192.0.2.10"), owner.email) == 302


def test_a_browser_used_before_is_never_held_back_by_others(app, make_user):
    owner = make_user()
    laptop = browser(app, "192.0.2.10")
    assert sign_in(laptop, owner.email) == 302
    laptop.post("/logout")
    # Failures from everywhere, more than every limit that counts others' failures allows.
    failures = max(first(app, "LOGIN_LIMIT_ACCOUNT"), first(app, "LOGIN_LIMIT_ADDRESS")) + 1
    for n in range(failures):
        sign_in(browser(app, f"198.51.100.{n % 3}"), owner.email, WRONG)
    assert sign_in(browser(app, "198.51.100.0"), owner.email) == 429, "the account was not under attack"
    # Guessing from many addresses is limited per account: a browser the account has not used waits.
    assert sign_in(browser(app, "203.0.113.200"), owner.email) == 429, "no limit per account"
    # Even at the attackers' own address (a shared school router), the owner's browser signs in at once.
    laptop.environ_base["REMOTE_ADDR"] = "198.51.100.0"
    assert sign_in(laptop, owner.email) == 302
    print(f"Lockouts: after {failures} failures by others, the owner's browser still signs in")


def test_a_browser_used_before_is_held_back_by_its_own_failures_only(app, make_user):
    owner = make_user()
    laptop = browser(app)
    assert sign_in(laptop, owner.email) == 302
    laptop.post("/logout")
    allowed = first(app, "LOGIN_LIMIT_DEVICE")
    codes = [sign_in(laptop, owner.email, WRONG) for _ in range(allowed)]
    assert codes == [401] * allowed
    assert sign_in(laptop, owner.email) == 429, "a browser's own failures must hold it back"
    # Those failures do not lock the account anywhere else.
    assert sign_in(browser(app, "192.0.2.99"), owner.email) == 302


def test_a_forged_device_cookie_counts_as_a_new_browser(app, make_user):
    owner = make_user()
    attacker = browser(app, "198.51.100.7")
    attacker.set_cookie("signin_device", "eyJkIjoieCIsImEiOltdfQ.forged", path="/login")
    allowed = first(app, "LOGIN_LIMIT_PAIR")
    codes = [sign_in(attacker, owner.email, WRONG) for _ in range(allowed + 1)]
    assert codes == [401] * allowed + [429], codes


def test_the_refusal_says_how_long_to_wait(app, make_user):
    owner = make_user()
    client = browser(app)
    allowed = first(app, "LOGIN_LIMIT_PAIR")
    for _ in range(allowed):
        sign_in(client, owner.email, WRONG)
    response = client.post("/login", data={"email": owner.email, "password": WRONG})
    body = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Too many attempts" in body and "Try again in " in body, body[:2000]
    assert 0 < int(response.headers["Retry-After"]) <= 300
    # The same for an account that does not exist.
    for _ in range(allowed):
        sign_in(client, "ghost@studyapp.example", WRONG)
    ghost = client.post("/login", data={"email": "ghost@studyapp.example", "password": WRONG})
    assert ghost.status_code == 429 and "Try again in " in ghost.get_data(as_text=True)


def test_wrong_current_passwords_on_the_account_page_are_limited_per_account(app, make_user, signed_in):
    user = make_user(Role.STUDENT)
    first_session, second_session = signed_in(user), signed_in(user)
    allowed = first(app, "ACCOUNT_PASSWORD_LIMIT")
    new = {"password": "a brand new passphrase", "confirm": "a brand new passphrase"}
    codes = [first_session.post("/account", data={"current": WRONG, **new}).status_code for _ in range(allowed)]
    assert codes == [422] * allowed
    assert first_session.post("/account", data={"current": WRONG, **new}).status_code == 429
    # Another session of the same account shares the count: a new cookie is not a new allowance.
    assert second_session.post("/account", data={"current": TEST_PASSWORD, **new}).status_code == 429
    old_hash = user.password_hash
    db.session.refresh(user)
    assert user.password_hash == old_hash, "the password changed past the limit"
    # Another account is not affected.
    other = signed_in(make_user(Role.STUDENT))
    assert other.post("/account", data={"current": TEST_PASSWORD, **new}).status_code == 302
    print(f"Account page: {allowed} wrong current passwords, then 429 for that account in every session")


def test_the_number_of_trusted_proxies_comes_from_the_environment(app, database_url, monkeypatch):
    from werkzeug.middleware.proxy_fix import ProxyFix

    db.session.rollback()
    assert not isinstance(create_app(base_config(database_url)).wsgi_app, ProxyFix), "trusted by default"
    monkeypatch.setenv("STUDYAPP_TRUSTED_PROXIES", "2")
    proxied = create_app(base_config(database_url))
    assert isinstance(proxied.wsgi_app, ProxyFix)
    assert (proxied.wsgi_app.x_for, proxied.wsgi_app.x_proto, proxied.wsgi_app.x_host) == (2, 2, 0)
