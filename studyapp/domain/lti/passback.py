"""Grade passback (LTI Assignment and Grade Services) through an outbox.

When an attempt at a linked assignment is graded, an essay in it is scored or its answers are regraded,
the student's grade on the assignment (by its grading policy, as the gradebook shows it) is written to
`lti_scores` in the same transaction: one row per link and student, replaced while it waits. Nothing is
sent inside the request. Once the transaction commits, the rows it wrote are sent (see
`studyapp.lti.outbox`); a platform that is down leaves them waiting with the error, retried with
backoff by the next send and by `flask lti sync`. A row is marked sent only if it was not changed while
its send was in flight, so the newest grade always goes out last.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

import requests
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.exception import LtiException, LtiServiceException
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem
from pylti1p3.service_connector import ServiceConnector
from sqlalchemy import select, update

from studyapp.domain import events, gradebook
from studyapp.domain.lti import keys, platforms
from studyapp.domain.quizzes import Standing
from studyapp.extensions import db, on_commit
from studyapp.models import Assignment, Attempt, LtiContext, LtiResourceLink, LtiScore, LtiUser, User
from studyapp.models.base import utcnow

#: Seconds before a platform that does not answer is given up on, for this try.
TIMEOUT = 10
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=6)
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"


class _Session(requests.Session):
    """A requests session that never waits on a platform longer than TIMEOUT."""

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", TIMEOUT)
        return super().request(*args, **kwargs)


def http_session() -> requests.Session:
    session = _Session()
    session.headers["User-Agent"] = "studyapp-lti"
    return session


class Connector(ServiceConnector):
    """pylti1p3's service connector with access tokens kept per process until they expire."""

    _tokens: ClassVar[dict[str, tuple[str, datetime]]] = {}

    def _get_cached_access_token(self, scope_key: str) -> str | None:
        token = self._tokens.get(scope_key)
        return token[0] if token is not None and token[1] > utcnow() else None

    def _cache_access_token(self, scope_key: str, access_token: str, expires_in: float) -> None:
        lifetime = max(0.0, float(expires_in or 0) - 30)  # renew a little early
        self._tokens[scope_key] = (access_token, utcnow() + timedelta(seconds=lifetime))


def backoff(tries: int) -> timedelta:
    """How long to wait after the `tries`-th failure: 30 s, doubling, at most six hours."""
    return min(FIRST_RETRY * (2 ** max(0, tries - 1)), LONGEST_WAIT)


# --- writing the outbox, from the domain's events -------------------------------------------------------------


def enqueue(pairs: Iterable[tuple[int | None, int]], *, now: datetime | None = None) -> list[int]:
    """Write the current grade of each (assignment id, user id) pair to the outbox of every link that sends it."""
    now = now or utcnow()
    written: list[int] = []
    for assignment_id, user_id in dict.fromkeys(pairs):
        if assignment_id is None:
            continue
        links = list(db.session.scalars(select(LtiResourceLink).where(LtiResourceLink.assignment_id == assignment_id)))
        for link in links:
            if _subject(link.platform_id, user_id) is None:
                continue
            row = _write(link, assignment_id, user_id, now)
            if row is not None:
                written.append(row.id)
    if written:
        on_commit(lambda: _announce(written))
    return written


def _announce(ids: list[int]) -> None:
    events.scores_queued.send(None, ids=ids)


def _subject(platform_id: int, user_id: int) -> str | None:
    return db.session.scalar(
        select(LtiUser.subject).where(LtiUser.platform_id == platform_id, LtiUser.user_id == user_id)
    )


def _write(link: LtiResourceLink, assignment_id: int, user_id: int, now: datetime) -> LtiScore | None:
    assignment = db.session.get(Assignment, assignment_id)
    assert assignment is not None
    cell = gradebook.student_cell(assignment, user_id)
    if cell.state in (Standing.NOT_STARTED, Standing.IN_PROGRESS, Standing.EXCUSED):
        return None
    pending = cell.state == Standing.NEEDS_GRADING
    row = db.session.scalar(select(LtiScore).where(LtiScore.link_id == link.id, LtiScore.user_id == user_id))
    values = dict(
        score_given=cell.score,
        score_maximum=cell.max_score or 0.0,
        activity_progress="Completed" if cell.score is not None else "Submitted",
        grading_progress="PendingManual" if pending else "FullyGraded",
    )
    if row is None:
        row = LtiScore(link_id=link.id, user_id=user_id, **values)
        db.session.add(row)
    elif row.sent_at is not None and all(getattr(row, k) == v for k, v in values.items()):
        return None  # the platform has this grade already
    else:
        for name, value in values.items():
            setattr(row, name, value)
    row.changed_at, row.sent_at, row.tries, row.next_try_at, row.last_error = now, None, 0, now, None
    db.session.flush()
    return row


@events.attempt_graded.connect
def _on_attempt_graded(attempt: Attempt, now: datetime | None = None, **_: Any) -> None:
    if attempt.assignment_id is not None and not attempt.practice:
        enqueue([(attempt.assignment_id, attempt.user_id)], now=now)


@events.essay_graded.connect
def _on_essay_graded(item: Any, now: datetime | None = None, **_: Any) -> None:
    attempt = item.attempt
    if attempt.assignment_id is not None and not attempt.practice:
        enqueue([(attempt.assignment_id, attempt.user_id)], now=now)


@events.attempts_regraded.connect
def _on_attempts_regraded(
    question: Any, items: Iterable[tuple[int, int]] = (), now: datetime | None = None, **_: Any
) -> None:
    attempt_ids = {attempt_id for attempt_id, _position in items}
    if not attempt_ids:
        return
    pairs = db.session.execute(
        select(Attempt.assignment_id, Attempt.user_id).where(
            Attempt.id.in_(attempt_ids), Attempt.practice.is_(False), Attempt.assignment_id.is_not(None)
        )
    ).all()
    if pairs:
        enqueue([(a, u) for a, u in pairs], now=now)


# --- sending ---------------------------------------------------------------------------------------------------


def due(*, now: datetime | None = None, include_waiting: bool = False, ids: Iterable[int] | None = None) -> list[int]:
    """Ids of unsent rows whose backoff has passed (all unsent ones with `include_waiting`), oldest first."""
    query = select(LtiScore.id).where(LtiScore.sent_at.is_(None)).order_by(LtiScore.id)
    if not include_waiting:
        query = query.where(LtiScore.next_try_at <= (now or utcnow()))
    if ids is not None:
        query = query.where(LtiScore.id.in_(list(ids)))
    return list(db.session.scalars(query))


@dataclass
class Sent:
    ok: bool
    error: str | None = None


def send_one(score_id: int, secret: str, *, now: datetime | None = None) -> Sent | None:
    """Post one waiting score to its platform (creating the line item when missing) and record the outcome.

    Returns None when the row is gone, already sent, or being sent by another worker. Flushes only."""
    now = now or utcnow()
    row = db.session.scalar(
        select(LtiScore).where(LtiScore.id == score_id, LtiScore.sent_at.is_(None)).with_for_update(skip_locked=True)
    )
    if row is None:
        return None
    sent_version = row.changed_at
    try:
        _post(row, secret)
    except (LtiException, LtiServiceException, requests.RequestException, keys.KeyProblem, ValueError) as error:
        row.tries += 1
        row.next_try_at = now + backoff(row.tries)
        row.last_error = _describe(error)[:1000]
        db.session.flush()
        return Sent(False, row.last_error)
    db.session.execute(
        update(LtiScore)
        .where(LtiScore.id == row.id, LtiScore.changed_at == sent_version)
        .values(sent_at=now, last_error=None)
        .execution_options(synchronize_session="fetch")
    )
    db.session.flush()
    return Sent(True)


def _describe(error: Exception) -> str:
    response = getattr(error, "response", None)
    if response is not None and getattr(response, "status_code", None):
        return f"{error} (HTTP {response.status_code})"
    return str(error) or error.__class__.__name__


def _post(row: LtiScore, secret: str) -> None:
    link = row.link
    context = db.session.get(LtiContext, link.context_pk)
    assert context is not None
    platform = context.platform
    subject = _subject(platform.id, row.user_id)
    if subject is None:
        raise LtiException("The student has no account on this platform any more.")
    ags_claim = dict(context.ags or {})
    if link.lineitem_url:
        ags_claim["lineitem"] = link.lineitem_url
    if SCORE_SCOPE not in (ags_claim.get("scope") or []):
        raise LtiException("The platform did not grant this tool the right to post scores (the AGS score scope).")
    connector = Connector(platforms.registration(platform, secret), requests_session=http_session())
    service = AssignmentsGradesService(connector, ags_claim)  # type: ignore[arg-type]
    if not link.lineitem_url:
        link.lineitem_url = _find_or_create_lineitem(service, link, row)
        db.session.flush()
    grade = (
        Grade()
        .set_user_id(subject)
        .set_score_maximum(row.score_maximum)
        .set_activity_progress(row.activity_progress)
        .set_grading_progress(row.grading_progress)
        .set_timestamp(row.changed_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"))
    )
    if row.score_given is not None:
        grade.set_score_given(row.score_given)
    service.put_grade(grade, LineItem({"id": link.lineitem_url}))


def _find_or_create_lineitem(service: AssignmentsGradesService, link: LtiResourceLink, row: LtiScore) -> str:
    assignment = db.session.get(Assignment, link.assignment_id)
    assert assignment is not None
    resource_id = f"studyapp-assignment-{assignment.id}"
    wanted = (
        LineItem()
        .set_label(assignment.quiz.title)
        .set_score_maximum(row.score_maximum or 1.0)
        .set_resource_id(resource_id)
        .set_resource_link_id(link.resource_link_id)
        .set_tag("studyapp")
    )
    found = service.find_or_create_lineitem(
        wanted,
        condition=lambda item: (
            item.get("resourceLinkId") == link.resource_link_id or item.get("resourceId") == resource_id
        ),
    )
    lineitem_id = found.get_id()
    if not lineitem_id:
        raise LtiException("The platform created a line item without an id.")
    return lineitem_id


# --- what the instructor sees -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Waiting:
    """A score the platform has not accepted yet."""

    id: int
    student: str
    assignment: str
    score: float | None
    maximum: float
    tries: int
    next_try_at: datetime
    error: str | None


def waiting_for_class(class_id: int) -> list[Waiting]:
    """The class's scores not yet accepted by its platform, oldest first (one query)."""
    rows = db.session.execute(
        select(LtiScore, User.display_name, Assignment)
        .join(LtiResourceLink, LtiResourceLink.id == LtiScore.link_id)
        .join(Assignment, Assignment.id == LtiResourceLink.assignment_id)
        .join(User, User.id == LtiScore.user_id)
        .where(Assignment.class_id == class_id, LtiScore.sent_at.is_(None))
        .order_by(LtiScore.changed_at, LtiScore.id)
    )
    return [
        Waiting(
            score.id,
            name,
            assignment.title,
            score.score_given,
            score.score_maximum,
            score.tries,
            score.next_try_at,
            score.last_error,
        )
        for score, name, assignment in rows
    ]


def waiting_ids(class_id: int) -> list[int]:
    """Ids of the class's scores not yet accepted by its platform."""
    return [w.id for w in waiting_for_class(class_id)]
