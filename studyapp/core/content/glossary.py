"""Marking glossary terms in source text: whole words, case-sensitive, longest form first."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from studyapp.core.content.model import GlossaryTerm, Segment, Term, Text


def term_forms(terms: Iterable[GlossaryTerm]) -> dict[str, str]:
    """Return {form: term id} for every `match` form of the given terms."""
    return {form: term.id for term in terms for form in term.match}


def mark_terms(
    text: str | Sequence[Segment],
    forms: Mapping[str, str] | Iterable[GlossaryTerm],
    *,
    first_only: bool = False,
) -> list[Segment]:
    """Cut plain text into `Text` and `Term` segments where a term's form occurs.

    A form matches only as a whole word (no letter, digit or underscore on either side) and
    only with the same case. Where two forms could match, the one starting first wins, and
    of those starting together the longest. Segments that are not plain text (page markers,
    note references, terms already marked) are passed through untouched. With `first_only`,
    each term is marked only where it first occurs.
    """
    if not isinstance(forms, Mapping):
        forms = term_forms(forms)
    segments: Sequence[Segment] = [Text(text)] if isinstance(text, str) else text
    if not forms:
        return [s for s in segments if s.text]
    ordered = sorted(forms, key=lambda f: (-len(f), f))
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(f) for f in ordered) + r")(?!\w)")
    seen: set[str] = set()
    out: list[Segment] = []
    for segment in segments:
        if not isinstance(segment, Text):
            out.append(segment)
            continue
        pos = 0
        for match in pattern.finditer(segment.text):
            term_id = forms[match.group(0)]
            if first_only and term_id in seen:
                continue
            seen.add(term_id)
            if match.start() > pos:
                out.append(Text(segment.text[pos : match.start()]))
            out.append(Term(match.group(0), term_id))
            pos = match.end()
        if pos < len(segment.text):
            out.append(Text(segment.text[pos:]))
    return out
