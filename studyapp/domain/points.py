"""Points per attempt and theme: a read model of the graded answers, kept up to date by the grading events.

Mastery and the gradebook's theme averages rest on every answer a student gave; a term of a
class is hundreds of answers per student, each with its question version's themes. This module
sums each submitted attempt's counted answers once per theme (studyapp.core.mastery's `Totals`,
stored as `ThemePoints` rows), so those pages read a few rows per attempt instead. Which answers
an attempt's rows hold does not depend on who looks or when: whether the viewer may see an
attempt (its review policy, the classes in scope) is decided per attempt by the reader.

The rows are rebuilt from the attempt's answers whenever they change: when it is graded, when a
person grades one of its essays and when a corrected key regrades one of its answers. Deleting an
attempt (with its student or its quiz) deletes its rows in the database (ON DELETE CASCADE).
Open practice attempts have no rows: their answers are graded on the spot by the reader.
`rebuild_all` (`flask progress rebuild`) recomputes every row, for data written around the events.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, func, insert, select

from studyapp.core import grading
from studyapp.core.mastery import ALL, Answer, Totals, totals_by_theme
from studyapp.domain import events
from studyapp.extensions import db
from studyapp.models import Attempt, AttemptItem, QuestionVersion, ThemePoints
from studyapp.models.attempts import SUBMITTED
from studyapp.models.base import id_batches

#: Attempts rebuilt per round by `rebuild_all`.
REBUILD_BATCH = 2_000


def counts(score: float | None, status: str | None, practice: bool) -> bool:
    """Tell whether a submitted attempt's answer counts towards mastery: graded (an essay once a person has
    graded it) and, in practice, answered (stopping early is not a wrong answer)."""
    return not (score is None or status == grading.UNGRADED or (practice and status == grading.UNANSWERED))


def answers_of(attempt_ids: Sequence[int]) -> dict[int, list[Answer]]:
    """The counted answers of each submitted attempt among `attempt_ids` (one query per batch of ids)."""
    found: dict[int, list[Answer]] = defaultdict(list)
    for batch in id_batches(attempt_ids):
        rows = db.session.execute(
            select(
                AttemptItem.attempt_id,
                AttemptItem.score,
                AttemptItem.max_score,
                AttemptItem.status,
                AttemptItem.saved_at,
                Attempt.practice,
                Attempt.submitted_at,
                Attempt.started_at,
                QuestionVersion.themes,
            )
            .join(Attempt, Attempt.id == AttemptItem.attempt_id)
            .join(QuestionVersion, QuestionVersion.id == AttemptItem.question_version_id)
            .where(AttemptItem.attempt_id.in_(batch), Attempt.state == SUBMITTED)
            .order_by(AttemptItem.attempt_id, AttemptItem.position)
        )
        for attempt_id, score, top, status, saved_at, practice, submitted_at, started_at, themes in rows:
            given = found.setdefault(attempt_id, [])
            if score is not None and counts(score, status, practice):
                given.append(Answer(tuple(themes or ()), score, top, saved_at or submitted_at or started_at))
    return dict(found)


def refresh(attempt_ids: Iterable[int]) -> None:
    """Rebuild the rows of these attempts from their answers (an attempt not submitted, or gone, has none)."""
    ids = sorted(set(attempt_ids))
    if not ids:
        return
    answers = answers_of(ids)
    for batch in id_batches(ids):
        db.session.execute(delete(ThemePoints).where(ThemePoints.attempt_id.in_(batch)))
    rows = [
        {"attempt_id": attempt_id, "theme": theme, **totals._asdict()}
        for attempt_id, given in answers.items()
        for theme, totals in totals_by_theme(given).items()
    ]
    if rows:
        db.session.execute(insert(ThemePoints), rows)


def rebuild_all() -> int:
    """Recompute the rows of every submitted attempt; return how many attempts were read."""
    ids = list(db.session.scalars(select(Attempt.id).where(Attempt.state == SUBMITTED).order_by(Attempt.id)))
    db.session.execute(delete(ThemePoints))
    for start in range(0, len(ids), REBUILD_BATCH):
        refresh(ids[start : start + REBUILD_BATCH])
    return len(ids)


def totals_of(attempt_ids: Iterable[int]) -> dict[int, dict[str, Totals]]:
    """The stored totals of each attempt by theme ("" for all its answers), in attempt order (one query per
    batch of ids); an attempt with no counted answer is absent."""
    found: dict[int, dict[str, Totals]] = {}
    for batch in id_batches(attempt_ids):
        for row in db.session.execute(
            select(
                ThemePoints.attempt_id,
                ThemePoints.theme,
                ThemePoints.score,
                ThemePoints.max_score,
                ThemePoints.answers,
                ThemePoints.latest_at,
                ThemePoints.weighted_score,
                ThemePoints.weighted_max,
                ThemePoints.weight,
            )
            .where(ThemePoints.attempt_id.in_(batch))
            .order_by(ThemePoints.attempt_id, ThemePoints.theme)
        ):
            found.setdefault(row.attempt_id, {})[row.theme] = Totals(*row[2:])
    return found


def sums_by_user(attempt_ids: Iterable[int]) -> list[tuple[int, str, float, float]]:
    """(student id, theme, points earned, points possible) over these attempts, per student and theme; the
    "all answers" rows left out (one query per batch of ids, the database adding up)."""
    found: dict[tuple[int, str], list[float]] = {}
    for batch in id_batches(attempt_ids):
        for user_id, theme, earned, possible in db.session.execute(
            select(Attempt.user_id, ThemePoints.theme, func.sum(ThemePoints.score), func.sum(ThemePoints.max_score))
            .join(Attempt, Attempt.id == ThemePoints.attempt_id)
            .where(ThemePoints.attempt_id.in_(batch), ThemePoints.theme != ALL)
            .group_by(Attempt.user_id, ThemePoints.theme)
            .order_by(Attempt.user_id, ThemePoints.theme)
        ):
            total = found.setdefault((user_id, theme), [0.0, 0.0])
            total[0] += earned
            total[1] += possible
    return [(user_id, theme, earned, possible) for (user_id, theme), (earned, possible) in found.items()]


@events.attempt_graded.connect
def _attempt_graded(attempt: Attempt, **extra: Any) -> None:
    """Sum a graded attempt's answers."""
    refresh([attempt.id])


@events.essay_graded.connect
def _essay_graded(item: AttemptItem, **extra: Any) -> None:
    """Sum again the answers of the attempt whose essay a person graded."""
    refresh([item.attempt_id])


@events.attempts_regraded.connect
def _attempts_regraded(question: Any, *, items: Sequence[tuple[int, int]], **extra: Any) -> None:
    """Sum again the answers of the attempts a corrected key regraded."""
    refresh(attempt_id for attempt_id, _position in items)
