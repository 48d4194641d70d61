"""The gradebook and the item analysis of a class, read in a fixed number of queries whatever its size.

Each query fetches plain columns for the whole class at once (no lazy loads per student or per
cell); the cells, grades and averages are then worked out in Python from those rows.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby
from operator import attrgetter
from typing import Any, NamedTuple, TypedDict

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import joinedload

from studyapp.core import charts, grading
from studyapp.core.analytics import Analysis, AttemptScores, ItemScore, ItemStats, analyse, final_score
from studyapp.core.qformat import UNFILED
from studyapp.domain import points, questions, quizzes
from studyapp.domain.questions import question_of
from studyapp.domain.quizzes import Standing
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
    Section,
    Theme,
    User,
)
from studyapp.models.attempts import SUBMITTED
from studyapp.models.classes import STUDENT

CHOICE_TYPES = ("single", "multiple", "truefalse", "evidence")
#: Each standing in words (`Standing.label`), worked out once rather than for every cell.
_LABELS = {standing: standing.label for standing in Standing}


class AttemptFacts(NamedTuple):
    """The columns of one attempt the gradebook needs (a named tuple: cheap to make from each row)."""

    id: int
    assignment_id: int
    user_id: int
    state: str
    score: float | None
    max_score: float
    submitted_at: datetime | None
    #: An essay of it waits for a person.
    ungraded: bool
    #: Submitted after the closing time in force then (stored at submission, see `Attempt.late`).
    late: bool


@dataclass(slots=True)
class Cell:
    """One student's standing on one assignment."""

    state: Standing
    #: The grade by the assignment's policy, from fully graded attempts; None if there is none.
    score: float | None = None
    max_score: float | None = None
    attempts: int = 0
    #: The attempt to open from the gradebook: the one the grade comes from, else the latest.
    attempt_id: int | None = None
    #: The attempts whose questions count towards the theme averages.
    counted: tuple[int, ...] = ()

    @property
    def label(self) -> str:
        """The cell's state in words."""
        return _LABELS[self.state]

    @property
    def percent(self) -> float | None:
        if self.score is None or not self.max_score:
            return None
        return 100 * self.score / self.max_score


def is_graded(state: str, score: float | None, ungraded: bool) -> bool:
    """Whether an attempt counts towards a grade: submitted, with a score and no essay waiting for a person."""
    return state == SUBMITTED and not ungraded and score is not None


def cell_for(attempts: Sequence[AttemptFacts], settings: quizzes.Settings, excused: bool) -> Cell:
    """Work out a cell from a student's attempts at an assignment (oldest first).

    The grade follows the assignment's policy over the attempts that are submitted and fully
    graded. The state is, in this order: excused; not started; in progress (nothing submitted);
    needs grading (a submitted attempt has an essay waiting); late (a counted attempt was
    submitted after the closing time in force when it was submitted); submitted.
    """
    if not attempts:
        return Cell(Standing.EXCUSED if excused else Standing.NOT_STARTED)
    # One loop, `is_graded` written out: this runs for each of the 6,000 cells of a large class.
    submitted: list[AttemptFacts] = []
    graded: list[AttemptFacts] = []
    #: The scores of `graded`, in the same order.
    graded_scores: list[float] = []
    waiting = False
    for a in attempts:
        if a.state == SUBMITTED:
            submitted.append(a)
            if a.ungraded:
                waiting = True
            elif a.score is not None:
                graded.append(a)
                graded_scores.append(a.score)
    counted = graded
    score = None
    if graded:
        if settings.grading == "highest":
            # the first of equal best scores
            counted = [graded[graded_scores.index(max(graded_scores))]] if len(graded) > 1 else graded
        elif settings.grading == "latest":
            counted = graded[-1:]
        score = final_score(graded_scores, settings.grading)
    if excused:
        state = Standing.EXCUSED
    elif not submitted:
        state = Standing.IN_PROGRESS
    elif waiting:
        state = Standing.NEEDS_GRADING
    elif any(a.late for a in (counted or submitted)):
        state = Standing.LATE
    else:
        state = Standing.SUBMITTED
    shown = counted[-1] if counted else (submitted[-1] if submitted else attempts[-1])
    return Cell(
        state=state,
        score=score,
        max_score=shown.max_score,
        attempts=len(attempts),
        attempt_id=shown.id,
        counted=tuple([a.id for a in counted]),
    )


# --- loading ------------------------------------------------------------------------------------------


@dataclass
class Column:
    assignment: Assignment
    settings: quizzes.Settings
    #: Points possible: the quiz's total (see `set_points`).
    points: float | None = None

    @property
    def key(self) -> str:
        return f"a{self.assignment.id}"


def columns_of(class_: Class) -> list[Column]:
    """The class's assignments in order, with their quizzes and effective settings (one query)."""
    assignments = db.session.scalars(
        select(Assignment)
        .where(Assignment.class_id == class_.id)
        .options(joinedload(Assignment.quiz))
        .order_by(Assignment.position, Assignment.id)
    ).all()
    return [Column(a, quizzes.settings_for(a.quiz, a.overrides())) for a in assignments]


def _class_attempts(class_id: int):
    """The non-practice attempts at the class's assignments by its current students."""
    return (
        select(Attempt.id)
        .join(Assignment, Assignment.id == Attempt.assignment_id)
        .join(
            Membership,
            and_(
                Membership.class_id == Assignment.class_id,
                Membership.user_id == Attempt.user_id,
                Membership.role == STUDENT,
            ),
        )
        .where(Assignment.class_id == class_id, Attempt.practice.is_(False))
    )


def plain_rows(statement):
    """Run a select of plain columns on the session's connection: Core rows, without the ORM's work per row."""
    return db.session.connection().execute(statement)


def attempt_facts(class_id: int):
    """A select of AttemptFacts columns for the class's students, cell by cell (oldest attempt first)."""
    ungraded = exists().where(AttemptItem.attempt_id == Attempt.id, AttemptItem.status == grading.UNGRADED)
    return (
        _class_attempts(class_id)
        .add_columns(
            Attempt.assignment_id,
            Attempt.user_id,
            Attempt.state,
            Attempt.score,
            Attempt.max_score,
            Attempt.submitted_at,
            ungraded.label("ungraded"),
            Attempt.late,
        )
        .order_by(Attempt.user_id, Attempt.assignment_id, Attempt.started_at, Attempt.id)
    )


def student_cell(assignment: Assignment, user_id: int) -> Cell:
    """One student's cell on one assignment, as the gradebook shows it (three queries): for grade passback."""
    facts = [
        AttemptFacts(*row)
        for row in plain_rows(
            attempt_facts(assignment.class_id).where(Attempt.assignment_id == assignment.id, Attempt.user_id == user_id)
        )
    ]
    excused = bool(
        db.session.scalar(select(exists().where(Excusal.assignment_id == assignment.id, Excusal.user_id == user_id)))
    )
    return cell_for(facts, quizzes.settings_for(assignment.quiz, assignment.overrides()), excused)


def excused_pairs(class_id: int) -> set[tuple[int, int]]:
    """(assignment id, user id) of every excusal in the class (one query)."""
    rows = db.session.execute(
        select(Excusal.assignment_id, Excusal.user_id)
        .join(Assignment, Assignment.id == Excusal.assignment_id)
        .where(Assignment.class_id == class_id)
    )
    return {(assignment_id, user_id) for assignment_id, user_id in rows}


def submitted_maxima(class_id: int) -> dict[int, float]:
    """The largest maximum of a submitted attempt, by assignment of the class (one query)."""
    rows = db.session.execute(
        select(Attempt.assignment_id, func.max(Attempt.max_score))
        .join(Assignment, Assignment.id == Attempt.assignment_id)
        .where(Assignment.class_id == class_id, Attempt.state == SUBMITTED, Attempt.practice.is_(False))
        .group_by(Attempt.assignment_id)
    )
    # The inner join leaves no attempt without an assignment.
    return {assignment_id: most for assignment_id, most in rows if assignment_id is not None}


def set_points(columns: list[Column], most: dict[int, float]) -> None:
    """Fill in each column's points possible: its quiz's total, what every attempt of it is out of (a drawn
    slot has fixed marks: `quizzes.quiz_totals`, one query); else, for a quiz with no questions left, the
    largest maximum of a submitted attempt in `most` (assignment id -> that maximum)."""
    totals = quizzes.quiz_totals(column.assignment.quiz for column in columns)
    for column in columns:
        column.points = totals.get(column.assignment.quiz_id) or most.get(column.assignment.id)


# --- the gradebook -----------------------------------------------------------------------------------------


@dataclass
class Row:
    user_id: int
    name: str
    email: str
    section: str
    cells: dict[int, Cell] = field(default_factory=dict)
    #: Theme slug -> percentage of the points earned on that theme's questions (None: none answered).
    themes: dict[str, float | None] = field(default_factory=dict)


@dataclass
class Gradebook:
    columns: list[Column]
    #: (slug, title) of each theme the class's submitted questions touch, in the themes' order.
    themes: list[tuple[str, str]]
    rows: list[Row]


def students_query(class_id: int):
    """The class's students by name: (user id, name, email, section name or None)."""
    return (
        select(User.id, User.display_name, User.email, Section.name)
        .join(Membership, Membership.user_id == User.id)
        .outerjoin(Section, Section.id == Membership.section_id)
        .where(Membership.class_id == class_id, Membership.role == STUDENT)
        .order_by(func.lower(User.display_name), User.id)
    )


def gradebook(class_: Class) -> Gradebook:
    """Students x assignments with each cell's state and grade, and per-theme averages (eight queries at most)."""
    columns = columns_of(class_)
    students = plain_rows(students_query(class_.id)).all()
    excused = excused_pairs(class_.id)
    settings = {column.assignment.id: column.settings for column in columns}
    most: dict[int, float] = {}
    cells: dict[tuple[int, int], Cell] = {}
    facts = map(AttemptFacts._make, plain_rows(attempt_facts(class_.id)))
    for (user_id, aid), group in groupby(facts, key=attrgetter("user_id", "assignment_id")):
        attempts = list(group)
        for a in attempts:
            if a.state == SUBMITTED:
                most[aid] = max(most.get(aid, 0.0), a.max_score)
        cells[(user_id, aid)] = cell_for(attempts, settings[aid], (aid, user_id) in excused)
    set_points(columns, most)
    rows = []
    for user_id, name, email, section in students:
        row = Row(user_id, name, email, section or "")
        row.cells = {
            aid: cells.get((user_id, aid))
            or Cell(Standing.EXCUSED if (aid, user_id) in excused else Standing.NOT_STARTED)  # as `cell_for(())`
            for aid in settings
        }
        rows.append(row)
    themes = _theme_averages(rows)
    return Gradebook(columns, themes, rows)


def _theme_averages(rows: list[Row]) -> list[tuple[str, str]]:
    """Fill each row's theme averages from the points of its counted attempts (two queries, and one more for
    every 10,000 counted attempts beyond the first: `id_batches`).

    A theme's average is the points earned over the points possible on its questions (each question
    version counts towards each of its themes), ungraded essays and excused assignments left out. The
    points come summed per attempt and theme (studyapp.domain.points), and the database adds those up
    per student: a 300-student class's term is some 180,000 answers, its sums a few thousand rows.
    """
    counted = {
        attempt_id
        for row in rows
        for cell in row.cells.values()
        if cell.state != Standing.EXCUSED
        for attempt_id in cell.counted
    }
    if not counted:
        return []
    per_user: dict[int, dict[str, list[float]]] = defaultdict(dict)
    for user_id, slug, earned, possible in points.sums_by_user(counted):
        per_user[user_id][slug] = [earned, possible]
    slugs_used = {slug for mine in per_user.values() for slug in mine if slug != UNFILED}
    if not slugs_used:
        return []
    known = plain_rows(select(Theme.slug, Theme.title).order_by(Theme.position)).all()
    titles = dict(known)
    order = {slug: n for n, (slug, _) in enumerate(known)}
    slugs = sorted(slugs_used, key=lambda slug: (order.get(slug, len(order)), slug))
    for row in rows:
        mine = per_user.get(row.user_id, {})
        row.themes = {
            slug: (100 * mine[slug][0] / mine[slug][1] if slug in mine and mine[slug][1] else None) for slug in slugs
        }
    return [(slug, titles.get(slug, slug)) for slug in slugs]


SORT_KEY = re.compile(r"\A(?:name|email|section|a\d+|t[a-z0-9-]+)\Z")


def sort_rows(book: Gradebook, key: str, descending: bool) -> None:
    """Sort the rows in place by a column key (name, email, section, a<assignment id>, t<theme>); blanks last."""

    def value(row: Row):
        if key in ("name", "email"):
            return getattr(row, key).casefold()
        if key == "section":
            return row.section.casefold() or None
        if key.startswith("a") and key[1:].isdigit():
            cell = row.cells.get(int(key[1:]))
            return cell.percent if cell is not None else None
        if key.startswith("t"):
            return row.themes.get(key[1:])
        return None

    by_name = sorted(book.rows, key=lambda r: (r.name.casefold(), r.user_id))
    present = [r for r in by_name if value(r) is not None]
    blank = [r for r in by_name if value(r) is None]
    present.sort(key=value, reverse=descending)  # stable: equal values stay in name order
    book.rows[:] = present + blank


@dataclass
class CellDetail:
    attempt_id: int
    state: str
    score: float | None
    max_score: float
    started_at: datetime
    submitted_at: datetime | None
    #: Answers waiting for a person: the score is provisional while above 0.
    pending: int
    #: Submitted after the closing time in force then (stored at submission).
    late: bool


def cell_attempts(assignment: Assignment, user_id: int) -> list[CellDetail]:
    """Every attempt one student made at one assignment, oldest first (one query)."""
    rows = db.session.execute(
        select(
            Attempt.id,
            Attempt.state,
            Attempt.score,
            Attempt.max_score,
            Attempt.started_at,
            Attempt.submitted_at,
            Attempt.pending,
            Attempt.late,
        )
        .where(Attempt.assignment_id == assignment.id, Attempt.user_id == user_id, Attempt.practice.is_(False))
        .order_by(Attempt.started_at, Attempt.id)
    )
    return [CellDetail(*row) for row in rows]


# --- item analysis --------------------------------------------------------------------------------------


@dataclass
class ItemInfo:
    """What a person needs to recognise an item of the analysis."""

    key: str
    label: str
    type: str
    prompt: str
    #: Option id -> its text, for the choice frequencies.
    option_texts: dict[str, str] = field(default_factory=dict)


@dataclass
class ItemAnalysis:
    analysis: Analysis
    items: list[tuple[ItemStats, ItemInfo]]
    #: True when items are keyed by position (the quiz draws its questions), False when by question.
    by_position: bool
    #: Each first attempt's total as a percentage of its maximum.
    percents: list[float]
    histogram: str = ""
    histogram_table: charts.DataTable | None = None
    scatter: str = ""
    scatter_table: charts.DataTable | None = None


def item_analysis(class_: Class, assignment: Assignment) -> ItemAnalysis:
    """Moodle's statistics over the first submitted attempt of each current student (four queries at most).

    Items are keyed by question when the quiz is a fixed list, by position when it draws its
    questions; an essay still waiting for a grade is left out of its attempt.
    """
    attempts = plain_rows(
        _class_attempts(class_.id)
        .add_columns(Attempt.user_id)
        .where(Attempt.assignment_id == assignment.id, Attempt.state == SUBMITTED)
        .order_by(Attempt.submitted_at, Attempt.id)
    ).all()
    first: dict[int, int] = {}
    for attempt_id, user_id in attempts:
        first.setdefault(user_id, attempt_id)
    ids = sorted(first.values())
    items = (
        plain_rows(
            select(
                AttemptItem.attempt_id,
                AttemptItem.position,
                AttemptItem.question_version_id,
                AttemptItem.response,
                AttemptItem.score,
                AttemptItem.max_score,
                QuestionVersion.question_id,
                Question.key,
            )
            .join(QuestionVersion, QuestionVersion.id == AttemptItem.question_version_id)
            .join(Question, Question.id == QuestionVersion.question_id)
            .where(AttemptItem.attempt_id.in_(ids))
            .order_by(AttemptItem.attempt_id, AttemptItem.position)
        ).all()
        if ids
        else []
    )
    versions = (
        {
            v.id: v
            for v in db.session.scalars(
                select(QuestionVersion).where(QuestionVersion.id.in_({row[2] for row in items}))
            )
        }
        if items
        else {}
    )
    parsed = {vid: question_of(v) for vid, v in versions.items()}
    quotes = questions.evidence_quotes(list(parsed.values()))
    fixed = assignment.quiz.question_ids or None
    by_position = fixed is None

    per_attempt: dict[int, dict[str, ItemScore]] = {aid: {} for aid in ids}
    questions_at: dict[str, set[int]] = defaultdict(set)
    latest_version: dict[str, int] = {}
    order: dict[str, tuple[int] | tuple[int, str]] = {}
    fixed_order = {qid: n for n, qid in enumerate(fixed or ())}
    for attempt_id, position, version_id, response, score, max_score, question_id, qkey in items:
        key = f"Q{position}" if by_position else qkey
        questions_at[key].add(question_id)
        latest_version[key] = max(latest_version.get(key, 0), version_id)
        order.setdefault(key, (position,) if by_position else (fixed_order.get(question_id, len(fixed_order)), qkey))
        if score is None:
            continue  # an essay waiting for a grade
        question = parsed[version_id]
        chosen = _chosen(question.type, response) if question.type in CHOICE_TYPES else ()
        per_attempt[attempt_id][key] = ItemScore(float(score), float(max_score), chosen)
    keys = sorted(order, key=order.__getitem__)
    infos: dict[str, ItemInfo] = {}
    options: dict[str, list[str]] = {}
    for key in keys:
        question = parsed[latest_version[key]]
        one_question = len(questions_at[key]) == 1
        info = ItemInfo(
            key=key,
            label=f"Question {key[1:]}" if by_position else key,
            type=question.type if one_question else "drawn",
            prompt=_snippet(question.prompt) if one_question else "Different questions were drawn at this position.",
        )
        quote = quotes.get(question.evidence_passage) if question.type == "evidence" else None
        if one_question and question.type in CHOICE_TYPES and (quote or question.type != "evidence"):
            shown = grading.presentation(question, "", False, quote=quote)
            info.option_texts = {option.id: option.text for option in shown.options}
        infos[key] = info
        options[key] = list(info.option_texts)
    scores = [AttemptScores(per_attempt[aid]) for aid in ids if per_attempt[aid]]
    analysis = analyse(scores, options)
    result = ItemAnalysis(
        analysis=analysis,
        items=[(stats, infos[stats.key]) for stats in analysis.items],
        by_position=by_position,
        percents=[100 * s.score / s.max_score for s in scores if s.max_score > 0],
    )
    _draw(result, assignment.title)
    return result


def _chosen(kind: str, response: dict[str, Any] | None) -> tuple[str, ...]:
    """The option ids a stored response picked."""
    response = response or {}
    if kind in ("single", "truefalse"):
        value = response.get("choice")
        return (value,) if isinstance(value, str) and value else ()
    value = response.get("sentences" if kind == "evidence" else "choices")
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def _snippet(markdown: str, limit: int = 140) -> str:
    """The first words of a prompt as plain text."""
    text = re.sub(r"\{\{[^}]*\}\}", "___", markdown or "")
    text = re.sub(r"[*_`>#\[\]]|\(https?://[^)]*\)", "", text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class _HistogramArgs(TypedDict):
    """What the score distribution and its data table share (see `charts.histogram`)."""

    values: list[float]
    bins: int
    value_range: tuple[int, int]
    title: str
    description: str
    x_label: str
    y_label: str


class _ScatterArgs(TypedDict):
    """What the item map and its data table share (see `charts.scatter`)."""

    points: list[tuple[float | None, float | None, str]]
    title: str
    description: str
    x_label: str
    y_label: str


def _draw(result: ItemAnalysis, title: str) -> None:
    """Add the score distribution and the item map, each with its data table."""
    histogram = _HistogramArgs(
        values=result.percents,
        bins=10,
        value_range=(0, 100),
        title=f"Score distribution: {title}",
        description=(
            f"How many of the {len(result.percents)} first attempts scored in each band of 10 percentage "
            "points of the maximum."
        ),
        x_label="Score (% of the maximum)",
        y_label="Students",
    )
    result.histogram = charts.histogram(chart_id="score-distribution", **histogram)
    result.histogram_table = charts.histogram_table(**histogram)
    points = [(stats.facility, stats.discrimination, info.label) for stats, info in result.items]
    scatter = _ScatterArgs(
        points=points,
        title=f"Facility against discrimination: {title}",
        description=(
            "Each question placed by how easy it was (facility, across, 0 to 100) and how well it "
            "separated stronger from weaker students (discrimination, up, -100 to 100). Questions "
            "below the zero line work against the rest of the test."
        ),
        x_label="Facility index (%)",
        y_label="Discrimination index",
    )
    result.scatter = charts.scatter(chart_id="item-map", y_guides=(30,), **scatter)
    result.scatter_table = charts.scatter_table(label_header="Question", **scatter)
