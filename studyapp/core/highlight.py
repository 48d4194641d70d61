"""Which words of a passage answer a question: what the review page highlights.

An evidence question names its supporting sentence. Any other question's explanation quotes
the words that answer it: each quotation (nested quotation marks kept whole, cut at its
ellipses and editorial brackets, see `core.quotations`) is looked for in the question's
passages after folding both sides (whitespace, quotation marks, page markers, [sic], a
bracketed change of case). Of the runs found, the one that best answers the question wins:
the one sharing the most words with the key (the right choices, answers, blanks, pairs or
items), else the first clause (five words or more) the explanation gives — authors open with
the words that answer — else the first phrase.
The words returned are the passage's own, as its page shows them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .content.model import PAGE_MARKER
from .content.source import fold
from .qformat.model import Question
from .quotations import Fragment, fragments, locate, quotations, trimmed

#: A run of fewer words is a term the author put in quotation marks, not an answer.
MIN_WORDS = 2
#: Words of the key that count towards how well a quotation answers (short ones are too common).
KEY_WORD = re.compile(r"[^\W\d_]{4,}")
#: Key words too common to tell one quotation from another.
COMMON = frozenset(
    {"that", "this", "with", "from", "have", "were", "what", "which", "their", "they", "there", "would"}
    | {"about", "been", "into", "than", "them", "then", "only", "also", "does", "said", "says", "letter"}
)
#: A run this long is a sentence or a clause, preferred to a phrase the explanation picks out.
LONG = 5
#: Punctuation trimmed from the ends of the highlighted words (they stay the passage's own).
EDGE = " .,;:!?…—–-“”‘’\"'()"


@dataclass(frozen=True)
class Highlight:
    """The passage (by its index in the list given) and the words of it to highlight ("" if none)."""

    passage: int
    words: str


def highlight(question: Question, passages: Sequence[tuple[str, str]]) -> Highlight | None:
    """Pick the words to highlight among `passages`, (slug, text) pairs in the question's order.

    None when there is no passage at all; otherwise the passage to link to, with the words to
    highlight in it, or "" when the explanation quotes none of them.
    """
    if not passages:
        return None
    if question.type == "evidence":
        target = next((i for i, (slug, _) in enumerate(passages) if slug == question.evidence_passage), 0)
        sentence = next((s.text for s in question.evidence if s.correct), "")
        for quotation in quotations(f"“{sentence}”"):
            words = _best([(target, passages[target][1])], fragments(quotation), set())
            if words:
                return words
        return Highlight(target, sentence)
    texts = list(enumerate(text for _, text in passages))
    found = _best(texts, _fragments(question.explanation), _key_words(question))
    return found or Highlight(0, "")


def _fragments(text: str) -> list[Fragment]:
    return [trimmed(fragment) for quotation in quotations(text) for fragment in fragments(quotation)]


def _key_words(question: Question) -> set[str]:
    parts = [choice.text for choice in question.choices if choice.correct]
    parts += question.answers
    parts += [answer for blank in question.blanks for answer in blank.answers]
    parts += [f"{pair.left} {pair.right}" for pair in question.pairs]
    parts += question.items
    return {word.casefold() for part in parts for word in KEY_WORD.findall(part)} - COMMON


def _best(texts: Sequence[tuple[int, str]], candidates: list[Fragment], key: set[str]) -> Highlight | None:
    folded = [(index, text, fold(text)) for index, text in texts]
    best: tuple[tuple[int, int, int], Highlight] | None = None
    for order, fragment in enumerate(candidates):
        if fragment.words < MIN_WORDS:
            continue
        for index, text, source in folded:
            places = locate(fragment, source)
            if not places:
                continue
            start, end = source.span(places[0].start, places[0].end)
            words = _unmarked(text[start:end]).strip(EDGE)
            if len(words.split()) < MIN_WORDS:
                continue
            shared = len({w.casefold() for w in KEY_WORD.findall(words)} & key)
            score = (shared, int(len(words.split()) >= LONG), -order)
            if best is None or score > best[0]:
                best = (score, Highlight(index, words))
            break
    return best[1] if best else None


def _unmarked(words: str) -> str:
    """The longest run of `words` with no page marker in it (a text fragment cannot cross one)."""
    return max(PAGE_MARKER.split(words)[::2], key=lambda run: len(run.split()))
