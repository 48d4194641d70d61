"""What an instructor can see of a student: only the answers to the assignments of the classes they
teach the student in now, as released to the student; and nothing of a class once they stop teaching it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from studyapp.domain import classes
from studyapp.extensions import db
from studyapp.models import Class, Invitation, Role, User
from studyapp.models.base import utcnow
from tests.web.test_classes_support import assign, fixed_quiz, shipped_questions, take
from tests.web.test_progress import assignment_of, class_of, graded_attempt, progress_quiz, version_of

pytestmark = pytest.mark.content

KEYS = ["linkage-whose-words", "linkage-fact-of-life", "linkage-nixon-year"]


def right(keys: list[str] = KEYS) -> list[tuple[str, float]]:
    """Full marks on each question."""
    return [(key, version_of(key).points) for key in keys]


def history_elsewhere(pupil: User, make_user) -> User:
    """Give `pupil` missed answers outside any class of the instructor under test: another instructor's
    class assignment, a quiz taken on its own (self-study) and a practice; returns the other instructor."""
    now = utcnow()
    olga = make_user(Role.INSTRUCTOR, name="Olga Other")
    other_class = class_of(olga, [pupil], name="Other class")
    elsewhere = assignment_of(other_class, progress_quiz(KEYS, slug="other-class-quiz", title="Other class quiz"))
    graded_attempt(pupil, elsewhere.quiz, [(key, 0) for key in KEYS], now - timedelta(days=2), assignment=elsewhere)
    alone = progress_quiz(KEYS, slug="self-study", title="Self-study quiz")
    graded_attempt(pupil, alone, [(key, 0) for key in KEYS], now - timedelta(days=1))
    graded_attempt(pupil, alone, [(key, 0) for key in KEYS], now - timedelta(hours=1), practice=True)
    return olga


def heatmap_row(page: str, user: User) -> list[str]:
    """The values of `user`'s row in a class page's heatmap table."""
    row = re.search(rf'<tr><th scope="row"><a href="/progress/students/{user.id}">.*?</tr>', page, re.S)
    assert row, page[:2000]
    return re.findall(r'<td class="num">([^<]*)</td>', row.group(0))


def enrol_by(how: str, client, class_id: int, pupil: User) -> None:
    """Put `pupil` on the class's roster through a roster import (and the invitation it makes, accepted)
    or as the student would alone (a join with the class's code)."""
    if how == "import":
        text = f"name,email\n{pupil.display_name},{pupil.email}\n"
        assert client.post(f"/classes/{class_id}/roster/import/confirm", data={"roster_text": text}).status_code == 302
        invitation = db.session.scalar(select(Invitation).where(Invitation.class_id == class_id))
        classes.accept_invitation(invitation, pupil)
        db.session.commit()
    else:
        classes.join_class(db.session.get_one(Class, class_id), pupil)
        db.session.commit()


@pytest.mark.parametrize("how", ["import", "join"])
def test_an_instructor_sees_nothing_of_a_students_other_classes_self_study_or_practice(
    client, make_user, login, signed_in, how
):
    pupil = make_user(Role.STUDENT, name="Pat Pupil")
    olga = history_elsewhere(pupil, make_user)
    teacher = make_user(Role.INSTRUCTOR, name="Tess Teacher")
    class_id = class_of(teacher, [], name="My class")
    login(teacher)
    enrol_by(how, client, class_id, pupil)

    page = client.get(f"/progress/students/{pupil.id}").get_data(as_text=True)
    assert "Progress of Pat Pupil" in page
    assert "on 0 answers" in page, "no answer outside the teacher's classes counts"
    assert "Other class quiz" not in page and "Self-study quiz" not in page
    assert "No submitted attempts yet." in page
    assert "due for review" not in page and "review queue" not in page, "the queue holds self-study"
    assert "Nothing yet: the passages behind missed questions appear here." in page
    overview = client.get(f"/progress/classes/{class_id}").get_data(as_text=True)
    assert set(heatmap_row(overview, pupil)) == {"—"}
    assert "no activity yet" in overview

    # Work on the teacher's own assignment shows, and only it.
    mine = assignment_of(class_id, progress_quiz(KEYS, slug="my-quiz", title="My quiz"))
    graded_attempt(pupil, mine.quiz, right(), utcnow(), assignment=mine)
    page = client.get(f"/progress/students/{pupil.id}").get_data(as_text=True)
    assert "Overall: <strong>100%</strong> on 3 answers." in page
    assert "My quiz" in page and "Other class quiz" not in page and "Self-study quiz" not in page
    overview = client.get(f"/progress/classes/{class_id}").get_data(as_text=True)
    assert "100%" in heatmap_row(overview, pupil) and "0%" not in heatmap_row(overview, pupil)
    assert "no activity yet" not in overview

    # The other class's instructor sees their own class's work and not the teacher's.
    theirs = signed_in(olga).get(f"/progress/students/{pupil.id}").get_data(as_text=True)
    assert "Overall: <strong>0%</strong> on 3 answers." in theirs and "My quiz" not in theirs
    # The student sees all their own work; an admin sees everything.
    own = signed_in(pupil).get("/progress").get_data(as_text=True)
    assert "on 12 answers." in own and "Self-study quiz" in own and "Other class quiz" in own
    admin = signed_in(make_user(Role.ADMIN)).get(f"/progress/students/{pupil.id}").get_data(as_text=True)
    assert "on 12 answers." in admin


def test_answers_hidden_by_the_review_policy_are_not_counted_for_the_instructor(client, make_user, login):
    now = utcnow()
    pupil = make_user(Role.STUDENT, name="Pat Pupil")
    teacher = make_user(Role.INSTRUCTOR)
    class_id = class_of(teacher, [pupil])
    never = assignment_of(class_id, progress_quiz(KEYS[:1], slug="never", title="Never reviewed"), review="never")
    later = assignment_of(
        class_id,
        progress_quiz(KEYS[1:2], slug="later", title="Reviewed after closing"),
        review="after_close",
        closes_at=now + timedelta(days=3),
    )
    graded_attempt(pupil, never.quiz, [(KEYS[0], 0)], now - timedelta(hours=2), assignment=never)
    graded_attempt(pupil, later.quiz, [(KEYS[1], 0)], now - timedelta(hours=1), assignment=later)

    login(teacher)
    page = client.get(f"/progress/students/{pupil.id}").get_data(as_text=True)
    assert "on 0 answers" in page
    assert page.count("shown when review opens") == 2, "the attempts are listed, their scores are not"
    overview = client.get(f"/progress/classes/{class_id}").get_data(as_text=True)
    assert set(heatmap_row(overview, pupil)) == {"—"}
    # The gradebook, the instructor's place for scores, still shows them.
    assert client.get(f"/classes/{class_id}/gradebook").status_code == 200


def test_a_removed_student_is_not_found_and_a_second_class_shows_only_its_own_work(client, make_user, login):
    now = utcnow()
    pupil = make_user(Role.STUDENT, name="Pat Pupil")
    teacher = make_user(Role.INSTRUCTOR)
    first, second = class_of(teacher, [pupil], name="Alpha class"), class_of(teacher, [pupil], name="Beta class")
    alpha = assignment_of(first, progress_quiz(KEYS, slug="alpha", title="Alpha quiz"))
    beta = assignment_of(second, progress_quiz(KEYS, slug="beta", title="Beta quiz"))
    graded_attempt(pupil, alpha.quiz, right(), now - timedelta(hours=1), assignment=alpha)
    graded_attempt(pupil, beta.quiz, [(key, 0) for key in KEYS], now, assignment=beta)

    login(teacher)
    page = client.get(f"/progress/students/{pupil.id}").get_data(as_text=True)
    assert "on 6 answers." in page and "Alpha quiz" in page and "Beta quiz" in page
    overview = client.get(f"/progress/classes/{first}").get_data(as_text=True)
    row = heatmap_row(overview, pupil)
    assert "100%" in row and set(row) == {"100%", "—"}, "a class's heatmap counts only its assignments"
    assert "the assignments of Alpha class and Beta class" in page, "the union of the classes they share"

    assert client.post(f"/classes/{second}/roster/{pupil.id}/remove").status_code == 302
    page = client.get(f"/progress/students/{pupil.id}").get_data(as_text=True)
    assert "Overall: <strong>100%</strong> on 3 answers." in page and "Beta quiz" not in page
    assert "answers to the assignments of Alpha class, counted as" in page

    assert client.post(f"/classes/{first}/roster/{pupil.id}/remove").status_code == 302
    assert client.get(f"/progress/students/{pupil.id}").status_code == 404


def test_a_removed_co_instructor_reads_none_of_the_classs_answers(client, make_user, login, signed_in):
    owner = make_user(Role.INSTRUCTOR, name="Owen Owner")
    colleague = make_user(Role.INSTRUCTOR, name="Cora Colleague")
    pupil = make_user(Role.STUDENT, name="Pat Pupil")
    class_id = class_of(owner, [pupil])
    class_ = db.session.get_one(Class, class_id)
    classes.add_co_instructor(class_, colleague.email)
    db.session.commit()
    quiz = fixed_quiz(
        shipped_questions("essay", 1, points=None),
        slug="colleague-essay",
        title="Colleague essay",
        owner_id=colleague.id,
    )
    assignment = assign(class_, quiz)
    attempt = take(pupil, assignment, {1: {"text": "Haig's summary softens the letter."}})

    urls = [
        f"/classes/{class_id}/gradebook",
        f"/classes/{class_id}/gradebook/{assignment.id}/{pupil.id}",
        f"/classes/{class_id}/assignments/{assignment.id}/analysis",
        f"/classes/{class_id}/export/gradebook.csv",
        f"/classes/{class_id}/export/responses.csv",
        f"/classes/{class_id}/export/responses.xlsx",
        f"/manage/attempts/{attempt.id}",
        f"/authoring/quizzes/{quiz.id}/attempts/{attempt.id}",
        f"/progress/classes/{class_id}",
        f"/progress/students/{pupil.id}",
    ]
    login(colleague)
    for url in urls:
        assert client.get(url).status_code == 200, url
    assert f"/manage/attempts/{attempt.id}" in client.get("/grading").get_data(as_text=True)
    assert "Pat Pupil" in client.get(f"/authoring/quizzes/{quiz.id}/results").get_data(as_text=True)

    owner_client = signed_in(owner)
    assert owner_client.post(f"/classes/{class_id}/instructors/{colleague.id}/remove").status_code == 302

    for url in urls:
        assert client.get(url).status_code == 404, url
    assert f"/manage/attempts/{attempt.id}" not in client.get("/grading").get_data(as_text=True)
    results = client.get(f"/authoring/quizzes/{quiz.id}/results")
    assert results.status_code == 200 and "Pat Pupil" not in results.get_data(as_text=True)
    assert "Results (0 attempts)" in client.get(f"/authoring/quizzes/{quiz.id}").get_data(as_text=True)
    assert client.post(f"/manage/attempts/{attempt.id}/grade/1", data={"score": "1"}).status_code == 404
    # The class's instructors still read it all.
    assert owner_client.get(f"/manage/attempts/{attempt.id}").status_code == 200
    assert owner_client.get(f"/progress/students/{pupil.id}").status_code == 200


def test_the_instructors_view_of_a_student_runs_a_bounded_number_of_queries(client, make_user, login, count_queries):
    now = utcnow()
    pupil = make_user(Role.STUDENT)
    teacher = make_user(Role.INSTRUCTOR)
    first, second = class_of(teacher, [pupil], name="Alpha class"), class_of(teacher, [pupil], name="Beta class")
    shared = [
        assignment_of(first, progress_quiz(KEYS, slug="alpha")),
        assignment_of(second, progress_quiz(KEYS, slug="beta")),
    ]
    alone = progress_quiz(KEYS, slug="self-study")
    login(teacher)
    client.get(f"/progress/students/{pupil.id}")  # warm up

    def add_attempts(count):
        for n in range(count):
            when = now - timedelta(days=n)
            for assignment in shared:
                graded_attempt(pupil, assignment.quiz, [(key, n % 2) for key in KEYS], when, assignment=assignment)
            graded_attempt(pupil, alone, [(key, 0) for key in KEYS], when)

    def measure():
        db.session.expire_all()
        with count_queries() as statements:
            page = client.get(f"/progress/students/{pupil.id}").get_data(as_text=True)
        return len(statements), page

    add_attempts(2)
    few, page = measure()
    assert "on 12 answers." in page
    add_attempts(10)
    many, page = measure()
    assert "on 72 answers." in page
    assert few == many and few <= 12, (few, many)
