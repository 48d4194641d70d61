"""One way to turn a title into an id or a file name: lowercase letters and digits joined by hyphens."""

from __future__ import annotations

import re
import unicodedata


def slugify(text: str, *, max_length: int = 60, ascii_only: bool = True) -> str:
    """Lower-case `text` and keep only letters and digits, runs of anything else becoming one "-".

    With `ascii_only`, accents are dropped ("Détente" -> "detente", "Straße" -> "strasse") and
    other scripts vanish; the result may be "" (the caller chooses the fallback).
    """
    text = unicodedata.normalize("NFKC", text or "").casefold()
    if ascii_only:
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = "".join(ch if ch.isalnum() and (ch.isascii() or not ascii_only) else "-" for ch in text)
    slug = re.sub(r"-{2,}", "-", slug).strip("-")
    return slug[:max_length].rstrip("-")
