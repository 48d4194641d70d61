"""Password rules (NIST SP 800-63B) and hashing with argon2id at OWASP's recommended minimum or above."""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

#: OWASP Password Storage Cheat Sheet: argon2id, m = 19 MiB, t = 2, p = 1 at least.
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, salt_len=16, type=Type.ID)
#: A hash of a random password, checked when the account does not exist so timing reveals nothing.
_DUMMY_HASH = HASHER.hash("studyapp-dummy-password-for-timing")

MIN_LENGTH, MAX_LENGTH = 8, 256
#: 19,640 passwords most common in breach corpora, most frequent first, one per line (Royce Williams'
#: list as Django ships it in django/contrib/auth/common-passwords.txt.gz; see docs/operations.md).
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt"
TOO_SHORT = f"Use at least {MIN_LENGTH} characters (at most {MAX_LENGTH})."
TOO_COMMON = (
    "This password is on a list of passwords that are common in data breaches, so it is easy to guess. "
    "Choose another: a few unrelated words make a good one."
)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, read once per process."""
    return frozenset(line for line in COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines() if line)


def password_problem(password: str) -> str | None:
    """Say what is wrong with a new password, or None: a length and a blocklist, no composition rules."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        return TOO_SHORT
    if unicodedata.normalize("NFKC", password).strip().lower() in common_passwords():
        return TOO_COMMON
    return None


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Check a password; with no stored hash, spend the same time and fail."""
    try:
        return HASHER.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return HASHER.check_needs_rehash(stored_hash)
