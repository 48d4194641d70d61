"""Quizzes: a fixed list of questions or draw rules, with their settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from studyapp.extensions import Model
from studyapp.models.base import UTCDateTime, utcnow


class Quiz(Model):
    __tablename__ = "quizzes"
    __table_args__ = (UniqueConstraint("owner_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    #: Markdown shown on the start page.
    description: Mapped[str] = mapped_column(Text, default="")
    #: None for a quiz shipped in content/quizzes/.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    source_path: Mapped[str | None] = mapped_column(String(300))
    #: Question ids (Question.id) in order, for a fixed quiz; else None.
    question_ids: Mapped[list[int] | None] = mapped_column(JSON)
    #: Draw rules ({themes, types, difficulty, count}) for a drawn quiz; else None.
    draw_rules: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    shuffle_questions: Mapped[bool] = mapped_column(Boolean, default=True)
    shuffle_choices: Mapped[bool] = mapped_column(Boolean, default=True)
    time_limit_minutes: Mapped[int | None] = mapped_column(Integer)
    max_attempts: Mapped[int | None] = mapped_column(Integer)
    #: highest | latest | average
    grading: Mapped[str] = mapped_column(String(10), default="highest")
    #: after_submit | after_close | never
    review: Mapped[str] = mapped_column(String(15), default="after_submit")
    #: one_page | one_per_page
    layout: Mapped[str] = mapped_column(String(15), default="one_page")
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def is_shipped(self) -> bool:
        return self.owner_id is None
