"""The background pass (studyapp.ops.jobs): expired timed attempts are submitted without anyone visiting, by
a thread of the worker; finalizers on several instances at once never wait for each other nor submit an
attempt twice."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from studyapp.domain import attempts as services
from studyapp.domain import events
from studyapp.extensions import db
from studyapp.models import Attempt, Role
from studyapp.models.base import utcnow
from studyapp.ops import jobs
from tests.web.quizzes import one_of_each_type, start

pytestmark = pytest.mark.content


def expired_attempts(client, make_user, login, count: int) -> list[int]:
    """`count` students' timed attempts whose deadline (and grace) passed five minutes ago."""
    quiz = one_of_each_type(time_limit_minutes=10)
    ids = []
    for _ in range(count):
        login(make_user(Role.STUDENT))
        ids.append(start(client, quiz).id)
        client.post("/logout")
    db.session.execute(
        sa.update(Attempt).where(Attempt.id.in_(ids)).values(deadline_at=utcnow() - timedelta(minutes=5))
    )
    db.session.commit()
    return ids


def states(ids: list[int]) -> list[str]:
    db.session.expire_all()
    return [db.session.get(Attempt, i).state for i in ids]


def test_a_pass_submits_expired_attempts_and_leaves_open_ones(app, client, make_user, login):
    expired = expired_attempts(client, make_user, login, 2)
    login(make_user(Role.STUDENT))
    running = start(client, one_of_each_type(time_limit_minutes=10)).id
    db.session.close()
    result = jobs.run_once(app)
    assert (result.finalized, result.scores_sent, result.scores_failed) == (2, 0, 0)
    assert states(expired) == ["submitted", "submitted"] and states([running]) == ["in_progress"]
    assert all(db.session.get(Attempt, i).auto_submitted for i in expired)
    db.session.close()
    assert jobs.run_once(app).finalized == 0


def test_the_ticker_runs_passes_in_its_own_thread_until_stopped(app, client, make_user, login):
    (attempt_id,) = expired_attempts(client, make_user, login, 1)
    db.session.close()
    ticker = jobs.Ticker(app, interval=0.05).start()
    try:
        give_up = time.monotonic() + 30
        while states([attempt_id]) != ["submitted"] and time.monotonic() < give_up:
            db.session.close()
            time.sleep(0.05)  # polling for the thread's work, with a deadline
    finally:
        ticker.stop()
    assert states([attempt_id]) == ["submitted"], "no pass submitted the expired attempt"
    assert ticker.passes >= 1 and not ticker.running


def test_no_ticker_when_the_interval_is_zero(app):
    app.config["BACKGROUND_INTERVAL"] = 0
    assert jobs.start(app) is None


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_finalizers_at_once_skip_each_others_rows_and_grade_each_attempt_once(app, client, make_user, login):
    """Finalizer A has read and locked the expired attempts and not yet committed; finalizer B, on another
    connection (another instance), passes over them at once instead of waiting, and submits nothing. Once A
    commits, every attempt was graded exactly once."""
    ids = expired_attempts(client, make_user, login, 3)
    db.session.close()
    graded = []
    listener = lambda attempt, **_: graded.append(attempt.id)  # kept referenced while connected
    events.attempt_graded.connect(listener)
    try:
        assert services.finalize_expired(skip_locked=True) == 3  # A: rows locked, transaction open
        other = {}

        def finalizer_b() -> None:
            with app.app_context():
                started = time.monotonic()
                other["count"] = services.finalize_expired(skip_locked=True)
                other["seconds"] = time.monotonic() - started
                db.session.commit()

        thread = threading.Thread(target=finalizer_b)
        thread.start()
        thread.join(timeout=30)
        assert not thread.is_alive(), "finalizer B waited for A's locks"
        assert other["count"] == 0
        db.session.commit()  # A commits
        assert services.finalize_expired(skip_locked=True) == 0
        db.session.commit()
    finally:
        events.attempt_graded.disconnect(listener)
    assert sorted(graded) == sorted(ids), graded
    assert states(ids) == ["submitted"] * 3
    print(f"Finalizer B found nothing to do in {other['seconds'] * 1000:.0f} ms while A held the rows")
