"""Check what a single file cannot: references to themes and passages, and ids across files."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import TYPE_CHECKING

from .. import markdown
from ..sentences import normalize_ws, split_sentences
from .model import UNFILED, Choice, Problem, Question, choice_id
from .rendered import markdown_texts
from .validate_quotes import Source, quotation_problems

if TYPE_CHECKING:
    from ..content import ContentTree

#: Typographic characters an author may have typed as their plain cousins.
LOOSE_CHARACTERS = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "—": "-", "–": "-"})


def validate(
    questions: Iterable[Question],
    known_themes: Collection[str] | None = None,
    known_passages: Mapping[str, str] | None = None,
) -> list[Problem]:
    """Return the problems of parsed questions against each other and the known content.

    `known_passages` maps a passage id to its quote text (paragraphs separated by blank lines).
    Leave `known_themes` or `known_passages` as None to skip the checks that need them (`UNFILED`, a
    question not filed yet, is known to every check); with
    `known_passages`, quotations of them must keep their capitals and full stops (`validate_quotes`).
    """
    problems: list[Problem] = []
    seen: dict[str, Question] = {}
    sentences: dict[str, tuple[frozenset[str], str]] = {}
    source = Source(known_passages.values()) if known_passages is not None else None
    for q in questions:
        if q.id in seen:
            first = seen[q.id]
            message = f"duplicate question id '{q.id}' (also in {first.file}:{first.line})"
            problems.append(Problem(q.file, q.line, 4, message))
        else:
            seen[q.id] = q
        problems.extend(markdown_problems(q))
        if known_themes is not None:
            for theme in q.themes:
                if theme not in known_themes and theme != UNFILED:
                    problems.append(_at(q, "themes", theme, f"unknown theme '{theme}'"))
        if known_passages is not None:
            for passage in q.passages:
                if passage not in known_passages and passage != UNFILED:
                    problems.append(_at(q, "passages", passage, f"unknown passage '{passage}'"))
            if q.type == "evidence" and q.evidence_passage in known_passages:
                if q.evidence_passage not in sentences:
                    found = split_sentences(known_passages[q.evidence_passage])
                    sentences[q.evidence_passage] = (frozenset(found), " ".join(found))
                problems.extend(_check_evidence(q, *sentences[q.evidence_passage]))
        if source is not None:
            problems.extend(quotation_problems(q, source))
    return problems


def markdown_problems(q: Question) -> list[Problem]:
    """Return where a text of `q` holds more Markdown than pages render (see `markdown.LIMITS`)."""
    problems = []
    for text in markdown_texts(q):
        for too_much in markdown.problems(text.text):
            line, column, _ = q.positions.get(f"markdown:{text.at}", (q.line, 1, ""))
            if too_much.line > 1:
                line, column = line + too_much.line - 1, 1
            problems.append(Problem(q.file, line, column, f"{text.label}: {too_much.message}"))
    return problems


def passage_quotes(tree: ContentTree) -> dict[str, str]:
    """Return each passage's quote, paragraphs separated by blank lines: the `known_passages` to validate with."""
    return {
        passage_id: "\n\n".join(paragraph.text for paragraph in passage.quote_paragraphs) or passage.quote
        for passage_id, passage in tree.passages.items()
    }


def evidence_choices(question: Question, quote: str) -> tuple[Choice, ...]:
    """Return the choices an evidence question shows: every sentence of its passage, in order.

    Ids are "a", "b", ... by the sentence's position in the passage; a sentence is correct
    when the question names it as supporting, and carries the feedback the question gives it.
    """
    named = {normalize_ws(sentence.text): sentence for sentence in question.evidence}
    choices = []
    for n, text in enumerate(split_sentences(quote)):
        sentence = named.get(text)
        choices.append(
            Choice(
                choice_id(n),
                text,
                correct=sentence is not None and sentence.correct,
                feedback=sentence.feedback if sentence is not None else "",
            )
        )
    return tuple(choices)


def _at(q: Question, key: str, item: str, message: str) -> Problem:
    line, column = q.position(key, item)
    return Problem(q.file, line, column, message)


def _check_evidence(q: Question, sentences: frozenset[str], text_of_passage: str) -> list[Problem]:
    problems = []
    for sentence in q.evidence:
        text = normalize_ws(sentence.text)
        if text in sentences:
            continue
        if text.translate(LOOSE_CHARACTERS) in {s.translate(LOOSE_CHARACTERS) for s in sentences}:
            why = "; check the quotation marks and dashes: copy them from the passage (“ ” ’ —)"
        elif text in text_of_passage:
            why = "; it is part of a sentence: quote the whole sentence"
        else:
            why = ""
        problems.append(
            Problem(
                q.file,
                sentence.line or q.line,
                3,
                f"evidence sentence is not a sentence of passage '{q.evidence_passage}'{why}: '{_short(text)}'",
            )
        )
    return problems


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
