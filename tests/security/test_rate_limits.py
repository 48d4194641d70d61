"""Rate limits on sign-in, sign-up, join codes and autosave, kept in memory and in Redis.

Redis is expected at REDIS_URL (default redis://127.0.0.1:6379/0). Each test uses its own key
prefix (RATELIMIT_KEY_PREFIX) and deletes only its own keys. Where Redis is unreachable these tests
skip, unless REQUIRE_REDIS=1 makes them fail.
"""

from __future__ import annotations

import os
import re
import uuid

import pytest

from studyapp import create_app
from studyapp.extensions import db, limiter
from tests.conftest import TEST_PASSWORD, CSRFClient, base_config

pytestmark = pytest.mark.content

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _redis():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(f"Redis is required (REQUIRE_REDIS=1) but unreachable at {REDIS_URL}: {exc}")
        pytest.skip(f"Redis unreachable at {REDIS_URL} ({exc}); start it to test limits kept in Redis")
    return client


@pytest.fixture(params=["memory", "redis"])
def limited(request, app, database_url, world):
    """Return (storage, make_app): apps on the test database whose limits live in memory or in Redis."""
    storage = request.param
    prefix = f"studyapp-test-{uuid.uuid4().hex[:12]}"
    redis_client = _redis() if storage == "redis" else None
    db.session.rollback()  # hold no SQLite lock while the apps below serve requests
    apps = []
    # The one Limiter keeps the first prefix it was given (it is made for one app per process): clear it
    # so that each app below reads RATELIMIT_KEY_PREFIX again, and put it back afterwards.
    saved_prefix, limiter._key_prefix = limiter._key_prefix, ""

    def make_app(**config):
        app = create_app(
            {
                **base_config(database_url),
                "RATELIMIT_KEY_PREFIX": prefix,
                "RATELIMIT_STORAGE_URI": REDIS_URL if storage == "redis" else "memory://",
                **config,
            }
        )
        app.test_client_class = CSRFClient
        apps.append(app)
        return app

    yield storage, make_app
    limiter._key_prefix = saved_prefix
    if redis_client is not None:
        keys = list(redis_client.scan_iter(f"*{prefix}*"))
        print(f"  redis: {len(keys)} keys under the prefix {prefix}, deleted")
        if keys:
            redis_client.delete(*keys)
        redis_client.close()
    for app in apps:
        with app.app_context():
            db.engine.dispose()


def _sign_in(client, email, password=TEST_PASSWORD):
    return client.post("/login", data={"email": email, "password": password})


def _limit(app, name) -> int:
    return int(app.config[name].split()[0])


def test_sign_in_is_limited_per_account_and_per_address(limited, world):
    storage, make_app = limited
    app = make_app()
    client = app.test_client()
    allowed = _limit(app, "LOGIN_LIMIT_PAIR")
    codes = [_sign_in(client, world.emails["student"], "wrong password").status_code for _ in range(allowed)]
    assert codes == [401] * allowed
    assert _sign_in(client, world.emails["student"]).status_code == 429, "the failing browser after the limit"
    assert _sign_in(client, world.emails["instructor"]).status_code == 302, "another account is not locked"
    per_address = _limit(app, "LOGIN_LIMIT_ADDRESS")
    other = app.test_client()
    statuses = [
        _sign_in(other, f"nobody{n}@studyapp.example", "wrong password").status_code for n in range(per_address + 1)
    ]
    # The address had already failed `allowed` times above, for the student's account.
    assert statuses.index(429) == per_address - allowed, statuses
    print(
        f"Rate limit ({storage}): sign-in 429 after {allowed} failures for one account from one address "
        f"and after {per_address} from one address"
    )


def test_sign_up_is_limited(limited):
    storage, make_app = limited
    app = make_app()
    client = app.test_client()
    allowed = _limit(app, "SIGNUP_LIMIT")
    for n in range(allowed):
        response = client.post(
            "/signup",
            data={
                "display_name": "S",
                "email": f"s{n}-{uuid.uuid4().hex[:6]}@ex.example",
                "password": "a long enough phrase",
                "confirm": "differs",
            },
        )
        assert response.status_code == 422
    blocked = client.post(
        "/signup",
        data={
            "display_name": "S",
            "email": "late@studyapp.example",
            "password": "a long enough phrase",
            "confirm": "a long enough phrase",
        },
    )
    assert blocked.status_code == 429
    with app.app_context():
        from studyapp.domain.accounts import find_user

        assert find_user("late@studyapp.example") is None
    print(f"Rate limit ({storage}): sign-up 429 after {allowed} attempts from one address; nothing created")


def test_join_codes_are_limited_per_account_across_sign_outs(limited, world):
    from studyapp.classes.views import JOIN_LIMIT, JOIN_PAGE_LIMIT

    storage, make_app = limited
    app = make_app()
    client = app.test_client()
    allowed = int(JOIN_LIMIT.split()[0])
    assert _sign_in(client, world.emails["other_student"]).status_code == 302
    for n in range(allowed):
        response = client.post("/classes/join", data={"code": f"WRONG{n:03d}"})
        assert response.status_code == 302
    assert client.post("/classes/join", data={"code": world.join_code}).status_code == 429
    assert client.post(f"/join/{world.join_code}").status_code == 429, "the join link shares the limit"
    # Signing out and in again gives a new session, not a new allowance.
    client.post("/logout")
    assert _sign_in(client, world.emails["other_student"]).status_code == 302
    assert client.post("/classes/join", data={"code": "AGAIN234"}).status_code == 429, (
        "signing out and in again reset the join-code limit"
    )
    page_limit = int(JOIN_PAGE_LIMIT.split()[0])
    statuses = [app.test_client().get(f"/join/{world.join_code}").status_code for _ in range(page_limit + 1)]
    assert statuses[-1] == 429
    print(
        f"Rate limit ({storage}): join codes 429 after {allowed} tries per account (typed or by link), "
        f"kept across sign-out; join pages 429 after {page_limit} a minute per address"
    )


def test_autosave_is_limited(limited, world):
    storage, make_app = limited
    app = make_app()
    client = app.test_client()
    assert _sign_in(client, world.emails["student"]).status_code == 302
    position = world.essay_position
    token = client.csrf_token()
    statuses = []
    for seq in range(2000, 2000 + 121):
        response = client.post(
            f"/attempts/{world.open_attempt_id}/save",
            headers={"X-CSRFToken": token},
            csrf=False,
            data={"position": position, "seq": seq, f"q{position}": f"answer {seq}"},
        )
        statuses.append(response.status_code)
    assert statuses[:120] == [200] * 120, sorted(set(statuses[:120]))
    assert statuses[120] == 429
    client.post("/logout")
    assert _sign_in(client, world.emails["student"]).status_code == 302
    again = client.post(
        f"/attempts/{world.open_attempt_id}/save",
        data={"position": position, "seq": 5000, f"q{position}": "after signing in again"},
    )
    assert again.status_code == 429, "signing out and in again reset the autosave limit"
    print(f"Rate limit ({storage}): autosave 429 after 120 saves a minute for one student, kept across sign-out")


def test_limits_survive_a_new_worker_only_in_redis(limited, world):
    """A second app (another gunicorn worker) sees the failures counted by the first only when they share Redis."""
    storage, make_app = limited
    first = make_app()
    allowed = _limit(first, "LOGIN_LIMIT_PAIR")
    for _ in range(allowed):
        assert _sign_in(first.test_client(), world.emails["student"], "wrong password").status_code == 401
    second = make_app()  # a fresh process's storage: a new connection to Redis, or new empty memory
    status = _sign_in(second.test_client(), world.emails["student"]).status_code
    if storage == "redis":
        assert status == 429, "a second worker must see the first worker's failures"
    else:
        assert status == 302, "memory limits are per process"
    print(f"Rate limit ({storage}): after {allowed} failures in worker 1, worker 2 answers {status}")


def test_redis_url_selects_redis_and_an_outage_falls_back_to_memory(app, monkeypatch, database_url, world):
    _redis()
    db.session.rollback()
    # The one Limiter remembers a dead storage across apps: put its "alive" flag back afterwards, or the
    # next tests' apps would count in the fallback memory until it checks the storage again, half-way through.
    monkeypatch.setattr(limiter, "_storage_dead", limiter._storage_dead)
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    config = base_config(database_url)
    config.pop("RATELIMIT_STORAGE_URI")
    app = create_app(config)
    assert app.config["RATELIMIT_STORAGE_URI"] == REDIS_URL
    assert type(limiter.storage).__name__.startswith("Redis"), type(limiter.storage)
    monkeypatch.delenv("REDIS_URL")
    app = create_app(config)
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    # Redis down: sign-ins still work and are still limited (in memory), instead of answering 500.
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:9/0")
    app = create_app({**config, "PROPAGATE_EXCEPTIONS": False})
    app.test_client_class = CSRFClient
    client = app.test_client()
    allowed = _limit(app, "LOGIN_LIMIT_PAIR")
    codes = [_sign_in(client, world.emails["student"], "wrong password").status_code for _ in range(allowed + 1)]
    assert codes == [401] * allowed + [429], codes
    assert _sign_in(client, world.emails["instructor"]).status_code == 302
    with app.app_context():
        db.engine.dispose()
    print(
        "Rate limit: REDIS_URL selects Redis, no REDIS_URL selects memory; with Redis down the limits "
        f"fall back to memory (sign-ins {codes})"
    )


def _sign_up(client, n: int, code: str = "", confirm: str = "a long enough phrase"):
    return client.post(
        "/signup",
        data={
            "display_name": f"Pupil {n}",
            "email": f"pupil{n}-{uuid.uuid4().hex[:6]}@school.example",
            "password": "a long enough phrase",
            "confirm": confirm,
            "join_code": code,
        },
    )


def _students_of(app, class_id: int) -> int:
    from sqlalchemy import func, select

    from studyapp.models import Membership

    with app.app_context():
        return db.session.scalar(
            select(func.count()).where(Membership.class_id == class_id, Membership.role == "student")
        )


def test_a_class_of_forty_joins_from_one_school_address(limited, world):
    storage, make_app = limited
    app = make_app(SIGNUP_LIMIT_WITH_CODE="45 per hour")
    client = app.test_client()  # every request from one address, as behind a school's NAT
    before = _students_of(app, world.class_id)
    statuses = [_sign_up(client, n, world.join_code).status_code for n in range(40)]
    assert statuses == [302] * 40, statuses
    assert _students_of(app, world.class_id) == before + 40
    # Classmates did not use up the address's allowance for sign-ups without a code ...
    assert _sign_up(client, 100, confirm="differs").status_code == 422
    # ... and the class's allowance from this address still has room, then ends.
    late = [_sign_up(client, 200 + n, world.join_code).status_code for n in range(6)]
    assert late == [302] * 5 + [429], late
    # Another class's code from the same address has its own allowance.
    assert _sign_up(client, 300, world.other_join_code).status_code == 302
    print(f"Rate limit ({storage}): 40 sign-ups with one join code from one address, all in; 429 after 45")


def test_sign_ups_with_a_wrong_code_count_against_the_address(limited, world):
    _, make_app = limited
    app = make_app()
    client = app.test_client()
    allowed = _limit(app, "SIGNUP_LIMIT")
    statuses = [_sign_up(client, n, "WRONG-CODE").status_code for n in range(allowed)]
    assert statuses == [422] * allowed  # "No class has this join code", and nothing created
    blocked = _sign_up(client, 99)
    assert blocked.status_code == 429
    wait = re.search(r"Try again in (\d+) minutes", blocked.get_data(as_text=True))
    assert wait is not None and 50 <= int(wait.group(1)) <= 60, blocked.get_data(as_text=True)
    assert blocked.headers["Retry-After"]
    # A valid code is not held back by the address's spent allowance.
    assert _sign_up(client, 100, world.join_code).status_code == 302
