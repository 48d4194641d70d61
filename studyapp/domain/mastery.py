"""Progress: the review queue, mastery by theme, the dashboard, study guides and class overviews.

The numbers come from the pure functions of studyapp.core.mastery (docs/statistics.md defines
them); this module gathers the answers they rest on, each page in a fixed number of queries
whatever the amount of data. Services take plain data and an explicit actor, flush, and never
commit: the request commits once.

Which answers count follows the quiz's review policy (studyapp.domain.quizzes.review_allows):
a student's own numbers and queue use only the answers the student may already see, so the
progress pages never reveal a score or a key early. Practice answers count as soon as they are
checked. Whose answers a viewer's figures rest on is a `Scope` (see `scope_for`): the student
sees all their own, an admin everything, and an instructor only the answers given to the
assignments of the classes they teach the student in, under the student's release rules.
Essays never enter the review queue: only a person can grade them. Review sessions are in
studyapp.domain.reviews.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, load_only, selectinload

from studyapp.core import grading
from studyapp.core.mastery import (
    DEVELOPING_FROM,
    Answer,
    Mastery,
    Totals,
    due_at,
    mastery,
    new_card,
    overview_from_totals,
    review,
    totals_by_theme,
)
from studyapp.core.qformat import Question as ParsedQuestion
from studyapp.domain import events, points, questions, quizzes
from studyapp.domain.content import list_themes
from studyapp.domain.errors import NotFound
from studyapp.domain.questions import marked, question_of
from studyapp.extensions import db
from studyapp.models import (
    Assignment,
    Attempt,
    AttemptItem,
    Class,
    Membership,
    Passage,
    Question,
    QuestionVersion,
    Quiz,
    ReviewCard,
    ReviewMiss,
    Theme,
    User,
)
from studyapp.models.attempts import SUBMITTED
from studyapp.models.base import id_batches, utcnow
from studyapp.models.classes import INSTRUCTOR as CLASS_INSTRUCTOR
from studyapp.models.classes import STUDENT as CLASS_STUDENT

#: Attempts listed (and drawn in the trend chart) on the dashboard.
RECENT_ATTEMPTS = 20
#: Passages suggested under "read next".
READ_NEXT = 3
#: A student is flagged when a theme's mastery is under this...
LOW_MASTERY = DEVELOPING_FROM
#: ...and rests on at least this many answers (fewer say too little).
LOW_MASTERY_MIN_ANSWERS = 3
#: A student is flagged when they have not answered or reviewed anything for this long.
INACTIVE_AFTER = timedelta(days=14)
ESSAY = "essay"


def new_seed() -> str:
    return secrets.token_hex(8)


# --- who may see whose progress ----------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Which of a student's answers a viewer's progress figures rest on.

    `classes` None counts every answer the student gave (their own pages, an admin's view);
    otherwise only the answers given to the assignments of these classes count (an instructor's
    view: no other class's work, no self-study, no practice). With `released_only`, an answer
    counts only once its quiz's review policy shows it to the student.
    """

    classes: tuple[Class, ...] | None = None
    released_only: bool = True

    @property
    def class_ids(self) -> list[int] | None:
        return None if self.classes is None else [c.id for c in self.classes]


#: The student's own pages: every answer they may already see.
OWN = Scope()
#: An admin's view: every answer, released or not.
EVERYTHING = Scope(released_only=False)


def shared_classes(viewer: User, student: User) -> list[Class]:
    """The classes `viewer` teaches and `student` is now on the roster of, by name (one query)."""
    taught, enrolled = aliased(Membership), aliased(Membership)
    return list(
        db.session.scalars(
            select(Class)
            .join(
                taught, and_(taught.class_id == Class.id, taught.user_id == viewer.id, taught.role == CLASS_INSTRUCTOR)
            )
            .join(
                enrolled,
                and_(enrolled.class_id == Class.id, enrolled.user_id == student.id, enrolled.role == CLASS_STUDENT),
            )
            .order_by(Class.name, Class.id)
        )
    )


def scope_for(viewer: User, student: User) -> Scope | None:
    """Return which of `student`'s answers `viewer` may see, or None when none at all: the one place that decides it.

    A student sees all their own (as released), an admin everything, and an instructor the
    answers to the assignments of the classes they teach the student in now (the union of
    those classes' assignments when there are several), as released to the student. Taking
    the student off the roster, or the instructor off the class, ends it.
    """
    if viewer.id == student.id:
        return OWN
    if viewer.is_admin:
        return EVERYTHING
    if not viewer.is_instructor:
        return None
    classes = shared_classes(viewer, student)
    return Scope(tuple(classes)) if classes else None


def can_view_student(viewer: User, student: User) -> bool:
    """Tell whether `viewer` may see anything of `student`'s progress (see `scope_for`)."""
    return scope_for(viewer, student) is not None


def get_student_scope_or_404(user_id: int, viewer: User) -> tuple[User, Scope]:
    """Load a student whose progress `viewer` may see, with what `viewer` may see of it; anyone else is "not found"."""
    student = db.session.get(User, user_id)
    scope = None if student is None else scope_for(viewer, student)
    if student is None or scope is None:
        raise NotFound()
    return student, scope


def get_student_or_404(user_id: int, viewer: User) -> User:
    """Load a student whose progress `viewer` may see; anyone else is "not found"."""
    return get_student_scope_or_404(user_id, viewer)[0]


def _in_classes(class_ids: Sequence[int] | None):
    """A condition on `Attempt`: started from an assignment of one of these classes (None: any attempt)."""
    if class_ids is None:
        return None
    return Attempt.assignment_id.in_(select(Assignment.id).where(Assignment.class_id.in_(class_ids)))


# --- the answers progress rests on ----------------------------------------------------------------


class GradedAnswer(NamedTuple):
    """One graded answer of a quiz or practice item, with what mastery and the queue need of it."""

    user_id: int
    item_id: int
    question_id: int
    question_type: str
    themes: tuple[str, ...]
    passages: tuple[str, ...]
    score: float
    max_score: float
    answered_at: datetime
    practice: bool

    @property
    def fraction(self) -> float:
        return self.score / self.max_score if self.max_score else 1.0

    @property
    def missed(self) -> bool:
        return self.max_score > 0 and self.score < self.max_score - 1e-9

    @property
    def queueable(self) -> bool:
        """A miss the review queue takes: anything but an essay, which only a person can grade."""
        return self.missed and self.question_type != ESSAY

    def as_mastery_answer(self) -> Answer:
        return Answer(self.themes, self.score, self.max_score, self.answered_at)


#: An attempt with its quiz and its class assignment (None for a quiz taken on its own).
AttemptOf = tuple[Attempt, Quiz, Assignment | None]


def _answer_query():
    """Plain columns of each item, with the id of its review miss when the queue has counted it.

    `_collect` loads the attempts and the question versions the items belong to once each,
    rather than once per item (a student's term is hundreds of items).
    """
    return (
        select(
            AttemptItem.id,
            AttemptItem.score,
            AttemptItem.max_score,
            AttemptItem.status,
            AttemptItem.saved_at,
            AttemptItem.attempt_id,
            AttemptItem.question_version_id,
            ReviewMiss.attempt_item_id,
        )
        .join(Attempt, AttemptItem.attempt_id == Attempt.id)
        .outerjoin(ReviewMiss, ReviewMiss.attempt_item_id == AttemptItem.id)
    )


def _graded_rows(
    user_ids: Sequence[int], class_ids: Sequence[int] | None = None, *, missed_only: bool = False
) -> Sequence[Any]:
    """Rows of `_answer_query` for every item of these users that may count: submitted, or saved in practice;
    with `class_ids`, only the items of attempts at those classes' assignments; with `missed_only`, only
    submitted items graded short of full marks."""
    query = _answer_query().where(
        Attempt.user_id.in_(user_ids),
        (Attempt.state == SUBMITTED) | (Attempt.practice.is_(True) & AttemptItem.saved_at.is_not(None)),
    )
    if missed_only:
        query = query.where(Attempt.state == SUBMITTED, AttemptItem.score < AttemptItem.max_score)
    within = _in_classes(class_ids)
    if within is not None:
        query = query.where(within)
    return db.session.execute(query.order_by(AttemptItem.id)).all()


def _attempts_query():
    """Attempts with their quizzes and class assignments, as `AttemptOf` rows."""
    return (
        select(Attempt, Quiz, Assignment)
        .join(Quiz, Attempt.quiz_id == Quiz.id)
        .outerjoin(Assignment, Attempt.assignment_id == Assignment.id)
    )


def _attempts_of(rows: Sequence[Any]) -> dict[int, AttemptOf]:
    """The attempts the rows of `_answer_query` belong to, with their quizzes and assignments (one query
    per 10,000 attempts: `id_batches`)."""
    return {
        found[0].id: found
        for batch in id_batches(row[5] for row in rows)
        for found in db.session.execute(_attempts_query().where(Attempt.id.in_(batch)))
    }


def _versions_of(rows: Sequence[Any]) -> dict[int, tuple[int, str, tuple[str, ...], tuple[str, ...]]]:
    """The question id, type, themes and passages of the versions the rows of `_answer_query` answer (one query)."""
    ids = {row[6] for row in rows}
    if not ids:
        return {}
    return {
        version_id: (question_id, kind, tuple(themes or ()), tuple(passages or ()))
        for version_id, question_id, kind, themes, passages in db.session.execute(
            select(
                QuestionVersion.id,
                QuestionVersion.question_id,
                QuestionVersion.type,
                QuestionVersion.themes,
                QuestionVersion.passages,
            ).where(QuestionVersion.id.in_(ids))
        )
    }


def review_open(quiz: Quiz, assignment: Assignment | None, attempt: Attempt, now: datetime) -> bool:
    """Tell whether the student may see this attempt's scores and answers now (the quiz's own rule)."""
    settings = quizzes.settings_for(quiz, assignment.overrides() if assignment else None)
    return quizzes.review_allows(settings, attempt, now)


def graded_answers(
    user_ids: Iterable[int], now: datetime, *, as_student: bool = True, class_ids: Sequence[int] | None = None
) -> list[GradedAnswer]:
    """Return every graded answer of these users, oldest first, in at most five queries.

    Submitted attempts count item by item (an essay once a person has graded it); practice
    answers count as soon as they are saved and checked, graded on the spot. With
    `as_student`, graded attempts count only once their review shows the score, so a
    student's own pages never reveal it early (`as_student=False`, an admin's view, counts all).
    With `class_ids`, only the answers to those classes' assignments count (no practice).
    A practice question left unanswered is not counted: stopping early is not a wrong answer.
    """
    user_ids = list(dict.fromkeys(user_ids))
    if not user_ids:
        return []
    rows = _graded_rows(user_ids, class_ids)
    answers, _pending = _collect(rows, _attempts_of(rows), now, released_only=as_student)
    answers.sort(key=lambda a: (a.answered_at, a.item_id))
    return answers


def _collect(
    rows: Sequence[Any], attempts: dict[int, AttemptOf], now: datetime, *, released_only: bool
) -> tuple[list[GradedAnswer], list[GradedAnswer]]:
    """Turn rows of `_answer_query` into graded answers (grading open practice answers on the spot).

    `attempts` holds at least the attempts of the rows. Also returns the misses among the answers
    that may now join the review queue but have not yet (see `pending_misses`), in the rows' order.
    """
    answers, pending, live = [], [], []
    versions = _versions_of(rows)
    # attempt id -> (the attempt, its student, practice, submitted, review open, when an unsaved answer was given)
    facts: dict[int, tuple[Attempt, int, bool, bool, bool, datetime]] = {}
    for item_id, score, max_score, status, saved_at, attempt_id, version_id, counted in rows:
        known = facts.get(attempt_id)
        if known is None:
            if attempt_id not in attempts:
                continue  # deleted since the rows were read
            attempt, quiz, assignment = attempts[attempt_id]
            submitted = attempt.state == SUBMITTED
            known = facts[attempt_id] = (
                attempt,
                attempt.user_id,
                attempt.practice,
                submitted,
                submitted and review_open(quiz, assignment, attempt, now),
                attempt.submitted_at or attempt.started_at,
            )
        attempt, user_id, practice, submitted, released, unsaved_at = known
        question_id, kind, themes, passages = versions[version_id]
        if not submitted:
            if practice and saved_at is not None and kind != ESSAY:
                live.append((item_id, saved_at, attempt))
            continue
        if released_only and not released:
            continue
        if not points.counts(score, status, practice):
            continue
        answer = GradedAnswer(
            user_id, item_id, question_id, kind, themes, passages, score, max_score, saved_at or unsaved_at, practice
        )
        answers.append(answer)
        if counted is None and released and answer.queueable:
            pending.append(answer)
    return answers + _grade_live_practice(live), pending


def _grade_live_practice(live: list[tuple[int, datetime, Attempt]]) -> list[GradedAnswer]:
    """Grade the checked answers of open practice attempts (two queries, none when there are none)."""
    if not live:
        return []
    items = {
        item.id: item
        for item in db.session.scalars(
            select(AttemptItem)
            .where(AttemptItem.id.in_([item_id for item_id, *_ in live]))
            .options(selectinload(AttemptItem.version))
        )
    }
    # Each out of its item's marks (a drawn slot's), as the attempt will be graded when it is submitted.
    parsed = {item_id: marked(question_of(item.version), item.max_score) for item_id, item in items.items()}
    quotes = questions.evidence_quotes(list(parsed.values()))
    answers = []
    for item_id, saved_at, attempt in live:
        item, question = items[item_id], parsed[item_id]
        response = item.response or {}
        if not grading.is_answered(question, response):
            continue
        result = grading.grade(question, response, quote=quotes.get(question.evidence_passage))
        if result.score is None:
            continue
        answers.append(
            GradedAnswer(
                attempt.user_id,
                item_id,
                item.version.question_id,
                question.type,
                tuple(item.version.themes or ()),
                tuple(item.version.passages or ()),
                result.score,
                result.max_score,
                saved_at,
                True,
            )
        )
    return answers


# --- the review queue ----------------------------------------------------------------------------


def record_results(attempt: Attempt, now: datetime | None = None) -> int:
    """Put the questions missed in `attempt` into its student's review queue; return how many misses counted.

    Called when an attempt is graded and each time a practice answer is checked. A practice
    attempt counts every checked answer; a graded attempt counts nothing until its review
    policy shows the answers (a quiz reviewed only after it closes is counted later, by
    `sync_queue`). An answer is counted once, however often the attempt is graded again.
    """
    if not attempt.practice and attempt.state != SUBMITTED:
        return 0
    now = now or utcnow()
    if not attempt.practice:
        _quiz, settings = quizzes.attempt_settings(attempt)
        if not quizzes.review_allows(settings, attempt, now):
            return 0
    answers = [a for a in graded_answers_of_attempt(attempt, now) if a.queueable]
    return queue_misses(attempt.user_id, answers, now)


def graded_answers_of_attempt(attempt: Attempt, now: datetime) -> list[GradedAnswer]:
    """Return the graded answers of one attempt, whatever its review policy (the caller decides)."""
    rows = db.session.execute(
        _answer_query().where(AttemptItem.attempt_id == attempt.id).order_by(AttemptItem.position)
    ).all()
    return _collect(rows, _attempts_of(rows), now, released_only=False)[0]


def pending_misses(user_id: int, now: datetime, attempts: dict[int, AttemptOf] | None = None) -> list[GradedAnswer]:
    """Return the student's misses that may now enter the queue but have not yet (one to three queries).

    These are misses of graded attempts whose review opened after they were graded (a quiz
    reviewed once it closes), or graded before the queue existed.
    """
    rows = db.session.execute(
        _answer_query()
        .join(QuestionVersion, AttemptItem.question_version_id == QuestionVersion.id)
        .where(
            Attempt.user_id == user_id,
            Attempt.state == SUBMITTED,
            ReviewMiss.attempt_item_id.is_(None),
            QuestionVersion.type != ESSAY,
            AttemptItem.score.is_not(None),
            AttemptItem.score < AttemptItem.max_score,
        )
        .order_by(AttemptItem.id)
    ).all()
    known = attempts if attempts is not None and all(row[5] in attempts for row in rows) else _attempts_of(rows)
    return _collect(rows, known, now, released_only=True)[1]


def sync_queue(user: User, now: datetime | None = None) -> int:
    """Queue the student's misses whose review has opened since they were graded; return how many."""
    now = now or utcnow()
    return queue_misses(user.id, pending_misses(user.id, now), now)


def queue_misses(user_id: int, misses: Sequence[GradedAnswer], now: datetime) -> int:
    """Add each miss to the student's queue, once per answer; return how many were new.

    A question missed for the first time becomes a card due at once. A question already in
    the queue counts the miss as a review answer (FSRS lowers its stability) and is due again
    at once, whatever its schedule said: a fresh miss is worth revisiting in the next session.
    """
    if not misses:
        return 0
    counted = set(
        db.session.scalars(
            select(ReviewMiss.attempt_item_id).where(ReviewMiss.attempt_item_id.in_([m.item_id for m in misses]))
        )
    )
    fresh = [m for m in {m.item_id: m for m in misses}.values() if m.item_id not in counted]
    if not fresh:
        return 0
    try:
        with db.session.begin_nested():
            cards = {
                card.question_id: card
                for card in db.session.scalars(
                    select(ReviewCard).where(
                        ReviewCard.user_id == user_id, ReviewCard.question_id.in_({m.question_id for m in fresh})
                    )
                )
            }
            for miss in sorted(fresh, key=lambda m: (m.answered_at, m.item_id)):
                card = cards.get(miss.question_id)
                if card is None:
                    state = new_card(now)
                    card = ReviewCard(
                        user_id=user_id,
                        question_id=miss.question_id,
                        state=state,
                        due_at=due_at(state),
                        misses=0,
                        seed=new_seed(),
                    )
                    db.session.add(card)
                    cards[miss.question_id] = card
                else:
                    state, _ = review(card.state, miss.fraction, now)
                    card.state, card.due_at = {**state, "due": now.isoformat()}, now
                card.misses += 1
                db.session.add(ReviewMiss(attempt_item_id=miss.item_id, card=card, counted_at=now))
            db.session.flush()
    except IntegrityError:
        return 0  # a concurrent request (a double click) counted these answers first
    return len(fresh)


# --- the queue at a glance -----------------------------------------------------------------------


@dataclass
class QueueSummary:
    """The student's review queue at a glance."""

    #: Questions due now, counting missed questions about to join (see `pending`).
    due: int
    #: Questions in the queue, due or not.
    queued: int
    next_due: datetime | None
    #: Misses whose review has opened but which have not joined the queue yet: they join when a review starts.
    pending: list[GradedAnswer]
    #: (question id, misses, passages of its current version) of every card, for "read next".
    cards: list[tuple[int, int, tuple[str, ...]]]

    def missed_questions(self) -> list[tuple[int, int, tuple[str, ...]]]:
        """Return (question id, misses, passages) of every missed question, queued or pending."""
        merged = {question_id: (misses, passages) for question_id, misses, passages in self.cards}
        for miss in self.pending:
            misses, passages = merged.get(miss.question_id, (0, miss.passages))
            merged[miss.question_id] = (misses + 1, passages)
        return [(question_id, misses, passages) for question_id, (misses, passages) in merged.items()]


def queue_summary(user: User, now: datetime, pending: list[GradedAnswer] | None = None) -> QueueSummary:
    """Count the student's due and queued questions (two to four queries, whatever the size of the queue).

    `pending` is the student's `pending_misses` when the caller has them already (one query then).
    """
    rows = db.session.execute(
        select(ReviewCard.question_id, ReviewCard.due_at, ReviewCard.misses, QuestionVersion.passages)
        .join(Question, Question.id == ReviewCard.question_id)
        .join(
            QuestionVersion,
            and_(QuestionVersion.question_id == Question.id, QuestionVersion.number == Question.current_number),
        )
        .where(ReviewCard.user_id == user.id, QuestionVersion.type != ESSAY)
    ).all()
    if pending is None:
        pending = pending_misses(user.id, now)
    due = {question_id for question_id, when, *_ in rows if when <= now} | {m.question_id for m in pending}
    later = [when for _, when, *_ in rows if when > now]
    return QueueSummary(
        due=len(due),
        queued=len({question_id for question_id, *_ in rows} | {m.question_id for m in pending}),
        next_due=min(later) if later else None,
        pending=pending,
        cards=[(question_id, misses, tuple(passages or ())) for question_id, _, misses, passages in rows],
    )


# --- the dashboard -------------------------------------------------------------------------------


@dataclass
class ThemeMastery:
    slug: str
    title: str
    mastery: Mastery


@dataclass
class AttemptRow:
    """A submitted attempt as the dashboard lists it; `score` is None while hidden or waiting for a person."""

    attempt_id: int
    quiz_title: str
    practice: bool
    submitted_at: datetime
    score: float | None
    max_score: float
    hidden: bool
    #: Answers waiting for a person: while above 0 the score is provisional (they count 0 until graded).
    pending: int = 0

    @property
    def fraction(self) -> float | None:
        if self.score is None or not self.max_score:
            return None
        return self.score / self.max_score


@dataclass
class ReadNext:
    passage: Passage
    #: How often the student missed the questions on this passage.
    misses: int
    questions: int


@dataclass
class Dashboard:
    student: User
    themes: list[ThemeMastery]
    overall: Mastery
    attempts: list[AttemptRow]
    #: The review queue; None in an instructor's view (the queue holds the student's self-study too).
    queue: QueueSummary | None
    read_next: list[ReadNext]
    #: Which answers the figures rest on.
    scope: Scope = OWN

    @property
    def trend(self) -> list[tuple[str, float | None]]:
        """The visible final scores of the listed attempts, oldest first, as percentages (a provisional
        score, with answers still waiting for a person, is left out until they are graded)."""
        shown = [(a, a.fraction) for a in reversed(self.attempts) if not a.pending]
        return [(f"{a.submitted_at:%d %b}", 100 * fraction) for a, fraction in shown if fraction is not None]


def theme_rows(themes: Sequence[Theme], by_theme: dict[str, Mastery]) -> list[ThemeMastery]:
    """Return each theme's mastery, in the themes' order (themes unknown to the readings are left out)."""
    return [ThemeMastery(t.slug, t.title, by_theme[t.slug]) for t in themes]


def student_attempts(user: User, class_ids: Sequence[int] | None = None) -> Sequence[AttemptOf]:
    """Return the student's submitted and practice attempts, the latest submitted first (one query);
    with `class_ids`, only their attempts at those classes' assignments."""
    return attempts_of_students([user.id], class_ids)


def attempts_of_students(user_ids: Sequence[int], class_ids: Sequence[int] | None = None) -> Sequence[AttemptOf]:
    """Return these students' submitted and practice attempts, the latest submitted first (one query);
    with `class_ids`, only their attempts at those classes' assignments."""
    query = _attempts_query().where(
        Attempt.user_id.in_(user_ids), (Attempt.state == SUBMITTED) | Attempt.practice.is_(True)
    )
    within = _in_classes(class_ids)
    if within is not None:
        query = query.where(within)
    return db.session.execute(query.order_by(Attempt.submitted_at.desc(), Attempt.id.desc())).all()


def recent_attempts(
    attempts: Sequence[AttemptOf], now: datetime, *, as_student: bool = True, limit: int = RECENT_ATTEMPTS
) -> list[AttemptRow]:
    """Return the latest submitted of `attempts` (ordered as `student_attempts` orders them), newest first,
    scores hidden where review does not allow."""
    listed: list[AttemptRow] = []
    for attempt, quiz, assignment in attempts:
        if len(listed) == limit:
            break
        if attempt.state != SUBMITTED or attempt.submitted_at is None:  # a submitted attempt has its time
            continue
        hidden = as_student and not review_open(quiz, assignment, attempt, now)
        listed.append(
            AttemptRow(
                attempt.id,
                quiz.title,
                attempt.practice,
                attempt.submitted_at,
                None if hidden else attempt.score,
                attempt.max_score,
                hidden,
                0 if hidden else attempt.pending,
            )
        )
    return listed


def read_next(cards: Sequence[tuple[int, int, tuple[str, ...]]], limit: int = READ_NEXT) -> list[ReadNext]:
    """Return the passages behind the questions the student missed most (one query).

    `cards` are (question id, misses, passage slugs) as QueueSummary holds them; a passage
    ranks by the misses of all its questions, then by how many of them were missed.
    """
    misses: dict[str, int] = defaultdict(int)
    questions: dict[str, int] = defaultdict(int)
    for _question_id, count, slugs in cards:
        if count <= 0:
            continue
        for slug in dict.fromkeys(slugs):
            misses[slug] += count
            questions[slug] += 1
    if not misses:
        return []
    passages = {
        p.slug: p
        for p in db.session.scalars(
            select(Passage)
            .where(Passage.slug.in_(misses))
            .options(load_only(Passage.slug, Passage.title, Passage.position))  # not the quotes: only a link is shown
        )
    }
    ranked = sorted(
        (slug for slug in misses if slug in passages),
        key=lambda slug: (-misses[slug], -questions[slug], passages[slug].position),
    )
    return [ReadNext(passages[slug], misses[slug], questions[slug]) for slug in ranked[:limit]]


def _counted(attempts: Sequence[AttemptOf], now: datetime, released_only: bool) -> list[int]:
    """The ids of the submitted `attempts` whose answers count for the viewer: with `released_only`, only
    those whose review shows the score."""
    return [
        attempt.id
        for attempt, quiz, assignment in attempts
        if attempt.state == SUBMITTED and (not released_only or review_open(quiz, assignment, attempt, now))
    ]


def _live_answers(attempts: Sequence[AttemptOf], now: datetime) -> list[GradedAnswer]:
    """The checked answers of the open practice attempts among `attempts`, graded on the spot (none to
    three queries)."""
    open_ids = [attempt.id for attempt, _, _ in attempts if attempt.practice and attempt.state != SUBMITTED]
    if not open_ids:
        return []
    rows = db.session.execute(
        _answer_query().where(AttemptItem.attempt_id.in_(open_ids), AttemptItem.saved_at.is_not(None))
    ).all()
    return _collect(rows, {row[0].id: row for row in attempts}, now, released_only=True)[0]


def mastery_of(
    attempts: Sequence[AttemptOf], now: datetime, *, released_only: bool, themes: Sequence[str]
) -> dict[int, tuple[Mastery, dict[str, Mastery]]]:
    """Return each student's overall mastery and mastery by theme (`themes` first, in order) from the
    answers of `attempts` that count (see `_counted`), as `mastery_overview` gives it for those answers.

    Reads the stored totals of each counted attempt (studyapp.domain.points), not its answers, and
    grades only the open practice answers: one to four queries, whatever the number of answers.
    A student with no counted answer is absent.
    """
    users = {attempt.id: attempt.user_id for attempt, _, _ in attempts}
    groups: dict[int, list[dict[str, Totals]]] = defaultdict(list)
    for attempt_id, totals in points.totals_of(_counted(attempts, now, released_only)).items():
        groups[users[attempt_id]].append(totals)
    live: dict[int, list[Answer]] = defaultdict(list)
    for answer in _live_answers(attempts, now):
        live[answer.user_id].append(answer.as_mastery_answer())
    for user_id, answers in live.items():
        groups[user_id].append(totals_by_theme(answers))
    return {user_id: overview_from_totals(found, now, themes=themes) for user_id, found in groups.items()}


def _missed_answers(student: User, now: datetime, scope: Scope, attempts: dict[int, AttemptOf]) -> list[GradedAnswer]:
    """The student's graded answers short of full marks within `scope` (one query): what "read next"
    rests on when there is no review queue to ask."""
    rows = _graded_rows([student.id], scope.class_ids, missed_only=True)
    return _collect(rows, attempts, now, released_only=scope.released_only)[0]


def missed_in(answers: Iterable[GradedAnswer]) -> list[tuple[int, int, tuple[str, ...]]]:
    """Return (question id, misses, passages) of each question missed among `answers`, as `read_next` takes them."""
    merged: dict[int, tuple[int, tuple[str, ...]]] = {}
    for answer in answers:
        if answer.queueable:
            misses, passages = merged.get(answer.question_id, (0, answer.passages))
            merged[answer.question_id] = (misses + 1, passages)
    return [(question_id, misses, passages) for question_id, (misses, passages) in merged.items()]


def dashboard(student: User, now: datetime | None = None, *, scope: Scope = OWN) -> Dashboard:
    """Gather the dashboard of `student` in a bounded number of queries (four to eight, whatever the data).

    `scope` says which answers count (see `scope_for`). In a view limited to some classes (an
    instructor's) there is no review queue, which holds the student's self-study too, and
    "read next" rests on the misses among the answers shown.
    """
    now = now or utcnow()
    themes = list(list_themes())
    attempts = student_attempts(student, scope.class_ids)
    known = {row[0].id: row for row in attempts}
    empty = overview_from_totals([], now, themes=[t.slug for t in themes])
    overall, by_theme = mastery_of(
        attempts, now, released_only=scope.released_only, themes=[t.slug for t in themes]
    ).get(student.id, empty)
    if scope.classes is None:
        queue = queue_summary(student, now, pending_misses(student.id, now, known))
        missed = queue.missed_questions()
    else:
        queue, missed = None, missed_in(_missed_answers(student, now, scope, known))
    return Dashboard(
        student=student,
        themes=theme_rows(themes, by_theme),
        overall=overall,
        attempts=recent_attempts(attempts, now, as_student=scope.released_only),
        queue=queue,
        read_next=read_next(missed),
        scope=scope,
    )


# --- the study guide -----------------------------------------------------------------------------


@dataclass
class MissedQuestion:
    question: ParsedQuestion
    misses: int
    due_at: datetime
    passage: Passage | None


@dataclass
class StudyGuide:
    theme: Theme
    passages: list[Passage]
    terms: list[Any]
    missed: list[MissedQuestion]
    mastery: Mastery


def study_guide(theme: Theme, student: User, now: datetime | None = None) -> StudyGuide:
    """Gather a theme's handout: its passages and guiding questions, their glossary terms, and the
    questions of the theme the student missed, most missed first, with their explanations."""
    now = now or utcnow()
    terms = sorted({t.id: t for p in theme.passages for t in p.terms}.values(), key=lambda t: t.term.casefold())
    missed_ids = {
        question_id: (misses, due)
        for question_id, misses, due in db.session.execute(
            select(ReviewCard.question_id, ReviewCard.misses, ReviewCard.due_at).where(ReviewCard.user_id == student.id)
        )
    }
    for miss in pending_misses(student.id, now):  # missed, about to join the queue
        misses, due = missed_ids.get(miss.question_id, (0, now))
        missed_ids[miss.question_id] = (misses + 1, min(due, now))
    versions = (
        db.session.scalars(
            select(QuestionVersion)
            .join(
                Question,
                and_(QuestionVersion.question_id == Question.id, QuestionVersion.number == Question.current_number),
            )
            .where(Question.id.in_(list(missed_ids)))
        ).all()
        if missed_ids
        else []
    )
    mine = [version for version in versions if theme.slug in (version.themes or ())]
    passages = {p.slug: p for p in theme.passages}
    missing = {version.passages[0] for version in mine if version.passages} - set(passages)
    if missing:
        passages.update({p.slug: p for p in db.session.scalars(select(Passage).where(Passage.slug.in_(missing)))})
    missed = [
        MissedQuestion(
            question_of(version),
            *missed_ids[version.question_id],
            passages.get(version.passages[0]) if version.passages else None,
        )
        for version in mine
    ]
    missed.sort(key=lambda m: (-m.misses, m.due_at))
    answers = [a for a in graded_answers([student.id], now) if theme.slug in a.themes]
    return StudyGuide(
        theme=theme,
        passages=list(theme.passages),
        terms=terms,
        missed=missed,
        mastery=mastery([a.as_mastery_answer() for a in answers], now),
    )


# --- a class at a glance ---------------------------------------------------------------------------


@dataclass
class StudentFlag:
    """A student who needs a look, and why."""

    student: User
    reasons: list[str]
    last_active: datetime | None
    low_themes: list[ThemeMastery] = field(default_factory=list)


@dataclass
class ClassProgress:
    """Mastery of each student (rows) in each theme (columns), and the students to look at."""

    students: list[User]
    themes: list[Theme]
    mastery: list[list[Mastery]]
    last_active: dict[int, datetime | None]
    flags: list[StudentFlag]

    @property
    def values(self) -> list[list[float | None]]:
        return [[m.value for m in row] for row in self.mastery]


def class_progress(
    user_ids: Iterable[int],
    now: datetime | None = None,
    *,
    scope: Scope = OWN,
    low: float = LOW_MASTERY,
    min_answers: int = LOW_MASTERY_MIN_ANSWERS,
    inactive_after: timedelta = INACTIVE_AFTER,
) -> ClassProgress:
    """Return the class × theme mastery grid and the students with low mastery or no recent activity.

    Takes the students' ids, so any roster can use it (a class, a group, a search), in five to
    eight queries whatever their number. `scope` says which answers count: a class's page
    passes `Scope((class_,))`, so only the answers to that class's assignments count, each
    once the student may see it. A student is flagged when a theme's mastery is under `low` on
    at least `min_answers` answers, or when they have answered (and, with every class in
    scope, reviewed) nothing for `inactive_after`; within a class, activity is its assignments.
    """
    now = now or utcnow()
    ids = list(dict.fromkeys(user_ids))
    students = (
        list(db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.display_name, User.id)))
        if ids
        else []
    )
    themes = list(list_themes())
    slugs = [t.slug for t in themes]
    attempts = attempts_of_students([s.id for s in students], scope.class_ids) if students else []
    masteries = mastery_of(attempts, now, released_only=scope.released_only, themes=slugs)
    empty = overview_from_totals([], now, themes=slugs)
    reviewed = (
        dict(
            db.session.execute(
                select(ReviewCard.user_id, func.max(ReviewCard.last_reviewed_at))
                .where(ReviewCard.user_id.in_([s.id for s in students]))
                .group_by(ReviewCard.user_id)
            ).all()
        )
        if students and scope.classes is None  # reviews are self-study: no class's business
        else {}
    )
    grid, last_active, flags = [], {}, []
    for student in students:
        overall, by_theme = masteries.get(student.id, empty)
        rows = theme_rows(themes, by_theme)
        grid.append([row.mastery for row in rows])
        last_review = reviewed.get(student.id)
        moments = [m for m in (overall.last_answered_at, last_review) if m is not None]
        last = max(moments) if moments else None
        last_active[student.id] = last
        low_themes = [
            row
            for row in rows
            if row.mastery.value is not None and row.mastery.value < low and row.mastery.answers >= min_answers
        ]
        reasons = []
        if low_themes:
            reasons.append("low mastery in " + ", ".join(row.title for row in low_themes))
        if last is None:
            reasons.append("no activity yet")
        elif now - last > inactive_after:
            reasons.append(f"no activity for {(now - last).days} days")
        if reasons:
            flags.append(StudentFlag(student, reasons, last, low_themes))
    return ClassProgress(students, themes, grid, last_active, flags)


def students_needing_attention(
    user_ids: Iterable[int], now: datetime | None = None, *, scope: Scope = OWN
) -> list[StudentFlag]:
    """Return the students among `user_ids` with low mastery or no recent activity (see class_progress)."""
    return class_progress(user_ids, now, scope=scope).flags


# --- subscribers -----------------------------------------------------------------------------------


@events.attempt_graded.connect
@events.answer_checked.connect
def _queue_misses(attempt: Attempt, **extra: Any) -> None:
    """Put an attempt's misses into the review queue when it is graded or a practice answer is checked."""
    record_results(attempt, extra.get("now"))
