"""Migration c5e9a2b7d3f1: `attempts.late`, backfilled from the closing times in force at the upgrade."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from studyapp.domain import classes
from studyapp.extensions import db
from studyapp.models import Assignment, Attempt, Quiz, Role
from studyapp.models.base import utcnow


def test_the_upgrade_marks_as_late_the_attempts_submitted_after_the_closing_time_in_force(app, make_user):
    instructor = make_user(Role.INSTRUCTOR)
    student = make_user(Role.STUDENT)
    close = utcnow().replace(microsecond=0) - timedelta(days=1)
    quiz = Quiz(slug="q", title="Q", owner_id=instructor.id, question_ids=[], closes_at=close + timedelta(hours=2))
    db.session.add(quiz)
    db.session.flush()
    class_ = classes.create_class(instructor, name="HIST 210")
    own_close = Assignment(class_id=class_.id, quiz_id=quiz.id, position=1, closes_at=close)
    quiz_close = Assignment(class_id=class_.id, quiz_id=quiz.id, position=2)  # the quiz's own close applies
    db.session.add_all([own_close, quiz_close])
    db.session.flush()

    def attempt(assignment, minutes, *, state="submitted", practice=False) -> int:
        row = Attempt(
            quiz_id=quiz.id,
            user_id=student.id,
            assignment_id=assignment.id if assignment else None,
            practice=practice,
            seed="s",
            state=state,
            started_at=close - timedelta(hours=1),
            submitted_at=close + timedelta(minutes=minutes) if state == "submitted" else None,
            late=state == "submitted",  # wrong on purpose: the upgrade works it out afresh
        )
        db.session.add(row)
        db.session.flush()
        return row.id

    expected = {
        attempt(own_close, -1): False,  # before the assignment's close
        attempt(own_close, 1): True,  # after it
        attempt(quiz_close, 60): False,  # before the quiz's close (2 hours after the other)
        attempt(quiz_close, 180): True,  # after the quiz's close
        attempt(None, 180): True,  # the quiz taken on its own, after its close
        attempt(own_close, 30, practice=True): False,  # practice is never late
        attempt(own_close, 0, state="in_progress"): False,  # not submitted
    }
    db.session.commit()

    downgrade(revision="b8d4e2f6a1c3")
    db.session.remove()
    with db.engine.connect() as conn:
        columns = {column["name"] for column in sa.inspect(conn).get_columns("attempts")}
    assert "late" not in columns
    upgrade()

    stored = dict(db.session.execute(sa.select(Attempt.id, Attempt.late)).all())
    assert stored == expected
