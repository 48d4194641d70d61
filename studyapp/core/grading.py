"""Grade responses to questions: one registered grader per question type, all of them pure.

A response is the plain JSON object the web layer stores for a question, with one field
named by the type (`{"choice": "b"}`, `{"text": "..."}`, ...). `check_response` lists what is
wrong with a response's shape, so that a bad one is refused before it is saved; `grade`
scores it by the partial-credit rules of docs/question-format.md; `presentation` gives the
order an attempt shows options in. Responses come from requests, so nothing here raises on
one, however malformed: a grader refuses it or scores it 0.

Evidence questions are the one type whose options are not in the question: they are the
sentences of a passage's quote, so every function takes that quote as `quote=` (the passage's
paragraphs separated by blank lines, as `qformat.validate` is given them); without it, they
raise ValueError for an evidence question, as for a type nobody registered: both are the
caller's mistakes, not the student's.

The registry follows CTFd's flag classes: `GRADERS` maps a type to its grader, and
`register` adds one.
"""

from __future__ import annotations

import enum
import hashlib
import math
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any, TypeVar

from .qformat import Choice, Question, answer_matches, evidence_choices

T = TypeVar("T")


class ItemStatus(enum.StrEnum):
    """How one answer stands once graded (stored as its value in `attempt_items.status`)."""

    CORRECT = "correct"
    PARTIAL = "partial"
    INCORRECT = "incorrect"
    #: An essay waiting for a person.
    UNGRADED = "ungraded"
    #: Nothing was answered (it scores 0; an unanswered essay too).
    UNANSWERED = "unanswered"


CORRECT, PARTIAL, INCORRECT = ItemStatus.CORRECT, ItemStatus.PARTIAL, ItemStatus.INCORRECT
UNGRADED, UNANSWERED = ItemStatus.UNGRADED, ItemStatus.UNANSWERED
#: What a grader may return.
STATUSES = (CORRECT, PARTIAL, INCORRECT, UNGRADED)
#: The longest short answer, cloze blank or essay, in characters.
MAX_TEXT = 10_000
#: The longest numeric answer, as typed.
MAX_NUMBER_TEXT = 100
#: The feedback a numeric answer gets when it cannot be read as a number.
NOT_A_NUMBER = "not a number"
#: The seed of the one order everybody sees when a quiz does not shuffle.
UNSHUFFLED = "unshuffled"
#: The slack numeric comparisons allow, relative to the bound (see docs/question-format.md).
NUMERIC_SLACK = 1e-9

NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\Z")
#: Thousands separators, in groups of three: "1,973", "-12,000.5".
GROUPED_RE = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?\Z")
MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-"})


@dataclass(frozen=True)
class Part:
    """How one part of a response fared, for the review page.

    `id` names the part: a choice or sentence id, a blank id ("1"), a matching left-hand id,
    an ordering item id, or "text" / "value" for short and numeric answers. `given` is what
    the response gave for it and `expected` what earns the mark:
    choices and sentences: ticked or not (bool) / should be ticked (bool);
    blanks and short answers: the text / the accepted answers (tuple);
    numeric: the text / the accepted value or range, as text ("1973 ± 0.5", "30 to 32");
    matching: the right-hand option id chosen (or None) / the right one;
    ordering: the item's 1-based position in the response (or None) / in the key.
    """

    id: str
    correct: bool
    given: Any = None
    expected: Any = None


@dataclass(frozen=True)
class Grade:
    """The result of grading one response: a score out of `max_score`, and what to show at review.

    `score` is None only for an essay nobody has graded yet (status "ungraded").
    `feedback` holds the feedback texts of the choices (or sentences) the response chose, in
    the question's order, or a note such as "not a number"; for a graded essay, the comment.
    """

    score: float | None
    max_score: float
    status: str
    per_part: tuple[Part, ...] = ()
    feedback: tuple[str, ...] = ()

    @property
    def fraction(self) -> float | None:
        """The score as a share of `max_score`, 0 to 1 (None while ungraded)."""
        if self.score is None:
            return None
        return self.score / self.max_score if self.max_score else 0.0

    def as_dict(self) -> dict[str, Any]:
        """Return the grade as JSON-ready data (tuples become lists once dumped)."""
        data = asdict(self)
        data["fraction"] = self.fraction
        return data


@dataclass(frozen=True)
class Option:
    """Something a student picks or arranges: a choice, a sentence, an item, a right-hand side."""

    id: str
    text: str


@dataclass(frozen=True)
class Presentation:
    """What an attempt shows of a question, in display order.

    `options` are the choices (single, multiple, truefalse), the passage's sentences
    (evidence), the items to arrange (ordering) or the right-hand options (matching);
    `lefts` are a matching question's left-hand items. Other types show neither.
    """

    options: tuple[Option, ...] = ()
    lefts: tuple[Option, ...] = ()


# --- helpers ------------------------------------------------------------------------------


def shuffled(items: Iterable[T], seed: int | str, salt: str) -> list[T]:
    """Return `items` in an order that depends only on `seed` and `salt` (e.g. the question id)."""
    result = list(items)
    random.Random(f"{seed}:{salt}").shuffle(result)
    return result


def _scrambled(items: Sequence[T], seed: int | str, salt: str) -> list[T]:
    """Shuffle, but never leave the items in the order that is the answer."""
    result = shuffled(items, seed, salt)
    if len(result) > 1 and result == list(items):
        result = result[1:] + result[:1]
    return result


def parse_number(text: str) -> float | None:
    """Read a number as typed: " 1973 ", "1,973", "-0.5", "2e3", "−3"; None if it is not one.

    Commas are taken only as thousands separators in groups of three ("1,5" is not a number).
    """
    if not isinstance(text, str) or len(text) > MAX_NUMBER_TEXT:
        return None
    text = text.strip().translate(MINUS_SIGNS)
    if GROUPED_RE.match(text):
        text = text.replace(",", "")
    if not NUMBER_RE.match(text):
        return None
    value = float(text)
    return None if math.isnan(value) else value


def _number_text(value: float) -> str:
    """Write a number plainly: 1973.0 -> "1973", 1e-07 -> "0.0000001"."""
    if not math.isfinite(value):
        return repr(value)
    return format(Decimal(repr(value)).normalize(), "f")


def _content_ids(prefix: str, texts: Sequence[str]) -> tuple[str, ...]:
    """Give each text a stable id made from its words, so that no id reveals where the text belongs."""
    for size in (6, 12, 64):
        ids = tuple(prefix + hashlib.sha256(text.encode()).hexdigest()[:size] for text in texts)
        if len(set(ids)) == len(ids):
            return ids
    return tuple(f"{id_}-{n}" for n, id_ in enumerate(ids, 1))  # only when two texts are the same


def item_ids(question: Question) -> tuple[str, ...]:
    """Return the ids of an ordering question's items, in the right order: "i" + 6 hex digits."""
    return _content_ids("i", question.items)


def right_ids(question: Question) -> tuple[str, ...]:
    """Return the ids of a matching question's right-hand options: the pairs', then the distractors'.

    Each is "r" + 6 hex digits; the right one for pair n is the n-th.
    """
    return _content_ids("r", [pair.right for pair in question.pairs] + list(question.distractors))


def _kind(value: object) -> str:
    """Name the JSON kind of a value that is not what a response should hold."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "a list"
    return f"a {type(value).__name__}"


def _show(value: object, limit: int = 40) -> str:
    """Quote an id taken from a response, cut short: responses come from anywhere."""
    if not isinstance(value, str):
        return f"({_kind(value)})"
    return "'" + (value if len(value) <= limit else value[: limit - 1] + "…") + "'"


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _unique(messages: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(messages))


def _scored(question: Question, fraction: float, per_part: Iterable[Part] = (), feedback: Iterable[str] = ()) -> Grade:
    """Award `fraction` (clamped to 0..1) of the question's points."""
    fraction = min(1.0, max(0.0, fraction))
    status = CORRECT if fraction == 1.0 else PARTIAL if fraction > 0 else INCORRECT
    return Grade(question.points * fraction, question.points, status, tuple(per_part), tuple(f for f in feedback if f))


# --- the graders --------------------------------------------------------------------------


class QuestionGrader:
    """The rules of one question type: the shape of its responses, its grading and its display.

    A response holds one field, `key`; the methods below get its value (None when absent).
    `check` and `is_answered` must never raise; `grade` is only given a value `check`
    accepted (or the blank response's, to show the key beside an unanswered question).
    """

    key = ""

    def __init__(self, type_: str) -> None:
        self.type = type_

    def blank_response(self, question: Question) -> dict[str, Any]:
        return {self.key: None}

    def is_answered(self, value: object) -> bool:
        raise NotImplementedError

    def check(self, question: Question, value: object, quote: str | None) -> list[str]:
        raise NotImplementedError

    def grade(self, question: Question, value: Any, quote: str | None) -> Grade:
        raise NotImplementedError

    def correct_response(self, question: Question, quote: str | None) -> dict[str, Any] | None:
        raise NotImplementedError

    def presentation(self, question: Question, seed: int | str, shuffle: bool, quote: str | None) -> Presentation:
        return Presentation()


class SingleChoiceGrader(QuestionGrader):
    """single and truefalse: `{"choice": "b"}`; all or nothing."""

    key = "choice"

    def __init__(self, type_: str, shuffles: bool = True) -> None:
        super().__init__(type_)
        self.shuffles = shuffles

    def is_answered(self, value: object) -> bool:
        return isinstance(value, str) and value != ""

    def check(self, question: Question, value: object, quote: str | None) -> list[str]:
        if value is None or value == "":
            return []
        if not isinstance(value, str):
            return ["the choice must be a choice id such as 'a'"]
        if value not in {choice.id for choice in question.choices}:
            return [f"choice {_show(value)} is not a choice of this question"]
        return []

    def grade(self, question: Question, value: Any, quote: str | None) -> Grade:
        chosen = [choice for choice in question.choices if choice.id == value]
        parts = [
            Part(choice.id, (choice.id == value) == choice.correct, choice.id == value, choice.correct)
            for choice in question.choices
        ]
        right = bool(chosen) and chosen[0].correct
        return _scored(question, 1.0 if right else 0.0, parts, [choice.feedback for choice in chosen])

    def correct_response(self, question: Question, quote: str | None) -> dict[str, Any] | None:
        return {self.key: next((choice.id for choice in question.choices if choice.correct), None)}

    def presentation(self, question: Question, seed: int | str, shuffle: bool, quote: str | None) -> Presentation:
        options = [Option(choice.id, choice.text) for choice in question.choices]
        if shuffle and self.shuffles:
            options = shuffled(options, seed, question.id)
        return Presentation(options=tuple(options))


class MultipleChoiceGrader(QuestionGrader):
    """multiple `{"choices": ["a", "c"]}` and evidence `{"sentences": ["b", "e"]}`.

    Score max(0, right_checked/right_total − wrong_checked/wrong_total); an id given twice counts once.
    """

    def __init__(self, type_: str, key: str, noun: str, whole: str) -> None:
        super().__init__(type_)
        self.key = key
        self.noun = noun
        self.whole = whole

    def choices(self, question: Question, quote: str | None) -> tuple[Choice, ...]:
        if self.type != "evidence":
            return question.choices
        if quote is None:
            raise ValueError(f"evidence question '{question.id}' needs the quote of its passage (quote=...)")
        return evidence_choices(question, quote)

    def blank_response(self, question: Question) -> dict[str, Any]:
        return {self.key: []}

    def is_answered(self, value: object) -> bool:
        return isinstance(value, list) and len(value) > 0

    def check(self, question: Question, value: object, quote: str | None) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, list):
            return [f"'{self.key}' must be a list of {self.noun} ids such as ['a', 'c']"]
        ids = {choice.id for choice in self.choices(question, quote)}
        errors = []
        for item in value:
            if not isinstance(item, str):
                errors.append(f"{self.noun} ids are text such as 'a', not {_kind(item)}")
            elif item not in ids:
                errors.append(f"{self.noun} {_show(item)} is not a {self.noun} of this {self.whole}")
        return _unique(errors)

    def grade(self, question: Question, value: Any, quote: str | None) -> Grade:
        choices = self.choices(question, quote)
        ticked = set(value)
        right = [choice for choice in choices if choice.correct]
        wrong = [choice for choice in choices if not choice.correct]
        fraction = _ratio(sum(choice.id in ticked for choice in right), len(right)) - _ratio(
            sum(choice.id in ticked for choice in wrong), len(wrong)
        )
        parts = [
            Part(choice.id, (choice.id in ticked) == choice.correct, choice.id in ticked, choice.correct)
            for choice in choices
        ]
        return _scored(question, fraction, parts, [choice.feedback for choice in choices if choice.id in ticked])

    def correct_response(self, question: Question, quote: str | None) -> dict[str, Any] | None:
        return {self.key: [choice.id for choice in self.choices(question, quote) if choice.correct]}

    def presentation(self, question: Question, seed: int | str, shuffle: bool, quote: str | None) -> Presentation:
        options = [Option(choice.id, choice.text) for choice in self.choices(question, quote)]
        if shuffle and self.type != "evidence":
            options = shuffled(options, seed, question.id)
        return Presentation(options=tuple(options))


class TextGrader(QuestionGrader):
    """Typed text, `{"text": "..."}`: short answers (all or nothing) and essays (graded by hand)."""

    key = "text"

    def blank_response(self, question: Question) -> dict[str, Any]:
        return {self.key: ""}

    def is_answered(self, value: object) -> bool:
        return isinstance(value, str) and value.strip() != ""

    def check(self, question: Question, value: object, quote: str | None) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, str):
            return ["the answer must be text"]
        if len(value) > MAX_TEXT:
            return [f"an answer is limited to {MAX_TEXT:,} characters"]
        return []

    def grade(self, question: Question, value: Any, quote: str | None) -> Grade:
        if self.type == "essay":
            return Grade(None, question.points, UNGRADED)
        right = answer_matches(value, question.answers, question.match)
        return _scored(question, 1.0 if right else 0.0, [Part("text", right, value, question.answers)])

    def correct_response(self, question: Question, quote: str | None) -> dict[str, Any] | None:
        if self.type == "essay":
            return None
        return {self.key: question.answers[0] if question.answers else ""}


class NumericGrader(QuestionGrader):
    """`{"value": "1973"}`, the text as typed; right within the tolerance or the range, ends included."""

    key = "value"

    def blank_response(self, question: Question) -> dict[str, Any]:
        return {self.key: ""}

    def is_answered(self, value: object) -> bool:
        return isinstance(value, str) and value.strip() != ""

    def check(self, question: Question, value: object, quote: str | None) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, str):
            return ["the value must be the number as typed, such as '1973'"]
        if len(value) > MAX_NUMBER_TEXT:
            return [f"a number is limited to {MAX_NUMBER_TEXT} characters"]
        return []

    @staticmethod
    def bounds(question: Question) -> tuple[float, float] | None:
        if question.answer is not None:
            return question.answer - question.tolerance, question.answer + question.tolerance
        if question.minimum is not None and question.maximum is not None:
            return question.minimum, question.maximum
        return None

    @staticmethod
    def expected(question: Question) -> str:
        if question.answer is not None:
            answer = _number_text(question.answer)
            return f"{answer} ± {_number_text(question.tolerance)}" if question.tolerance else answer
        if question.minimum is not None and question.maximum is not None:
            return f"{_number_text(question.minimum)} to {_number_text(question.maximum)}"
        return ""

    def grade(self, question: Question, value: Any, quote: str | None) -> Grade:
        number = parse_number(value)
        expected = self.expected(question)
        if number is None:
            return _scored(question, 0.0, [Part("value", False, value, expected)], [NOT_A_NUMBER])
        bounds = self.bounds(question)
        right = False
        if bounds is not None and all(math.isfinite(bound) for bound in bounds):
            low, high = bounds
            right = low - NUMERIC_SLACK * max(1.0, abs(low)) <= number <= high + NUMERIC_SLACK * max(1.0, abs(high))
        return _scored(question, 1.0 if right else 0.0, [Part("value", right, value, expected)])

    def correct_response(self, question: Question, quote: str | None) -> dict[str, Any] | None:
        if question.answer is not None:
            return {self.key: _number_text(question.answer)}
        if question.minimum is not None:
            return {self.key: _number_text(question.minimum)}
        return {self.key: ""}


class OrderingGrader(QuestionGrader):
    """`{"order": [item ids in the student's order]}`; the share of item pairs in the right order."""

    key = "order"

    def blank_response(self, question: Question) -> dict[str, Any]:
        return {self.key: []}

    def is_answered(self, value: object) -> bool:
        return isinstance(value, list) and len(value) > 0

    def check(self, question: Question, value: object, quote: str | None) -> list[str]:
        if value is None or value == []:
            return []
        if not isinstance(value, list):
            return ["'order' must be a list of item ids"]
        ids = item_ids(question)
        errors = []
        for item in value:
            if not isinstance(item, str):
                errors.append(f"item ids are text, not {_kind(item)}")
            elif item not in ids:
                errors.append(f"item {_show(item)} is not an item of this question")
        if sorted(item for item in value if isinstance(item, str)) != sorted(ids) or len(value) != len(ids):
            errors.append("ordering must list each item exactly once")
        return _unique(errors)

    def grade(self, question: Question, value: Any, quote: str | None) -> Grade:
        ids = item_ids(question)
        rank = {id_: n for n, id_ in enumerate(ids)}
        given = [rank[id_] for id_ in value]
        in_order = sum(given[i] < given[j] for i in range(len(given)) for j in range(i + 1, len(given)))
        position = {id_: n for n, id_ in enumerate(value, 1)}
        parts = [Part(id_, position.get(id_) == n, position.get(id_), n) for n, id_ in enumerate(ids, 1)]
        return _scored(question, _ratio(in_order, len(ids) * (len(ids) - 1) // 2), parts)

    def correct_response(self, question: Question, quote: str | None) -> dict[str, Any] | None:
        return {self.key: list(item_ids(question))}

    def presentation(self, question: Question, seed: int | str, shuffle: bool, quote: str | None) -> Presentation:
        options = [Option(id_, text) for id_, text in zip(item_ids(question), question.items)]
        return Presentation(options=tuple(_scrambled(options, seed if shuffle else UNSHUFFLED, question.id)))


class MatchingGrader(QuestionGrader):
    """`{"matches": {"a": "r3f9a0c"}}`: left-hand id -> right-hand option id; the share matched right."""

    key = "matches"

    def blank_response(self, question: Question) -> dict[str, Any]:
        return {self.key: {}}

    def is_answered(self, value: object) -> bool:
        return isinstance(value, Mapping) and any(isinstance(right, str) and right for right in value.values())

    def check(self, question: Question, value: object, quote: str | None) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, Mapping):
            return ["'matches' must map left-hand item ids to right-hand option ids"]
        lefts = {pair.id for pair in question.pairs}
        rights = set(right_ids(question))
        errors = []
        for left, right in value.items():
            if left not in lefts:
                errors.append(f"left-hand item {_show(left)} does not exist")
            if right is None or right == "":
                continue
            if not isinstance(right, str):
                errors.append(f"a match is a right-hand option id or empty, not {_kind(right)}")
            elif right not in rights:
                errors.append(f"option {_show(right)} is not an option of this question")
        return _unique(errors)

    def grade(self, question: Question, value: Any, quote: str | None) -> Grade:
        parts = []
        for pair, right in zip(question.pairs, right_ids(question)):
            given = value.get(pair.id) or None
            parts.append(Part(pair.id, given == right, given, right))
        return _scored(question, _ratio(sum(part.correct for part in parts), len(question.pairs)), parts)

    def correct_response(self, question: Question, quote: str | None) -> dict[str, Any] | None:
        return {self.key: {pair.id: right for pair, right in zip(question.pairs, right_ids(question))}}

    def presentation(self, question: Question, seed: int | str, shuffle: bool, quote: str | None) -> Presentation:
        texts = [pair.right for pair in question.pairs] + list(question.distractors)
        options = [Option(id_, text) for id_, text in zip(right_ids(question), texts)]
        return Presentation(
            options=tuple(_scrambled(options, seed if shuffle else UNSHUFFLED, question.id)),
            lefts=tuple(Option(pair.id, pair.left) for pair in question.pairs),
        )


class ClozeGrader(QuestionGrader):
    """`{"blanks": {"1": "...", "2": "..."}}`; the share of blanks matched."""

    key = "blanks"

    def blank_response(self, question: Question) -> dict[str, Any]:
        return {self.key: {blank.id: "" for blank in question.blanks}}

    def is_answered(self, value: object) -> bool:
        return isinstance(value, Mapping) and any(isinstance(text, str) and text.strip() for text in value.values())

    def check(self, question: Question, value: object, quote: str | None) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, Mapping):
            return ["'blanks' must map blank numbers to answers, such as {'1': '...'}"]
        ids = {blank.id for blank in question.blanks}
        errors = []
        for blank, text in value.items():
            name = blank if isinstance(blank, str) and blank.isdigit() and len(blank) <= 6 else _show(blank)
            if blank not in ids:
                errors.append(f"blank {name} does not exist")
            elif text is not None and not isinstance(text, str):
                errors.append(f"blank {name}: the answer must be text")
            elif text is not None and len(text) > MAX_TEXT:
                errors.append(f"blank {name}: an answer is limited to {MAX_TEXT:,} characters")
        return _unique(errors)

    def grade(self, question: Question, value: Any, quote: str | None) -> Grade:
        parts = []
        for blank in question.blanks:
            given = value.get(blank.id) or ""
            parts.append(Part(blank.id, answer_matches(given, blank.answers, question.match), given, blank.answers))
        return _scored(question, _ratio(sum(part.correct for part in parts), len(question.blanks)), parts)

    def correct_response(self, question: Question, quote: str | None) -> dict[str, Any] | None:
        return {self.key: {blank.id: blank.answers[0] for blank in question.blanks}}


#: question type -> its grader
GRADERS: dict[str, QuestionGrader] = {}


def register(grader: QuestionGrader) -> QuestionGrader:
    """Make `grader` the one for its type."""
    GRADERS[grader.type] = grader
    return grader


register(SingleChoiceGrader("single"))
register(SingleChoiceGrader("truefalse", shuffles=False))
register(MultipleChoiceGrader("multiple", "choices", noun="choice", whole="question"))
register(TextGrader("short"))
register(NumericGrader("numeric"))
register(OrderingGrader("ordering"))
register(MatchingGrader("matching"))
register(ClozeGrader("cloze"))
register(TextGrader("essay"))
register(MultipleChoiceGrader("evidence", "sentences", noun="sentence", whole="passage"))


def grader_for(question: Question) -> QuestionGrader:
    """Return the grader of the question's type (a ValueError for a type nobody registered)."""
    try:
        return GRADERS[question.type]
    except KeyError:
        raise ValueError(f"no grader for question type '{question.type}'") from None


# --- what the app calls -------------------------------------------------------------------


def blank_response(question: Question) -> dict[str, Any]:
    """Return the response of a question nobody has answered yet."""
    return grader_for(question).blank_response(question)


def is_answered(question: Question, response: Any) -> bool:
    """Tell whether `response` answers anything (a malformed one may; `check_response` says if it is valid)."""
    grader = grader_for(question)
    return isinstance(response, Mapping) and grader.is_answered(response.get(grader.key))


def check_response(question: Question, response: Any, *, quote: str | None = None) -> list[str]:
    """Return what is wrong with the shape of `response` (empty when it may be saved); never raises on it."""
    grader = grader_for(question)
    if not isinstance(response, Mapping):
        return [f"a {question.type} response must be an object with the field '{grader.key}'"]
    errors = [
        f"unknown field {_show(key)} in a {question.type} response (it has only '{grader.key}')"
        for key in response
        if key != grader.key
    ]
    return errors + grader.check(question, response.get(grader.key), quote)


def grade(question: Question, response: Any, *, quote: str | None = None) -> Grade:
    """Grade `response`; an empty or malformed one scores 0 (an essay is left "ungraded")."""
    grader = grader_for(question)
    if not check_response(question, response, quote=quote) and is_answered(question, response):
        return grader.grade(question, response[grader.key], quote)
    blank = grader.grade(question, grader.blank_response(question)[grader.key], quote)
    return Grade(0.0, question.points, INCORRECT, blank.per_part)


def grade_essay(question: Question, awarded: float | int | str, comment: str = "") -> Grade:
    """Record a person's grade of an essay: `awarded` is clamped to 0..points; `comment` becomes the feedback.

    Raises ValueError when `awarded` is not a number (or the question is not an essay).
    """
    if question.type != "essay":
        raise ValueError(f"question '{question.id}' is a {question.type} question, not an essay")
    if isinstance(awarded, str):
        number = parse_number(awarded)
    elif isinstance(awarded, (int, float)) and not isinstance(awarded, bool):
        number = float(awarded) if abs(awarded) < 1e300 else None
    else:
        number = None
    if number is None or not math.isfinite(number):
        raise ValueError(f"the score must be a number from 0 to {_number_text(question.points)}")
    score = min(max(number, 0.0), question.points)
    graded = _scored(question, score / question.points)
    note = comment.strip() if isinstance(comment, str) else ""
    return Grade(score, question.points, graded.status, (), (note,) if note else ())


def correct_response(question: Question, *, quote: str | None = None) -> dict[str, Any] | None:
    """Return a response that earns full marks (None for an essay: only a person can award those)."""
    return grader_for(question).correct_response(question, quote)


def presentation(
    question: Question,
    seed: int | str,
    shuffle_choices: bool = True,
    *,
    quote: str | None = None,
) -> Presentation:
    """Return what an attempt with `seed` shows, in order: the same seed always gives the same order.

    Choices are shuffled when `shuffle_choices` (never True/False); evidence sentences keep
    the passage's order. Ordering items and matching right-hand options are never shown in the
    answer's order: with `shuffle_choices` false they take one fixed order for every attempt.
    """
    return grader_for(question).presentation(question, seed, shuffle_choices, quote)
