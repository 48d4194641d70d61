"""The question model: frozen dataclasses that compare by content, never by where they came from."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

#: The question types, in the order the docs present them.
TYPES = (
    "single",
    "multiple",
    "truefalse",
    "short",
    "numeric",
    "ordering",
    "matching",
    "cloze",
    "essay",
    "evidence",
)
#: How short and cloze answers are compared (see answers.py).
MATCH_MODES = ("normalized", "exact")
DIFFICULTIES = (1, 2, 3)
SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
#: Ids are stored in the database; keep them short enough for an index.
MAX_ID_LENGTH = 100
#: The theme and passage of a question not filed yet (an imported question that named none): a
#: reserved id that every check accepts, shown in the bank so the instructor can file it later.
UNFILED = "unfiled"
#: Moodle allows ID numbers of up to 100 characters of any text.
MAX_SOURCE_ID_LENGTH = 100
#: A cloze blank: `{{answer|another accepted answer}}`.
BLANK_RE = re.compile(r"\{\{(.*?)\}\}")


def is_slug(text: str) -> bool:
    """Tell whether `text` is a valid id: lowercase letters, digits and hyphens."""
    return len(text) <= MAX_ID_LENGTH and SLUG_RE.match(text) is not None


def choice_id(index: int) -> str:
    """Return the stable id of the choice at `index` (0-based): a..z, then aa, ab, ..."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


@dataclass(frozen=True, slots=True)
class Problem:
    """One error found in a file; `str()` gives the `file:line:col: message` form editors jump to."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


@dataclass(frozen=True, slots=True)
class Choice:
    """A choice of a single, multiple or truefalse question; `id` is "a", "b", ... by position."""

    id: str
    text: str
    correct: bool
    feedback: str = ""


@dataclass(frozen=True, slots=True)
class Blank:
    """A cloze blank; `id` is "1", "2", ... by position in the prompt."""

    id: str
    answers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Pair:
    """A matching pair; `id` is "a", "b", ... by position."""

    id: str
    left: str
    right: str


@dataclass(frozen=True, slots=True)
class EvidenceSentence:
    """A sentence named in `### Evidence`: a supporting one (`correct`) or a distractor given feedback."""

    text: str
    correct: bool = True
    feedback: str = ""
    line: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Question:
    """A parsed question. Fields a type does not use keep their empty defaults."""

    id: str
    type: str
    prompt: str
    explanation: str
    themes: tuple[str, ...]
    passages: tuple[str, ...]
    difficulty: int
    points: float = 1.0
    hint: str = ""
    #: single, multiple, truefalse
    choices: tuple[Choice, ...] = ()
    #: short: the accepted answers
    answers: tuple[str, ...] = ()
    #: short and cloze: "normalized" or "exact"
    match: str = "normalized"
    #: cloze: the blanks of the prompt, in order (the prompt keeps its `{{...}}` markup)
    blanks: tuple[Blank, ...] = ()
    #: numeric: `answer` with `tolerance`, or the inclusive range `minimum..maximum`
    answer: float | None = None
    tolerance: float = 0.0
    minimum: float | None = None
    maximum: float | None = None
    #: ordering: the items in the correct order
    items: tuple[str, ...] = ()
    #: matching: the pairs, and extra right-hand options that match nothing
    pairs: tuple[Pair, ...] = ()
    distractors: tuple[str, ...] = ()
    #: essay: what the grader scores against
    rubric: str = ""
    #: evidence: the passage whose sentences are the choices, and the sentences named
    evidence_passage: str = ""
    evidence: tuple[EvidenceSentence, ...] = ()
    #: Labels an imported question came with (Moodle's tags) that are not themes: kept to be written back.
    tags: tuple[str, ...] = ()
    #: The id the question had where it came from when ours had to differ (Moodle's free-text ID number).
    source_id: str = ""
    #: Where the question was read from (not part of equality).
    file: str = field(default="", compare=False, repr=False)
    line: int = field(default=0, compare=False, repr=False)
    #: field name -> (line, column, text) of its value as written, for messages
    positions: dict[str, tuple[int, int, str]] = field(default_factory=dict, compare=False, repr=False)

    def position(self, key: str, item: str | None = None) -> tuple[int, int]:
        """Return the (line, column) of a field's value, or of one `item` of a list field, for messages."""
        if key not in self.positions:
            return self.line, 1
        line, column, value = self.positions[key]
        offset = next((offset for offset, text in list_items(value) if text == item), 0)
        return line, column + offset


def list_items(value: str) -> list[tuple[int, str]]:
    """Split a comma-separated field value into (offset of the item in `value`, stripped item)."""
    items = []
    offset = 0
    for part in value.split(","):
        items.append((offset + len(part) - len(part.lstrip()), part.strip()))
        offset += len(part) + 1
    return items


def fill_blanks(prompt: str, replace: Callable[[Blank], str]) -> str:
    """Replace each `{{...}}` of a cloze prompt with `replace(blank)` (e.g. an input's placeholder)."""
    counter = itertools.count(1)

    def substitute(match: re.Match[str]) -> str:
        answers = tuple(answer.strip() for answer in match.group(1).split("|"))
        return replace(Blank(str(next(counter)), answers))

    return BLANK_RE.sub(substitute, prompt)
