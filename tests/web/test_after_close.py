"""Review "after close": from the closing time on, an attempt left open takes no answer, it is submitted
(automatically, late) before any review of its quiz opens, and the exports say that it was late."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from studyapp.extensions import db
from studyapp.models import Assignment, Attempt, Quiz, Role
from studyapp.models.base import utcnow
from tests.web.quizzes import correct_public, form_fields
from tests.web.test_classes_support import assign, enrol, fixed_quiz, make_class, shipped_questions, take

pytestmark = pytest.mark.content


@pytest.fixture
def scene(make_user):
    """A class assignment reviewed after it closes, two attempts allowed: the first submitted with one
    wrong answer, the second started and left open, then the assignment closes."""
    instructor = make_user(Role.INSTRUCTOR)
    student = make_user(Role.STUDENT, name="Ann Example", email="ann@example.edu")
    class_ = make_class(instructor)
    enrol(class_, student)
    quiz = fixed_quiz(shipped_questions("single", 2), slug="after-close", review="after_close", max_attempts=2)
    assignment = assign(class_, quiz, closes_at=utcnow() + timedelta(hours=1))
    first = take(student, assignment, {1: False, 2: True})
    second = take(student, assignment, {}, submit=False)
    assert second.state == "in_progress"
    return dict(
        instructor=instructor, student=student, class_=class_, assignment=assignment, first=first, second=second
    )


def close_now(assignment_id: int, *, on_quiz: bool = False) -> None:
    """Move the closing time (of the assignment, or of its quiz with no override) to a moment ago."""
    assignment = db.session.get(Assignment, assignment_id)
    moment = utcnow()  # after every submission so far: those were on time
    if on_quiz:
        assignment.closes_at = None
        db.session.get(Quiz, assignment.quiz_id).closes_at = moment
    else:
        assignment.closes_at = moment
    db.session.commit()


def save_right_answer(client, attempt: Attempt, position: int, seq: int):
    fields = form_fields(position, correct_public(attempt, position))
    return client.post(f"/attempts/{attempt.id}/save", data={**fields, "position": position, "seq": seq})


@pytest.mark.parametrize("on_quiz", [False, True], ids=["assignment-closes", "quiz-closes"])
def test_an_open_attempt_takes_no_answer_once_the_key_can_show(client, login, scene, on_quiz):
    second = scene["second"]
    login(scene["student"])
    assert "This quiz closes on" in client.get(f"/attempts/{second.id}").get_data(as_text=True)
    before = save_right_answer(client, second, 1, 1)
    assert before.status_code == 200 and before.get_json()["ok"]  # still open: answers are taken
    close_now(scene["assignment"].id, on_quiz=on_quiz)

    for position in (1, 2):
        reply = save_right_answer(client, second, position, 10 + position)
        body = reply.get_json()
        assert reply.status_code == 409, body
        assert body["ok"] is False and body["closed"] is True and "closed" in body["error"]
    # The page without JavaScript is refused too, and lands on the (now submitted) attempt's result.
    page = client.post(f"/attempts/{second.id}", data={**form_fields(2, correct_public(second, 2)), "action": "save"})
    assert page.status_code == 302
    db.session.expire_all()
    stored = db.session.get(Attempt, second.id)
    assert [item.response_seq for item in stored.items] == [1, 0]  # nothing after the close was kept


def test_the_review_opens_only_after_every_open_attempt_is_submitted_late(client, login, scene):
    first, second = scene["first"], scene["second"]
    login(scene["student"])
    close_now(scene["assignment"].id)

    result = client.get(f"/attempts/{first.id}/result")
    assert result.status_code == 200
    db.session.expire_all()
    closed = db.session.get(Attempt, second.id)
    assert closed.state == "submitted" and closed.auto_submitted  # submitted before the review showed
    assert closed.submitted_at > db.session.get(Assignment, scene["assignment"].id).closes_at
    assert closed.score == 0.0  # graded with the answers it held at the close: none

    # Its own page now shows the result; nothing more can be saved to it.
    assert client.get(f"/attempts/{second.id}").status_code == 302
    reply = save_right_answer(client, closed, 1, 5)
    assert reply.status_code == 409 and reply.get_json()["closed"] is True
    db.session.expire_all()
    assert db.session.get(Attempt, second.id).score == 0.0


def test_a_student_touching_an_attempt_after_the_close_submits_it(client, login, scene):
    second = scene["second"]
    login(scene["student"])
    close_now(scene["assignment"].id)
    page = client.get(f"/attempts/{second.id}")
    assert page.status_code == 302 and page.headers["Location"].endswith(f"/attempts/{second.id}/result")
    db.session.expire_all()
    attempt = db.session.get(Attempt, second.id)
    assert attempt.state == "submitted" and attempt.auto_submitted


def test_the_quiz_list_submits_the_students_closed_attempts(client, login, scene):
    login(scene["student"])
    close_now(scene["assignment"].id)
    assert client.get("/quizzes").status_code == 200
    db.session.expire_all()
    assert db.session.get(Attempt, scene["second"].id).state == "submitted"


def test_the_responses_export_says_which_submissions_were_late(client, login, scene):
    first = scene["first"]
    login(scene["student"])
    close_now(scene["assignment"].id)
    client.get(f"/attempts/{first.id}/result")  # submits the open attempt, late
    client.post("/logout")
    login(scene["instructor"])

    reply = client.get(f"/classes/{scene['class_'].id}/export/responses.csv")
    assert reply.status_code == 200
    rows = list(csv.reader(io.StringIO(reply.get_data().decode("utf-8-sig"), newline="")))
    assert rows[0][-1] == "Late"
    late = {(row[4], row[5]): row[-1] for row in rows[1:]}
    assert set(late.values()) == {"no", "yes"}
    assert [value for (attempt, _), value in sorted(late.items())] == ["no", "no", "yes", "yes"]

    reply = client.get(f"/classes/{scene['class_'].id}/export/gradebook.csv")
    assert reply.status_code == 200
    header = next(csv.reader(io.StringIO(reply.get_data().decode("utf-8-sig"))))
    assert header[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert all(title.endswith(")") for title in header[5:])  # Canvas reads every further column as an assignment
