"""Account recovery: one-time reset codes that instructors and administrators issue, and reset links sent by mail.

A code or a link is a secret shown (or mailed) once; only its SHA-256 is stored. It sets a new password for
one account, once, until it expires, and setting it ends every session of the account. Who may issue a code:
an administrator for any account, an instructor for a student account on the roster of a class they teach.
Whatever is wrong with a code or a link, the answer is the same one message, so that trying reveals nothing
(neither whether an email has an account nor whether a code was ever issued).

Services take plain data and an explicit actor, flush, and never commit: the request commits once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import delete, exists, select, update
from sqlalchemy.engine import CursorResult

from studyapp.domain import accounts
from studyapp.domain.classes import JOIN_ALPHABET, normalize_code
from studyapp.domain.errors import DomainError, NotFound
from studyapp.domain.passwords import password_problem
from studyapp.extensions import db
from studyapp.models import Membership, ResetCode, ResetKind, Role, User
from studyapp.models.base import utcnow
from studyapp.models.classes import INSTRUCTOR, STUDENT

#: How long a code works unless the caller says otherwise (the app passes RESET_CODE_HOURS): long enough
#: for a code given in class on Friday to be used over the weekend.
CODE_LIFETIME = timedelta(hours=48)
#: How long a mailed link works unless the caller says otherwise (the app passes RESET_LINK_MINUTES).
LINK_LIFETIME = timedelta(hours=1)
#: Codes are read aloud and typed: capitals and digits that cannot be mistaken for one another, like join codes.
CODE_ALPHABET = JOIN_ALPHABET
#: 31**12 is about 2**59 codes: out of reach of guessing under the rate limits, within the code's lifetime.
CODE_LENGTH = 12
#: Codes are shown in groups of this many characters, joined by dashes: ABCD-EFGH-JKLM.
CODE_GROUP = 4
#: Bytes of randomness in a mailed link's token (43 URL-safe characters).
LINK_BYTES = 32
#: A longer token is not one the app made: it is refused before it is hashed.
MAX_TOKEN_LENGTH = 100

CODE_REFUSED = (
    "That email and code do not match a valid reset code. Codes are single use and expire {lifetime} after "
    "they are issued: check both, or ask your instructor (or an administrator) for a new code."
)
LINK_REFUSED = (
    "This reset link does not work. Links are single use, expire {lifetime} after they are sent, and a newer "
    "link replaces an older one: ask for a new link."
)


class RecoveryError(DomainError):
    """A reset the recovery rules refuse; the message is safe to show."""


class ResetRefused(RecoveryError):
    """The email and code, or the link, do not match a valid reset: one message whatever was wrong."""


class PasswordRefused(RecoveryError):
    """The code or link is valid but the new password breaks a password rule; the message names the rule."""


@dataclass(frozen=True)
class Issued:
    """A secret just made: shown or mailed once, never stored."""

    #: The code as shown (ABCD-EFGH-JKLM), or the link's token.
    secret: str
    user: User
    expires_at: datetime


def lifetime_phrase(lifetime: timedelta) -> str:
    """How long a code or link works, in words: "48 hours", "1 hour", "30 minutes"."""
    minutes = max(1, round(lifetime.total_seconds() / 60))
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'' if hours == 1 else 's'}"
    return f"{minutes} minute{'' if minutes == 1 else 's'}"


def hash_secret(secret: str) -> str:
    """The SHA-256, in hex, of a code (as normalized) or a token: what is stored and looked up."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """Group a code for reading aloud: ABCDEFGHJKLM -> ABCD-EFGH-JKLM."""
    return "-".join(code[start : start + CODE_GROUP] for start in range(0, len(code), CODE_GROUP))


def read_code(typed: str) -> str:
    """Read a typed code leniently: any case, spaces and dashes ignored."""
    return normalize_code(typed)


# --- who may issue a code ------------------------------------------------------------------------------


def can_issue(actor: User, user: User) -> bool:
    """Tell whether `actor` may issue a reset code for `user`: an administrator for anyone; an instructor for
    a student account that is a student of a class the instructor teaches now. Reads only."""
    if actor.role == Role.ADMIN:
        return True
    if actor.role != Role.INSTRUCTOR or user.role != Role.STUDENT:
        return False
    taught = select(Membership.class_id).where(Membership.user_id == actor.id, Membership.role == INSTRUCTOR)
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Membership.user_id == user.id, Membership.role == STUDENT, Membership.class_id.in_(taught)
                )
            )
        )
    )


def get_resettable_user_or_404(user_id: int, actor: User) -> User:
    """Load an account `actor` may issue a reset code for; any other account does not exist for them."""
    user = db.session.get(User, user_id)
    if user is None or not can_issue(actor, user):
        raise NotFound()
    return user


# --- issuing ---------------------------------------------------------------------------------------------


def _drop_unused(user: User, kind: ResetKind | None = None) -> None:
    """Delete the user's codes and links not used yet (of one kind, or of both)."""
    condition = [ResetCode.user_id == user.id, ResetCode.used_at.is_(None)]
    if kind is not None:
        condition.append(ResetCode.kind == kind)
    db.session.execute(delete(ResetCode).where(*condition).execution_options(synchronize_session=False))


def issue_reset_code(
    actor: User, user: User, *, lifetime: timedelta = CODE_LIFETIME, now: datetime | None = None
) -> Issued:
    """Make a one-time code that lets `user` set a new password; it replaces the user's earlier unused codes.

    The code is returned once, formatted for reading aloud, and never stored (only its hash is).
    """
    if not can_issue(actor, user):
        raise NotFound()
    now = now or utcnow()
    code = new_code()
    _drop_unused(user, ResetKind.CODE)
    row = ResetCode(
        user_id=user.id,
        code_hash=hash_secret(code),
        kind=ResetKind.CODE,
        created_by_id=actor.id,
        created_at=now,
        expires_at=now + lifetime,
    )
    db.session.add(row)
    db.session.flush()
    return Issued(format_code(code), user, row.expires_at)


def request_reset_link(
    email: str, *, lifetime: timedelta = LINK_LIFETIME, now: datetime | None = None
) -> Issued | None:
    """Make a reset link's token for the account of `email`, or return None when no account has it.

    The token replaces the account's earlier unused links (not a code a person issued: asking for links
    must not cancel it). The caller answers the same either way and mails the token only when there is one.
    """
    user = accounts.find_user(email)
    if user is None:
        return None
    now = now or utcnow()
    token = secrets.token_urlsafe(LINK_BYTES)
    _drop_unused(user, ResetKind.LINK)
    row = ResetCode(
        user_id=user.id,
        code_hash=hash_secret(token),
        kind=ResetKind.LINK,
        created_by_id=None,
        created_at=now,
        expires_at=now + lifetime,
    )
    db.session.add(row)
    db.session.flush()
    return Issued(token, user, row.expires_at)


# --- redeeming -------------------------------------------------------------------------------------------


def _valid(kind: ResetKind, code_hash: str, now: datetime, user: User | None = None) -> ResetCode | None:
    """The unused, unexpired code or link with this hash (of this user, when named)."""
    query = select(ResetCode).where(
        ResetCode.code_hash == code_hash,
        ResetCode.kind == kind,
        ResetCode.used_at.is_(None),
        ResetCode.expires_at > now,
    )
    if user is not None:
        query = query.where(ResetCode.user_id == user.id)
    return db.session.scalars(query.order_by(ResetCode.id)).first()


def _use(row: ResetCode, user: User, new_password: str, now: datetime, refused: ResetRefused) -> User:
    """Check the new password against the rules, then spend the code and set the password, once."""
    problem = password_problem(new_password, email=user.email, name=user.display_name)
    if problem:
        raise PasswordRefused(problem)
    # A compare-and-set: of two redemptions of one code at the same moment, one sets the password.
    # A bulk UPDATE without RETURNING gives a CursorResult; Session.execute is typed to return a Result.
    spent = cast(
        CursorResult[Any],
        db.session.execute(
            update(ResetCode)
            .where(ResetCode.id == row.id, ResetCode.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        ),
    )
    if spent.rowcount != 1:
        raise refused
    accounts.set_password(user, new_password)  # also ends every session of the account
    _drop_unused(user)
    db.session.flush()
    db.session.expire(row)
    return user


def redeem(
    email: str, code: str, new_password: str, *, lifetime: timedelta = CODE_LIFETIME, now: datetime | None = None
) -> User:
    """Set a new password with the account's email and a code an instructor or an administrator issued.

    On success the code is spent, the account's other unused codes and links are dropped and every session
    of the account ends. Any mismatch raises ResetRefused with one message (`lifetime` is the one it quotes);
    a new password that breaks a rule raises PasswordRefused, and the code stays valid.
    """
    now = now or utcnow()
    refused = ResetRefused(CODE_REFUSED.format(lifetime=lifetime_phrase(lifetime)))
    user = accounts.find_user(email)
    typed = read_code(code)
    if user is None or len(typed) != CODE_LENGTH:
        raise refused
    row = _valid(ResetKind.CODE, hash_secret(typed), now, user)
    if row is None:
        raise refused
    return _use(row, user, new_password, now, refused)


def _link_refused(lifetime: timedelta) -> ResetRefused:
    return ResetRefused(LINK_REFUSED.format(lifetime=lifetime_phrase(lifetime)))


def _link(token: str, lifetime: timedelta, now: datetime) -> ResetCode:
    """The unused, unexpired link of this token; ResetRefused for any other."""
    row = _valid(ResetKind.LINK, hash_secret(token), now) if token and len(token) <= MAX_TOKEN_LENGTH else None
    if row is None:
        raise _link_refused(lifetime)
    return row


def link_holder(token: str, *, lifetime: timedelta = LINK_LIFETIME, now: datetime | None = None) -> User:
    """The account a valid reset link is for; ResetRefused for a link that does not work. Reads only."""
    return db.session.get_one(User, _link(token, lifetime, now or utcnow()).user_id)


def redeem_link(
    token: str, new_password: str, *, lifetime: timedelta = LINK_LIFETIME, now: datetime | None = None
) -> User:
    """Set a new password through a mailed link; as `redeem`, with the link standing for the email and code."""
    now = now or utcnow()
    row = _link(token, lifetime, now)
    return _use(row, db.session.get_one(User, row.user_id), new_password, now, _link_refused(lifetime))
