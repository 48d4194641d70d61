"""Helpers for the class tests: a class with students, a fixed quiz, attempts with chosen answers (no tests here)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from studyapp.core import grading
from studyapp.domain import attempts as quizzes
from studyapp.domain import classes as classes
from studyapp.domain import questions as question_views
from studyapp.domain.questions import question_of
from studyapp.extensions import db
from studyapp.models import Assignment, Attempt, Class, Question, Quiz, Role, User


def make_class(owner: User, name: str = "HIST 210: The Cold War", sections=("Section A", "Section B")) -> Class:
    class_ = classes.create_class(owner, name=name, term="Spring 2027", sections=sections)
    db.session.commit()
    return class_


def enrol(class_: Class, *users: User, section: str | None = None) -> None:
    section_id = next((s.id for s in class_.sections if s.name == section), None) if section else None
    for user in users:
        member = classes.join_class(class_, user)
        member.section_id = section_id
    db.session.commit()


def shipped_questions(kind: str, count: int, points: float | None = 1.0) -> list[Question]:
    """The first `count` shipped questions of a type worth `points` (any, if None), in id order."""
    questions = db.session.scalars(
        select(Question).options(selectinload(Question.current_version)).order_by(Question.id)
    ).all()
    chosen = [
        q
        for q in questions
        if q.current_version.type == kind and (points is None or q.current_version.points == points)
    ]
    assert len(chosen) >= count, f"the shipped banks have only {len(chosen)} {kind} questions worth {points}"
    return chosen[:count]


def fixed_quiz(questions: list[Question], slug: str = "class-quiz", **settings) -> Quiz:
    quiz = Quiz(
        slug=slug,
        title=settings.pop("title", "Reading the memorandum"),
        question_ids=[q.id for q in questions],
        shuffle_questions=False,
        shuffle_choices=False,
        **settings,
    )
    db.session.add(quiz)
    db.session.commit()
    return quiz


def assign(class_: Class, quiz: Quiz, **values) -> Assignment:
    assignment = classes.save_assignment(class_, None, quiz, values)
    db.session.commit()
    return assignment


def right_answer(item) -> dict:
    question = question_of(item.version)
    quote = question_views.evidence_quotes([question]).get(question.evidence_passage)
    return grading.correct_response(question, quote=quote)


def wrong_answer(item, option: str | None = None) -> dict:
    """A wrong choice (the first wrong option, or `option`) of a single or true/false question."""
    question = question_of(item.version)
    right = grading.correct_response(question)["choice"]
    if option is None:
        option = next(c.id for c in question.choices if c.id != right)
    return {"choice": option}


def take(
    user: User,
    assignment: Assignment,
    answers: dict[int, dict | bool],
    *,
    submit: bool = True,
    now: datetime | None = None,
) -> Attempt:
    """An attempt at an assignment with answers by position: a response, True (right) or False (wrong)."""
    attempt = quizzes.start_attempt(assignment.quiz, user, assignment=assignment, now=now)
    for item in attempt.items:
        answer = answers.get(item.position)
        if answer is None:
            continue
        if answer is True:
            answer = right_answer(item)
        elif answer is False:
            answer = wrong_answer(item)
        question = question_of(item.version)
        public = quizzes.to_public_response(
            question, answer, lambda oid, q=question: question_views.public_id(attempt.seed, q.id, oid)
        )
        quizzes.save_response(attempt, item.position, public, None, now=now)
    if submit:
        quizzes.submit(attempt, now=now)
    db.session.commit()
    db.session.refresh(attempt)
    return attempt


def students(make_user, count: int, prefix: str = "Student") -> list[User]:
    return [make_user(Role.STUDENT, name=f"{prefix} {n:02d}") for n in range(1, count + 1)]
