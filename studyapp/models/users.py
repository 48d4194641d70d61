"""Accounts and roles."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Enum, String
from sqlalchemy.orm import Mapped, mapped_column

from studyapp.extensions import Model
from studyapp.models.base import UTCDateTime, utcnow


class Role(enum.StrEnum):
    STUDENT = "student"
    INSTRUCTOR = "instructor"
    ADMIN = "admin"


def new_session_token() -> str:
    return secrets.token_urlsafe(16)


class User(UserMixin, Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The login, stored lower-cased so that uniqueness ignores case.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    #: An argon2id PHC string; its parameters travel with it.
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        Enum(Role, name="user_role", native_enum=False, values_callable=lambda e: [m.value for m in e], length=20),
        default=Role.STUDENT,
    )
    #: Part of the session cookie; changing it logs out every session of this user.
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The IANA zone ("Europe/Paris") the user reads and types times in; None until they choose one
    #: (then a class's page uses the class's zone, any other page UTC).
    time_zone: Mapped[str | None] = mapped_column(String(64))

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def revoke_sessions(self) -> None:
        """Invalidate every cookie issued for this user so far."""
        self.session_token = new_session_token()

    @property
    def is_instructor(self) -> bool:
        return self.role in (Role.INSTRUCTOR, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"
