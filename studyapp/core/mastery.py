"""Mastery per theme and spaced review of missed questions: pure functions of plain data.

Mastery is a recency-weighted share of the points earned on a theme's answered questions
(docs/statistics.md explains it for instructors). Review scheduling wraps the FSRS
algorithm (the `fsrs` package) behind a JSON-serializable card state, so a card can live
in a JSON column and every function here stays free of the database.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import mul
from typing import Any, NamedTuple

from fsrs import Card, Rating, Scheduler, State

#: An answer's weight halves every this many days.
HALF_LIFE_DAYS = 14.0

NOT_STARTED, EMERGING, DEVELOPING, SECURE = "not started", "emerging", "developing", "secure"
#: Mastery under this is "emerging"; at or over it, "developing".
DEVELOPING_FROM = 0.5
#: Mastery at or over this is "secure".
SECURE_FROM = 0.8


class Answer(NamedTuple):
    """One graded answer: the themes of its question, its points, when it was given.

    A plain tuple `(themes, score, max_score, answered_at)` works wherever an Answer does.
    """

    themes: Sequence[str]
    score: float
    max_score: float
    answered_at: datetime


#: An answer as a plain tuple: (themes, score, max_score, answered_at).
AnswerTuple = tuple[Sequence[str], float, float, datetime]
#: An answer that counts, as `_dated` gives it: (age in days, weight, score, max_score, answered_at).
_Entry = tuple[float, float, float, float, datetime]
#: A review card's state: a JSON-serializable dict (see `_state`).
CardState = dict[str, Any]


@dataclass(frozen=True)
class Mastery:
    #: Recency-weighted share of points earned, 0 to 1; None when there are no answers.
    value: float | None
    #: How many answers it rests on.
    answers: int
    #: The answers' summed weights: the count discounted by age (an answer given now counts 1).
    weight: float
    #: When the latest of them was given; None when there are none.
    last_answered_at: datetime | None
    level: str

    @property
    def percent(self) -> float | None:
        return None if self.value is None else 100 * self.value


def level_for(value: float | None) -> str:
    """Return the label of a mastery value: not started, emerging, developing or secure."""
    if value is None:
        return NOT_STARTED
    if value >= SECURE_FROM:
        return SECURE
    return DEVELOPING if value >= DEVELOPING_FROM else EMERGING


def mastery(
    answers: Iterable[Answer | AnswerTuple], now: datetime, *, half_life_days: float = HALF_LIFE_DAYS
) -> Mastery:
    """Return the mastery shown by `answers` at `now`, whatever their themes.

    An answer `age` days old weighs 0.5 ** (age / half_life_days) (answers dated after `now`
    weigh 1); mastery = sum(weight * score) / sum(weight * max_score). Answers worth no
    points are left out. Because every weight decays at the same rate, mastery itself does
    not fade while a student is away: `weight` and `last_answered_at` show how recent it is.
    """
    return _summary([entry for _, entry in _dated(answers, now, half_life_days) if entry], half_life_days)


def mastery_by_theme(
    answers: Iterable[Answer | AnswerTuple],
    now: datetime,
    *,
    themes: Iterable[str] = (),
    half_life_days: float = HALF_LIFE_DAYS,
) -> dict[str, Mastery]:
    """Return each theme's mastery; an answer counts towards every theme of its question.

    Themes listed in `themes` come first, in that order, and appear even with no answers
    ("not started"); themes met only in the answers follow in alphabetical order.
    """
    return mastery_overview(answers, now, themes=themes, half_life_days=half_life_days)[1]


def mastery_overview(
    answers: Iterable[Answer | AnswerTuple],
    now: datetime,
    *,
    themes: Iterable[str] = (),
    half_life_days: float = HALF_LIFE_DAYS,
) -> tuple[Mastery, dict[str, Mastery]]:
    """Return the mastery of all `answers` and each theme's, as `mastery` and `mastery_by_theme` would,
    dating and weighing each answer once."""
    counted, grouped = _grouped(_dated(answers, now, half_life_days), themes)
    return (
        _summary(counted, half_life_days),
        {theme: _summary(entries, half_life_days) for theme, entries in grouped.items()},
    )


def _grouped(
    dated: Iterable[tuple[Sequence[str], _Entry | None]], themes: Iterable[str]
) -> tuple[list[_Entry], dict[str, list[_Entry]]]:
    """Return the answers that count, as `_dated` gives them, and those of each theme in the order
    `mastery_by_theme` promises (an answer counts once per theme, however often its question lists it)."""
    listed = list(dict.fromkeys(themes))
    grouped: dict[str, list[_Entry]] = {theme: [] for theme in listed}
    counted: list[_Entry] = []
    for answer_themes, entry in dated:
        if entry:
            counted.append(entry)
        for theme in dict.fromkeys(answer_themes):
            group = grouped.setdefault(theme, [])
            if entry:
                group.append(entry)
    order = listed + sorted(set(grouped) - set(listed))
    return counted, {theme: grouped[theme] for theme in order}


def _dated(
    answers: Iterable[Answer | AnswerTuple], now: datetime, half_life_days: float
) -> Iterator[tuple[Sequence[str], _Entry | None]]:
    """Yield each answer's themes with (age in days, weight, score, max_score, answered_at), or with
    None for an answer worth no points."""
    if half_life_days <= 0:
        raise ValueError("half_life_days must be positive")
    _require_aware(now)
    for themes, score, max_score, answered_at in answers:
        if max_score > 0:
            age = max(0.0, (now - _require_aware(answered_at)).total_seconds() / 86400)
            yield themes, (age, 0.5 ** (age / half_life_days), score, max_score, answered_at)
        else:
            yield themes, None


def _summary(entries: Sequence[_Entry], half_life_days: float) -> Mastery:
    """Return the mastery of answers as `_dated` gives them."""
    if not entries:
        return Mastery(None, 0, 0.0, None, NOT_STARTED)
    ages, weights, scores, max_scores, moments = zip(*entries)
    # Weigh relative to the newest answer for the ratio, so very old answers cannot underflow it to 0/0;
    # the common factor 0.5 ** (youngest / half_life) cancels between numerator and denominator.
    youngest = min(ages)
    relative = [0.5 ** ((age - youngest) / half_life_days) for age in ages]
    value = math.fsum(map(mul, relative, scores)) / math.fsum(map(mul, relative, max_scores))
    return Mastery(
        value=value,
        answers=len(entries),
        weight=math.fsum(weights),
        last_answered_at=max(moments),
        level=level_for(value),
    )


# Totals: answers summed once, combined later ---------------------------------------------------

#: The key of the totals of all of a group's answers, whatever their themes.
ALL = ""


class Totals(NamedTuple):
    """A group's answers worth points (an attempt's, on one theme), summed so that groups combine into
    exactly the mastery of all their answers (`overview_from_totals`).

    The weighted sums weigh each answer by its age at `latest_at`, the group's newest answer: an
    answer `d` days older weighs 0.5 ** (d / half_life_days). Because weights all decay at one rate,
    re-dating a group to another moment multiplies its three weighted sums by one factor.
    """

    score: float
    max_score: float
    answers: int
    latest_at: datetime
    weighted_score: float
    weighted_max: float
    weight: float


def totals_by_theme(
    answers: Iterable[Answer | AnswerTuple], *, half_life_days: float = HALF_LIFE_DAYS
) -> dict[str, Totals]:
    """Sum `answers` per theme (an answer once per theme of its question) and under ALL; answers worth
    no points are left out, as `mastery` leaves them out."""
    counted = [(themes, score, top, _require_aware(at)) for themes, score, top, at in answers if top > 0]
    groups: dict[str, list[tuple[float, float, datetime]]] = {}
    for themes, score, top, at in counted:
        groups.setdefault(ALL, []).append((score, top, at))
        for theme in dict.fromkeys(themes):
            if theme != ALL:
                groups.setdefault(theme, []).append((score, top, at))
    return {key: _totals(entries, half_life_days) for key, entries in groups.items()}


def _totals(entries: Sequence[tuple[float, float, datetime]], half_life_days: float) -> Totals:
    latest = max(at for _, _, at in entries)
    weights = [0.5 ** ((latest - at).total_seconds() / 86400 / half_life_days) for _, _, at in entries]
    return Totals(
        score=math.fsum(score for score, _, _ in entries),
        max_score=math.fsum(top for _, top, _ in entries),
        answers=len(entries),
        latest_at=latest,
        weighted_score=math.fsum(w * score for w, (score, _, _) in zip(weights, entries)),
        weighted_max=math.fsum(w * top for w, (_, top, _) in zip(weights, entries)),
        weight=math.fsum(weights),
    )


def mastery_from_totals(groups: Iterable[Totals], now: datetime, *, half_life_days: float = HALF_LIFE_DAYS) -> Mastery:
    """Return the mastery of the answers the groups sum, as `mastery` gives it for those answers
    (to rounding, when none is dated after `now`: such an answer weighs 1 there and here by its group)."""
    _require_aware(now)
    groups = [group for group in groups if group.answers]
    if not groups:
        return Mastery(None, 0, 0.0, None, NOT_STARTED)
    newest = max(group.latest_at for group in groups)
    # Re-date every group to the newest answer for the ratio (no underflow to 0/0), and to `now` for the weight.
    factors = [0.5 ** ((newest - group.latest_at).total_seconds() / 86400 / half_life_days) for group in groups]
    value = math.fsum(f * g.weighted_score for f, g in zip(factors, groups)) / math.fsum(
        f * g.weighted_max for f, g in zip(factors, groups)
    )
    weight = math.fsum(
        g.weight * 0.5 ** (max(0.0, (now - g.latest_at).total_seconds() / 86400) / half_life_days) for g in groups
    )
    return Mastery(
        value=value,
        answers=sum(group.answers for group in groups),
        weight=weight,
        last_answered_at=newest,
        level=level_for(value),
    )


def overview_from_totals(
    groups: Iterable[Mapping[str, Totals]],
    now: datetime,
    *,
    themes: Iterable[str] = (),
    half_life_days: float = HALF_LIFE_DAYS,
) -> tuple[Mastery, dict[str, Mastery]]:
    """Return what `mastery_overview` returns for the answers that `totals_by_theme` summed into `groups`
    (one mapping per group of answers, such as an attempt): the overall mastery and each theme's."""
    listed = list(dict.fromkeys(themes))
    by_theme: dict[str, list[Totals]] = {theme: [] for theme in listed}
    overall: list[Totals] = []
    for group in groups:
        for key, totals in group.items():
            if key == ALL:
                overall.append(totals)
            else:
                by_theme.setdefault(key, []).append(totals)
    order = listed + sorted(set(by_theme) - set(listed))
    return (
        mastery_from_totals(overall, now, half_life_days=half_life_days),
        {theme: mastery_from_totals(by_theme[theme], now, half_life_days=half_life_days) for theme in order},
    )


# Review scheduling ------------------------------------------------------------------------

AGAIN, HARD, GOOD, EASY = Rating.Again, Rating.Hard, Rating.Good, Rating.Easy

#: No random fuzz on intervals, so a schedule is a pure function of its answers.
SCHEDULER = Scheduler(enable_fuzzing=False)


def rating_for(outcome: bool | float | Rating) -> Rating:
    """Map a graded answer to an FSRS rating.

    A Rating passes through. True (correct) is Good, False is Again. A fraction of the
    marks: all of them (1) is Good, at least half is Hard, less than half is Again.
    Easy is never inferred: a correct answer says nothing about how easily it came.
    """
    if isinstance(outcome, Rating):
        return outcome
    if isinstance(outcome, bool):
        return GOOD if outcome else AGAIN
    if outcome >= 1 - 1e-9:
        return GOOD
    return HARD if outcome >= 0.5 else AGAIN


def new_card(now: datetime | None = None) -> CardState:
    """Return the state of a card never reviewed, due at `now` (default: the current time)."""
    now = _utc(now or datetime.now(UTC))
    card = Card(card_id=0, due=now)
    return _state(card, reviews=0, lapses=0)


def review(state: Mapping[str, Any], outcome: bool | float | Rating, now: datetime) -> tuple[CardState, datetime]:
    """Record an answer given at `now` and return the new state and when the card is next due.

    `outcome` is True/False, the fraction of the marks earned, or an FSRS Rating (see
    rating_for). The old state is left untouched.
    """
    rating = rating_for(outcome)
    card = _card(state)
    was_reviewing = card.state == State.Review
    card, _log = SCHEDULER.review_card(card, rating, _utc(now))
    lapses = state.get("lapses", 0) + (rating == AGAIN and was_reviewing)
    new_state = _state(card, reviews=state.get("reviews", 0) + 1, lapses=lapses)
    return new_state, card.due


def due_at(state: Mapping[str, Any]) -> datetime:
    """Return when the card in `state` is next due (an aware UTC datetime)."""
    return datetime.fromisoformat(state["due"])


def is_due(state: Mapping[str, Any], now: datetime) -> bool:
    """Tell whether the card in `state` is due at `now`."""
    return due_at(state) <= _utc(now)


def interval(state: Mapping[str, Any]) -> float | None:
    """Return the days between the card's last review and its due date; None if never reviewed."""
    if not state.get("last_review"):
        return None
    return (due_at(state) - datetime.fromisoformat(state["last_review"])).total_seconds() / 86400


def _state(card: Card, *, reviews: int, lapses: int) -> CardState:
    """Return a card as a JSON-serializable dict (datetimes as ISO 8601 strings)."""
    return {
        "state": int(card.state),
        "step": card.step,
        "stability": card.stability,
        "difficulty": card.difficulty,
        "due": card.due.isoformat(),
        "last_review": card.last_review.isoformat() if card.last_review else None,
        "reviews": reviews,
        "lapses": lapses,
    }


def _card(state: Mapping[str, Any]) -> Card:
    return Card(
        card_id=0,
        state=State(int(state["state"])),
        step=state.get("step"),
        stability=state.get("stability"),
        difficulty=state.get("difficulty"),
        due=datetime.fromisoformat(state["due"]),
        last_review=datetime.fromisoformat(state["last_review"]) if state.get("last_review") else None,
    )


def _require_aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime; use an aware UTC datetime")
    return moment


def _utc(moment: datetime) -> datetime:
    return _require_aware(moment).astimezone(UTC)
