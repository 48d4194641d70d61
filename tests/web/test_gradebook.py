"""The gradebook: each cell's state and grade, theme averages, sorting, excusing, and a bounded number of queries."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from studyapp.domain import attempts as quizzes
from studyapp.domain import gradebook as books
from studyapp.domain.attempts import settings_for
from studyapp.domain.gradebook import AttemptFacts, cell_for
from studyapp.domain.quizzes import Standing
from studyapp.extensions import db
from studyapp.models import Attempt, Excusal, Quiz
from studyapp.models import base as model_base
from studyapp.models.base import utcnow
from tests.web.test_classes_support import assign, enrol, fixed_quiz, make_class, shipped_questions, students, take

T0 = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


def facts(
    n: int, score: float | None, *, state: str = "submitted", ungraded: bool = False, minutes: int = 0, late=None
) -> AttemptFacts:
    """An attempt's facts; late, unless told, as `submit` would have stored it against a close at T0 + 30 min."""
    submitted = T0 + timedelta(minutes=minutes) if state == "submitted" else None
    if late is None:
        late = submitted is not None and minutes > 30
    return AttemptFacts(n, 1, 1, state, score, 10.0, submitted, ungraded, late)


def settings(**values):
    return settings_for(
        Quiz(
            slug="q",
            title="Q",
            shuffle_questions=False,
            shuffle_choices=False,
            grading="highest",
            review="after_submit",
            layout="one_page",
        ),
        values,
    )


@pytest.mark.parametrize(
    ("policy", "score", "attempt_id", "counted"),
    [
        ("highest", 8.0, 2, (2,)),
        ("latest", 5.0, 3, (3,)),
        ("average", 6.0, 3, (1, 2, 3)),
    ],
)
def test_a_cell_grades_by_the_policy_from_graded_attempts(policy, score, attempt_id, counted):
    attempts = [
        facts(1, 5.0),
        facts(2, 8.0),
        facts(3, 5.0),
        facts(4, 9.5, ungraded=True),
        facts(5, None, state="in_progress"),
    ]
    cell = cell_for(attempts, settings(grading=policy), excused=False)
    assert (cell.score, cell.attempt_id, cell.counted) == (score, attempt_id, counted)
    assert cell.state == Standing.NEEDS_GRADING and cell.attempts == 5


def test_cell_states():
    s = settings(closes_at=T0 + timedelta(minutes=30))
    assert cell_for([], s, False).state == Standing.NOT_STARTED
    assert cell_for([facts(1, None, state="in_progress")], s, False).state == Standing.IN_PROGRESS
    assert cell_for([facts(1, 7.0, minutes=10)], s, False).state == Standing.SUBMITTED
    assert cell_for([facts(1, 7.0, minutes=40)], s, False).state == Standing.LATE
    # Late is judged on the attempt the grade comes from: a better attempt in time is not late.
    assert cell_for([facts(1, 9.0, minutes=10), facts(2, 7.0, minutes=40)], s, False).state == Standing.SUBMITTED
    assert cell_for([facts(1, 7.0, minutes=10, ungraded=True)], s, False).state == Standing.NEEDS_GRADING
    excused = cell_for([facts(1, 7.0)], s, True)
    assert excused.state == Standing.EXCUSED and excused.score == 7.0
    assert cell_for([facts(1, 0.0)], s, False).percent == 0.0


def test_a_cells_lateness_is_the_one_stored_at_submission_whatever_the_closing_time_is_now():
    on_time, late = facts(1, 7.0, minutes=10, late=False), facts(2, 7.0, minutes=10, late=True)
    for closes in (None, T0 - timedelta(days=1), T0 + timedelta(minutes=5), T0 + timedelta(days=1)):
        s = settings(closes_at=closes)
        assert cell_for([on_time], s, False).state == Standing.SUBMITTED, closes
        assert cell_for([late], s, False).state == Standing.LATE, closes


def rows_in_page(html: str) -> list[str]:
    return re.findall(r'<th scope="row">([^<]+)<br>', html)


@pytest.mark.content
def test_the_gradebook_shows_every_state_theme_averages_and_sorts(client, make_user, instructor, monkeypatch):
    class_ = make_class(instructor)
    people = students(make_user, 7)
    a_none, b_open, c_full, d_late, e_excused, f_essay, g_half = people
    enrol(class_, *people, section="Section A")
    singles = shipped_questions("single", 2)
    essay = shipped_questions("essay", 1, points=None)[0]
    quiz = fixed_quiz(singles, slug="two-singles", title="Two questions")
    closes = utcnow() + timedelta(days=1)
    first = assign(class_, quiz, closes_at=closes)
    second = assign(class_, fixed_quiz([singles[0], essay], slug="with-essay", title="With an essay"))

    take(b_open, first, {1: True}, submit=False)
    take(c_full, first, {1: True, 2: True})
    late = take(d_late, first, {1: True, 2: True}, submit=False)
    quizzes.submit(late, closes + timedelta(hours=2))  # submitted after the close: stored as late
    take(g_half, first, {1: True, 2: False})
    take(f_essay, second, {1: True, 2: {"text": "Haig reads the letter as a sign of nervousness."}})
    db.session.commit()

    client.post(f"/classes/{class_.id}/gradebook/{first.id}/{e_excused.id}", data={"excused": "1"})
    assert db.session.get(Excusal, (first.id, e_excused.id)) is not None

    book = books.gradebook(class_)
    cells = {row.name: row.cells[first.id] for row in book.rows}
    assert {name: cell.state for name, cell in cells.items()} == {
        a_none.display_name: "not_started",
        b_open.display_name: "in_progress",
        c_full.display_name: "submitted",
        d_late.display_name: "late",
        e_excused.display_name: "excused",
        f_essay.display_name: "not_started",
        g_half.display_name: "submitted",
    }
    assert cells[c_full.display_name].score == 2.0 and cells[g_half.display_name].score == 1.0
    assert cells[b_open.display_name].score is None
    essay_row = next(r for r in book.rows if r.user_id == f_essay.id)
    assert essay_row.cells[second.id].state == "needs_grading"
    assert [c.points for c in book.columns] == [2.0, 1.0 + essay.current_version.points]

    # Theme averages: the points earned over the points possible on each theme's questions.
    themes = [set(q.current_version.themes) for q in singles]
    half = next(r for r in book.rows if r.user_id == g_half.id)
    for slug, _title in book.themes:
        earned = sum(1 for n, t in enumerate(themes) if slug in t and n == 0)
        possible = sum(1 for t in themes if slug in t)
        if possible:
            assert half.themes[slug] == pytest.approx(100 * earned / possible), slug
    full = next(r for r in book.rows if r.user_id == c_full.id)
    assert all(full.themes[slug] == 100 for slug, _ in book.themes if any(slug in t for t in themes))
    # The ungraded essay is left out of the essay student's averages.
    essay_themes = set(essay.current_version.themes) - set(singles[0].current_version.themes)
    assert all(essay_row.themes.get(slug) is None for slug in essay_themes)

    # A class with more counted attempts than one statement may bind gets the same averages in batches.
    monkeypatch.setattr(model_base, "IDS_PER_STATEMENT", 1)
    assert [r.themes for r in books.gradebook(class_).rows] == [r.themes for r in book.rows]
    monkeypatch.undo()

    page = client.get(f"/classes/{class_.id}/gradebook")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for label in ("Not started", "In progress", "Submitted", "Late", "Excused", "Needs grading"):
        assert f'">{label}</span>' in html, label
    assert rows_in_page(html) == sorted(p.display_name for p in people)
    assert f"/classes/{class_.id}/gradebook/{first.id}/{c_full.id}" in html

    by_score = rows_in_page(
        client.get(f"/classes/{class_.id}/gradebook?sort=a{first.id}&dir=desc").get_data(as_text=True)
    )
    blanks = sorted(p.display_name for p in (a_none, b_open, e_excused, f_essay))
    assert by_score == sorted([c_full.display_name, d_late.display_name]) + [g_half.display_name] + blanks
    ascending = rows_in_page(
        client.get(f"/classes/{class_.id}/gradebook?sort=a{first.id}&dir=asc").get_data(as_text=True)
    )
    assert ascending == [g_half.display_name] + sorted([c_full.display_name, d_late.display_name]) + blanks
    assert 'aria-sort="descending"' in client.get(f"/classes/{class_.id}/gradebook?sort=name&dir=desc").get_data(
        as_text=True
    )
    # An unknown sort key falls back to the names.
    assert rows_in_page(client.get(f"/classes/{class_.id}/gradebook?sort=x;drop").get_data(as_text=True)) == sorted(
        p.display_name for p in people
    )

    # The cell page lists the attempts, links to the instructor's view of each, and undoes an excusal.
    detail = client.get(f"/classes/{class_.id}/gradebook/{first.id}/{d_late.id}").get_data(as_text=True)
    assert "Late" in detail and f"/manage/attempts/{late.id}" in detail
    client.post(f"/classes/{class_.id}/gradebook/{first.id}/{e_excused.id}", data={"excused": "0"})
    assert db.session.get(Excusal, (first.id, e_excused.id)) is None
    # Someone who is not a student of the class has no cell.
    assert client.get(f"/classes/{class_.id}/gradebook/{first.id}/{instructor.id}").status_code == 404


def build_class(make_user, instructor, size: int, name: str):
    class_ = make_class(instructor, name=name)
    people = students(make_user, size, prefix=name)
    enrol(class_, *people, section="Section A")
    quizzes = [
        fixed_quiz(shipped_questions("single", 2), slug=f"{name}-1"),
        fixed_quiz(shipped_questions("single", 2), slug=f"{name}-2"),
    ]
    first, second = (assign(class_, quiz) for quiz in quizzes)
    for n, person in enumerate(people):
        take(person, first, {1: True, 2: n % 2 == 0})
        take(person, second, {1: True}, submit=n % 3 != 0)
    db.session.add(Excusal(assignment_id=second.id, user_id=people[0].id))
    db.session.commit()
    return class_


@pytest.mark.content
def test_the_gradebook_runs_the_same_number_of_queries_for_3_and_30_students(
    client, make_user, instructor, count_queries
):
    small = build_class(make_user, instructor, 3, "Small")
    large = build_class(make_user, instructor, 30, "Large")
    counts = {}
    for class_ in (small, large):
        client.get(f"/classes/{class_.id}/gradebook")  # warm up
        db.session.expire_all()
        with count_queries() as statements:
            response = client.get(f"/classes/{class_.id}/gradebook?sort=name")
        assert response.status_code == 200
        counts[class_.name] = len(statements)
    assert counts["Small"] == counts["Large"], counts
    assert counts["Large"] <= 14, counts
    html = client.get(f"/classes/{large.id}/gradebook").get_data(as_text=True)
    assert len(rows_in_page(html)) == 30


@pytest.mark.content
def test_removed_students_leave_the_gradebook_but_keep_their_attempts(client, make_user, instructor):
    class_ = make_class(instructor)
    stay, leave = students(make_user, 2)
    enrol(class_, stay, leave)
    assignment = assign(class_, fixed_quiz(shipped_questions("single", 1)))
    attempt = take(leave, assignment, {1: True})
    client.post(f"/classes/{class_.id}/roster/{leave.id}/remove")
    assert [r.user_id for r in books.gradebook(class_).rows] == [stay.id]
    assert db.session.get(Attempt, attempt.id) is not None
    enrol(class_, leave)
    rejoined = next(r for r in books.gradebook(class_).rows if r.user_id == leave.id)
    assert rejoined.cells[assignment.id].score == 1.0
    assert db.session.scalars(select(Attempt.assignment_id)).all() == [assignment.id]
