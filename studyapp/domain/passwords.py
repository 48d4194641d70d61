"""Password rules (NIST SP 800-63B) and hashing with argon2id at OWASP's recommended minimum or above."""

from __future__ import annotations

import itertools
import re
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

HAS_EMAIL = (
    "This password contains your email address, the first thing someone who knows you would try. "
    "Choose one that has nothing to do with your email."
)
HAS_NAME = (
    "This password contains your name, the first thing someone who knows you would try. "
    "Choose one that has nothing to do with your name."
)
HAS_SITE_NAME = (
    "This password is the site's name with a few digits or symbols (like \u201cstudyapp2026\u201d), "
    "an early guess on any site. Choose another."
)
REPEATED = (
    "This password repeats a few characters (like \u201caaaaaaaa\u201d or \u201cabcabcabc\u201d), "
    "so it is easy to guess. Choose another."
)
SEQUENTIAL = (
    "This password is a run of consecutive characters (like \u201c12345678\u201d or \u201cabcdefgh\u201d), "
    "so it is easy to guess. Choose another."
)
#: The site's name, as people spell it in passwords.
SITE_WORDS = ("studyapp",)
#: A context word must be this long to count (a two-letter name or email is in too many good passwords).
MIN_CONTEXT = 3
#: A whole email local part or name this long is refused anywhere in a password; shorter ones only alone.
MIN_WHOLE_CONTEXT = 5
#: A password built from a context word must add at least this many letters of its own to pass.
MIN_OWN_LETTERS = 4
#: The longest unit a password may only repeat ("abcabcabc" repeats "abc").
MAX_REPEATED_UNIT = 4


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, read once per process."""
    return frozenset(line for line in COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines() if line)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lower()


def _compact(text: str) -> str:
    """Letters and digits only, folded: "Ada.Lovelace-1815" -> "adalovelace1815"."""
    return "".join(ch for ch in _fold(text) if ch.isalnum())


def _words(text: str) -> list[str]:
    """The runs of letters in a name or an email's local part: "ada.lovelace2" -> ["ada", "lovelace"]."""
    return [word for word in re.split(r"[\W\d_]+", _fold(text)) if len(word) >= MIN_CONTEXT]


def _built_from(compact: str, whole: str, words: list[str]) -> bool:
    """Whether the password contains the whole context, or is one of its words plus a few characters."""
    if len(whole) >= MIN_WHOLE_CONTEXT and whole in compact:
        return True
    for word in words:
        if word in compact:
            rest = compact.replace(word, "")
            if sum(1 for ch in rest if ch.isalpha()) < MIN_OWN_LETTERS:
                return True
    return False


def _repeated(text: str) -> bool:
    """The password is a short unit said again and again: "aaaaaaaa", "abcabcabc", "!!!!!!!!"."""
    for size in range(1, MAX_REPEATED_UNIT + 1):
        unit = text[:size]
        if len(text) >= 2 * size and unit * (len(text) // size) + unit[: len(text) % size] == text:
            return True
    return False


def _sequential(text: str) -> bool:
    """Every character is one step up (or down) from the one before: "12345678", "abcdefgh", "87654321"."""
    if len(text) < 3:
        return False
    return any(all(_next(a, step) == b for a, b in itertools.pairwise(text)) for step in (1, -1))


def _next(ch: str, step: int) -> str:
    if ch.isdigit():  # "7890123" wraps round like a keypad
        return str((int(ch) + step) % 10)
    return chr(ord(ch) + step)


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Say what is wrong with a new password, or None: a length, a blocklist and the guesses made first
    (the account's email and name, the site's name, repeated or consecutive characters); no composition rules.
    """
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        return TOO_SHORT
    if _fold(password) in common_passwords():
        return TOO_COMMON
    compact = _compact(password)
    local = email.rpartition("@")[0] if "@" in email else email
    if local and _built_from(compact, _compact(local), _words(local)):
        return HAS_EMAIL
    if name and _built_from(compact, _compact(name), _words(name)):
        return HAS_NAME
    if _built_from(compact, "", list(SITE_WORDS)):
        return HAS_SITE_NAME
    unspaced = "".join(_fold(password).split())
    if _repeated(unspaced):
        return REPEATED
    if _sequential(unspaced):
        return SEQUENTIAL
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
