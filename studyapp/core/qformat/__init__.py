"""The Markdown question format: parse a bank, validate its references, write it back.

See docs/question-format.md for the format itself.
"""

from .answers import answer_matches, normalize_answer, read_number
from .gift import Exported, ImportDefaults, ImportResult, parse_gift, write_gift
from .model import (
    DIFFICULTIES,
    MATCH_MODES,
    TYPES,
    UNFILED,
    Blank,
    Choice,
    EvidenceSentence,
    Pair,
    Problem,
    Question,
    choice_id,
    fill_blanks,
    is_slug,
)
from .parser import ParseResult, parse
from .source import MAX_BYTES
from .text2qti import parse_text2qti
from .validate import evidence_choices, passage_quotes, validate
from .writer import write, write_question

__all__ = [
    "DIFFICULTIES",
    "MATCH_MODES",
    "MAX_BYTES",
    "TYPES",
    "UNFILED",
    "Blank",
    "Choice",
    "EvidenceSentence",
    "Exported",
    "ImportDefaults",
    "ImportResult",
    "Pair",
    "ParseResult",
    "Problem",
    "Question",
    "answer_matches",
    "choice_id",
    "evidence_choices",
    "fill_blanks",
    "is_slug",
    "normalize_answer",
    "parse",
    "parse_gift",
    "parse_text2qti",
    "passage_quotes",
    "read_number",
    "validate",
    "write",
    "write_gift",
    "write_question",
]
