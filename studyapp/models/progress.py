"""Each student's review queue: one card per missed question, scheduled with FSRS."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from studyapp.extensions import Model
from studyapp.models.base import UTCDateTime, utcnow

if TYPE_CHECKING:
    from studyapp.models.questions import Question, QuestionVersion


class ReviewCard(Model):
    """A question in a student's review queue, with its FSRS schedule (see studyapp.core.mastery)."""

    __tablename__ = "review_cards"
    __table_args__ = (
        UniqueConstraint("user_id", "question_id"),
        Index("ix_review_cards_user_id_due_at", "user_id", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: The question, not a version: a corrected question keeps its schedule and is shown as corrected.
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    #: The card as studyapp.core.mastery keeps it (FSRS state, stability, difficulty, due, reviews, lapses).
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: Copied from `state` so that "what is due" is an indexed query (user_id, due_at).
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: How often the student missed the question: in quizzes, in practice and in review.
    misses: Mapped[int] = mapped_column(Integer, default=0)
    #: Seeds the option order and the opaque option ids of the next review; renewed after each answer.
    seed: Mapped[str] = mapped_column(String(32))
    #: The last review answer (option ids as stored, not as shown), to show its feedback after the redirect.
    last_response: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: The seed the last review was shown with, to show that answer in the ids the page used.
    last_seed: Mapped[str | None] = mapped_column(String(32))
    last_version_id: Mapped[int | None] = mapped_column(ForeignKey("question_versions.id", ondelete="SET NULL"))
    last_score: Mapped[float | None] = mapped_column(Float)
    last_reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    question: Mapped[Question] = relationship()
    last_version: Mapped[QuestionVersion | None] = relationship()

    def __repr__(self) -> str:
        return f"<ReviewCard user={self.user_id} question={self.question_id} due={self.due_at:%Y-%m-%d %H:%M}>"


class ReviewMiss(Model):
    """A missed answer already counted in the queue, so that grading an attempt again never counts it twice."""

    __tablename__ = "review_misses"

    attempt_item_id: Mapped[int] = mapped_column(ForeignKey("attempt_items.id", ondelete="CASCADE"), primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("review_cards.id", ondelete="CASCADE"), index=True)
    counted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    card: Mapped[ReviewCard] = relationship()


class ThemePoints(Model):
    """A submitted attempt's points on one theme: a read model of its graded answers.

    studyapp.domain.points keeps it equal to what its answers give (rebuilt when the attempt is
    graded, an essay of it graded or an answer regraded; deleted with the attempt), so mastery and
    the gradebook's theme averages read a few rows per attempt instead of every answer. The sums
    are studyapp.core.mastery's `Totals`.
    """

    __tablename__ = "theme_points"

    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), primary_key=True)
    #: A theme's slug, or "" for all the attempt's counted answers whatever their themes.
    theme: Mapped[str] = mapped_column(String(100), primary_key=True)
    score: Mapped[float] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)
    #: The answers summed: graded and worth points (an essay waiting for a person is not yet one).
    answers: Mapped[int] = mapped_column(Integer)
    #: When the newest of them was given; the weighted sums weigh each answer by its age at this moment.
    latest_at: Mapped[datetime] = mapped_column(UTCDateTime())
    weighted_score: Mapped[float] = mapped_column(Float)
    weighted_max: Mapped[float] = mapped_column(Float)
    weight: Mapped[float] = mapped_column(Float)
