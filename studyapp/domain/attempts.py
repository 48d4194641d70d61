"""Attempts: start, save answers (compare-and-set on a sequence number), submit once, grade, review.

Services take plain data and an explicit actor, flush, and never commit: the request commits once.
"""

from __future__ import annotations

import json
import math
import secrets
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache, lru_cache
from typing import Any, Generic, Protocol, TypeVar, cast

from sqlalchemy import Select, Text, bindparam, func, select, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import defer, joinedload, selectinload

from studyapp.core import grading
from studyapp.core.analytics import final_score
from studyapp.core.highlight import highlight
from studyapp.core.numbers import points
from studyapp.core.qformat import Question as ParsedQuestion
from studyapp.core.qformat.quizdef import draw, slot_points
from studyapp.domain import classes, events
from studyapp.domain.errors import DomainError, NotFound
from studyapp.domain.questions import evidence_quotes, marked, public_id, question_of, question_pool
from studyapp.domain.quizzes import (
    Settings,
    Standing,
    attempt_settings,
    draw_rules_of,
    review_allows,
    settings_for,
)
from studyapp.extensions import db
from studyapp.models import (
    Assignment,
    Attempt,
    AttemptItem,
    Class,
    Excusal,
    Membership,
    Question,
    QuestionVersion,
    Quiz,
    User,
)
from studyapp.models.attempts import IN_PROGRESS, SUBMITTED
from studyapp.models.base import utcnow
from studyapp.models.classes import STUDENT as CLASS_STUDENT
from studyapp.models.content import Passage

#: Answers that arrive this long after the deadline are still accepted (network, a slow save).
GRACE = timedelta(seconds=30)
#: The largest stored response, in characters of JSON.
MAX_RESPONSE_CHARS = 20_000
#: The largest sequence number a save may carry (below the 32-bit column's limit); a larger one is refused.
MAX_SEQ = 2**31 - 2
#: When an attempt's last sequence number comes this close to MAX_SEQ, its page restarts the count.
SEQ_HEADROOM = 2**30


class AttemptError(DomainError):
    """A request the attempt rules refuse; `message` is safe to show, `status` is the HTTP status."""

    def __init__(self, message: str, status: int = 400, *, closed: bool = False) -> None:
        super().__init__(message, status, closed=closed)
        #: The attempt no longer takes answers (submitted, or out of time).
        self.closed = closed


# --- settings ------------------------------------------------------------------------------


# --- loading -------------------------------------------------------------------------------


def get_attempt_or_404(attempt_id: int, user: User, *, items: bool = True) -> Attempt:
    """Load an attempt of `user` (any other user's attempt is "not found") with its quiz, assignment,
    items and their versions, or only the attempt when `items` is False."""
    query = select(Attempt).where(Attempt.id == attempt_id, Attempt.user_id == user.id)
    if items:
        query = query.options(
            joinedload(Attempt.quiz, innerjoin=True),
            joinedload(Attempt.assignment),
            selectinload(Attempt.items).joinedload(AttemptItem.version, innerjoin=True),
        )
    attempt = db.session.scalar(query)
    if attempt is None:
        raise NotFound()
    return attempt


def get_attempt_for_page_or_404(attempt_id: int, user: User) -> Attempt:
    """Load an attempt of `user` (any other user's attempt is "not found") with its quiz, assignment and
    class, but not its items: the attempt page reads those as plain rows (`page_items`), which cost far
    less than mapped objects the page never changes."""
    attempt = db.session.scalar(_attempt_for_page_query(), {"attempt_id": attempt_id, "user_id": user.id})
    if attempt is None:
        raise NotFound()
    return attempt


@cache
def _attempt_for_page_query() -> Select[Attempt]:
    """The query of `get_attempt_for_page_or_404`, built once (building it cost more than running it)."""
    return (
        select(Attempt)
        .where(Attempt.id == bindparam("attempt_id"), Attempt.user_id == bindparam("user_id"))
        .options(
            joinedload(Attempt.quiz, innerjoin=True),
            joinedload(Attempt.assignment).joinedload(Assignment.class_),
            defer(Attempt.pending),  # a count of answers waiting for a person: an open attempt's page never shows it
        )
    )


@dataclass(frozen=True, slots=True)
class PageItem:
    """One item of an attempt as its page reads it, with its question version's stored columns."""

    position: int
    response: dict[str, Any] | None
    response_seq: int
    saved_at: datetime | None
    max_score: float
    version_id: int
    #: The version's Markdown source and its stored HTML as JSON text (decoded only when first parsed).
    source: str
    rendered: str | None


def page_items(attempt: Attempt) -> list[PageItem]:
    """The attempt's items with their versions' sources, in order, as plain rows (one query)."""
    return [PageItem(*row) for row in db.session.execute(_page_items_query(), {"attempt_id": attempt.id})]


@cache
def _page_items_query() -> Select[int, dict[str, Any] | None, int, datetime | None, float, int, str, str | None]:
    """The query of `page_items`, built once (building it cost more than running it)."""
    return (
        select(
            AttemptItem.position,
            AttemptItem.response,
            AttemptItem.response_seq,
            AttemptItem.saved_at,
            AttemptItem.max_score,
            QuestionVersion.id,
            QuestionVersion.source,
            sql_cast(QuestionVersion.rendered, Text),
        )
        .join(QuestionVersion, AttemptItem.question_version_id == QuestionVersion.id)
        .where(AttemptItem.attempt_id == bindparam("attempt_id"))
        .order_by(AttemptItem.position)
    )


#: Positions are 32-bit integers in the database: a larger one cannot name an item.
MAX_POSITION = 2**31 - 1


# --- what an attempt shows ---------------------------------------------------------------------


class ShownItem(Protocol):
    """What a page reads of the item behind a question: an attempt's item, or a stand-in for one."""

    @property
    def position(self) -> int: ...


#: The item behind an ItemView. AttemptItem is named beside the protocol it satisfies because mypy does
#: not yet match a mapped column to a protocol property in a bound (python/mypy#20317).
ItemT = TypeVar("ItemT", bound="AttemptItem | ShownItem")


@dataclass
class ItemView(Generic[ItemT]):
    """One question of an attempt as a page shows it: no key, no correctness, no feedback."""

    item: ItemT
    question: ParsedQuestion
    options: list[tuple[str, str]] = field(default_factory=list)  # (public id, text)
    lefts: list[tuple[str, str]] = field(default_factory=list)
    response: dict[str, Any] = field(default_factory=dict)  # in public ids
    quote: str | None = None

    @property
    def position(self) -> int:
        return self.item.position

    @property
    def type(self) -> str:
        return self.question.type


def item_views(attempt: Attempt, settings: Settings) -> list[ItemView[AttemptItem]]:
    """Build what the attempt page shows, in the attempt's order, with its saved answers; each question
    is worth what its item is (a drawn slot's marks)."""
    parsed = [marked(question_of(item.version), item.max_score) for item in attempt.items]
    return _views(attempt.seed, settings, [(i, q, i.response) for i, q in zip(attempt.items, parsed)])


def page_views(attempt: Attempt, settings: Settings, items: Sequence[PageItem]) -> list[ItemView[PageItem]]:
    """What the attempt page shows of `items` (read by `page_items`), as `item_views` builds it, with each
    version parsed (and its stored HTML kept) once per process rather than once per request."""
    return _views(
        attempt.seed,
        settings,
        [
            (item, _page_question(item.version_id, item.source, item.rendered, item.max_score), item.response)
            for item in items
        ],
    )


@lru_cache(maxsize=2048)
def _page_question(version_id: int, source: str, rendered: str | None, marks: float) -> ParsedQuestion:
    """The question a version holds, worth `marks`. Versions never change; the source is part of the key
    so that an id used again (another database, as in tests) never shows another version's question."""
    stored = QuestionVersion(id=version_id, source=source, rendered=json.loads(rendered) if rendered else None)
    return marked(question_of(stored), marks)


def _views(
    seed: str, settings: Settings, shown_items: list[tuple[ItemT, ParsedQuestion, Mapping[str, Any] | None]]
) -> list[ItemView[ItemT]]:
    """One view per (item, its question, its saved response), with the options in the attempt's order."""
    quotes = evidence_quotes([question for _, question, _ in shown_items])
    views = []
    for item, question, response in shown_items:
        quote = quotes.get(question.evidence_passage) if question.type == "evidence" else None
        shown = grading.presentation(question, seed, settings.shuffle_choices, quote=quote)
        to_public = _translator(seed, question)
        views.append(
            ItemView(
                item=item,
                question=question,
                options=[(to_public(o.id), o.text) for o in shown.options],
                lefts=[(o.id, o.text) for o in shown.lefts],
                response=to_public_response(question, response or {}, to_public),
                quote=quote,
            )
        )
    return views


def _translator(seed: str, question: ParsedQuestion) -> Callable[[str], str]:
    return lambda option_id: public_id(seed, question.id, option_id)


def to_public_response(
    question: ParsedQuestion, response: Mapping[str, Any], to_public: Callable[[str], str]
) -> dict[str, Any]:
    """Rewrite the option ids in a stored response into the ids the page shows (no choice stays empty)."""
    key = grading.grader_for(question).key
    value = response.get(key)
    if key in ("choice",) and isinstance(value, str):
        return {key: to_public(value) if value else value}
    if key in ("choices", "sentences", "order") and isinstance(value, list):
        return {key: [to_public(v) for v in value]}
    if key == "matches" and isinstance(value, dict):
        return {key: {left: to_public(right) for left, right in value.items()}}
    return dict(response)


class UnknownOption(ValueError):
    """A response names an option by an id its page never showed (an authored id, or a made-up one)."""


def from_public_response(question: ParsedQuestion, response: dict, seed: str, quote: str | None) -> dict:
    """Rewrite the ids a page sent back into option ids. Only the attempt's public ids are accepted: any
    other id, an authored one (`a`) included, raises UnknownOption; an empty choice stays empty."""
    shown = grading.presentation(question, seed, False, quote=quote)
    back = {public_id(seed, question.id, o.id): o.id for o in shown.options}

    def option(value: Any) -> Any:
        if not isinstance(value, str) or value == "":
            return value  # not an id: left for check_response to judge
        if value not in back:
            raise UnknownOption(value)
        return back[value]

    key = grading.grader_for(question).key
    value = response.get(key)
    if key == "choice" and isinstance(value, str):
        return {**response, key: option(value)}
    if key in ("choices", "sentences", "order") and isinstance(value, list):
        return {**response, key: [option(v) for v in value]}
    if key == "matches" and isinstance(value, dict):
        return {**response, key: {left: option(r) for left, r in value.items()}}
    return response


# --- the student's list ----------------------------------------------------------------------


@dataclass
class QuizRow:
    quiz: Quiz
    settings: Settings
    state: Standing
    attempts_used: int
    attempts_left: int | None
    final: float | None
    max_score: float | None
    open_attempt: Attempt | None
    is_open: bool
    #: The class assignment this row is, or None for a quiz taken on its own.
    assignment: Assignment | None = None
    #: Answers of the attempts behind `final` still waiting for a person: while above 0, `final` is provisional.
    pending: int = 0
    #: The closing time has passed: no attempt starts any more.
    closed: bool = False

    @property
    def label(self) -> str:
        """The state as the pages say it: "Closed" for a quiz closed before the student began it."""
        if self.state == Standing.NOT_STARTED and self.closed:
            return "Closed"
        return self.state.label


@dataclass
class ClassQuizzes:
    """The assignments of one of the student's classes, in the class's order."""

    class_: Class
    rows: list[QuizRow]


@dataclass
class QuizList:
    """What /quizzes shows a student: each class's assignments under the class, then the quizzes on their own.

    A quiz assigned to one of the student's classes is listed once, under the class: its self-study
    copy is left out of `self_study` while the assignment exists (and cannot be started, see
    `start_attempt`), whatever the student did with it before.
    """

    classes: list[ClassQuizzes]
    self_study: list[QuizRow]


def assigned_rows(user: User, now: datetime | None = None) -> list[QuizRow]:
    """The assignments of the student's classes, by class then in each class's order, each with its state,
    graded score and attempts left (three queries; one for a student of no class)."""
    return _student_rows(user, now or utcnow(), self_study=False)[0]


def quizzes_for(user: User, now: datetime | None = None) -> QuizList:
    """The assignments of the student's classes, grouped by class, then the quizzes open to `user` on their
    own, less those assigned to one of the student's classes; each with its state, graded score and
    attempts left (four queries; three for a student of no class)."""
    assigned, alone = _student_rows(user, now or utcnow(), self_study=True)
    classes: dict[int, ClassQuizzes] = {}
    for row in assigned:
        assert row.assignment is not None
        group = classes.setdefault(row.assignment.class_id, ClassQuizzes(row.assignment.class_, []))
        group.rows.append(row)
    return QuizList(classes=list(classes.values()), self_study=alone)


def assignment_row(assignment_id: int, user: User, now: datetime | None = None) -> QuizRow | None:
    """One of the student's assignments as their quiz list shows it, or None when it is not one of theirs."""
    assigned, _ = _student_rows(user, now or utcnow(), self_study=False)
    return next((row for row in assigned if row.assignment is not None and row.assignment.id == assignment_id), None)


def _student_rows(user: User, now: datetime, *, self_study: bool) -> tuple[list[QuizRow], list[QuizRow]]:
    """The student's assignment rows and (with `self_study`) the rows of the quizzes open to them on their
    own that none of their classes assigns."""
    assignments = db.session.scalars(
        select(Assignment)
        .join(Membership, Membership.class_id == Assignment.class_id)
        .where(Membership.user_id == user.id, Membership.role == CLASS_STUDENT)
        .options(joinedload(Assignment.quiz), joinedload(Assignment.class_))
        .order_by(Assignment.class_id, Assignment.position, Assignment.id)
    ).all()
    excused = (
        set(db.session.scalars(select(Excusal.assignment_id).where(Excusal.user_id == user.id)))
        if assignments
        else set()
    )
    mine = select(Attempt).where(Attempt.user_id == user.id, Attempt.practice.is_(False))
    if not self_study:
        if not assignments:
            return [], []
        mine = mine.where(Attempt.assignment_id.in_([a.id for a in assignments]))
    attempts = db.session.scalars(mine.order_by(Attempt.started_at)).all()
    by_quiz: dict[int, list[Attempt]] = defaultdict(list)
    by_assignment: dict[int, list[Attempt]] = defaultdict(list)
    for attempt in attempts:
        if attempt.assignment_id is None:
            by_quiz[attempt.quiz_id].append(attempt)
        else:
            by_assignment[attempt.assignment_id].append(attempt)
    assigned = [
        _quiz_row(
            a.quiz,
            settings_for(a.quiz, a.overrides()),
            by_assignment.get(a.id, []),
            now,
            assignment=a,
            excused=a.id in excused,
        )
        for a in assignments
    ]
    if not self_study:
        return assigned, []
    taken = {a.quiz_id for a in assignments}
    quizzes = db.session.scalars(
        select(Quiz).where((Quiz.owner_id.is_(None)) | (Quiz.owner_id == user.id)).order_by(Quiz.slug)
    ).all()
    alone = [
        _quiz_row(quiz, settings_for(quiz), by_quiz.get(quiz.id, []), now) for quiz in quizzes if quiz.id not in taken
    ]
    return assigned, alone


def _quiz_row(
    quiz: Quiz,
    settings: Settings,
    mine: list[Attempt],
    now: datetime,
    *,
    assignment: Assignment | None = None,
    excused: bool = False,
) -> QuizRow:
    # An attempt whose time ran out is submitted at its next touch (see `finalize_expired`): never "continue" it.
    open_attempt = next(
        (a for a in mine if a.state == IN_PROGRESS and not _time_is_up(a.deadline_at, settings.closes_at, now)), None
    )
    done = [a for a in mine if a.state == SUBMITTED]
    if open_attempt:
        state = Standing.IN_PROGRESS
    else:
        over = any(a.state == IN_PROGRESS for a in mine)
        state = Standing.SUBMITTED if done or over else Standing.EXCUSED if excused else Standing.NOT_STARTED
    left = None if settings.max_attempts is None else max(0, settings.max_attempts - len(mine))
    shown = [a for a in done if a.score is not None and review_allows(settings, a, now)]
    visible = [a.score for a in shown if a.score is not None]
    return QuizRow(
        quiz=quiz,
        settings=settings,
        state=state,
        attempts_used=len(mine),
        attempts_left=left,
        final=final_score(visible, settings.grading) if visible else None,
        max_score=done[-1].max_score if done else None,
        open_attempt=open_attempt,
        is_open=settings.is_open(now),
        assignment=assignment,
        pending=sum(a.pending for a in shown),
        closed=settings.closes_at is not None and now >= settings.closes_at,
    )


def _time_is_up(deadline: datetime | None, closing: datetime | None, now: datetime) -> bool:
    """Whether answers are over: the deadline plus the grace, or the closing time, has passed."""
    return (deadline is not None and now > deadline + GRACE) or (closing is not None and now >= closing)


# --- starting --------------------------------------------------------------------------------


def choose_slots(quiz: Quiz, seed: str, settings: Settings) -> list[tuple[Question, float]]:
    """The questions of a new attempt with what each is worth in it, shuffled if the quiz says so.

    A fixed list's question is worth its own points. A drawn question is worth its draw rule's `points`
    (its slot's marks), whatever its own: so every attempt of a drawn quiz has the same maximum.
    """
    if quiz.question_ids:
        by_id = {
            q.id: q
            for q in db.session.scalars(
                select(Question)
                .where(Question.id.in_(quiz.question_ids), Question.retired.is_(False))
                .options(selectinload(Question.current_version))
            )
        }
        chosen = [(by_id[i], by_id[i].current_version.points) for i in quiz.question_ids if i in by_id]
    else:
        pool = question_pool(quiz.owner_id)
        parsed = {key: question_of(q.current_version) for key, q in pool.items()}
        rules = draw_rules_of(quiz)
        try:
            chosen = list(zip([pool[q.id] for q in draw(rules, parsed.values(), seed)], slot_points(rules)))
        except ValueError as exc:
            raise AttemptError(f"This quiz cannot be started: {exc}. Tell your instructor.", 409) from exc
    if not chosen:
        raise AttemptError("This quiz has no questions yet.", 409)
    if settings.shuffle_questions:
        chosen = grading.shuffled(chosen, seed, "questions")
    return chosen


def choose_questions(quiz: Quiz, seed: str, settings: Settings) -> list[Question]:
    """The questions of a new attempt: the quiz's list or its draw, then shuffled if the quiz says so."""
    return [question for question, _ in choose_slots(quiz, seed, settings)]


def start_attempt(
    quiz: Quiz, user: User, *, practice: bool = False, now: datetime | None = None, assignment: Assignment | None = None
) -> Attempt:
    """Resume the student's open attempt at `quiz` (or at the class `assignment` of it), or start a new
    one if the rules allow; an assignment's attempts are counted apart from the quiz's own."""
    now = now or utcnow()
    settings = settings_for(quiz, assignment.overrides() if assignment else None)
    same = Attempt.assignment_id == assignment.id if assignment else Attempt.assignment_id.is_(None)
    finalize_expired(now, user_id=user.id)
    open_attempt = db.session.scalar(
        select(Attempt).where(
            Attempt.quiz_id == quiz.id,
            Attempt.user_id == user.id,
            same,
            Attempt.practice.is_(practice),
            Attempt.state == IN_PROGRESS,
        )
    )
    if open_attempt is not None:
        return open_attempt
    if not practice:
        if assignment is None:
            _refuse_self_study_of_assigned(quiz, user)
        if not settings.is_open(now):
            raise AttemptError("This quiz is closed.", 403)
        used = db.session.execute(
            select(func.count())
            .select_from(Attempt)
            .where(Attempt.quiz_id == quiz.id, Attempt.user_id == user.id, same, Attempt.practice.is_(False))
        ).scalar_one()
        if settings.max_attempts is not None and used >= settings.max_attempts:
            raise AttemptError("You have used every attempt this quiz allows.", 403)
    seed = secrets.token_hex(8)
    slots = choose_slots(quiz, seed, settings)
    limit = settings.time_limit_minutes
    deadline = now + timedelta(minutes=limit) if limit and not practice else None
    attempt = Attempt(
        quiz_id=quiz.id,
        user_id=user.id,
        practice=practice,
        seed=seed,
        state=IN_PROGRESS,
        started_at=now,
        deadline_at=deadline,
        max_score=0.0,
        assignment_id=assignment.id if assignment else None,
    )
    for position, (question, marks) in enumerate(slots, 1):
        attempt.items.append(
            AttemptItem(
                position=position, question_version_id=question.current_version.id, max_score=marks, response_seq=0
            )
        )
    attempt.max_score = math.fsum(marks for _, marks in slots)
    db.session.add(attempt)
    db.session.flush()
    return attempt


def _refuse_self_study_of_assigned(quiz: Quiz, user: User) -> None:
    """Refuse a new attempt at `quiz` on its own while one of the student's classes assigns it (one query).

    The class's assignment is the quiz for them: its dates, time limit and attempts hold, and its
    attempts are the ones their instructor sees. A copy on the side would let them see the questions
    before the assignment opens, or take it again past its limits. An attempt at the quiz on its own
    already open when it was assigned can still be finished; practice by theme stays open to all.
    """
    names = db.session.scalars(
        select(Class.name)
        .join(Assignment, Assignment.class_id == Class.id)
        .join(Membership, Membership.class_id == Class.id)
        .where(Assignment.quiz_id == quiz.id, Membership.user_id == user.id, Membership.role == CLASS_STUDENT)
        .order_by(Class.name)
        .distinct()
    ).all()
    if names:
        raise AttemptError(
            f"{quiz.title} is assigned to your class {' and '.join(names)}: "
            "take it there, under the class's name on your quiz list.",
            409,
        )


# --- saving ----------------------------------------------------------------------------------


#: When an attempt's quiz closes: its class assignment's closing time, else the quiz's own (as `settings_for`).
CLOSING = func.coalesce(Assignment.closes_at, Quiz.closes_at)


def _closing_of_attempt():
    """`CLOSING` as subqueries correlated to the attempts row being updated (an UPDATE has no joins)."""
    return func.coalesce(
        select(Assignment.closes_at).where(Assignment.id == Attempt.assignment_id).scalar_subquery(),
        select(Quiz.closes_at).where(Quiz.id == Attempt.quiz_id).scalar_subquery(),
    )


def _lock_open_attempt(attempt_id: int, now: datetime) -> Attempt:
    """Re-read the attempt under a shared row lock (PostgreSQL; SQLite's write lock is already held)
    so that a save and a submit never interleave; refuse if it is no longer open."""
    state, deadline, practice, closing = db.session.execute(
        select(Attempt.state, Attempt.deadline_at, Attempt.practice, CLOSING)
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .outerjoin(Assignment, Assignment.id == Attempt.assignment_id)
        .where(Attempt.id == attempt_id)
        .with_for_update(read=True, of=Attempt)
    ).one()
    _refuse_unless_open(state, deadline, practice, closing, now)
    return db.session.get_one(Attempt, attempt_id)


def _refuse_unless_open(
    state: str, deadline: datetime | None, practice: bool, closing: datetime | None, now: datetime
) -> None:
    if state != IN_PROGRESS:
        raise AttemptError("This attempt has been submitted; answers can no longer change.", 409, closed=True)
    if deadline is not None and now > deadline + GRACE:
        raise AttemptError("Time is up: answers after the deadline are not accepted.", 409, closed=True)
    if not practice and closing is not None and now >= closing:
        raise AttemptError("This quiz has closed: answers after its closing time are not accepted.", 409, closed=True)


def item_for_save(
    attempt_id: int, user: User, position: int | None, now: datetime
) -> tuple[Attempt, AttemptItem | None]:
    """A save's whole read in one query: the attempt of `user`, share-locked as `_lock_open_attempt` locks it
    and checked open, with its item at `position` and the item's version. Another user's attempt is "not
    found"; one no longer open raises AttemptError(409); the item is None for a position the attempt does
    not hold. Pass the item to `save_response(..., locked=True)`."""
    if position is not None and 1 <= position <= MAX_POSITION:
        row = db.session.execute(
            select(AttemptItem, Attempt, CLOSING)
            .join(Attempt, Attempt.id == AttemptItem.attempt_id)
            .join(Quiz, Quiz.id == Attempt.quiz_id)
            .outerjoin(Assignment, Assignment.id == Attempt.assignment_id)
            .where(Attempt.id == attempt_id, Attempt.user_id == user.id, AttemptItem.position == position)
            .options(joinedload(AttemptItem.version, innerjoin=True))
            .with_for_update(read=True, of=Attempt)
        ).first()
        if row is not None:
            item, attempt, closing = row
            _refuse_unless_open(attempt.state, attempt.deadline_at, attempt.practice, closing, now)
            return attempt, item
    return get_attempt_or_404(attempt_id, user, items=False), None


def closes_at(attempt: Attempt) -> datetime | None:
    """When the attempt's quiz (or its class assignment, which overrides it) stops taking answers;
    None for practice, which never closes."""
    if attempt.practice:
        return None
    return attempt_settings(attempt)[1].closes_at


def save_response(
    attempt: Attempt,
    position: int,
    response: Any,
    seq: int | None,
    now: datetime | None = None,
    *,
    item: AttemptItem | None = None,
    locked: bool = False,
) -> int:
    """Store one answer if it is valid and newer than the stored one; return the sequence number kept.

    `seq` is the client's sequence number for this attempt; None lets the server number the save
    (forms posted without JavaScript). A stale or replayed save raises AttemptError(409). `item` is
    the attempt's item at `position` when the caller has it (else it is found in `attempt.items`);
    `locked` says the caller has already locked the attempt and checked it open (`item_for_save`).
    """
    now = now or utcnow()
    if seq is not None and not 1 <= seq <= MAX_SEQ:
        raise AttemptError(f"Question {position}: a save's sequence number runs from 1 to {MAX_SEQ:,}.", 400)
    if not locked:
        _lock_open_attempt(attempt.id, now)
    if item is None:
        item = next((i for i in attempt.items if i.position == position), None)
    if item is None:
        raise AttemptError(f"Question {position} is not part of this attempt.", 400)
    question = question_of(item.version)
    quote = evidence_quotes([question]).get(question.evidence_passage) if question.type == "evidence" else None
    if not isinstance(response, dict):
        raise AttemptError("An answer must be an object.", 400)
    try:
        response = from_public_response(question, response, attempt.seed, quote)
    except UnknownOption as exc:
        shown = str(exc)[:40]
        raise AttemptError(
            f"Question {position}: {shown!r} is not a choice of this question as this page shows it; reload the page.",
            400,
        ) from exc
    problems = grading.check_response(question, response, quote=quote)
    if problems:
        raise AttemptError(f"Question {position}: " + "; ".join(problems), 400)
    if len(json.dumps(response)) > MAX_RESPONSE_CHARS:
        raise AttemptError(
            f"Question {position}: the answer is too long (at most {MAX_RESPONSE_CHARS:,} characters).", 413
        )
    if seq is None:
        seq = (
            db.session.scalar(select(func.max(AttemptItem.response_seq)).where(AttemptItem.attempt_id == attempt.id))
            or 0
        ) + 1
        if seq > MAX_SEQ:
            _restart_sequence(attempt)
            seq = 1
    # A bulk UPDATE without RETURNING gives a CursorResult; Session.execute is typed to return a Result.
    result = cast(
        CursorResult[Any],
        db.session.execute(
            update(AttemptItem)
            .where(AttemptItem.id == item.id, AttemptItem.response_seq < seq)
            .values(response=response, response_seq=seq, saved_at=now)
            .execution_options(synchronize_session=False)
        ),
    )
    if result.rowcount != 1:
        raise AttemptError(
            "A newer answer to this question was already saved (from another window?). Reload the page to see it.", 409
        )
    db.session.expire(item)
    return seq


def save_responses(attempt: Attempt, responses: dict[int, Any]) -> dict[int, str]:
    """Save the answers of one page (no sequence numbers); return the refused ones' messages by position.

    Each answer stands alone in a savepoint: one refused answer is reported and the others are kept.
    An attempt that no longer takes answers (submitted, out of time) raises, and nothing is kept.
    """
    refused = {}
    for position, response in responses.items():
        try:
            with db.session.begin_nested():
                save_response(attempt, position, response, None)
        except AttemptError as exc:
            if exc.closed:
                raise
            refused[position] = exc.message
    return refused


def last_seq(attempt: Attempt) -> int:
    return max((item.response_seq for item in attempt.items), default=0)


def page_seq(attempt: Attempt, items: Sequence[PageItem] | None = None) -> int:
    """The sequence number a page of the open attempt counts its saves from: the attempt's last one, or
    0 after restarting the count when it has come within SEQ_HEADROOM of MAX_SEQ (the last
    column value), so that no question is ever left unable to take a newer save. `items`, when given,
    are all of the attempt's items as `page_items` read them."""
    seq = last_seq(attempt) if items is None else max((item.response_seq for item in items), default=0)
    if seq <= MAX_SEQ - SEQ_HEADROOM:
        return seq
    _restart_sequence(attempt)
    return 0


def _restart_sequence(attempt: Attempt) -> None:
    """Set the sequence of every answer of the attempt back to 0: any save numbered from 1 is newer.
    (A save from another window numbered before the restart may then land over a newer one; only a
    page that has sent about a billion saves, or a forged one, gets here.)"""
    db.session.execute(
        update(AttemptItem)
        .where(AttemptItem.attempt_id == attempt.id)
        .values(response_seq=0)
        .execution_options(synchronize_session=False)
    )
    for item in attempt.items:
        db.session.expire(item)


# --- submitting and grading ---------------------------------------------------------------------


def submit(attempt: Attempt, now: datetime | None = None, *, automatic: bool = False) -> bool:
    """Close the attempt and grade it, exactly once; return False if it was already submitted.

    The state changes by compare-and-set: of two concurrent submits, one updates the row and
    the other finds it already submitted. Without a given `now`, the clock is read once the row is
    locked: a save in flight holds it share-locked, so its answer, which this grading reads, is never
    stamped later than the submission.
    """
    if now is None:
        db.session.execute(select(Attempt.id).where(Attempt.id == attempt.id).with_for_update())
        now = utcnow()
    # Late or not is decided here, in the same statement, against the closing time in force now, and stored.
    closing = _closing_of_attempt()
    late = Attempt.practice.is_(False) & closing.is_not(None) & (closing < now)
    # A bulk UPDATE without RETURNING gives a CursorResult; Session.execute is typed to return a Result.
    result = cast(
        CursorResult[Any],
        db.session.execute(
            update(Attempt)
            .where(Attempt.id == attempt.id, Attempt.state == IN_PROGRESS)
            .values(state=SUBMITTED, submitted_at=now, auto_submitted=automatic, late=late)
            .execution_options(synchronize_session=False)
        ),
    )
    if result.rowcount != 1:
        db.session.expire(attempt)
        return False
    db.session.expire(attempt)
    grade_attempt(attempt)
    return True


def grade_attempt(attempt: Attempt) -> None:
    """Grade every item from its stored answer; essays wait for a person.

    The items are read again, overwriting any copy loaded before the attempt closed: a save may
    have committed in between, and the grade must be of the answer that is stored.
    """
    items = db.session.scalars(
        select(AttemptItem)
        .where(AttemptItem.attempt_id == attempt.id)
        .options(selectinload(AttemptItem.version))
        .order_by(AttemptItem.position)
        .execution_options(populate_existing=True)
    ).all()
    parsed = [marked(question_of(item.version), item.max_score) for item in items]
    quotes = evidence_quotes(parsed)
    for item, question in zip(items, parsed):
        if question.type == "essay" and item.status is not None and item.graded_by_id is not None:
            continue  # a person's grade stands
        result = grading.grade(question, item.response or {}, quote=quotes.get(question.evidence_passage))
        answered = grading.is_answered(question, item.response or {})
        item.score = result.score if (answered or question.type != "essay") else 0.0
        item.status = result.status if answered else grading.UNANSWERED
    attempt.score = sum(item.score or 0.0 for item in items)
    db.session.flush()
    db.session.expire(attempt, ["pending"])  # counted again, from the statuses just written
    events.attempt_graded.send(attempt, now=utcnow())


def check_answers(attempt: Attempt, now: datetime | None = None) -> None:
    """Announce that a practice page's answers were saved and checked (the review queue counts the misses)."""
    if attempt.practice:
        events.answer_checked.send(attempt, now=now or utcnow())


def finalize_expired(
    now: datetime | None = None,
    *,
    user_id: int | None = None,
    quiz_id: int | None = None,
    assignment_id: int | None = None,
    skip_locked: bool = False,
) -> int:
    """Submit, automatically and with the answers they saved, the open attempts whose time (plus the
    grace) ran out or whose quiz or assignment has closed; only `user_id`'s, or only those at
    `quiz_id` (and `assignment_id`, None meaning the quiz taken on its own), when given. An attempt
    submitted after the close is marked late (`submit` decides and stores it).

    With `skip_locked` (the background job and cron, which may run on every instance at once) the
    attempts are row-locked as they are read, and one another finalizer or a save in flight holds is
    passed over, left to the next run: two finalizers never wait for each other nor grade one attempt
    twice. (SQLite has no row locks; its single writer does the same. The compare-and-set in `submit`
    is what makes a second submission impossible either way.)"""
    now = now or utcnow()
    closing = CLOSING
    query = (
        select(Attempt)
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .outerjoin(Assignment, Assignment.id == Attempt.assignment_id)
        .where(
            Attempt.state == IN_PROGRESS,
            (Attempt.deadline_at.is_not(None) & (Attempt.deadline_at < now - GRACE))
            | (Attempt.practice.is_(False) & closing.is_not(None) & (closing <= now)),
        )
        .order_by(Attempt.id)
    )
    if user_id is not None:
        query = query.where(Attempt.user_id == user_id)
    if quiz_id is not None:
        query = query.where(Attempt.quiz_id == quiz_id)
        same = Attempt.assignment_id.is_(None) if assignment_id is None else Attempt.assignment_id == assignment_id
        query = query.where(same)
    if skip_locked:
        query = query.with_for_update(skip_locked=True, of=Attempt)
    count = 0
    for attempt in db.session.scalars(query).all():
        count += submit(attempt, now, automatic=True)
    return count


def finalize_closed_with(attempt: Attempt, now: datetime | None = None) -> int:
    """Before the review of `attempt` is shown: submit every open attempt at the same quiz or assignment
    (anyone's) that its close or its time limit has ended, so that no "after close" review opens while
    an attempt of it is still open."""
    return finalize_expired(now, quiz_id=attempt.quiz_id, assignment_id=attempt.assignment_id)


def is_finished(attempt: Attempt, now: datetime) -> bool:
    """Whether an open attempt is over (its deadline plus the grace, or its quiz's close, has passed):
    the next touch submits it."""
    return attempt.state == IN_PROGRESS and _time_is_up(attempt.deadline_at, closes_at(attempt), now)


def open_attempts_at(assignment: Assignment) -> int:
    """How many attempts at a class assignment are still open (one query)."""
    return db.session.execute(
        select(func.count())
        .select_from(Attempt)
        .where(Attempt.assignment_id == assignment.id, Attempt.state == IN_PROGRESS, Attempt.practice.is_(False))
    ).scalar_one()


def close_assignment_now(assignment: Assignment, now: datetime | None = None) -> int:
    """Close a class assignment at this moment: its closing time becomes `now`, so no attempt starts or
    takes an answer from now on, and every attempt of it still open is submitted with the answers it
    saved. Those are submitted at the close, not after it, so they are not late; submissions made
    before keep their lateness (it was decided when each was made). Returns how many were submitted.

    An assignment already closed, or not yet open, is refused: its dates are changed on its form instead.
    """
    now = now or utcnow()
    settings = settings_for(assignment.quiz, assignment.overrides())
    if settings.closes_at is not None and settings.closes_at <= now:
        raise AttemptError(f"{assignment.title} closed on {settings.closes_at:%-d %B %Y at %H:%M} UTC already.", 409)
    if settings.opens_at is not None and settings.opens_at > now:
        raise AttemptError(
            f"{assignment.title} opens on {settings.opens_at:%-d %B %Y at %H:%M} UTC: it cannot close before it "
            "opens. Change its dates instead, or remove it.",
            409,
        )
    assignment.closes_at = now
    db.session.flush()
    return finalize_expired(now, quiz_id=assignment.quiz_id, assignment_id=assignment.id)


def minutes_left(attempt: Attempt, now: datetime) -> int | None:
    """Whole minutes until a timed attempt's deadline (0 once it has passed); None without a time limit."""
    if attempt.deadline_at is None:
        return None
    return max(0, int((attempt.deadline_at - now).total_seconds() // 60))


def give_extra_time(attempt: Attempt, minutes: int) -> None:
    """Move an open timed attempt's deadline (an accommodation for one student, WCAG 2.2.1)."""
    if attempt.state != IN_PROGRESS or attempt.deadline_at is None:
        raise AttemptError("Only an open, timed attempt can be given extra time.", 409)
    if not 1 <= minutes <= 600:
        raise AttemptError("Extra time must be between 1 and 600 minutes.", 400)
    attempt.deadline_at = attempt.deadline_at + timedelta(minutes=minutes)
    db.session.flush()


# --- review ----------------------------------------------------------------------------------


@dataclass
class ReviewItem:
    view: ItemView[AttemptItem]
    grade: grading.Grade
    correct: dict[str, Any] | None
    passage: Passage | None
    #: Words of the passage to highlight when the student follows the link (a URL text fragment).
    highlight: str = ""


def evidence_words(question: ParsedQuestion, passages: list[Passage]) -> tuple[Passage | None, str]:
    """The passage that answers a question and the words in it to highlight (`core.highlight`)."""
    found = highlight(question, [(p.slug, p.quote_text) for p in passages])
    return (passages[found.passage], found.words) if found else (None, "")


def review_items(attempt: Attempt, settings: Settings) -> list[ReviewItem]:
    """Each question of a submitted attempt with the answer, its grade, the key and the passage."""
    views = item_views(attempt, settings)
    slugs = {slug for v in views for slug in v.question.passages}
    passages = {p.slug: p for p in db.session.scalars(select(Passage).where(Passage.slug.in_(slugs)))}
    items = []
    for view in views:
        question = view.question
        if question.type == "essay" and view.item.score is not None and view.item.graded_by_id is not None:
            result = grading.grade_essay(question, view.item.score)  # its comment shows once, as the comment
        else:
            result = grading.grade(question, view.item.response or {}, quote=view.quote)
        correct = grading.correct_response(question, quote=view.quote)
        to_public = _translator(attempt.seed, question)
        passage, words = evidence_words(question, [passages[slug] for slug in question.passages if slug in passages])
        items.append(
            ReviewItem(
                view=view,
                grade=result,
                correct=to_public_response(question, correct, to_public) if correct else None,
                passage=passage,
                highlight=words,
            )
        )
    return items


# --- instructors: essays, extra time, regrading ----------------------------------------------------


def get_managed_attempt_or_404(attempt_id: int, user: User) -> Attempt:
    """Load an attempt for an instructor who may manage it; anyone else gets 404."""
    attempt = db.session.scalar(
        select(Attempt)
        .where(Attempt.id == attempt_id)
        .options(selectinload(Attempt.items).selectinload(AttemptItem.version))
    )
    if attempt is None or not classes.can_manage_attempt(user, attempt):
        raise NotFound()
    return attempt


def recompute_score(attempt: Attempt) -> None:
    """Total the item scores (ungraded essays count 0 until graded)."""
    attempt.score = sum(item.score or 0.0 for item in attempt.items)


def grade_essay_item(
    attempt: Attempt, position: int, awarded: str, comment: str, grader: User, now: datetime | None = None
) -> AttemptItem:
    """Record a person's score and comment for an essay; the attempt's total follows."""
    item = next((i for i in attempt.items if i.position == position), None)
    if item is None:
        raise AttemptError(f"Question {position} is not part of this attempt.", 404)
    if attempt.state != SUBMITTED:
        raise AttemptError("Only a submitted attempt can be graded.", 409)
    question = marked(question_of(item.version), item.max_score)  # out of the item's marks
    try:
        result = grading.grade_essay(question, awarded, comment)
    except ValueError as exc:
        raise AttemptError(f"Question {position}: {exc}.", 400) from exc
    item.score, item.status = result.score, result.status
    item.comment = comment.strip()
    item.graded_by_id, item.graded_at = grader.id, now or utcnow()
    recompute_score(attempt)
    db.session.flush()
    db.session.expire(attempt, ["pending"])
    events.essay_graded.send(item, grader_id=grader.id, now=item.graded_at)
    return item


def grading_queue(user: User) -> list[AttemptItem]:
    """Essay answers waiting for a person, oldest first, among the attempts `user` may manage, with their
    attempts, class assignments and classes (four queries, whatever the length of the queue)."""
    query = (
        select(AttemptItem)
        .join(Attempt)
        .where(AttemptItem.status == grading.UNGRADED, Attempt.state == SUBMITTED)
        .options(
            selectinload(AttemptItem.attempt).selectinload(Attempt.assignment).joinedload(Assignment.class_),
            selectinload(AttemptItem.version),
        )
        .order_by(Attempt.submitted_at, AttemptItem.position)
    )
    if not user.is_admin:
        query = query.where(Attempt.assignment_id.in_(classes.assignments_taught_by(user)))
    return list(db.session.scalars(query))


@dataclass
class RegradeReport:
    regraded: list[tuple[int, int, float | None, float | None]] = field(default_factory=list)
    skipped: list[tuple[int, int, str]] = field(default_factory=list)


def regrade(question: Question, actor: User | None, now: datetime | None = None) -> RegradeReport:
    """Grade again, against the question's current answer key, every submitted answer to its older versions.

    The attempt keeps the version it showed; the item records the new score and a note the student
    sees at review. A question of a fixed list is then worth the corrected question's points; one drawn
    into a slot stays worth the slot's marks. Answers that no longer fit the corrected question are left
    as they were and reported.
    """
    now = now or utcnow()
    current = question.current_version
    key = question_of(current)
    quote = evidence_quotes([key]).get(key.evidence_passage)
    report = RegradeReport()
    items = db.session.scalars(
        select(AttemptItem)
        .join(Attempt)
        .join(QuestionVersion)
        .where(
            QuestionVersion.question_id == question.id,
            QuestionVersion.number < current.number,
            Attempt.state == SUBMITTED,
        )
        .options(selectinload(AttemptItem.attempt).options(selectinload(Attempt.items), joinedload(Attempt.quiz)))
    ).all()
    for item in items:
        if key.type == "essay":
            report.skipped.append((item.attempt_id, item.position, "essays are graded by a person"))
            continue
        if _options(question_of(item.version)) != _options(key):
            report.skipped.append(
                (item.attempt_id, item.position, "the question's options changed, not only its answer key")
            )
            continue
        response = item.response or {}
        problems = grading.check_response(key, response, quote=quote)
        if problems:
            report.skipped.append((item.attempt_id, item.position, "; ".join(problems)))
            continue
        drawn = not item.attempt.quiz.question_ids
        worth = item.max_score if drawn else key.points
        result = grading.grade(marked(key, worth), response, quote=quote)
        before = item.score
        item.score = result.score if grading.is_answered(key, response) else 0.0
        item.status = result.status if grading.is_answered(key, response) else grading.UNANSWERED
        item.max_score = worth
        note = (
            f"Regraded on {now:%d %B %Y} after the answer key was corrected (version {current.number}): "
            f"{points(before)} → {points(item.score)} points."
        )
        item.comment = (item.comment + "\n" if item.comment else "") + note
        recompute_score(item.attempt)
        item.attempt.max_score = sum(i.max_score for i in item.attempt.items)
        report.regraded.append((item.attempt_id, item.position, before, item.score))
    db.session.flush()
    if report.regraded:
        events.attempts_regraded.send(question, items=[(a, p) for a, p, _, _ in report.regraded], now=now)
    return report


def _options(question: ParsedQuestion) -> tuple:
    """What a student chose among: regrading is safe only when this is unchanged."""
    return (
        question.type,
        tuple(c.text for c in question.choices),
        frozenset(question.items),
        tuple(p.left for p in question.pairs),
        frozenset(p.right for p in question.pairs) | set(question.distractors),
        len(question.blanks),
        question.evidence_passage,
    )
