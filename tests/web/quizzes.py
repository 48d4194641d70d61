"""Helpers for quiz tests: a quiz with one question of each type, and answers as a browser would post them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from studyapp.core import grading
from studyapp.core.qformat import TYPES
from studyapp.domain import attempts as services
from studyapp.domain import questions as question_views
from studyapp.domain.questions import question_of
from studyapp.extensions import db
from studyapp.models import Attempt, Question, Quiz


def one_of_each_type(**settings) -> Quiz:
    """A quiz listing the first shipped question of every type, in TYPES order."""
    questions = db.session.scalars(
        select(Question).options(selectinload(Question.current_version)).order_by(Question.id)
    ).all()
    first = {}
    for question in questions:
        first.setdefault(question.current_version.type, question)
    quiz = Quiz(
        slug=f"all-types-{len(settings)}",
        title="Every type",
        question_ids=[first[t].id for t in TYPES],
        shuffle_questions=False,
        **settings,
    )
    db.session.add(quiz)
    db.session.commit()
    return quiz


def correct_public(attempt: Attempt, position: int) -> dict:
    """The full-marks response of a question of the attempt, in the ids its page shows."""
    item = next(i for i in attempt.items if i.position == position)
    question = question_of(item.version)
    quote = question_views.evidence_quotes([question]).get(question.evidence_passage)
    response = grading.correct_response(question, quote=quote)
    if response is None:  # an essay
        return {"text": "Haig turns a rhetorical question into a plea; compare the words."}
    return services.to_public_response(
        question, response, lambda oid: question_views.public_id(attempt.seed, question.id, oid)
    )


def form_fields(position: int, response: dict) -> dict:
    """The fields a page posts for `response` (in public ids), as studyapp/web/answers.py reads them."""
    name = f"q{position}"
    ((key, value),) = response.items()
    if key == "choice":
        return {name: value}
    if key in ("choices", "sentences"):
        return {name: list(value)}
    if key in ("text", "value"):
        return {name: value}
    if key == "blanks":
        return {f"{name}-{blank}": text for blank, text in value.items()}
    if key == "matches":
        return {f"{name}-{left}": right for left, right in value.items()}
    if key == "order":
        return {f"{name}-{item}": str(place) for place, item in enumerate(value, 1)}
    raise AssertionError(key)


def start(client, quiz: Quiz) -> Attempt:
    response = client.post(f"/quizzes/{quiz.id}/start")
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    attempt_id = int(response.headers["Location"].rsplit("/", 1)[1])
    db.session.expire_all()
    return db.session.get(Attempt, attempt_id)
