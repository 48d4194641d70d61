"""The domain's events: sent once when an attempt is graded, an essay graded or answers regraded; and one transaction.

Subscribers (mastery and the review queue today; grade passback and caches later) rely on
each event arriving exactly once, after the change is flushed, inside the request's
transaction: if a subscriber fails, the whole request is undone.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta

import pytest
from blinker import Signal

from studyapp.core import qformat
from studyapp.domain import attempts, events
from studyapp.domain.questions import content_tree, import_banks, public_id, question_of, read_banks
from studyapp.extensions import db
from studyapp.models import Attempt, AttemptItem, Question, ReviewCard, Role
from studyapp.models.attempts import IN_PROGRESS, SUBMITTED
from studyapp.models.base import utcnow
from tests.web.quizzes import correct_public, form_fields, one_of_each_type, start

pytestmark = pytest.mark.content


@contextmanager
def received(signal: Signal):
    """Collect (sender, keyword arguments) of every `signal` sent inside the block."""
    calls: list[tuple[object, dict]] = []

    def receiver(sender, **kwargs):
        calls.append((sender, kwargs))

    with signal.connected_to(receiver):
        yield calls


def answer_everything(client, attempt: Attempt) -> None:
    fields = {}
    for item in attempt.items:
        fields.update(form_fields(item.position, correct_public(attempt, item.position)))
    assert client.post(f"/attempts/{attempt.id}?page=1", data={**fields, "action": "save"}).status_code == 302


def test_a_submission_sends_attempt_graded_once(client, make_user, login):
    login(make_user(Role.STUDENT))
    attempt = start(client, one_of_each_type())
    answer_everything(client, attempt)
    with received(events.attempt_graded) as calls:
        assert client.post(f"/attempts/{attempt.id}/submit").status_code == 302
        assert client.post(f"/attempts/{attempt.id}/submit").status_code == 302  # a double click
    assert [sender.id for sender, _ in calls] == [attempt.id]
    ((sender, kwargs),) = calls
    assert sender.state == SUBMITTED and sender.score is not None and kwargs["now"] is not None


def test_the_finalizer_sends_attempt_graded_for_each_expired_attempt(client, runner, make_user, login):
    login(make_user(Role.STUDENT))
    attempt = start(client, one_of_each_type(time_limit_minutes=5))
    db.session.get(Attempt, attempt.id).deadline_at = utcnow() - timedelta(minutes=10)
    db.session.commit()
    with received(events.attempt_graded) as calls:
        result = runner.invoke(args=["attempts", "finalize"])
        assert result.exit_code == 0, result.output
        runner.invoke(args=["attempts", "finalize"])  # nothing left to finalize
    assert [sender.id for sender, _ in calls] == [attempt.id]
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).auto_submitted


def test_checking_a_practice_answer_sends_answer_checked_and_queues_the_miss(client, make_user, login):
    student = make_user(Role.STUDENT)
    login(student)
    response = client.post("/practice/linkage")
    attempt = db.session.get(Attempt, int(response.headers["Location"].rsplit("/", 1)[1]))
    item = next(i for i in attempt.items if question_of(i.version).type == "single")
    question = question_of(item.version)
    wrong = next(c for c in question.choices if not c.correct)
    data = {f"q{item.position}": public_id(attempt.seed, question.id, wrong.id), "action": "check"}
    with received(events.answer_checked) as checked, received(events.attempt_graded) as graded:
        assert client.post(f"/attempts/{attempt.id}?page={item.position}", data=data).status_code == 302
    assert [sender.id for sender, _ in checked] == [attempt.id] and graded == []
    cards = db.session.query(ReviewCard).filter_by(user_id=student.id).all()  # the mastery subscriber's work
    assert [card.question.key for card in cards] == [question.id]


def test_grading_an_essay_sends_essay_graded(client, make_user, login):
    login(make_user(Role.STUDENT))
    attempt = start(client, one_of_each_type())
    answer_everything(client, attempt)
    client.post(f"/attempts/{attempt.id}/submit")
    client.post("/logout")
    admin = make_user(Role.ADMIN)
    login(admin)
    db.session.expire_all()
    essay = next(i for i in db.session.get(Attempt, attempt.id).items if question_of(i.version).type == "essay")
    with received(events.essay_graded) as calls:
        bad = client.post(f"/manage/attempts/{attempt.id}/grade/{essay.position}", data={"score": "lots"})
        assert bad.status_code == 302
        assert calls == [], "a refused grade sends nothing"
        client.post(f"/manage/attempts/{attempt.id}/grade/{essay.position}", data={"score": "3", "comment": "Yes."})
    ((sender, kwargs),) = calls
    assert sender.id == essay.id and sender.score == 3 and kwargs["grader_id"] == admin.id


def test_a_regrade_sends_attempts_regraded_with_the_items(client, make_user, login, tmp_path):
    student = make_user(Role.STUDENT)
    login(student)
    attempt = start(client, one_of_each_type())
    answer_everything(client, attempt)
    client.post(f"/attempts/{attempt.id}/submit")
    db.session.expire_all()
    item = next(i for i in db.session.get(Attempt, attempt.id).items if question_of(i.version).type == "single")
    question = db.session.get(Question, item.version.question_id)
    parsed = question_of(item.version)
    flipped = replace(
        parsed, choices=tuple(replace(c, correct=not c.correct) if i < 2 else c for i, c in enumerate(parsed.choices))
    )
    bank = tmp_path / f"{question.bank.slug}.md"
    others = [question_of(q.current_version) for q in question.bank.questions if q.id != question.id]
    bank.write_text(qformat.write([flipped, *others]), encoding="utf-8")
    tree, _ = content_tree("content")
    assert import_banks(read_banks([bank]), tree).ok
    db.session.commit()
    with received(events.attempts_regraded) as calls:
        report = attempts.regrade(db.session.get(Question, question.id), None)
    assert len(report.regraded) == 1
    ((sender, kwargs),) = calls
    assert sender.id == question.id and kwargs["items"] == [(attempt.id, item.position)]


def test_a_regrade_that_changes_nothing_sends_nothing(client, make_user, login):
    login(make_user(Role.STUDENT))
    attempt = start(client, one_of_each_type())
    answer_everything(client, attempt)
    client.post(f"/attempts/{attempt.id}/submit")
    item = db.session.get(Attempt, attempt.id).items[0]
    with received(events.attempts_regraded) as calls:
        report = attempts.regrade(db.session.get(Question, item.version.question_id), None)
    assert report.regraded == [] and calls == []  # the answers were given to the current version


def test_a_failing_subscriber_undoes_the_whole_request(app, client, make_user, login):
    login(make_user(Role.STUDENT))
    attempt = start(client, one_of_each_type())
    answer_everything(client, attempt)

    def broken(sender, **kwargs):
        raise RuntimeError("a subscriber failed")

    app.config["PROPAGATE_EXCEPTIONS"] = False  # answer with the 500 page, as in production
    with events.attempt_graded.connected_to(broken):
        assert client.post(f"/attempts/{attempt.id}/submit").status_code == 500
    db.session.expire_all()
    kept = db.session.get(Attempt, attempt.id)
    assert kept.state == IN_PROGRESS and kept.submitted_at is None, "the submission was rolled back"
    assert all(i.score is None for i in db.session.query(AttemptItem).filter_by(attempt_id=attempt.id))
    assert client.post(f"/attempts/{attempt.id}/submit").status_code == 302  # and can be submitted again
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).state == SUBMITTED
