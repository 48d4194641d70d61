"""Instructors and attempts: essay grading, extra time, regrading, finalizing expired attempts."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from studyapp.core import qformat
from studyapp.domain.questions import content_tree, import_banks, question_of, read_banks
from studyapp.extensions import db
from studyapp.models import Attempt, AttemptItem, Question, Role, User
from studyapp.models.base import utcnow
from tests.web.quizzes import correct_public, form_fields, one_of_each_type, start
from tests.web.test_classes_support import assign, enrol, fixed_quiz, make_class, shipped_questions, take

pytestmark = pytest.mark.content


@pytest.fixture
def submitted(client, make_user, login):
    """A student's submitted attempt with every answer right (the essay answered, not graded)."""
    student = make_user(Role.STUDENT)
    login(student)
    attempt = start(client, one_of_each_type())
    fields = {}
    for item in attempt.items:
        fields.update(form_fields(item.position, correct_public(attempt, item.position)))
    client.post(f"/attempts/{attempt.id}?page=1", data={**fields, "action": "save"})
    client.post(f"/attempts/{attempt.id}/submit")
    client.post("/logout")
    db.session.expire_all()
    return db.session.get(Attempt, attempt.id)


def essay_of(attempt):
    return next(i for i in attempt.items if question_of(i.version).type == "essay")


def test_admin_grades_an_essay_and_the_total_follows(client, make_user, login, submitted):
    login(make_user(Role.ADMIN))
    queue = client.get("/grading").get_data(as_text=True)
    assert f"/manage/attempts/{submitted.id}" in queue
    essay = essay_of(submitted)
    before = submitted.score
    page = client.get(f"/manage/attempts/{submitted.id}").get_data(as_text=True)
    assert "Grade question" in page and "Rubric" in page
    bad = client.post(
        f"/manage/attempts/{submitted.id}/grade/{essay.position}", data={"score": "lots"}, follow_redirects=True
    )
    assert "must be a number" in bad.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(AttemptItem, essay.id).score is None
    client.post(
        f"/manage/attempts/{submitted.id}/grade/{essay.position}",
        data={"score": "4", "comment": "Good use of the letter's words."},
    )
    db.session.expire_all()
    graded = db.session.get(AttemptItem, essay.id)
    assert graded.score == 4 and graded.status == "partial" and graded.comment == "Good use of the letter's words."
    assert db.session.get(Attempt, submitted.id).score == pytest.approx(before + 4)
    assert f"/manage/attempts/{submitted.id}" not in client.get("/grading").get_data(as_text=True)


def test_student_sees_the_grade_and_comment(client, make_user, login, submitted):
    login(make_user(Role.ADMIN))
    essay = essay_of(submitted)
    client.post(
        f"/manage/attempts/{submitted.id}/grade/{essay.position}", data={"score": "5", "comment": "Well argued"}
    )
    client.post("/logout")
    owner = db.session.get(Attempt, submitted.id).user_id
    student = db.session.get(User, owner)
    login(student)
    review = client.get(f"/attempts/{submitted.id}/result").get_data(as_text=True)
    assert review.count("Well argued") == 1 and "Waiting for your instructor" not in review


def test_students_and_other_instructors_cannot_manage_attempts(client, make_user, login, submitted):
    essay = essay_of(submitted)
    login(make_user(Role.STUDENT))
    assert client.get(f"/manage/attempts/{submitted.id}").status_code == 403
    assert (
        client.post(f"/manage/attempts/{submitted.id}/grade/{essay.position}", data={"score": "5"}).status_code == 403
    )
    client.post("/logout")
    login(make_user(Role.INSTRUCTOR))
    assert client.get(f"/manage/attempts/{submitted.id}").status_code == 404
    assert (
        client.post(f"/manage/attempts/{submitted.id}/grade/{essay.position}", data={"score": "5"}).status_code == 404
    )
    db.session.expire_all()
    assert db.session.get(AttemptItem, essay.id).score is None


def test_extra_time_moves_one_students_deadline(client, make_user, login):
    student = make_user(Role.STUDENT)
    login(student)
    attempt = start(client, one_of_each_type(time_limit_minutes=10))
    deadline = attempt.deadline_at
    client.post("/logout")
    login(make_user(Role.ADMIN))
    assert client.post(f"/manage/attempts/{attempt.id}/extra-time", data={"minutes": "0"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).deadline_at == deadline
    client.post(f"/manage/attempts/{attempt.id}/extra-time", data={"minutes": "15"})
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).deadline_at == deadline + timedelta(minutes=15)


def test_regrade_after_an_answer_key_correction(client, runner, make_user, login, submitted, tmp_path):
    item = next(i for i in submitted.items if question_of(i.version).type == "single")
    question = db.session.get(Question, item.version.question_id)
    parsed = question_of(item.version)
    old_score = submitted.score
    # The author "corrects" the key: the student's (formerly right) choice becomes wrong.
    flipped = replace(
        parsed, choices=tuple(replace(c, correct=not c.correct) if i < 2 else c for i, c in enumerate(parsed.choices))
    )
    bank = tmp_path / f"{question.bank.slug}.md"
    others = [question_of(q.current_version) for q in question.bank.questions if q.id != question.id]
    bank.write_text(qformat.write([flipped, *others]), encoding="utf-8")
    tree, _ = content_tree("content")
    report = import_banks(read_banks([bank]), tree)
    assert report.ok and report.changed == [parsed.id]
    db.session.commit()

    result = runner.invoke(args=["questions", "regrade", parsed.id])
    assert result.exit_code == 0 and "1 answer(s) regraded" in result.output
    db.session.expire_all()
    regraded = db.session.get(AttemptItem, item.id)
    assert regraded.score == 0 and regraded.status == "incorrect"
    assert "answer key was corrected" in regraded.comment
    assert regraded.question_version_id == item.question_version_id  # it still shows what the student saw
    assert db.session.get(Attempt, submitted.id).score == pytest.approx(old_score - item.max_score)
    owner = db.session.get(Attempt, submitted.id).user_id
    login(db.session.get(User, owner))
    assert "answer key was corrected" in client.get(f"/attempts/{submitted.id}/result").get_data(as_text=True)


def test_finalize_command_submits_expired_attempts(client, runner, make_user, login):
    login(make_user(Role.STUDENT))
    attempt = start(client, one_of_each_type(time_limit_minutes=5))
    row = db.session.get(Attempt, attempt.id)
    row.deadline_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    result = runner.invoke(args=["attempts", "finalize"])
    assert result.exit_code == 0 and "1 attempt(s) finalized" in result.output
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).state == "submitted"
    assert db.session.scalar(select(Attempt.auto_submitted).where(Attempt.id == attempt.id))


def test_class_instructors_grade_their_class_essays_and_no_one_else(client, make_user, login):
    teacher, other_teacher, student = make_user(Role.INSTRUCTOR), make_user(Role.INSTRUCTOR), make_user(Role.STUDENT)
    class_ = make_class(teacher)
    enrol(class_, student)
    essay_question = shipped_questions("essay", 1, points=None)
    assignment = assign(class_, fixed_quiz(essay_question, slug="essay-quiz"))
    attempt = take(student, assignment, {1: {"text": "Haig's summary softens the letter."}})
    item = attempt.items[0]

    login(other_teacher)
    assert f"/manage/attempts/{attempt.id}" not in client.get("/grading").get_data(as_text=True)
    assert client.get(f"/manage/attempts/{attempt.id}").status_code == 404
    assert client.post(f"/manage/attempts/{attempt.id}/grade/1", data={"score": "1"}).status_code == 404
    client.post("/logout")

    login(teacher)
    assert f"/manage/attempts/{attempt.id}" in client.get("/grading").get_data(as_text=True)
    assert client.get(f"/manage/attempts/{attempt.id}").status_code == 200
    client.post(f"/manage/attempts/{attempt.id}/grade/1", data={"score": "2", "comment": "Cite the letter."})
    db.session.expire_all()
    assert db.session.get(AttemptItem, item.id).score == 2
