"""Classes: sections, members (students and instructors), assigned quizzes and excusals."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from studyapp.extensions import Model
from studyapp.models.base import UTCDateTime, utcnow

if TYPE_CHECKING:
    from studyapp.models.quizzes import Quiz
    from studyapp.models.users import User


class MemberRole(enum.StrEnum):
    """A member's part in a class (a site instructor can be a student of another's class)."""

    STUDENT = "student"
    INSTRUCTOR = "instructor"


STUDENT, INSTRUCTOR = MemberRole.STUDENT, MemberRole.INSTRUCTOR
MEMBER_ROLES = tuple(MemberRole)

#: The assignment columns that override a quiz's settings, named as `studyapp.domain.quizzes.Settings` names them.
OVERRIDE_NAMES = (
    "shuffle_questions",
    "shuffle_choices",
    "time_limit_minutes",
    "max_attempts",
    "grading",
    "review",
    "layout",
    "opens_at",
    "closes_at",
)


class Class(Model):
    __tablename__ = "classes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: Free text: "Spring 2027", "HIST 210, autumn".
    term: Mapped[str] = mapped_column(String(100), default="")
    #: The instructor who created the class; they are also one of its instructor members.
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: Students join with it; regenerating it makes the old code and link stop working.
    join_code: Mapped[str] = mapped_column(String(16), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The IANA zone ("Europe/Paris") of the class's pages and assignment dates for whoever chose no zone.
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")

    sections: Mapped[list[Section]] = relationship(
        back_populates="class_", order_by="Section.name", cascade="all, delete-orphan"
    )
    assignments: Mapped[list[Assignment]] = relationship(
        back_populates="class_", order_by="Assignment.position", cascade="all, delete-orphan"
    )
    memberships: Mapped[list[Membership]] = relationship(back_populates="class_", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Class {self.id} {self.name!r}>"


class Section(Model):
    __tablename__ = "sections"
    __table_args__ = (UniqueConstraint("class_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))

    class_: Mapped[Class] = relationship(back_populates="sections")


class Membership(Model):
    """A user in a class: a student (in at most one section) or one of its instructors."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("class_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: student | instructor (the owner and any co-instructors).
    role: Mapped[str] = mapped_column(String(12), default=STUDENT)
    section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id", ondelete="SET NULL"), index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    class_: Mapped[Class] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship()
    section: Mapped[Section | None] = relationship()


class Assignment(Model):
    """A quiz given to a class, with its dates and any settings that differ from the quiz's."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    #: Order in the class's lists and the gradebook's columns.
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Each column below is None when the quiz's own setting applies.
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Submissions after it are marked late; no attempt starts after it.
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    shuffle_questions: Mapped[bool | None] = mapped_column(Boolean)
    shuffle_choices: Mapped[bool | None] = mapped_column(Boolean)
    time_limit_minutes: Mapped[int | None] = mapped_column(Integer)
    max_attempts: Mapped[int | None] = mapped_column(Integer)
    grading: Mapped[str | None] = mapped_column(String(10))
    review: Mapped[str | None] = mapped_column(String(15))
    layout: Mapped[str | None] = mapped_column(String(15))

    class_: Mapped[Class] = relationship(back_populates="assignments")
    quiz: Mapped[Quiz] = relationship()

    def overrides(self) -> dict[str, Any]:
        """The settings this assignment sets, by name (None: the quiz's own)."""
        return {name: getattr(self, name) for name in OVERRIDE_NAMES}

    @property
    def title(self) -> str:
        return self.quiz.title


class Excusal(Model):
    """A student excused from an assignment: the gradebook shows "excused" and exports "EX"."""

    __tablename__ = "excusals"

    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    excused_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    excused_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
