"""Split a passage quote into sentences: the choices of an evidence question."""

from __future__ import annotations

import re
from functools import lru_cache

from .content.model import PAGE_MARKER
from .content.source import collapse

#: Collapse every run of whitespace to one space and strip the ends (as quotes are compared).
normalize_ws = collapse

PARAGRAPH_BREAK_RE = re.compile(r"\n[ \t]*\n")
#: A terminator, any closing quotes or brackets after it, then whitespace and the next character.
END_RE = re.compile(r"[.?!][”’\"')\]]*(?=\s+(\S))")
OPENING_QUOTES = frozenset("“‘\"'")
#: Words that end in a full stop without ending the sentence.
ABBREVIATIONS = frozenset({"Mr", "Mrs", "Ms", "Dr", "St", "No"})
LAST_WORD_RE = re.compile(r"[^\s“‘\"'(\[]*\Z")


def split_sentences(text: str) -> list[str]:
    """Return the sentences of a passage quote, whitespace collapsed and page markers removed.

    Paragraphs (separated by blank lines) always end a sentence. Inside one, a sentence ends
    at ".", "?" or "!" (with any closing quotes or brackets) followed by whitespace and an
    uppercase letter, a digit or an opening quote; a full stop does not end it after a single
    capital initial ("R. Nixon", "U.S. interests"), after Mr, Mrs, Ms, Dr, St or No, or after a
    number that opens the sentence (the "1." of a numbered note).

    Pure, so results are cached: showing, saving and grading an evidence question split its
    passage each time, and a document has few passages.
    """
    return list(_split_sentences(text))


@lru_cache(maxsize=1024)
def _split_sentences(text: str) -> tuple[str, ...]:
    sentences = []
    for paragraph in PARAGRAPH_BREAK_RE.split(PAGE_MARKER.sub(" ", text)):
        paragraph = normalize_ws(paragraph)
        start = 0
        for match in END_RE.finditer(paragraph):
            following = match.group(1)[0]
            if not (following.isupper() or following.isdigit() or following in OPENING_QUOTES):
                continue
            if paragraph[match.start()] == "." and _keeps_sentence(paragraph[start : match.start()]):
                continue
            sentences.append(paragraph[start : match.end()])
            start = match.end() + 1
        if start < len(paragraph):
            sentences.append(paragraph[start:])
    return tuple(sentences)


def _keeps_sentence(before_stop: str) -> bool:
    """Tell whether a full stop after `before_stop` (the sentence so far) is not an ending."""
    found = LAST_WORD_RE.search(before_stop)
    assert found is not None, "LAST_WORD_RE matches any text (at the least, the empty word at its end)"
    word = found.group()
    if word in ABBREVIATIONS:
        return True
    if word[-1:].isupper() and not word[-2:-1].isalpha():
        return True
    return word.isdigit() and word == before_stop
