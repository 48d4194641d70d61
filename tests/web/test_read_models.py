"""The points per attempt and theme (studyapp.domain.points) always equal what a full recomputation from the
answers gives: after grading, essay grading, regrading, excusing and deleting.

Three readers rest on the stored rows: the student's dashboard (mastery overall and by theme), the class
progress grid and the gradebook's theme averages. Each is compared with the same figure computed from
scratch from every answer: the dashboard and the grid with studyapp.core.mastery's `mastery_overview` over
`graded_answers` (the answers themselves), the gradebook with the item scores of the counted attempts.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from studyapp.core.mastery import mastery_overview, totals_by_theme
from studyapp.domain import attempts as quizzes
from studyapp.domain import classes as class_services
from studyapp.domain import gradebook as books
from studyapp.domain import mastery
from studyapp.domain import questions as question_services
from studyapp.domain.content import list_themes
from studyapp.domain.mastery import OWN, Scope
from studyapp.extensions import db
from studyapp.models import Attempt, AttemptItem, QuestionVersion, Role, ThemePoints, User
from studyapp.models.base import utcnow
from tests.web.test_classes_support import assign, enrol, fixed_quiz, make_class, take
from tests.web.test_grades import ESSAY, SINGLE, own_question

#: (key, points, themes): questions sharing themes, so that one answer counts towards two of them.
POOL = [
    ("rm-one", 1, "linkage"),
    ("rm-two", 2, "linkage, afghanistan"),
    ("rm-three", 3, "afghanistan"),
    ("rm-four", 4, "detente, linkage"),
]


@pytest.fixture
def course(loaded, make_user):
    """A class of four students and a fixed quiz of four single-choice questions and an essay."""
    instructor = make_user(Role.INSTRUCTOR, name="Ina Instructor")
    questions = [own_question(SINGLE, instructor, key, worth, theme) for key, worth, theme in POOL]
    questions.append(own_question(ESSAY, instructor, "rm-essay", 5, "afghanistan"))
    quiz = fixed_quiz(questions, slug="read-models", review="after_submit", max_attempts=3)
    class_ = make_class(instructor, name="HIST 220")
    students = [make_user(Role.STUDENT, name=f"Student {n}") for n in range(1, 5)]
    enrol(class_, *students)
    assignment = assign(class_, quiz, closes_at=utcnow() + timedelta(days=3))
    return dict(instructor=instructor, class_=class_, students=students, quiz=quiz, assignment=assignment)


def stored() -> dict[int, dict]:
    found: dict[int, dict] = defaultdict(dict)
    for row in db.session.scalars(select(ThemePoints)):
        found[row.attempt_id][row.theme] = row
    return dict(found)


def recomputed(user_ids) -> dict[int, dict]:
    """Each submitted attempt's totals, summed again from every one of its graded answers."""
    attempt_of = dict(db.session.execute(select(AttemptItem.id, AttemptItem.attempt_id)).all())
    by_attempt = defaultdict(list)
    for answer in mastery.graded_answers(user_ids, utcnow(), as_student=False):
        by_attempt[attempt_of[answer.item_id]].append(answer.as_mastery_answer())
    return {attempt_id: totals_by_theme(answers) for attempt_id, answers in by_attempt.items()}


def same_mastery(left, right) -> None:
    assert (left.answers, left.last_answered_at) == (right.answers, right.last_answered_at)
    if right.value is None:
        assert left.value is None
    else:
        assert left.value == pytest.approx(right.value, rel=1e-9)
        assert left.weight == pytest.approx(right.weight, rel=1e-6)


def gradebook_averages_from_answers(book) -> dict[int, dict[str, float | None]]:
    """Each row's theme averages from the item scores of the attempts its cells count (not excused)."""
    themes_of = dict(db.session.execute(select(QuestionVersion.id, QuestionVersion.themes)).all())
    expected = {}
    slugs = [slug for slug, _ in book.themes]
    for row in book.rows:
        sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
        counted = [a for cell in row.cells.values() if cell.state != books.Standing.EXCUSED for a in cell.counted]
        for item in db.session.scalars(select(AttemptItem).where(AttemptItem.attempt_id.in_(counted))):
            if item.score is None:
                continue
            for slug in themes_of[item.question_version_id]:
                sums[slug][0] += item.score
                sums[slug][1] += item.max_score
        expected[row.user_id] = {s: (100 * sums[s][0] / sums[s][1] if sums[s][1] else None) for s in slugs}
    return expected


def check_everything(course) -> None:
    """The stored rows, the dashboards, the class grid and the gradebook all equal their recomputation."""
    db.session.expire_all()
    ids = [s.id for s in db.session.scalars(select(User).where(User.role == Role.STUDENT))]
    rows, again = stored(), recomputed(ids)
    assert set(rows) == set(again)
    for attempt_id, totals in again.items():
        assert set(rows[attempt_id]) == set(totals), attempt_id
        for theme, expected in totals.items():
            row = rows[attempt_id][theme]
            assert (row.answers, row.latest_at) == (expected.answers, expected.latest_at)
            for name in ("score", "max_score", "weighted_score", "weighted_max", "weight"):
                assert getattr(row, name) == pytest.approx(getattr(expected, name), rel=1e-9, abs=1e-12), name

    now = utcnow()
    slugs = [t.slug for t in list_themes()]
    class_scope = Scope((course["class_"],))
    for student_id in ids:
        student = db.session.get(User, student_id)
        for scope in (OWN, class_scope):
            board = mastery.dashboard(student, now, scope=scope)
            answers = mastery.graded_answers(
                [student_id], now, as_student=scope.released_only, class_ids=scope.class_ids
            )
            overall, by_theme = mastery_overview([a.as_mastery_answer() for a in answers], now, themes=slugs)
            same_mastery(board.overall, overall)
            for row in board.themes:
                same_mastery(row.mastery, by_theme[row.slug])

    grid = mastery.class_progress(ids, now, scope=class_scope)
    for student, masteries in zip(grid.students, grid.mastery):
        answers = mastery.graded_answers([student.id], now, class_ids=class_scope.class_ids)
        _, by_theme = mastery_overview([a.as_mastery_answer() for a in answers], now, themes=slugs)
        for theme, found in zip(grid.themes, masteries):
            same_mastery(found, by_theme[theme.slug])

    book = books.gradebook(course["class_"])
    expected = gradebook_averages_from_answers(book)
    for row in book.rows:
        for slug, value in row.themes.items():
            if expected[row.user_id][slug] is None:
                assert value is None
            else:
                assert value == pytest.approx(expected[row.user_id][slug], rel=1e-9)


def test_the_read_model_equals_a_recomputation_through_a_term(course, make_user):
    ann, ben, cal, dee = course["students"]
    assignment = course["assignment"]
    essay = {5: {"text": "Linkage ties arms talks to Soviet conduct elsewhere."}}
    take(ann, assignment, {1: True, 2: True, 3: False, 4: True, **essay})
    take(ben, assignment, {1: False, 2: True, 3: True, **essay})
    take(cal, assignment, {1: True, 2: False, 3: False, 4: False}, now=utcnow() - timedelta(days=20))
    second = take(ann, assignment, {1: True, 2: True, 3: True, 4: False, **essay})
    open_attempt = take(dee, assignment, {1: True}, submit=False)
    practice = quizzes.start_attempt(course["quiz"], dee, practice=True)
    db.session.commit()
    assert open_attempt.id not in stored() and practice.id not in stored()  # only submitted attempts have rows
    assert set(stored()[second.id]) == {"", "linkage", "afghanistan", "detente"}
    check_everything(course)  # after grading

    essay_item = next(item for item in second.items if item.position == 5)
    quizzes.grade_essay_item(second, 5, "4", "Careful.", course["instructor"])
    db.session.commit()
    assert stored()[second.id]["afghanistan"].answers == 3  # the graded essay now counts, beside two questions
    assert db.session.get(AttemptItem, essay_item.id).score == 4
    check_everything(course)  # after essay grading

    question = db.session.get(question_services.Question, second.items[2].version.question_id)
    source = SINGLE.format(key=question.key, points=3, theme="afghanistan")
    corrected = source.replace("- [x] The first", "- [y] The first").replace("- [ ] The second", "- [x] The second")
    saved = question_services.save_question(corrected.replace("[y]", "[ ]"), course["instructor"], question=question)
    assert saved.question is not None and not saved.problems, saved.problems
    db.session.commit()
    before = stored()[second.id]["afghanistan"].score
    report = quizzes.regrade(question, course["instructor"])
    db.session.commit()
    assert report.regraded
    assert stored()[second.id]["afghanistan"].score != before  # the regraded answer moved the sums
    check_everything(course)  # after regrading

    class_services.set_excused(assignment, ben.id, True, course["instructor"])
    db.session.commit()
    book = books.gradebook(course["class_"])
    assert all(value is None for value in next(r for r in book.rows if r.user_id == ben.id).themes.values())
    check_everything(course)  # after excusing

    first_of_ann = db.session.scalar(
        select(Attempt.id).where(Attempt.user_id == ann.id, Attempt.id != second.id, Attempt.state == "submitted")
    )
    db.session.execute(delete(Attempt).where(Attempt.id == first_of_ann))
    db.session.execute(delete(User).where(User.id == cal.id))  # a deleted account takes its attempts with it
    db.session.commit()
    assert first_of_ann not in stored()
    assert not db.session.scalars(
        select(ThemePoints.attempt_id).where(ThemePoints.attempt_id.not_in(select(Attempt.id)))
    ).all()
    check_everything(course)  # after deleting


def test_rebuild_restores_rows_written_around_the_events(course, runner):
    ann = course["students"][0]
    attempt = take(ann, course["assignment"], {1: True, 2: True, 3: True, 4: False})
    rows = {theme: (row.score, row.max_score, row.answers) for theme, row in stored()[attempt.id].items()}
    db.session.execute(delete(ThemePoints))
    db.session.commit()
    assert stored() == {}
    result = runner.invoke(args=["progress", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "rebuilt for 1 submitted attempt(s)" in result.output
    db.session.expire_all()
    assert {theme: (row.score, row.max_score, row.answers) for theme, row in stored()[attempt.id].items()} == rows


def test_the_dashboard_reads_rows_not_answers(course, count_queries):
    """However many answers a student has, the dashboard's queries stay the same in number."""
    ann = course["students"][0]
    take(ann, course["assignment"], {1: True, 2: False, 3: True, 4: True})
    db.session.expire_all()
    with count_queries() as one:
        mastery.dashboard(db.session.get(User, ann.id))
    take(ann, course["assignment"], {1: True, 2: True, 3: True, 4: True})
    take(ann, course["assignment"], {1: False, 2: True, 3: False, 4: True})
    db.session.expire_all()
    with count_queries() as three:
        mastery.dashboard(db.session.get(User, ann.id))
    assert len(three) == len(one)
