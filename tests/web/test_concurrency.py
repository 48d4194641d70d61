"""Fifty threads saving and submitting through the app: no acknowledged answer lost, one submission each."""

from __future__ import annotations

import threading
from collections import defaultdict

import pytest

from studyapp.domain.questions import question_of
from studyapp.extensions import db
from studyapp.models import Attempt, AttemptItem, Role
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
