"""Quiz definitions (content/quizzes/<id>.md): YAML front matter for the settings, a Markdown body.

See the "Quiz definitions" section of docs/question-format.md.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict, TypeGuard, TypeVar

from ..content import FrontMatter, FrontMatterError, read_front_matter
from .model import DIFFICULTIES, TYPES, Problem, Question, is_slug
from .source import decode

GRADINGS = ("highest", "latest", "average")
REVIEWS = ("after_submit", "after_close", "never")
LAYOUTS = ("one_page", "one_per_page")
KEYS = (
    "id",
    "title",
    "description",
    "questions",
    "draw",
    "shuffle_questions",
    "shuffle_choices",
    "time_limit_minutes",
    "max_attempts",
    "grading",
    "review",
    "layout",
)
RULE_KEYS = ("themes", "types", "difficulty", "count", "points")
#: What each question a rule draws is worth unless the rule says otherwise.
SLOT_POINTS = 1.0

T = TypeVar("T")
#: Where a value sits in the front matter: keys and list indexes, as `FrontMatter.line` takes them.
KeyPath = tuple[str | int, ...]


@dataclass(frozen=True)
class DrawRule:
    """Draw `count` questions among those matching every filter given (an empty filter matches all).

    Each drawn question fills a slot worth `points`, whatever the question's own points: its score is
    scaled to the slot (Moodle's random slots, Canvas's question groups), so that every attempt of a
    quiz has the same maximum however the draw falls.
    """

    count: int
    themes: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    difficulty: tuple[int, ...] = ()
    line: int = field(default=0, compare=False, repr=False)
    points: float = SLOT_POINTS

    def admits(self, question: Question) -> bool:
        """Tell whether `question` is in this rule's pool."""
        return (
            (not self.themes or any(theme in self.themes for theme in question.themes))
            and (not self.types or question.type in self.types)
            and (not self.difficulty or question.difficulty in self.difficulty)
        )


@dataclass(frozen=True)
class QuizDef:
    """A quiz: either a fixed list of question ids or draw rules, and its settings."""

    id: str
    title: str
    description: str = ""
    #: Markdown shown on the quiz's start page
    body: str = ""
    questions: tuple[str, ...] = ()
    draw: tuple[DrawRule, ...] = ()
    shuffle_questions: bool = True
    shuffle_choices: bool = True
    time_limit_minutes: int | None = None
    max_attempts: int | None = None
    grading: str = "highest"
    review: str = "after_submit"
    layout: str = "one_page"
    file: str = field(default="", compare=False, repr=False)
    #: key -> line of the key in the file, for messages
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)


class _Settings(TypedDict):
    """The settings of a quiz that take a default, as `_QuizReader.read` checks them."""

    shuffle_questions: bool
    shuffle_choices: bool
    time_limit_minutes: int | None
    max_attempts: int | None
    grading: str
    review: str
    layout: str


@dataclass
class QuizParseResult:
    """The quiz (None when the file has problems) and every problem found."""

    quiz: QuizDef | None = None
    errors: list[Problem] = field(default_factory=list)


def parse_quiz(text: str | bytes, filename: str = "<string>") -> QuizParseResult:
    """Parse a quiz definition file; settings not given take their defaults."""
    decoded = decode(text, filename)
    if decoded[1] is not None:
        return QuizParseResult(errors=[decoded[1]])
    try:
        front = read_front_matter(decoded[0], filename)
    except FrontMatterError as exc:
        return QuizParseResult(errors=[Problem(exc.error.file, exc.error.line, 1, exc.error.message)])
    except (ValueError, RecursionError) as exc:
        # YAML that parses but cannot be built: an impossible date, nesting too deep.
        return QuizParseResult(errors=[Problem(filename, 2, 1, f"malformed front matter: {exc}")])
    reader = _QuizReader(filename, front)
    quiz = reader.read()
    reader.problems.sort(key=lambda problem: problem.line)
    return QuizParseResult(quiz=quiz, errors=reader.problems)


def validate_quizzes(
    quizzes: Iterable[QuizDef],
    questions: Iterable[Question],
    known_themes: Collection[str] | None = None,
) -> list[Problem]:
    """Check quizzes against the questions (ids, pools large enough) and the themes, and ids across files."""
    bank = {question.id: question for question in questions}
    problems = []
    seen: dict[str, QuizDef] = {}
    for quiz in quizzes:
        if quiz.id in seen:
            problems.append(_at(quiz, "id", f"duplicate quiz id '{quiz.id}' (also in {seen[quiz.id].file})"))
        seen.setdefault(quiz.id, quiz)
        for qid in quiz.questions:
            if qid not in bank:
                problems.append(_at(quiz, "questions", f"unknown question '{qid}'"))
        taken: list[tuple[DrawRule, set[str]]] = []
        for number, rule in enumerate(quiz.draw, 1):
            for theme in rule.themes:
                if known_themes is not None and theme not in known_themes:
                    problems.append(_at(quiz, "draw", f"draw rule {number}: unknown theme '{theme}'", rule.line))
            pool = {qid for qid, question in bank.items() if rule.admits(question)}
            # Earlier rules may have drawn from this pool already; count the worst case.
            worst = sum(min(earlier.count, len(pool & earlier_pool)) for earlier, earlier_pool in taken)
            if len(pool) - worst < rule.count:
                overlap = f", and earlier rules may draw {worst} of those" if worst else ""
                message = f"draw rule {number} needs {rule.count} question(s); {len(pool)} match{overlap}"
                problems.append(_at(quiz, "draw", message, rule.line))
            taken.append((rule, pool))
    return problems


def _at(quiz: QuizDef, key: str, message: str, line: int = 0) -> Problem:
    """Return a problem of `quiz` on `line`, or else on the line of its setting `key`."""
    return Problem(quiz.file, line or quiz.lines.get(key, 1), 1, message)


def draw(rules: Sequence[DrawRule], questions: Iterable[Question], seed: int | str) -> list[Question]:
    """Draw questions for one attempt: the same seed gives the same draw, and no question twice.

    Rules are applied in order, each sampling from its pool minus what earlier rules drew.
    Raises ValueError when a pool runs short (validate_quizzes reports that in advance).
    """
    rng = random.Random(seed)
    pool_order = sorted(questions, key=lambda question: question.id)
    drawn: list[Question] = []
    used: set[str] = set()
    for number, rule in enumerate(rules, 1):
        pool = [q for q in pool_order if q.id not in used and rule.admits(q)]
        if len(pool) < rule.count:
            raise ValueError(f"draw rule {number} needs {rule.count} question(s), {len(pool)} left")
        picked = rng.sample(pool, rule.count)
        used.update(question.id for question in picked)
        drawn.extend(picked)
    return drawn


def slot_points(rules: Sequence[DrawRule]) -> list[float]:
    """What each question `draw(rules, ...)` returns is worth, in the same order: its rule's points."""
    return [rule.points for rule in rules for _ in range(rule.count)]


def total_points(rules: Sequence[DrawRule]) -> float:
    """The maximum of every attempt of a quiz drawn by `rules`: the sum of its slots' points."""
    return math.fsum(slot_points(rules))


def select_questions(quiz: QuizDef, questions: Mapping[str, Question], seed: int | str) -> list[Question]:
    """Return the questions of one attempt of `quiz`, in the order given or drawn (before any shuffle)."""
    if quiz.draw:
        return draw(quiz.draw, questions.values(), seed)
    return [questions[qid] for qid in quiz.questions]


class _QuizReader:
    """Check the front matter's values one by one, recording a problem with its line for each."""

    def __init__(self, filename: str, front: FrontMatter) -> None:
        self.filename = filename
        self.front = front
        self.data: dict[str, Any] = front.metadata
        self.problems: list[Problem] = []

    def error(self, path: KeyPath, message: str) -> None:
        self.problems.append(Problem(self.filename, self.front.line(*path), 1, message))

    def read(self) -> QuizDef | None:
        for key in self.data:
            if key not in KEYS:
                self.error((key,), f"unknown quiz setting '{key}'; settings are: {', '.join(KEYS)}")
        quiz_id = self._text("id", required=True)
        if quiz_id and not is_slug(quiz_id):
            self.error(("id",), f"bad quiz id '{quiz_id}': use lowercase letters, digits and hyphens")
        title = self._text("title", required=True)
        questions = self._questions()
        rules = self._rules()
        if "questions" in self.data and "draw" in self.data:
            self.error(("draw",), "give either 'questions' (a list of ids) or 'draw' (rules), not both")
        elif "questions" not in self.data and "draw" not in self.data:
            self.error((), "a quiz needs 'questions: [ids]' or 'draw:' rules")
        settings: _Settings = {
            "shuffle_questions": self._bool("shuffle_questions", True),
            "shuffle_choices": self._bool("shuffle_choices", True),
            "time_limit_minutes": self._count(self.data.get("time_limit_minutes"), ("time_limit_minutes",), True),
            "max_attempts": self._count(self.data.get("max_attempts"), ("max_attempts",), True),
            "grading": self._choice("grading", GRADINGS),
            "review": self._choice("review", REVIEWS),
            "layout": self._choice("layout", LAYOUTS),
        }
        if self.problems:
            return None
        body = self.front.body.strip("\n")
        return QuizDef(
            id=quiz_id,
            title=title,
            description=self._text("description"),
            body=body,
            questions=questions,
            draw=rules,
            file=self.filename,
            lines={key: self.front.line(key) for key in self.data},
            **settings,
        )

    def _text(self, key: str, required: bool = False) -> str:
        value = self.data.get(key)
        if value is None:
            if required:
                self.error((), f"missing quiz setting '{key}'")
            return ""
        if not isinstance(value, str) or not value.strip():
            self.error((key,), f"'{key}' must be a non-empty text")
            return ""
        return value.strip()

    def _bool(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            self.error((key,), f"'{key}' must be true or false, found {value!r}")
            return default
        return value

    def _count(self, value: object, path: KeyPath, optional: bool = False) -> int | None:
        """Return `value` if it is a whole number of 1 or more (or None, when `optional`)."""
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            empty = " (or null)" if optional else ""
            self.error(path, f"'{path[-1]}' must be a whole number of 1 or more{empty}, found {value!r}")
            return None
        return value

    def _choice(self, key: str, options: tuple[str, ...]) -> str:
        value = self.data.get(key, options[0])
        if not isinstance(value, str) or value not in options:
            self.error((key,), f"'{key}' must be one of {', '.join(options)}, found {value!r}")
            return options[0]
        return value

    def _questions(self) -> tuple[str, ...]:
        value = self.data.get("questions")
        if value is None:
            return ()
        if not isinstance(value, list) or not value:
            self.error(("questions",), "'questions' must be a non-empty list of question ids")
            return ()
        ids: list[str] = []
        for index, qid in enumerate(value):
            if not isinstance(qid, str) or not is_slug(qid):
                self.error(("questions", index), f"bad question id {qid!r} in 'questions'")
            elif qid in ids:
                self.error(("questions", index), f"question '{qid}' listed twice")
            else:
                ids.append(qid)
        return tuple(ids)

    def _rules(self) -> tuple[DrawRule, ...]:
        value = self.data.get("draw")
        if value is None:
            return ()
        if not isinstance(value, list) or not value:
            self.error(("draw",), "'draw' must be a non-empty list of rules (each with a 'count')")
            return ()
        rules = []
        for index, rule in enumerate(value):
            path = ("draw", index)
            if not isinstance(rule, dict):
                self.error(path, f"draw rule {index + 1} must be a mapping such as '- {{count: 5, themes: [linkage]}}'")
                continue
            for key in rule:
                if key not in RULE_KEYS:
                    message = f"draw rule {index + 1}: unknown key '{key}'; keys are: {', '.join(RULE_KEYS)}"
                    self.error(path + (key,), message)
            if "count" not in rule:
                self.error(path, f"draw rule {index + 1} has no 'count'")
                continue
            count = self._count(rule["count"], path + ("count",))
            themes = self._rule_list(rule, "themes", path, _is_theme_id)
            types = self._rule_list(rule, "types", path, _is_type)
            levels = self._rule_list(rule, "difficulty", path, _is_difficulty)
            points = self._points(rule.get("points", SLOT_POINTS), path + ("points",), index)
            if count is not None and points is not None:
                rules.append(DrawRule(count, themes, types, levels, line=self.front.line(*path), points=points))
        return tuple(rules)

    def _points(self, value: object, path: KeyPath, index: int) -> float | None:
        """Return a rule's `points` if it is a positive number (what each question it draws is worth)."""
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf:
            self.error(
                path,
                f"draw rule {index + 1}: 'points' must be a positive number (what each question it draws "
                f"is worth, e.g. 1 or 2.5), found {value!r}",
            )
            return None
        return float(value)

    def _rule_list(
        self, rule: Mapping[str, object], key: str, path: tuple[str, int], valid: Callable[[object], TypeGuard[T]]
    ) -> tuple[T, ...]:
        value = rule.get(key, [])
        items = value if isinstance(value, list) else [value]
        good = tuple(item for item in items if valid(item))
        if len(good) != len(items):
            expected = {
                "themes": "theme ids",
                "types": "question types (" + ", ".join(TYPES) + ")",
                "difficulty": "difficulties 1, 2 or 3",
            }[key]
            self.error(path + (key,), f"draw rule {path[1] + 1}: '{key}' must be a list of {expected}, found {value!r}")
        return good


def _is_theme_id(item: object) -> TypeGuard[str]:
    return isinstance(item, str) and is_slug(item)


def _is_type(item: object) -> TypeGuard[str]:
    return item in TYPES


def _is_difficulty(item: object) -> TypeGuard[int]:
    return item in DIFFICULTIES and not isinstance(item, bool)
