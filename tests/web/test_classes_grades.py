"""The Canvas export grades every student as the gradebook does, whatever the policy, retakes, essays or excusals."""

from __future__ import annotations

import pytest

from studyapp.core.exports import EXCUSED
from studyapp.domain import exports
from studyapp.domain import gradebook as books
from studyapp.domain.quizzes import Standing
from studyapp.extensions import db
from studyapp.models import Excusal, Role
from tests.web.test_classes_support import assign, enrol, fixed_quiz, make_class, shipped_questions, students, take


@pytest.mark.content
def test_the_canvas_export_grades_as_the_gradebook_does(make_user):
    class_ = make_class(make_user(Role.INSTRUCTOR))
    people = students(make_user, 4)
    enrol(class_, *people)
    singles = shipped_questions("single", 2)
    essay = shipped_questions("essay", 1, points=None)[0]
    by_policy = {
        policy: assign(class_, fixed_quiz(singles, slug=f"by-{policy}"), grading=policy)
        for policy in ("highest", "latest", "average")
    }
    with_essay = assign(class_, fixed_quiz([singles[0], essay], slug="with-essay"))
    for n, person in enumerate(people):
        for assignment in by_policy.values():
            take(person, assignment, {1: True, 2: n % 2 == 0})
            take(person, assignment, {1: n % 3 == 0, 2: False})
        take(person, by_policy["latest"], {1: True}, submit=False)
        if n % 2:
            take(person, with_essay, {1: True, 2: {"text": "Brzezinski read the invasion as a chance."}})
    db.session.add(Excusal(assignment_id=by_policy["average"].id, user_id=people[0].id))
    db.session.commit()

    book = books.gradebook(class_)
    _, rows = exports.gradebook_rows(class_)
    exported = {row[1]: row[5:] for row in rows}
    ids = [column.assignment.id for column in book.columns]
    for row in book.rows:
        expected = [EXCUSED if row.cells[aid].state == Standing.EXCUSED else row.cells[aid].score for aid in ids]
        assert exported[row.user_id] == expected, row.name

    second = next(r for r in book.rows if r.user_id == people[1].id)
    assert second.cells[by_policy["highest"].id].score == 1.0
    assert second.cells[by_policy["latest"].id].score == 0.0
    assert second.cells[by_policy["average"].id].score == 0.5
    assert second.cells[with_essay.id].state == Standing.NEEDS_GRADING and second.cells[with_essay.id].score is None
    assert exported[people[0].id][ids.index(by_policy["average"].id)] == EXCUSED
