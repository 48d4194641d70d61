"""Invitations to a class's roster, and the log of every change to a roster."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from studyapp.extensions import Model
from studyapp.models.base import UTCDateTime, utcnow


class Invitation(Model):
    """A roster line waiting for its student: nobody joins a class, and no account is made, until the
    student enters the personal code their instructor handed out."""

    __tablename__ = "class_invitations"
    __table_args__ = (UniqueConstraint("class_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    #: As the roster file gave it, lower-cased; the code is what admits, not the email.
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(100))
    #: The section the student is put in when they accept.
    section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id", ondelete="SET NULL"))
    #: The personal code, kept readable so that the instructor can print the list again, like a join code.
    code: Mapped[str] = mapped_column(String(16), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RosterAction(enum.StrEnum):
    """What happened to a roster; the log's wording for each is in `studyapp.domain.classes`."""

    INVITED = "invited"
    INVITATION_WITHDRAWN = "invitation withdrawn"
    ACCEPTED = "accepted an invitation"
    JOINED = "joined with the class code"
    REMOVED = "removed"
    SECTION = "section changed"
    INSTRUCTOR_ADDED = "instructor added"
    INSTRUCTOR_REMOVED = "instructor removed"
    JOIN_CODE = "new join code"


class RosterChange(Model):
    """One change to a class's roster: who made it, when, and whom it concerned (kept as text, so a
    removed student or a deleted account still shows)."""

    __tablename__ = "roster_changes"
    __table_args__ = (Index("ix_roster_changes_class_id_id", "class_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: None when nobody signed in made the change (a command run by an operator).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[RosterAction] = mapped_column(
        Enum(
            RosterAction,
            name="roster_action",
            native_enum=False,
            values_callable=lambda e: [m.value for m in e],
            length=30,
        )
    )
    #: The account concerned, while it exists.
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    subject_email: Mapped[str] = mapped_column(String(254), default="")
    subject_name: Mapped[str] = mapped_column(String(100), default="")
    #: A section's name, or which invitation an account accepted.
    detail: Mapped[str] = mapped_column(String(300), default="")
