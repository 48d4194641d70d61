"""Check that a question quotes the document to the letter: its capitals, and no full stop the source lacks.

Every text of a question (prompt, choices, feedback, hint, explanation…) is searched for
quotations (`core.quotations`). A run of two words or more that the source holds, letters
compared without regard to case, must hold them with the source's capitals — or mark the
changed letter in brackets (“[T]he major impression”) — and may end with a full stop only
where the source sentence has one. Quotations the source does not hold (a phrase of another
document, a paraphrase) are not this check's business.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..content.model import PAGE_MARKER
from ..content.source import Folded, collapse, fold
from ..quotations import Fragment, fragments, locate, quotations, trimmed
from .model import Problem, Question, fill_blanks
from .rendered import markdown_texts

#: Shorter runs are words the author puts in quotation marks, not quotations of the source.
MIN_WORDS = 2


class Source:
    """The text quotations are checked against, folded once."""

    def __init__(self, texts: Iterable[str]) -> None:
        self.text = "\n\n".join(texts)
        self.folded: Folded = fold(self.text)
        self.lowered = self.folded.lower


def quotation_problems(q: Question, source: Source) -> list[Problem]:
    """Return where a quotation in `q` changes the source's capitals or adds a full stop."""
    problems = []
    for text in markdown_texts(q):
        body = (
            fill_blanks(text.text, lambda blank: blank.answers[0])
            if q.type == "cloze" and text.name == "prompt"
            else text.text
        )
        for quotation in quotations(body):
            for fragment in fragments(quotation):
                message = _problem(trimmed(fragment), source)
                if message:
                    line, column, _ = q.positions.get(f"markdown:{text.at}", (q.line, 1, ""))
                    extra = body.count("\n", 0, fragment.start)
                    problems.append(
                        Problem(q.file, line + extra, column if not extra else 1, f"{text.label}: {message}")
                    )
    return problems


def _problem(fragment: Fragment, source: Source) -> str:
    if fragment.words < MIN_WORDS:
        return ""
    found = locate(fragment, source.folded, source.lowered)
    if found:
        if any(place.exact for place in found):
            return ""
        start, end = source.folded.span(found[0].start, found[0].end)
        had = collapse(PAGE_MARKER.sub(" ", source.text[start:end]))
        return (
            f"quotation changes the source's capitals: “{_tail(fragment.text)}” where the source has "
            f"“{_tail(had)}”; keep them, or mark a changed letter in brackets (“[T]he”)"
        )
    if fragment.text.endswith("."):
        shorter = Fragment(fragment.text[:-1], fragment.free, fragment.start)
        if shorter.words >= MIN_WORDS and locate(shorter, source.folded, source.lowered):
            return (
                f"quotation ends with a full stop the source does not have there: “{_tail(fragment.text)}”; "
                "end it with an ellipsis (…) or close the quotation before the stop"
            )
    return ""


def _tail(text: str, words: int = 8) -> str:
    parts = text.split()
    return text if len(parts) <= words else " ".join(parts[:3]) + " … " + " ".join(parts[-4:])
