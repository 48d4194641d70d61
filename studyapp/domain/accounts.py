"""Account operations: plain data in, flush, never commit (the request commits once)."""

from __future__ import annotations

from sqlalchemy import select

from studyapp.core.moments import is_zone
from studyapp.domain.errors import DomainError
from studyapp.domain.passwords import hash_password, needs_rehash, verify_password
from studyapp.extensions import db
from studyapp.models import Role, User
from studyapp.models.base import utcnow


class AccountError(DomainError):
    """A request the account rules refuse; the message is safe to show."""


class EmailTaken(AccountError):
    """The email already has an account. Shown to an administrator; sign-up answers as if it succeeded."""


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def create_user(*, email: str, display_name: str, password: str, role: Role = Role.STUDENT) -> User:
    """Create an account; refuse an email that is already registered."""
    email = normalize_email(email)
    if find_user(email) is not None:
        raise EmailTaken("An account with this email already exists.")
    user = User(email=email, display_name=display_name.strip(), password_hash=hash_password(password), role=role)
    db.session.add(user)
    db.session.flush()
    return user


def spend_sign_up_time(password: str) -> None:
    """Do the work creating an account does (hashing), for a sign-up that creates nothing."""
    hash_password(password)


def authenticate(email: str, password: str) -> User | None:
    """Return the user whose email and password match, or None; same work either way."""
    user = find_user(email)
    matches = verify_password(user.password_hash if user else None, password)
    if user is None or not matches:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Replace the password after checking the current one; log out every other session."""
    if not verify_password(user.password_hash, current):
        raise AccountError("The current password is not correct.")
    user.password_hash = hash_password(new)
    user.revoke_sessions()
    db.session.flush()


def set_password(user: User, new: str) -> None:
    """Set a password without the old one (operators and the demo command)."""
    user.password_hash = hash_password(new)
    user.revoke_sessions()
    db.session.flush()


def set_time_zone(user: User, time_zone: str | None) -> None:
    """Choose the zone the user reads and types times in (an IANA name), or None for the class's or UTC."""
    if time_zone is not None and not is_zone(time_zone):
        raise AccountError(f"“{time_zone}” is not a time zone this site knows.")
    user.time_zone = time_zone
    db.session.flush()


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.role, User.display_name)))
