"""Taking a quiz through the app: every type, autosave, submit once, review, bad input."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from studyapp.core import grading
from studyapp.core.qformat import TYPES
from studyapp.domain.questions import question_of
from studyapp.extensions import db
from studyapp.models import Attempt, AttemptItem, Quiz, Role
from studyapp.models.base import utcnow
from tests.web.quizzes import correct_public, form_fields, one_of_each_type, start

pytestmark = pytest.mark.content


def test_full_attempt_of_every_type_by_posting_the_form(client, student):
    quiz = one_of_each_type()
    attempt = start(client, quiz)
    page = client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    assert re.findall(r'data-type="(\w+)"', page) == list(TYPES)
    fields = {}
    for item in attempt.items:
        fields.update(form_fields(item.position, correct_public(attempt, item.position)))
    response = client.post(f"/attempts/{attempt.id}?page=1", data={**fields, "action": "save"})
    assert response.status_code == 302
    db.session.expire_all()
    saved = {i.position: i.response for i in db.session.get(Attempt, attempt.id).items}
    assert all(saved[p] for p in saved), saved

    assert client.post(f"/attempts/{attempt.id}/submit").status_code == 302
    db.session.expire_all()
    done = db.session.get(Attempt, attempt.id)
    assert done.state == "submitted"
    statuses = {question_of(i.version).type: i.status for i in done.items}
    assert statuses.pop("essay") == grading.UNGRADED
    assert set(statuses.values()) == {"correct"}, statuses
    essay_points = next(i.max_score for i in done.items if question_of(i.version).type == "essay")
    assert done.score == pytest.approx(done.max_score - essay_points)


def test_autosave_of_every_type_and_review(client, student):
    quiz = one_of_each_type()
    attempt = start(client, quiz)
    for seq, item in enumerate(attempt.items, 1):
        fields = form_fields(item.position, correct_public(attempt, item.position))
        reply = client.post(f"/attempts/{attempt.id}/save", data={**fields, "position": item.position, "seq": seq})
        assert reply.status_code == 200, reply.get_json()
        assert reply.get_json() == {"ok": True, "seq": seq, "position": item.position}
    client.post(f"/attempts/{attempt.id}/submit")
    review = client.get(f"/attempts/{attempt.id}/result").get_data(as_text=True)
    assert "Score:" in review and review.count('class="badge badge-correct"') == len(TYPES) - 1
    assert "Waiting for your instructor" in review
    assert "Explanation" in review and "Read the passage" in review
    # The link to the passage highlights the words that answer the question (a URL text fragment).
    assert "#:~:text=" in review and "the words that answer it are highlighted" in review


def test_an_autosave_reads_the_attempt_and_its_item_in_one_locked_query(client, student, count_queries):
    attempt = start(client, one_of_each_type())
    short = next(i for i in attempt.items if question_of(i.version).type == "short")
    url, pos = f"/attempts/{attempt.id}/save", short.position
    headers = {"X-CSRFToken": client.csrf_token()}  # fetched outside the count
    with count_queries() as statements:
        reply = client.post(url, data={f"q{pos}": "counted", "position": pos, "seq": 1}, headers=headers)
    assert reply.status_code == 200, reply.get_json()
    # the signed-in user, the item with its attempt (locked) and version, and the conditional UPDATE
    assert len(statements) == 3, statements
    assert statements[-1].lstrip().upper().startswith("UPDATE")


def test_stale_or_replayed_save_never_overwrites_a_newer_answer(client, student):
    quiz = one_of_each_type()
    attempt = start(client, quiz)
    short = next(i for i in attempt.items if question_of(i.version).type == "short")
    url, pos = f"/attempts/{attempt.id}/save", short.position
    assert client.post(url, data={f"q{pos}": "newer", "position": pos, "seq": 5}).status_code == 200
    stale = client.post(url, data={f"q{pos}": "older", "position": pos, "seq": 4})
    replay = client.post(url, data={f"q{pos}": "older", "position": pos, "seq": 5})
    assert stale.status_code == replay.status_code == 409
    assert "newer answer" in stale.get_json()["error"]
    db.session.expire_all()
    assert db.session.get(AttemptItem, short.id).response == {"text": "newer"}


def test_resuming_shows_the_same_questions_in_the_same_order(client, student, make_user):
    quiz = db.session.scalar(select(Quiz).where(Quiz.slug == "whole-document"))
    attempt = start(client, quiz)
    first = client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    again = start(client, quiz)  # "Start" again resumes the open attempt
    assert again.id == attempt.id
    second = client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    questions = lambda html: re.findall(r"<fieldset.*?</fieldset>", html, re.DOTALL)
    assert questions(first) and questions(first) == questions(second)


def test_submitting_twice_grades_once(client, student):
    quiz = one_of_each_type()
    attempt = start(client, quiz)
    for _ in range(3):
        assert client.post(f"/attempts/{attempt.id}/submit").status_code == 302
    db.session.expire_all()
    done = db.session.get(Attempt, attempt.id)
    first_time = done.submitted_at
    assert done.state == "submitted"
    client.post(f"/attempts/{attempt.id}/submit")
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).submitted_at == first_time


def _first_choice_item(attempt):
    return next(i for i in attempt.items if question_of(i.version).type == "single")


def test_a_choice_not_in_the_question_is_refused(client, student):
    attempt = start(client, one_of_each_type())
    item = _first_choice_item(attempt)
    reply = client.post(
        f"/attempts/{attempt.id}/save", data={f"q{item.position}": "zzz", "position": item.position, "seq": 1}
    )
    assert reply.status_code == 400 and "is not a choice of this question" in reply.get_json()["error"]
    db.session.expire_all()
    assert db.session.get(AttemptItem, item.id).response is None


def test_an_answer_for_a_question_not_in_the_attempt_is_refused(client, student):
    attempt = start(client, one_of_each_type())
    for position in (99, 0, -1, 2**31, 10**30):  # no column holds the last two: refused, never a 500
        reply = client.post(f"/attempts/{attempt.id}/save", data={f"q{position}": "x", "position": position, "seq": 1})
        assert reply.status_code == 400 and "question of this attempt" in reply.get_json()["error"], position


def test_another_students_attempt_is_not_found(client, student, make_user, login):
    attempt = start(client, one_of_each_type())
    client.post("/logout")
    login(make_user(Role.STUDENT))
    item = _first_choice_item(attempt)
    assert client.get(f"/attempts/{attempt.id}").status_code == 404
    assert client.get(f"/attempts/{attempt.id}/result").status_code == 404
    reply = client.post(
        f"/attempts/{attempt.id}/save", data={f"q{item.position}": "a", "position": item.position, "seq": 1}
    )
    assert reply.status_code == 404
    assert client.post(f"/attempts/{attempt.id}/submit").status_code == 404
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).state == "in_progress"
    assert db.session.get(AttemptItem, item.id).response is None


def test_saving_to_a_submitted_attempt_is_refused(client, student):
    attempt = start(client, one_of_each_type())
    client.post(f"/attempts/{attempt.id}/submit")
    item = next(i for i in attempt.items if question_of(i.version).type == "short")
    reply = client.post(
        f"/attempts/{attempt.id}/save", data={f"q{item.position}": "late", "position": item.position, "seq": 9}
    )
    assert reply.status_code == 409 and reply.get_json()["closed"] is True
    assert "submitted" in reply.get_json()["error"]
    db.session.expire_all()
    assert db.session.get(AttemptItem, item.id).response is None


def test_a_closed_quiz_cannot_be_started(client, student):
    quiz = one_of_each_type(closes_at=utcnow() - timedelta(days=1))
    response = client.post(f"/quizzes/{quiz.id}/start", follow_redirects=True)
    assert "This quiz is closed." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 0


def test_an_answer_over_the_size_limit_is_refused(client, student):
    attempt = start(client, one_of_each_type())
    item = next(i for i in attempt.items if question_of(i.version).type == "essay")
    reply = client.post(
        f"/attempts/{attempt.id}/save", data={f"q{item.position}": "x" * 10_001, "position": item.position, "seq": 1}
    )
    assert reply.status_code == 400 and "10,000" in reply.get_json()["error"].replace("10000", "10,000")
    db.session.expire_all()
    assert db.session.get(AttemptItem, item.id).response is None


def test_answers_after_the_deadline_are_refused_and_the_attempt_is_finalized(client, student):
    quiz = one_of_each_type(time_limit_minutes=10)
    attempt = start(client, quiz)
    item = next(i for i in attempt.items if question_of(i.version).type == "short")
    client.post(f"/attempts/{attempt.id}/save", data={f"q{item.position}": "kept", "position": item.position, "seq": 1})
    row = db.session.get(Attempt, attempt.id)
    row.deadline_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    late = client.post(
        f"/attempts/{attempt.id}/save", data={f"q{item.position}": "late", "position": item.position, "seq": 2}
    )
    assert late.status_code == 409 and "Time is up" in late.get_json()["error"]
    # The student never comes back: the quiz list (or any later visit) finalizes it with what was saved.
    client.get("/quizzes")
    db.session.expire_all()
    done = db.session.get(Attempt, attempt.id)
    assert done.state == "submitted" and done.auto_submitted
    assert db.session.get(AttemptItem, item.id).response == {"text": "kept"}


def distinctive(text: str, shown: str, size: int = 30) -> str | None:
    """A stretch of `text` that is plain (no Markdown marks) and not part of what the page shows anyway."""
    for offset in range(0, max(1, len(text) - size), 5):
        window = text[offset : offset + size]
        if not re.search(r"[*_`\[\]<>&\"'\n]", window) and window not in shown:
            return window
    return None


def test_no_answers_in_any_response_before_review_allows(client, student):
    quiz = one_of_each_type(review="never")
    attempt = start(client, quiz)
    secrets, typed = set(), {}
    parsed = [question_of(item.version) for item in attempt.items]
    shown = " ".join(
        " ".join(
            [
                q.prompt,
                *(c.text for c in q.choices),
                *q.items,
                *q.distractors,
                *(p.left + " " + p.right for p in q.pairs),
                q.hint,
            ]
        )
        for q in parsed
    )
    for item, question in zip(attempt.items, parsed):
        hidden = [c.feedback for c in question.choices] + [e.feedback for e in question.evidence]
        hidden += [question.explanation, question.rubric]
        secrets.update(filter(None, (distinctive(text, shown) for text in hidden if text)))
        # Typed answers may be ordinary words found elsewhere; they must not be in their own question.
        answers = set(question.answers) | {a for blank in question.blanks for a in blank.answers}
        prompt = re.sub(r"\{\{.*?\}\}", "", question.prompt)
        typed[item.position] = {a for a in answers if len(a) > 2 and a not in prompt}
    page = client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    for position, answers in typed.items():
        fieldset = re.search(rf'<fieldset class="question" id="q{position}".*?</fieldset>', page, re.DOTALL).group(0)
        for answer in answers:
            assert f'value="{answer}"' not in fieldset and f">{answer}<" not in fieldset, answer
    bodies = [page, client.get(f"/attempts/{attempt.id}/submit").get_data(as_text=True)]
    item = next(i for i in attempt.items if question_of(i.version).type == "single")
    bodies.append(
        client.post(
            f"/attempts/{attempt.id}/save",
            data={
                f"q{item.position}": correct_public(attempt, item.position)["choice"],
                "position": item.position,
                "seq": 1,
            },
        ).get_data(as_text=True)
    )
    client.post(f"/attempts/{attempt.id}/submit")
    bodies.append(client.get(f"/attempts/{attempt.id}/result").get_data(as_text=True))
    bodies.append(client.get("/quizzes").get_data(as_text=True))
    for body in bodies:
        for secret in secrets:
            assert secret not in body, secret
        for marker in ("badge-", "Explanation", "Accepted answers", "Score:"):
            assert marker not in body, marker
    assert json.loads(bodies[2]) == {"ok": True, "seq": 1, "position": item.position}


def test_practice_gives_immediate_feedback_and_stays_apart(client, student):
    response = client.post("/practice/linkage")
    assert response.status_code == 302
    attempt_id = int(response.headers["Location"].rsplit("/", 1)[1])
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.practice
    first = attempt.items[0]
    fields = form_fields(first.position, correct_public(attempt, first.position))
    checked = client.post(f"/attempts/{attempt_id}?page=1", data={**fields, "action": "check"}, follow_redirects=True)
    body = checked.get_data(as_text=True)
    question = question_of(first.version)
    assert "Explanation" in body
    if question.type != "essay":
        assert "Correct." in body
    rows = client.get("/quizzes").get_data(as_text=True)
    assert "In progress" not in rows  # practice is not listed among graded quizzes


def test_instructor_attempts_and_anonymous_users(client):
    assert client.get("/quizzes").status_code == 302
    assert client.post("/quizzes/1/start").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 0
