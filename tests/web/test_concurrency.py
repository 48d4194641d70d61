"""Fifty threads saving and submitting through the app: no acknowledged answer lost, one submission each."""

from __future__ import annotations

import threading
import time
from collections import defaultdict

import pytest
import sqlalchemy as sa

from studyapp.domain.questions import question_of
from studyapp.extensions import db
from studyapp.models import Attempt, AttemptItem, Role
from studyapp.models.base import utcnow
from tests.conftest import TEST_PASSWORD
from tests.web.quizzes import one_of_each_type, start

pytestmark = pytest.mark.content

THREADS, STUDENTS, SAVES = 50, 10, 6


def test_concurrent_saves_and_submits(app, client, make_user, login):
    quiz = one_of_each_type()
    students, attempts = [], {}
    for _ in range(STUDENTS):
        student = make_user(Role.STUDENT)
        login(student)
        attempt = start(client, quiz)
        short = next(i for i in attempt.items if question_of(i.version).type == "short")
        attempts[student.email] = (attempt.id, short.id, short.position)
        students.append(student.email)
        client.post("/logout")
    db.session.close()  # the test's own session must hold no lock while the threads run

    acknowledged = defaultdict(list)  # attempt id -> [(seq, text)]
    winners = defaultdict(int)
    failures = []
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS)

    def student_thread(number: int) -> None:
        email = students[number % STUDENTS]
        attempt_id, _, position = attempts[email]
        thread_client = app.test_client()
        try:
            response = thread_client.post("/login", data={"email": email, "password": TEST_PASSWORD})
            assert response.status_code == 302, response.status_code
            barrier.wait(timeout=60)
            submitter = number // STUDENTS >= 3  # two threads per student race to submit
            for k in range(SAVES):
                seq = k * 100 + number + 1
                text = f"thread {number} save {k}"
                reply = thread_client.post(
                    f"/attempts/{attempt_id}/save", data={f"q{position}": text, "position": position, "seq": seq}
                )
                body = reply.get_json()
                if reply.status_code == 200:
                    with lock:
                        acknowledged[attempt_id].append((seq, text))
                elif reply.status_code != 409:  # 409: stale, or already submitted; both refusals are correct
                    raise AssertionError(f"save answered {reply.status_code}: {body}")
                if submitter and k == SAVES // 2:
                    done = thread_client.post(f"/attempts/{attempt_id}/submit", follow_redirects=True)
                    assert done.status_code == 200
                    if "Your attempt is submitted." in done.get_data(as_text=True):
                        with lock:
                            winners[attempt_id] += 1
        except BaseException as exc:
            with lock:
                failures.append(f"thread {number}: {exc!r}")

    threads = [threading.Thread(target=student_thread, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not failures, failures
    assert all(not thread.is_alive() for thread in threads)

    db.session.expire_all()
    for email in students:
        attempt_id, item_id, _ = attempts[email]
        attempt = db.session.get(Attempt, attempt_id)
        item = db.session.get(AttemptItem, item_id)
        assert attempt.state == "submitted"
        assert winners[attempt_id] == 1, f"attempt {attempt_id} was submitted {winners[attempt_id]} times"
        seq, text = max(acknowledged[attempt_id])
        assert (item.response_seq, item.response) == (seq, {"text": text}), "an acknowledged answer was lost"
        assert item.saved_at <= attempt.submitted_at
    print(
        f"{THREADS} threads, {sum(map(len, acknowledged.values()))} saves acknowledged, "
        f"{len(students)} attempts submitted exactly once"
    )


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_submission_waits_for_a_save_in_flight_before_reading_the_clock(app, client, make_user, login):
    """A save holding the attempt's row (PostgreSQL's share lock) stamps its answer before the submission
    that grades it: the submission reads the clock only once it has the row."""
    login(make_user(Role.STUDENT))
    attempt = start(client, one_of_each_type())
    short = next(i for i in attempt.items if question_of(i.version).type == "short")
    attempt_id, item_id = attempt.id, short.id
    db.session.close()

    saving = db.engine.connect()
    transaction = saving.begin()
    saving.execute(sa.text("SELECT id FROM attempts WHERE id = :id FOR SHARE"), {"id": attempt_id})
    replies = []
    submitting = threading.Thread(
        target=lambda: replies.append(client.post(f"/attempts/{attempt_id}/submit").status_code)
    )
    try:
        submitting.start()
        with db.engine.connect() as watcher:  # until the submission waits for the row (a minute at most)
            waiting, give_up = 0, time.monotonic() + 60
            while not waiting and submitting.is_alive() and time.monotonic() < give_up:
                waiting = watcher.execute(
                    sa.text(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                        " AND datname = current_database() AND pid <> pg_backend_pid()"
                    )
                ).scalar_one()
        assert waiting, "the submission did not wait for the row held by the save"
        saving.execute(
            sa.update(AttemptItem.__table__)
            .where(AttemptItem.__table__.c.id == item_id)
            .values(response={"text": "saved last"}, response_seq=1, saved_at=utcnow())
        )
        transaction.commit()
    finally:
        saving.close()  # a failed check still lets the submission go
    submitting.join(timeout=60)
    assert replies == [302]

    db.session.expire_all()
    item, submitted = db.session.get(AttemptItem, item_id), db.session.get(Attempt, attempt_id)
    assert submitted.state == "submitted" and item.response == {"text": "saved last"}
    assert item.saved_at <= submitted.submitted_at
    assert item.status is not None  # the answer saved in flight was graded
