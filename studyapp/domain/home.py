"""The home page of a signed-in user: what a student has to do next, what an instructor has to look at.

Each home is gathered in a fixed number of queries, whatever the number of classes, assignments,
attempts or cards (tests/web/test_home.py counts them). Nothing here writes: an attempt whose time
ran out is shown as over, not as one to continue, and is submitted when its page or the quiz list
is next visited (see `attempts.finalize_expired`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload, load_only

from studyapp.core import grading
from studyapp.domain.attempts import CLOSING, QuizRow, assigned_rows, is_finished
from studyapp.domain.mastery import QueueSummary, queue_summary, read_next
from studyapp.domain.quizzes import Standing
from studyapp.extensions import db
from studyapp.models import (
    Assignment,
    Attempt,
    AttemptItem,
    Class,
    Document,
    Membership,
    Passage,
    QuestionVersion,
    Quiz,
    User,
)
from studyapp.models.attempts import IN_PROGRESS, SUBMITTED
from studyapp.models.classes import INSTRUCTOR as CLASS_INSTRUCTOR
from studyapp.models.classes import STUDENT as CLASS_STUDENT

#: How far ahead an instructor's home looks for assignments about to close.
CLOSING_WINDOW = timedelta(days=7)


# --- a student's home ------------------------------------------------------------------------------


@dataclass
class NextPassage:
    """The passage a student's home suggests reading next, and why."""

    passage: Passage
    #: How often the student missed questions on it (0: suggested because no question they answered is about it).
    misses: int


@dataclass
class StudentHome:
    #: Every assignment of the student's classes: those still to do first, soonest closing first; then the
    #: others (submitted, excused, closed), the latest closing first.
    due: list[QuizRow]
    #: The student's open attempts (class, self-study and practice) whose time has not run out, latest first.
    to_continue: list[Attempt]
    reviews: QueueSummary
    next_passage: NextPassage | None

    @property
    def to_do(self) -> int:
        """How many assignments still wait for the student: in progress, or not started and not closed."""
        return sum(1 for row in self.due if is_to_do(row))


def is_to_do(row: QuizRow) -> bool:
    """Whether an assignment still waits for the student: in progress, or not started and not closed."""
    if row.state == Standing.IN_PROGRESS:
        return True
    return row.state == Standing.NOT_STARTED and not row.closed


def _closing_key(row: QuizRow) -> tuple[bool, float]:
    """Soonest closing first, those without a closing time after every dated one."""
    closes = row.settings.closes_at
    return (closes is None, closes.timestamp() if closes else 0.0)


def _closed_key(row: QuizRow) -> tuple[bool, float]:
    """Latest closing first, those without a closing time after every dated one."""
    closes = row.settings.closes_at
    return (closes is None, -closes.timestamp() if closes else 0.0)


def student_home(user: User, now: datetime) -> StudentHome:
    """Gather a student's home: their assignments with their states, the attempts they can continue, the
    review questions due and the passage to read next (six to ten queries)."""
    rows = assigned_rows(user, now)
    to_do = sorted((r for r in rows if is_to_do(r)), key=_closing_key)
    done = sorted((r for r in rows if not is_to_do(r)), key=_closed_key)
    attempts = db.session.scalars(
        select(Attempt)
        .where(Attempt.user_id == user.id, Attempt.state == IN_PROGRESS)
        .options(joinedload(Attempt.quiz), joinedload(Attempt.assignment).joinedload(Assignment.class_))
        .order_by(Attempt.started_at.desc(), Attempt.id.desc())
    ).all()
    queue = queue_summary(user, now)
    return StudentHome(
        due=to_do + done,
        to_continue=[a for a in attempts if not is_finished(a, now)],
        reviews=queue,
        next_passage=next_passage(user, queue),
    )


def next_passage(user: User, queue: QueueSummary) -> NextPassage | None:
    """The passage to read next (one to three queries): the one behind the questions the student missed most
    (as "read next" on the progress page ranks them); without misses, the first passage in reading order
    that no question they answered is about. None when their answers cover every passage.

    The app keeps no record of which passages a student opened, so their answers stand for their reading.
    """
    missed = read_next(queue.missed_questions(), limit=1)
    if missed:
        return NextPassage(missed[0].passage, missed[0].misses)
    answered = (
        select(AttemptItem.question_version_id)
        .join(Attempt, Attempt.id == AttemptItem.attempt_id)
        .where(Attempt.user_id == user.id, AttemptItem.saved_at.is_not(None))
    )
    covered = {
        slug
        for passages in db.session.scalars(select(QuestionVersion.passages).where(QuestionVersion.id.in_(answered)))
        for slug in passages or ()
    }
    passages = db.session.scalars(
        select(Passage)
        .join(Document, Document.id == Passage.document_id)
        .order_by(Document.position, Passage.position)
        .options(load_only(Passage.slug, Passage.title, Passage.position))  # a link is all the home shows
    ).all()
    first = next((p for p in passages if p.slug not in covered), None)
    return NextPassage(first, 0) if first is not None else None


# --- an instructor's home --------------------------------------------------------------------------


@dataclass
class TaughtClass:
    class_: Class
    students: int
    #: Essay answers of the class's students waiting for a grade.
    waiting: int


@dataclass
class ClosingSoon:
    assignment: Assignment
    closes_at: datetime
    #: Students of the class who have submitted an attempt at it.
    submitted: int
    students: int


@dataclass
class InstructorHome:
    classes: list[TaughtClass]
    #: Essay answers waiting for a grade, as the grading page lists them (an admin's: every one).
    waiting: int
    #: The assignments of the instructor's classes closing within CLOSING_WINDOW, soonest first.
    closing: list[ClosingSoon]


def instructor_home(user: User, now: datetime) -> InstructorHome:
    """Gather an instructor's home: the classes they teach, the essay answers waiting for them and the
    assignments closing soon (two to four queries)."""
    students = (
        select(func.count())
        .where(Membership.class_id == Class.id, Membership.role == CLASS_STUDENT)
        .correlate(Class)
        .scalar_subquery()
    )
    taught = db.session.execute(
        select(Class, students)
        .join(Membership, Membership.class_id == Class.id)
        .where(Membership.user_id == user.id, Membership.role == CLASS_INSTRUCTOR)
        .order_by(Class.created_at.desc(), Class.id.desc())
    ).all()
    ids = [class_.id for class_, _ in taught]
    waiting = _waiting_by_class(user, ids)
    closing = _closing_soon(ids, now)
    roll = {class_.id: count for class_, count in taught}
    for row in closing:
        row.students = roll.get(row.assignment.class_id, 0)
    return InstructorHome(
        classes=[TaughtClass(class_, count, waiting.get(class_.id, 0)) for class_, count in taught],
        waiting=sum(waiting.values()),
        closing=closing,
    )


def _waiting_by_class(user: User, class_ids: list[int]) -> dict[int | None, int]:
    """Essay answers waiting for a grade by class id, None for attempts at a quiz on its own (an admin's
    only), among those `attempts.grading_queue` lists for `user` (one query, none for an instructor
    without classes)."""
    if not class_ids and not user.is_admin:
        return {}
    query = (
        select(Assignment.class_id, func.count())
        .select_from(AttemptItem)
        .join(Attempt, Attempt.id == AttemptItem.attempt_id)
        .outerjoin(Assignment, Assignment.id == Attempt.assignment_id)
        .where(AttemptItem.status == grading.UNGRADED, Attempt.state == SUBMITTED)
        .group_by(Assignment.class_id)
    )
    if not user.is_admin:
        query = query.where(Assignment.class_id.in_(class_ids))
    return dict(db.session.execute(query).all())


def _closing_soon(class_ids: list[int], now: datetime) -> list[ClosingSoon]:
    """The assignments of the classes closing between now and CLOSING_WINDOW from now, soonest first, with
    how many students submitted each (two queries, none without classes)."""
    if not class_ids:
        return []
    closing = CLOSING  # the column as `quizzes.settings_for` decides it
    rows = db.session.execute(
        select(Assignment, closing)
        .join(Quiz, Quiz.id == Assignment.quiz_id)
        .where(Assignment.class_id.in_(class_ids), closing > now, closing <= now + CLOSING_WINDOW)
        .options(contains_eager(Assignment.quiz), joinedload(Assignment.class_))
        .order_by(closing, Assignment.id)
    ).all()
    if not rows:
        return []
    submitted = dict(
        db.session.execute(
            select(Attempt.assignment_id, func.count(func.distinct(Attempt.user_id)))
            .join(Assignment, Assignment.id == Attempt.assignment_id)
            .join(
                Membership,
                (Membership.class_id == Assignment.class_id)
                & (Membership.user_id == Attempt.user_id)
                & (Membership.role == CLASS_STUDENT),
            )
            .where(Attempt.assignment_id.in_([a.id for a, _ in rows]), Attempt.state == SUBMITTED)
            .group_by(Attempt.assignment_id)
        ).all()
    )
    return [ClosingSoon(a, closes, submitted.get(a.id, 0), 0) for a, closes in rows]
