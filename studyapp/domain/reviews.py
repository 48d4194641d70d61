"""Review sessions: serve a student's due questions one at a time, grade each answer, reschedule it.

A question is shown as a quiz attempt shows it (the quiz's `take` macro, opaque option ids
seeded per card) and graded by studyapp.core.grading; its card is rescheduled by FSRS
(studyapp.core.mastery.review). Review answers never touch an attempt, so they count
towards no grade and no mastery. Services flush and never commit: the request commits once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, cast

from sqlalchemy import and_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import selectinload

from studyapp.core import grading
from studyapp.core.mastery import review
from studyapp.core.qformat import Question as ParsedQuestion
from studyapp.domain import attempts as quiz_services
from studyapp.domain import questions
from studyapp.domain.errors import DomainError, NotFound
from studyapp.domain.mastery import ESSAY, new_seed
from studyapp.domain.questions import question_of
from studyapp.extensions import db
from studyapp.models import Passage, Question, QuestionVersion, ReviewCard, User

#: The field position a review question is shown at (its controls are named q1...).
POSITION = 1
STALE = "That question was already answered in another window; here is the next one."


class ReviewError(DomainError):
    """An answer the review refuses; `message` is safe to show."""

    def __init__(self, message: str, *, stale: bool = False) -> None:
        super().__init__(message, stale=stale)
        #: The card was answered meanwhile (another window): show the next one instead.
        self.stale = stale


@dataclass
class ReviewSlot:
    """What the quiz macros read of an attempt item, for a question shown in a review session."""

    position: int = POSITION
    status: str | None = None
    score: float | None = None
    max_score: float = 0.0
    comment: str = ""
    graded_by_id: int | None = None


@dataclass
class ReviewEntry:
    """A reviewed answer, shaped as the quiz's review macro expects: the view, its grade, the key, the passage."""

    view: quiz_services.ItemView[ReviewSlot]
    grade: grading.Grade
    correct: dict[str, Any] | None
    passage: Passage | None


def next_due_card(user: User, now: datetime) -> ReviewCard | None:
    """Return the student's card that has been due longest, with its question's current version."""
    return db.session.scalar(
        select(ReviewCard)
        .join(Question, Question.id == ReviewCard.question_id)
        .join(
            QuestionVersion,
            and_(QuestionVersion.question_id == Question.id, QuestionVersion.number == Question.current_number),
        )
        .where(ReviewCard.user_id == user.id, ReviewCard.due_at <= now, QuestionVersion.type != ESSAY)
        .order_by(ReviewCard.due_at, ReviewCard.id)
        .limit(1)
        .options(selectinload(ReviewCard.question).selectinload(Question.current_version))
    )


def get_card_or_404(card_id: int, user: User) -> ReviewCard:
    """Load one of the student's cards (another student's is "not found")."""
    card = db.session.scalar(
        select(ReviewCard)
        .where(ReviewCard.id == card_id, ReviewCard.user_id == user.id)
        .options(
            selectinload(ReviewCard.question).selectinload(Question.current_version),
            selectinload(ReviewCard.last_version),
        )
    )
    if card is None:
        raise NotFound()
    return card


def _quote_for(question: ParsedQuestion) -> str | None:
    if question.type != "evidence":
        return None
    return questions.evidence_quotes([question]).get(question.evidence_passage)


def _view(
    question: ParsedQuestion, seed: str, response: dict[str, Any], slot: ReviewSlot
) -> quiz_services.ItemView[ReviewSlot]:
    """Show `question` as an attempt shows it: shuffled by `seed`, options under opaque public ids."""
    quote = _quote_for(question)
    shown = grading.presentation(question, seed, True, quote=quote)
    to_public = partial(questions.public_id, seed, question.id)
    return quiz_services.ItemView(
        item=slot,
        question=question,
        options=[(to_public(o.id), o.text) for o in shown.options],
        lefts=[(o.id, o.text) for o in shown.lefts],
        response=quiz_services.to_public_response(question, response, to_public),
        quote=quote,
    )


def question_view(card: ReviewCard) -> quiz_services.ItemView[ReviewSlot]:
    """Return the card's question (its current version) as the review page shows it, unanswered."""
    question = question_of(card.question.current_version)
    return _view(question, card.seed, {}, ReviewSlot(max_score=question.points))


def answer_review(card: ReviewCard, public_response: dict, shown_reviews: int, now: datetime) -> grading.Grade:
    """Grade a review answer, reschedule the card with FSRS, and keep the answer for the feedback page.

    `public_response` is in the ids the page showed; `shown_reviews` is the card's review count
    when the page was shown, so that an answer from a stale window is refused, not counted twice.
    Review answers never touch an attempt: they count towards no grade and no mastery.
    """
    if shown_reviews != card.state.get("reviews", 0):
        raise ReviewError(STALE, stale=True)
    version = card.question.current_version
    question = question_of(version)
    quote = _quote_for(question)
    response = quiz_services.from_public_response(question, public_response, card.seed, quote)
    problems = grading.check_response(question, response, quote=quote)
    if problems:
        raise ReviewError("; ".join(problems).capitalize() + ".")
    if not grading.is_answered(question, response):
        raise ReviewError("Answer the question, then check it.")
    # Compare-and-set: of two answers to the same showing (a double click), one reschedules the card.
    # A bulk UPDATE without RETURNING gives a CursorResult; Session.execute is typed to return a Result.
    claimed = cast(
        CursorResult[Any],
        db.session.execute(
            update(ReviewCard)
            .where(ReviewCard.id == card.id, ReviewCard.updated_at == card.updated_at)
            .values(updated_at=now)
            .execution_options(synchronize_session=False)
        ),
    )
    if claimed.rowcount != 1:
        raise ReviewError(STALE, stale=True)
    result = grading.grade(question, response, quote=quote)
    card.state, card.due_at = review(card.state, result.fraction or 0.0, now)
    if result.fraction is None or result.fraction < 1 - 1e-9:
        card.misses += 1
    card.last_response = response
    card.last_seed = card.seed
    card.last_version_id = version.id
    card.last_score = result.score
    card.last_reviewed_at = now
    card.seed = new_seed()
    db.session.flush()
    return result


def last_review_entry(card: ReviewCard) -> ReviewEntry | None:
    """Return the card's last review answer with its grade, the key, the explanation's passage; None if none."""
    if card.last_response is None or card.last_version is None:
        return None
    question = question_of(card.last_version)
    quote = _quote_for(question)
    result = grading.grade(question, card.last_response, quote=quote)
    slot = ReviewSlot(status=result.status, score=result.score, max_score=result.max_score)
    view = _view(question, card.last_seed or card.seed, card.last_response, slot)
    correct = grading.correct_response(question, quote=quote)
    to_public = partial(questions.public_id, card.last_seed or card.seed, question.id)
    passage = (
        db.session.scalar(select(Passage).where(Passage.slug == question.passages[0])) if question.passages else None
    )
    return ReviewEntry(
        view=view,
        grade=result,
        correct=quiz_services.to_public_response(question, correct, to_public) if correct else None,
        passage=passage,
    )
