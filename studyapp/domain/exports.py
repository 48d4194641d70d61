"""Class results as files: the Canvas gradebook and the responses, streamed from the database to the client.

The rows are read with `yield_per`, turned into cells one student (or one answer) at a time and
written by `core.exports` in batches, so memory stays flat however large the class is. The
generators run the queries when they are first read: a view hands them to a streaming response
inside `stream_with_context`, the CLI writes them to a file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from itertools import groupby
from operator import itemgetter

from sqlalchemy import Text, and_, cast, exists, func, select

from studyapp.core import grading
from studyapp.core.analytics import final_score
from studyapp.core.exports import (
    EXCUSED,
    Cell,
    GradebookAssignment,
    GradebookStudent,
    ResponseRecord,
    canvas_gradebook,
    csv_stream,
    export_filename,
    response_text,
    responses_rows,
    xlsx_stream,
)
from studyapp.domain import questions
from studyapp.domain.gradebook import (
    columns_of,
    excused_pairs,
    is_graded,
    plain_rows,
    set_points,
    students_query,
    submitted_maxima,
)
from studyapp.domain.questions import question_of
from studyapp.extensions import db
from studyapp.models import (
    Assignment,
    Attempt,
    AttemptItem,
    Class,
    Membership,
    Question,
    QuestionVersion,
    Section,
    User,
)
from studyapp.models.base import utcnow
from studyapp.models.classes import STUDENT

KINDS = ("gradebook", "responses")
FORMATS = ("csv", "xlsx")
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
SHEETS = {"gradebook": "Gradebook", "responses": "Responses"}
#: Rows fetched from the database at a time.
YIELD_PER = 2000
#: Attempts whose answers one query of the responses export reads.
ATTEMPTS_PER_QUERY = 500
#: Distinct (question version, stored response) pairs whose text is kept for reuse: most answers to a
#: choice question are one of a few; typed answers rarely repeat.
RENDER_CACHE = 20_000


@dataclass
class Export:
    filename: str
    mimetype: str
    chunks: Iterator[bytes]


def export(class_: Class, kind: str, fmt: str, *, today: date | None = None) -> Export:
    """An export of the class: `kind` gradebook or responses, `fmt` csv or xlsx, named by class and date."""
    if kind not in KINDS or fmt not in FORMATS:
        raise ValueError(f"unknown export {kind!r} as {fmt!r}")
    header, rows = gradebook_rows(class_) if kind == "gradebook" else responses_of(class_)
    chunks = csv_stream(header, rows) if fmt == "csv" else xlsx_stream(SHEETS[kind], header, rows)
    filename = export_filename(class_.name, kind, today or utcnow().date(), fmt)
    return Export(filename, MIMETYPES[fmt], chunks)


# --- the gradebook -------------------------------------------------------------------------------


def gradebook_rows(class_: Class) -> tuple[list[list[Cell]], Iterator[list[Cell]]]:
    """Canvas's gradebook layout: header rows now, one row per student as the rows are read."""
    columns = columns_of(class_)
    ungraded = exists().where(AttemptItem.attempt_id == Attempt.id, AttemptItem.status == grading.UNGRADED)
    set_points(columns, submitted_maxima(class_.id))
    works = [GradebookAssignment(c.assignment.id, c.assignment.title, c.points or 0.0) for c in columns]
    settings = {c.assignment.id: c.settings for c in columns}
    class_id = class_.id  # the rows are read as the response streams, after the request's commit

    def students() -> Iterator[GradebookStudent]:
        excused = excused_pairs(class_id)
        query = (
            select(
                User.id,
                User.display_name,
                User.email,
                Section.name,
                Attempt.assignment_id,
                Attempt.state,
                Attempt.score,
                ungraded.label("ungraded"),
            )
            .select_from(Membership)
            .join(User, User.id == Membership.user_id)
            .outerjoin(Section, Section.id == Membership.section_id)
            .outerjoin(
                Attempt,
                and_(
                    Attempt.user_id == Membership.user_id,
                    Attempt.practice.is_(False),
                    Attempt.assignment_id.in_(select(Assignment.id).where(Assignment.class_id == class_id)),
                ),
            )
            .where(Membership.class_id == class_id, Membership.role == STUDENT)
            .order_by(func.lower(User.display_name), User.id, Attempt.started_at, Attempt.id)
        )
        result = plain_rows(query.execution_options(yield_per=YIELD_PER))
        for user_id, group in groupby(result, key=itemgetter(0)):
            graded: dict[int, list[float]] = {}  # assignment id -> scores of the graded attempts, oldest first
            for row in group:
                # The name, email and section are the same on every row of a student.
                _, name, email, section, aid, state, score, waiting = row
                if aid is not None and is_graded(state, score, waiting):
                    graded.setdefault(aid, []).append(score)
            scores: dict[int, float | str | None] = {}
            for aid, setting in settings.items():
                if (aid, user_id) in excused:
                    scores[aid] = EXCUSED
                else:
                    scores[aid] = final_score(graded[aid], setting.grading) if aid in graded else None
            yield GradebookStudent(user_id, name, email, section or "", scores)

    return canvas_gradebook(students(), works)


# --- the responses ---------------------------------------------------------------------------------


def responses_of(class_: Class) -> tuple[list[list[Cell]], Iterator[list[Cell]]]:
    """One row per student x question of every attempt at the class's assignments, read as it is written."""
    return responses_rows(_response_records(class_.id))


def _response_records(class_id: int) -> Iterator[ResponseRecord]:
    """The answers in order of student name, assignment, attempt and question.

    The attempts are listed first (one row each); their answers are then read in batches of
    ATTEMPTS_PER_QUERY attempts through the (attempt, position) index, so no query sorts the
    answers of the whole class and no more than one batch is held at a time. The class is read by
    id: the rows are produced as the response streams, after the request has committed.
    """
    class_ = db.session.get_one(Class, class_id)
    class_name = class_.name
    students = {uid: (name, section or "") for uid, name, _, section in plain_rows(students_query(class_.id))}
    columns = columns_of(class_)
    titles = {c.assignment.id: c.assignment.title for c in columns}
    attempts = plain_rows(
        select(Attempt.id, Attempt.user_id, Attempt.assignment_id, Attempt.submitted_at, Attempt.late)
        .join(Assignment, Assignment.id == Attempt.assignment_id)
        .join(
            Membership,
            and_(
                Membership.class_id == Assignment.class_id,
                Membership.user_id == Attempt.user_id,
                Membership.role == STUDENT,
            ),
        )
        .join(User, User.id == Attempt.user_id)
        .where(Assignment.class_id == class_.id, Attempt.practice.is_(False))
        .order_by(
            func.lower(User.display_name), User.id, Assignment.position, Assignment.id, Attempt.started_at, Attempt.id
        )
    ).all()
    about = _versions_of(class_)
    rendered: dict[tuple[int, str | None], str] = {}
    numbers: dict[tuple[int, int], int] = {}
    for start in range(0, len(attempts), ATTEMPTS_PER_QUERY):
        batch = attempts[start : start + ATTEMPTS_PER_QUERY]
        answers: dict[int, list] = {}
        for row in plain_rows(
            select(
                AttemptItem.attempt_id,
                AttemptItem.question_version_id,
                cast(AttemptItem.response, Text),
                AttemptItem.score,
                AttemptItem.max_score,
            )
            .where(AttemptItem.attempt_id.in_([a[0] for a in batch]))
            .order_by(AttemptItem.attempt_id, AttemptItem.position)
        ).all():
            answers.setdefault(row[0], []).append(row)
        for attempt_id, user_id, aid, submitted_at, stored_late in batch:
            number = numbers[(user_id, aid)] = numbers.get((user_id, aid), 0) + 1
            name, section = students[user_id]
            title = titles[aid]
            # Decided at submission against the closing time then in force; nothing while in progress.
            late = None if submitted_at is None else bool(stored_late)
            for _, version_id, raw, score, max_score in answers.get(attempt_id, ()):
                key, themes, question, quote = about[version_id]
                text = rendered.get((version_id, raw))
                if text is None:
                    text = response_text(question, json.loads(raw) if raw else None, quote=quote)
                    if len(rendered) < RENDER_CACHE:
                        rendered[(version_id, raw)] = text
                yield ResponseRecord(
                    class_name, section, title, name, number, key, themes, text, score, max_score, submitted_at, late
                )


def _versions_of(class_: Class) -> dict[int, tuple]:
    """Every question version the class's attempts showed: (question key, themes, parsed question, quote)."""
    class_attempts = (
        select(Attempt.id)
        .join(Assignment, Assignment.id == Attempt.assignment_id)
        .where(Assignment.class_id == class_.id, Attempt.practice.is_(False))
    )
    versions = db.session.execute(
        select(QuestionVersion, Question.key)
        .join(Question, Question.id == QuestionVersion.question_id)
        .where(
            QuestionVersion.id.in_(
                select(AttemptItem.question_version_id).where(AttemptItem.attempt_id.in_(class_attempts)).distinct()
            )
        )
    ).all()
    parsed = {version.id: question_of(version) for version, _ in versions}
    quotes = questions.evidence_quotes(list(parsed.values()))
    return {
        version.id: (
            key,
            tuple(version.themes or ()),
            parsed[version.id],
            quotes.get(parsed[version.id].evidence_passage),
        )
        for version, key in versions
    }
