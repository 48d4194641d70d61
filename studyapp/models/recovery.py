"""Account recovery: one-time reset codes handed out by a person, and reset links sent by mail."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from studyapp.extensions import Model
from studyapp.models.base import UTCDateTime, utcnow


class ResetKind(enum.StrEnum):
    """How the secret reaches its owner."""

    #: Issued by an instructor or an administrator, shown once and typed by hand with the email.
    CODE = "code"
    #: Asked for on the sign-in page and sent by mail as a link.
    LINK = "link"


class ResetCode(Model):
    """A secret that lets its holder set a new password for one account, once, until it expires."""

    __tablename__ = "reset_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The SHA-256 of the secret, in hex: the secret itself is shown or mailed once and never stored.
    code_hash: Mapped[str] = mapped_column(String(64), index=True)
    #: code (typed by hand) or link (mailed); a code is redeemed only as a code, a link only as a link.
    kind: Mapped[ResetKind] = mapped_column(
        Enum(ResetKind, name="reset_kind", native_enum=False, values_callable=lambda e: [m.value for m in e], length=8)
    )
    #: The instructor or administrator who issued it; None for a link its owner asked for.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: When it set a new password; a used code never works again.
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<ResetCode {self.id} {self.kind} user={self.user_id}>"
