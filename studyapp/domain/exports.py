"""Class results as files: the Canvas gradebook and the responses, streamed from the database to the client.

The rows are read with `yield_per` (the answers in batches of attempts), turned into cells one
student (or one attempt) at a time and written by `core.exports` in batches, so memory stays flat
however large the class is. The responses, up to half a million rows, are handed over one attempt
at a time with each distinct answer rendered once (`ResponseGroup`), and the writers join each
row from pieces they have written before. The generators run the queries when they are first
read: a view hands them to a streaming response inside `stream_with_context`, the CLI writes
them to a file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import Select, Text, and_, cast, exists, func, select

from studyapp.core import grading
from studyapp.core.analytics import final_score
from studyapp.core.exports import (
    EXCUSED,
    Cell,
    GradebookAssignment,
    GradebookStudent,
    ResponseAnswer,
    ResponseAttempt,
    ResponseGroup,
    canvas_gradebook,
    csv_stream,
    export_filename,
    response_records,
    response_text,
    responses_csv,
    responses_rows,
    responses_xlsx,
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
#: Characters of (stored response, its text) kept for reuse, per distinct (question version, stored
#: response): most answers to a choice question are one of a few; long typed answers rarely repeat.
RENDER_CACHE_CHARS = 1 << 22


@dataclass
class Export:
    filename: str
    mimetype: str
    chunks: Iterator[bytes]


def export(class_: Class, kind: str, fmt: str, *, today: date | None = None) -> Export:
    """An export of the class: `kind` gradebook or responses, `fmt` csv or xlsx, named by class and date."""
    if kind not in KINDS or fmt not in FORMATS:
        raise ValueError(f"unknown export {kind!r} as {fmt!r}")
    if kind == "gradebook":
        header, rows = gradebook_rows(class_)
        chunks = csv_stream(header, rows) if fmt == "csv" else xlsx_stream(SHEETS[kind], header, rows)
    else:  # the same rows as `responses_of`, written without making each row's cells
        groups = _response_groups(class_.id)
        chunks = responses_csv(groups) if fmt == "csv" else responses_xlsx(SHEETS[kind], groups)
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
    """One row per student x question of every attempt at the class's assignments, as cells, read as it is written.

    The export itself writes the same rows from `_response_groups` without making the cells.
    """
    return responses_rows(response_records(_response_groups(class_.id)))


def _response_groups(class_id: int) -> Iterator[ResponseGroup]:
    """The answers in order of student name, assignment, attempt and question, one group per attempt.

    The attempts are read ATTEMPTS_PER_QUERY at a time from one streamed query; the answers of
    each such batch are then read through the (attempt, position) index, so no query sorts the
    answers of the whole class and no more than one batch is held at a time. A stored response is
    parsed and rendered once per question version (`ResponseAnswer`, shared by the rows that repeat
    it). The class is read by id: the rows are produced as the response streams, after the request
    has committed.
    """
    class_ = db.session.get_one(Class, class_id)
    class_name = class_.name
    students = {uid: (name, section or "") for uid, name, _, section in plain_rows(students_query(class_.id))}
    titles = {c.assignment.id: c.assignment.title for c in columns_of(class_)}
    about = _versions_of(class_)
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
        .execution_options(yield_per=ATTEMPTS_PER_QUERY)
    )
    shown: dict[tuple[int, str | None], ResponseAnswer] = {}
    budget = RENDER_CACHE_CHARS
    # A student's attempts at one assignment come together: only the current pair's count is kept.
    counted, number = (0, 0), 0
    for batch in attempts.partitions():
        answers: dict[int, list[tuple[ResponseAnswer, float | None, float]]] = {}
        current: int | None = None
        listed: list[tuple[ResponseAnswer, float | None, float]] = []
        for attempt_id, version_id, raw, score, max_score in _driver_rows(
            select(
                AttemptItem.attempt_id,
                AttemptItem.question_version_id,
                cast(AttemptItem.response, Text),
                AttemptItem.score,
                AttemptItem.max_score,
            )
            .where(AttemptItem.attempt_id.in_([a[0] for a in batch]))
            .order_by(AttemptItem.attempt_id, AttemptItem.position)
        ):
            answer = shown.get((version_id, raw))
            if answer is None:
                key, themes, question, quote = about[version_id]
                text = response_text(question, json.loads(raw) if raw else None, quote=quote)
                answer = ResponseAnswer(key, themes, text)
                if budget > 0:
                    shown[(version_id, raw)] = answer
                    budget -= len(raw or "") + len(text)
            if attempt_id != current:
                current, listed = attempt_id, []
                answers[attempt_id] = listed
            listed.append((answer, score, max_score))
        for attempt_id, user_id, aid, submitted_at, stored_late in batch:
            number = number + 1 if (user_id, aid) == counted else 1
            counted = (user_id, aid)
            name, section = students[user_id]
            # Decided at submission against the closing time then in force; nothing while in progress.
            late = None if submitted_at is None else bool(stored_late)
            if attempt_id in answers:
                yield (
                    ResponseAttempt(class_name, section, titles[aid], name, number, submitted_at, late),
                    answers[attempt_id],
                )


def _driver_rows(statement: Select) -> Sequence[Any]:
    """Run a select through the database driver's own cursor: plain tuples, without SQLAlchemy's work per row,
    which half a million answers make worth skipping.

    Only for columns the driver already returns as the model types them (ints, floats, text) and for
    bound values that are ints, which are written into the SQL as literals.
    """
    connection = db.session.connection()
    sql = str(statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        cursor.close()


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
