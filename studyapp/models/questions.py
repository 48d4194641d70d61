"""Question banks, questions and their immutable versions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint, and_
from sqlalchemy.orm import Mapped, foreign, mapped_column, relationship

from studyapp.extensions import Model
from studyapp.models.base import UTCDateTime, utcnow


class QuestionBank(Model):
    __tablename__ = "question_banks"
    __table_args__ = (UniqueConstraint("owner_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    #: None for a bank shipped in content/questions/ (read-only in the app).
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The file a shipped bank is loaded from, relative to the content folder.
    source_path: Mapped[str | None] = mapped_column(String(300))
    #: A class whose instructors may read (and copy from) this bank; None keeps it private to its owner.
    shared_class_id: Mapped[int | None] = mapped_column(ForeignKey("classes.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    questions: Mapped[list[Question]] = relationship(back_populates="bank", order_by="Question.position")

    @property
    def is_shipped(self) -> bool:
        return self.owner_id is None


class Question(Model):
    __tablename__ = "questions"
    __table_args__ = (UniqueConstraint("bank_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("question_banks.id", ondelete="CASCADE"), index=True)
    #: The id written in the Markdown (`## linkage-whose-words`), stable across versions.
    key: Mapped[str] = mapped_column(String(100))
    #: Order within the bank's file.
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: The number of the version new attempts use.
    current_number: Mapped[int] = mapped_column(Integer, default=1)
    #: Retired questions are no longer drawn for new attempts; past attempts keep them.
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    bank: Mapped[QuestionBank] = relationship(back_populates="questions")
    versions: Mapped[list[QuestionVersion]] = relationship(
        back_populates="question", order_by="QuestionVersion.number", cascade="all, delete-orphan"
    )
    current_version: Mapped[QuestionVersion] = relationship(
        primaryjoin=lambda: and_(
            foreign(QuestionVersion.question_id) == Question.id, QuestionVersion.number == Question.current_number
        ),
        viewonly=True,
        uselist=False,
    )


class QuestionVersion(Model):
    """One saved state of a question. Never changed once written: attempts point at it."""

    __tablename__ = "question_versions"
    __table_args__ = (UniqueConstraint("question_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    #: The question in the Markdown format; the source of truth, parsed (and cached) to show or grade it.
    source: Mapped[str] = mapped_column(Text)
    #: Copied from the source for filtering and statistics.
    type: Mapped[str] = mapped_column(String(20))
    difficulty: Mapped[int] = mapped_column(Integer)
    points: Mapped[float] = mapped_column(Float)
    themes: Mapped[list[str]] = mapped_column(JSON)
    passages: Mapped[list[str]] = mapped_column(JSON)
    #: The sanitized HTML of the version's Markdown texts, rendered once when it was saved
    #: (`qformat.rendered.render_question`); None for versions saved before it was kept.
    rendered: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    question: Mapped[Question] = relationship(back_populates="versions")
