"""Quizzes: their definitions (files and the builder), their settings, and who may take them."""

from __future__ import annotations

import dataclasses
import enum
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import and_, select

from studyapp.core.content import ContentTree
from studyapp.core.qformat import Problem
from studyapp.core.qformat.quizdef import SLOT_POINTS, DrawRule, QuizDef, parse_quiz, total_points, validate_quizzes
from studyapp.core.slugs import slugify
from studyapp.domain import events
from studyapp.domain.errors import NotFound
from studyapp.domain.questions import (
    ImportReport,
    _label,
    question_of,
    question_pool,
    questions_with_key,
    shipped_questions,
)
from studyapp.extensions import db
from studyapp.models import Assignment, Attempt, Membership, Question, QuestionVersion, Quiz, Theme, User
from studyapp.models.attempts import SUBMITTED
from studyapp.models.classes import INSTRUCTOR as CLASS_INSTRUCTOR


class Standing(enum.StrEnum):
    """Where a student stands on a quiz or an assignment, as the quiz list and the gradebook say it."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    NEEDS_GRADING = "needs_grading"
    LATE = "late"
    EXCUSED = "excused"

    @property
    def label(self) -> str:
        """The words a page shows: "Not started", "Needs grading"."""
        return self.value.replace("_", " ").capitalize()


def read_quizzes(paths: Sequence[Path], base: Path | None = None) -> tuple[list[QuizDef], list[Problem]]:
    """Parse quiz definition files; every problem is returned, none raised."""
    quizzes, problems = [], []
    for path in paths:
        label = _label(path, base)
        try:
            data = path.read_bytes()
        except OSError as exc:
            problems.append(Problem(label, 1, 1, exc.strerror or str(exc)))
            continue
        result = parse_quiz(data, label)
        problems.extend(result.errors)
        if result.quiz is not None:
            quizzes.append(result.quiz)
    return quizzes, problems


def import_quizzes(
    quizzes: Sequence[QuizDef],
    problems: list[Problem],
    tree: ContentTree,
    *,
    dry_run: bool = False,
    notify: bool = True,
) -> ImportReport:
    """Create or update the shipped quizzes from their definitions; with any problem, change nothing.

    An import that is carried out sends `content_loaded` (a dry run or a refused one does not),
    unless `notify` is false because the caller sends one for a larger load.
    """
    questions = shipped_questions()
    parsed = {key: question_of(q.current_version) for key, q in questions.items() if not q.retired}
    report = ImportReport(problems=problems + validate_quizzes(quizzes, parsed.values(), set(tree.themes)))
    if not report.ok:
        return report
    savepoint = db.session.begin_nested() if dry_run else None  # a dry run leaves no trace
    existing = {quiz.slug: quiz for quiz in db.session.scalars(select(Quiz).where(Quiz.owner_id.is_(None)))}
    for definition in quizzes:
        quiz = existing.get(definition.id)
        if quiz is None:
            quiz = Quiz(slug=definition.id, owner_id=None)
            db.session.add(quiz)
            report.created.append(definition.id)
        apply_definition(quiz, definition, {key: q.id for key, q in questions.items()})
        quiz.source_path = definition.file
        if definition.id not in report.created:
            (report.changed if db.session.is_modified(quiz) else report.unchanged).append(definition.id)
    if savepoint is not None:
        savepoint.rollback()
        return report
    db.session.flush()
    if notify:
        events.content_loaded.send(report, readings=None, questions=None, quizzes=report)
    return report


def apply_definition(quiz: Quiz, definition: QuizDef, ids: dict[str, int]) -> None:
    """Copy a parsed quiz definition onto a Quiz row."""
    quiz.title = definition.title
    quiz.description = definition.body or definition.description
    quiz.question_ids = [ids[key] for key in definition.questions] if definition.questions else None
    quiz.draw_rules = (
        [
            {
                "themes": list(r.themes),
                "types": list(r.types),
                "difficulty": list(r.difficulty),
                "count": r.count,
                "points": r.points,
            }
            for r in definition.draw
        ]
        if definition.draw
        else None
    )
    for name in (
        "shuffle_questions",
        "shuffle_choices",
        "time_limit_minutes",
        "max_attempts",
        "grading",
        "review",
        "layout",
    ):
        setattr(quiz, name, getattr(definition, name))


def draw_rules_of(quiz: Quiz) -> tuple[DrawRule, ...]:
    """The quiz's draw rules as the draw takes them; a rule stored without `points` is worth SLOT_POINTS
    a question (the default of the quiz definition format)."""
    return tuple(
        DrawRule(
            count=r["count"],
            themes=tuple(r["themes"]),
            types=tuple(r["types"]),
            difficulty=tuple(r["difficulty"]),
            points=float(r.get("points", SLOT_POINTS)),
        )
        for r in quiz.draw_rules or []
    )


def quiz_totals(quizzes: Iterable[Quiz]) -> dict[int, float]:
    """The maximum of an attempt of each quiz, by quiz id (one query at most): a drawn quiz's slots' points,
    whatever is drawn; a fixed list's questions' points (their current versions, retired ones left out, as
    a new attempt is chosen)."""
    quizzes = list(quizzes)
    ids = {qid for quiz in quizzes for qid in (quiz.question_ids or ())}
    points = (
        dict(
            db.session.execute(
                select(Question.id, QuestionVersion.points)
                .join(
                    QuestionVersion,
                    and_(QuestionVersion.question_id == Question.id, QuestionVersion.number == Question.current_number),
                )
                .where(Question.id.in_(ids), Question.retired.is_(False))
            ).all()
        )
        if ids
        else {}
    )
    totals = {}
    for quiz in quizzes:
        if quiz.question_ids:
            totals[quiz.id] = math.fsum(points.get(qid, 0.0) for qid in quiz.question_ids)
        else:
            totals[quiz.id] = total_points(draw_rules_of(quiz))
    return totals


def quiz_pool(user: User) -> dict[str, Question]:
    """The questions a quiz of `user` may use, by id: the shipped ones and theirs, not retired."""
    return question_pool(user.id)


def check_quiz(definition: QuizDef, user: User, quiz: Quiz | None = None) -> list[str]:
    """Every problem of a quiz built in the browser, as messages (the builder has no lines)."""
    pool = quiz_pool(user)
    problems = []
    missing = [key for key in definition.questions if key not in pool]
    retired = {q.key for q in questions_with_key(missing, user) if q.retired}
    for key in missing:
        if key in retired:
            problems.append(f"question '{key}' is retired: bring it back on its page, or choose another")
        else:
            problems.append(f"unknown question '{key}'")
    parsed = [question_of(q.current_version) for q in pool.values()]
    themes = set(db.session.scalars(select(Theme.slug)))
    problems += [p.message for p in validate_quizzes([dataclasses.replace(definition, questions=())], parsed, themes)]
    if not definition.questions and not definition.draw:
        problems.append("a quiz needs questions: list their ids, or give at least one draw rule")
    clash = db.session.scalar(select(Quiz.id).where(Quiz.owner_id == user.id, Quiz.slug == definition.id))
    if clash is not None and (quiz is None or clash != quiz.id):
        problems.append(f"you already have a quiz with the id '{definition.id}': choose another")
    return problems


def save_quiz(
    definition: QuizDef,
    user: User,
    *,
    quiz: Quiz | None = None,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
) -> Quiz:
    """Create or update a quiz owned by `user` from a checked definition (see check_quiz)."""
    ids = {key: q.id for key, q in quiz_pool(user).items()}
    if quiz is None:
        quiz = Quiz(owner_id=user.id)
    quiz.slug = definition.id
    apply_definition(quiz, definition, ids)
    quiz.opens_at, quiz.closes_at = opens_at, closes_at
    db.session.add(quiz)
    db.session.flush()
    return quiz


def quiz_keys(quiz: Quiz) -> list[str]:
    """The ids of a fixed quiz's questions, in its order."""
    if not quiz.question_ids:
        return []
    keys = dict(db.session.execute(select(Question.id, Question.key).where(Question.id.in_(quiz.question_ids))).all())
    return [keys[i] for i in quiz.question_ids if i in keys]


def quiz_attempts(quiz: Quiz, viewer: User) -> list[tuple[Attempt, User]]:
    """The graded attempts at `quiz` that `viewer` may read, with their students, by student then start: one query.

    An attempt started from a class assignment belongs to that class: only its instructors (now)
    and admins read it, even when `viewer` built the quiz. An attempt at the quiz on its own
    belongs to the quiz's builder.
    """
    query = (
        select(Attempt, User)
        .join(User, Attempt.user_id == User.id)
        .where(Attempt.quiz_id == quiz.id, Attempt.practice.is_(False))
    )
    if not viewer.is_admin:
        taught = (
            select(Assignment.id)
            .join(Membership, Membership.class_id == Assignment.class_id)
            .where(Membership.user_id == viewer.id, Membership.role == CLASS_INSTRUCTOR)
        )
        query = query.where(Attempt.assignment_id.in_(taught) | Attempt.assignment_id.is_(None))
    return [
        (attempt, user)
        for attempt, user in db.session.execute(query.order_by(User.display_name, User.id, Attempt.started_at))
    ]


def free_quiz_slug(title: str, user: User) -> str:
    """An id for a new quiz of `user`, from its title, that none of their quizzes uses."""
    base = slugify(title, max_length=80) or "quiz"
    taken = set(db.session.scalars(select(Quiz.slug).where(Quiz.owner_id == user.id, Quiz.slug.startswith(base))))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


@dataclass(frozen=True)
class Settings:
    """The rules an attempt runs under: the quiz's own, or a class assignment's overrides of them."""

    shuffle_questions: bool
    shuffle_choices: bool
    time_limit_minutes: int | None
    max_attempts: int | None
    grading: str
    review: str
    layout: str
    opens_at: datetime | None
    closes_at: datetime | None

    def is_open(self, now: datetime) -> bool:
        return (self.opens_at is None or self.opens_at <= now) and (self.closes_at is None or now < self.closes_at)


SETTING_NAMES = tuple(Settings.__dataclass_fields__)


def settings_for(quiz: Quiz, overrides: dict[str, Any] | None = None) -> Settings:
    """The quiz's settings, with any non-None `overrides` (a class assignment's) taking precedence."""
    values = {name: getattr(quiz, name) for name in SETTING_NAMES}
    values.update({k: v for k, v in (overrides or {}).items() if k in values and v is not None})
    return Settings(**values)


def attempt_settings(attempt: Attempt) -> tuple[Quiz, Settings]:
    """The quiz of an attempt and the settings it runs under: its class assignment's, if it has one."""
    quiz, assignment = attempt.quiz, attempt.assignment
    return quiz, settings_for(quiz, assignment.overrides() if assignment else None)


def get_own_quiz_or_404(quiz_id: int, user: User) -> Quiz:
    """A quiz `user` built, to edit (shipped quizzes and other instructors' are "not found" here)."""
    quiz = db.session.get(Quiz, quiz_id)
    if quiz is None or quiz.owner_id != user.id:
        raise NotFound()
    return quiz


def get_quiz_or_404(quiz_id: int, user: User) -> Quiz:
    """Load a quiz the user may take: a shipped one (classes add their own assignments)."""
    quiz = db.session.get(Quiz, quiz_id)
    if quiz is None or not (quiz.is_shipped or quiz.owner_id == user.id):
        raise NotFound()
    return quiz


def review_allows(settings: Settings, attempt: Attempt, now: datetime) -> bool:
    """Tell whether the review policy lets the student see the score, answers and feedback now."""
    if attempt.state != SUBMITTED:
        return False
    if attempt.practice:
        return True
    if settings.review == "after_submit":
        return True
    if settings.review == "after_close":
        return settings.closes_at is not None and now >= settings.closes_at
    return False
