"""Attempts at quizzes and the answers in them."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    select,
    text,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from studyapp.core.grading import UNGRADED
from studyapp.extensions import Model
from studyapp.models.base import UTCDateTime, utcnow

if TYPE_CHECKING:
    from studyapp.models.classes import Assignment
    from studyapp.models.questions import QuestionVersion
    from studyapp.models.quizzes import Quiz


class AttemptState(enum.StrEnum):
    """An attempt takes answers until it is submitted (by the student, the timer or the finalizer)."""

    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"


IN_PROGRESS, SUBMITTED = AttemptState.IN_PROGRESS, AttemptState.SUBMITTED


class AttemptItem(Model):
    """One question of an attempt: the exact version shown, the latest answer, its grade."""

    __tablename__ = "attempt_items"
    __table_args__ = (
        UniqueConstraint("attempt_id", "position"),
        # Answers waiting for a person, by attempt: the gradebook and the exports ask of every attempt of a
        # class whether one of its answers is ungraded, and this index answers without reading its items.
        Index(
            "ix_attempt_items_ungraded",
            "attempt_id",
            sqlite_where=text("status = 'ungraded'"),
            postgresql_where=text("status = 'ungraded'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"), index=True)
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: The client's sequence number of the stored response; an older or replayed save never overwrites it.
    response_seq: Mapped[int] = mapped_column(Integer, default=0)
    saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)
    #: correct | partial | incorrect | ungraded (essay waiting for a person) | unanswered
    status: Mapped[str | None] = mapped_column(String(12))
    #: The grader's comment on an essay, or the note left by a regrade.
    comment: Mapped[str] = mapped_column(Text, default="")
    graded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    attempt: Mapped[Attempt] = relationship(back_populates="items")
    version: Mapped[QuestionVersion] = relationship()


class Attempt(Model):
    __tablename__ = "attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: Practice attempts give feedback at once and never count towards grades.
    practice: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Seeds the draw and every shuffle, so a reload or another browser shows the same attempt.
    seed: Mapped[str] = mapped_column(String(32))
    #: in_progress | submitted; changed only by compare-and-set.
    state: Mapped[str] = mapped_column(String(20), default=IN_PROGRESS, index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: When answers stop being accepted (None: no time limit); extra time moves it.
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: True when a deadline, not the student, ended the attempt.
    auto_submitted: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Submitted after the closing time in force at that moment (the assignment's, else the quiz's). Decided
    #: once, at submission, and never recomputed: moving the closing time later changes no past submission.
    late: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: None until submitted; then the sum of the item scores, provisional while `pending` answers wait for a
    #: person (they count 0 until graded).
    score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float, default=0)
    #: The class assignment this attempt was started from; None for a quiz taken on its own.
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), index=True)
    #: How many of its answers wait for a person (essays not graded yet): while above 0 the score is provisional.
    #: Counted by the database with every load of the attempt (the partial index ix_attempt_items_ungraded).
    pending: Mapped[int] = column_property(
        select(func.count())
        .where(AttemptItem.attempt_id == id, AttemptItem.status == UNGRADED)
        .correlate_except(AttemptItem)
        .scalar_subquery()
    )

    quiz: Mapped[Quiz] = relationship()
    assignment: Mapped[Assignment | None] = relationship()
    items: Mapped[list[AttemptItem]] = relationship(
        back_populates="attempt", order_by="AttemptItem.position", cascade="all, delete-orphan"
    )

    @property
    def is_open(self) -> bool:
        return self.state == IN_PROGRESS
