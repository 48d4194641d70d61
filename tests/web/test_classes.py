"""Classes through the app: creating one, joining it (code, link, sign-up), the roster, co-instructors,
assignments and who may see what."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from studyapp.domain import classes as classes
from studyapp.domain.quizzes import SETTING_NAMES
from studyapp.extensions import db
from studyapp.models import Assignment, Attempt, Class, Membership, Role, Section, User
from studyapp.models.base import utcnow
from studyapp.models.classes import OVERRIDE_NAMES
from tests.web.test_classes_support import assign, enrol, fixed_quiz, make_class, shipped_questions, take


def member_ids(class_id: int, role: str = "student") -> set[int]:
    return set(
        db.session.scalars(select(Membership.user_id).where(Membership.class_id == class_id, Membership.role == role))
    )


def test_assignment_overrides_are_named_as_the_settings():
    assert set(OVERRIDE_NAMES) == set(SETTING_NAMES)


def test_an_instructor_creates_a_class_with_sections_and_a_join_code(client, instructor):
    page = client.get("/classes/new")
    assert page.status_code == 200 and "Create a class" in page.get_data(as_text=True)
    response = client.post(
        "/classes/new",
        data={"name": "HIST 210", "term": "Spring 2027", "sections": "Section A\nSection B, Section A\n"},
    )
    assert response.status_code == 302
    class_ = db.session.scalar(select(Class).where(Class.name == "HIST 210"))
    assert response.headers["Location"].endswith(f"/classes/{class_.id}")
    assert sorted(s.name for s in class_.sections) == ["Section A", "Section B"]
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{8}", class_.join_code)
    assert member_ids(class_.id, "instructor") == {instructor.id}
    page = client.get(f"/classes/{class_.id}").get_data(as_text=True)
    assert class_.join_code in page and f"/join/{class_.join_code}" in page


def test_a_student_cannot_create_a_class(client, login, make_user):
    login(make_user(Role.STUDENT))
    assert client.get("/classes/new").status_code == 403
    assert client.post("/classes/new", data={"name": "Mine"}).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Class)) == 0


def test_a_student_joins_with_the_code_typed_in_any_case(client, login, make_user, instructor):
    class_ = make_class(instructor)
    student = make_user(Role.STUDENT)
    login(student)
    typed = " " + class_.join_code.lower()[:4] + "-" + class_.join_code.lower()[4:]
    response = client.post("/classes/join", data={"code": typed})
    assert response.status_code == 302 and response.headers["Location"].endswith("/quizzes")
    assert member_ids(class_.id) == {student.id}
    assert class_.name in client.get("/classes").get_data(as_text=True)
    # Joining again changes nothing; a wrong code says so.
    client.post("/classes/join", data={"code": class_.join_code})
    assert db.session.scalar(select(func.count()).select_from(Membership).where(Membership.role == "student")) == 1
    client.post("/classes/join", data={"code": "NOPE2345"})
    assert "No class has this join code" in client.get("/classes").get_data(as_text=True)


def test_the_join_link_asks_to_sign_in_then_joins_on_confirmation(client, login, make_user):
    instructor = make_user(Role.INSTRUCTOR)  # not signed in
    class_ = make_class(instructor)
    link = f"/join/{class_.join_code}"
    anonymous = client.get(link)
    assert anonymous.status_code == 200
    text = anonymous.get_data(as_text=True)
    assert "Sign in to join" in text and f"join_code={class_.join_code}" in text
    assert client.post(link).headers["Location"].startswith("/login?next=")
    student = make_user(Role.STUDENT)
    login(student)
    assert "Join HIST 210" in client.get(link).get_data(as_text=True)
    assert member_ids(class_.id) == set()  # a GET never joins
    assert client.post(link).status_code == 302
    assert member_ids(class_.id) == {student.id}
    assert "already in this class" in client.get(link).get_data(as_text=True)
    assert client.get("/join/AAAAAAAA").status_code == 404


def test_a_new_join_code_retires_the_old_one(client, instructor):
    class_ = make_class(instructor)
    old = class_.join_code
    assert client.post(f"/classes/{class_.id}/join-code").status_code == 302
    db.session.expire_all()
    new = db.session.get(Class, class_.id).join_code
    assert new != old
    assert client.get(f"/join/{old}").status_code == 404
    assert client.get(f"/join/{new}").status_code == 200


def test_an_instructor_cannot_join_their_own_class_as_a_student(client, instructor):
    class_ = make_class(instructor)
    client.post(f"/join/{class_.join_code}")
    assert member_ids(class_.id) == set()
    assert "You teach this class" in client.get("/classes").get_data(as_text=True)


def signup(client, **fields):
    data = {
        "display_name": "Sam Student",
        "email": "sam@studyapp.example",
        "password": "a long reading list",
        "confirm": "a long reading list",
        **fields,
    }
    return client.post("/signup", data=data)


def test_joining_at_sign_up(client, make_user):
    instructor = make_user(Role.INSTRUCTOR)  # not signed in
    class_ = make_class(instructor)
    page = client.get(f"/signup?join_code={class_.join_code}").get_data(as_text=True)
    assert f'value="{class_.join_code}"' in page
    assert signup(client, join_code=class_.join_code).status_code == 302
    user = db.session.scalar(select(User).where(User.email == "sam@studyapp.example"))
    assert member_ids(class_.id) == {user.id}


def test_a_wrong_code_at_sign_up_creates_nothing(client, make_user):
    instructor = make_user(Role.INSTRUCTOR)  # not signed in
    make_class(instructor)
    response = signup(client, join_code="WRONG234")
    assert response.status_code == 422
    assert "No class has this join code" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == "sam@studyapp.example")) is None
    assert signup(client, join_code="").status_code == 302  # the code is optional


# --- the roster --------------------------------------------------------------------------------------


def upload(client, class_id: int, text: str | bytes):
    data = text.encode() if isinstance(text, str) else text
    return client.post(
        f"/classes/{class_id}/roster/import",
        data={"roster": (io.BytesIO(data), "roster.csv")},
        content_type="multipart/form-data",
    )


def test_roster_import_reports_every_problem_by_line_and_changes_nothing(client, make_user, instructor):
    class_ = make_class(instructor)
    make_user(Role.INSTRUCTOR, email="colleague@studyapp.example")
    classes.add_co_instructor(class_, "colleague@studyapp.example")
    db.session.commit()
    users_before = db.session.scalar(select(func.count()).select_from(User))
    text = (
        "Name,Email,Section\n"
        "Ada Lovelace,ada@example.edu,Section A\n"  # 2: fine
        ",bob@example.edu,Section A\n"  # 3: no name
        "Cy Young,not-an-email,\n"  # 4: bad email
        "Ada Again,ADA@example.edu,\n"  # 5: duplicate of line 2
        "Colleague,colleague@studyapp.example,\n"  # 6: teaches the class
        "Dee,dee@example.edu,Section C,extra\n"  # 7: too many values
    )
    response = upload(client, class_.id, text)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Nothing was imported" in page
    problems = re.findall(r"<li>(Line \d+: [^<]+)</li>", page)
    assert [p.split(":")[0] for p in problems] == ["Line 3", "Line 4", "Line 5", "Line 6", "Line 7"]
    assert "the name is missing" in problems[0]
    assert "&#39;not-an-email&#39; is not a valid email address" in problems[1]
    assert "the same email as line 2" in problems[2]
    assert "teaches this class" in problems[3]
    assert "4 values" in problems[4]
    assert db.session.scalar(select(func.count()).select_from(User)) == users_before
    assert member_ids(class_.id) == set()

    # A confirmation replayed with a bad file changes nothing either.
    response = client.post(f"/classes/{class_.id}/roster/import/confirm", data={"roster_text": text})
    assert response.status_code == 422
    assert member_ids(class_.id) == set()
    assert db.session.scalar(select(func.count()).select_from(User)) == users_before


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"name,email,phone\nAda,ada@example.edu,555\n", "Line 1: unknown column 'phone'"),
        (b"name,section\nAda,A\n", "Line 1: the header row has no &#39;email&#39; column"),
        (b"name,email\nAda,ada@example.edu\nJos\xe9,jose@example.edu\n", "Line 3: this line is not UTF-8 text"),
        (b"", "The file is empty"),
        (b"name,email\n", "The file has a header row but no students"),
    ],
)
def test_roster_file_problems(client, instructor, data, expected):
    class_ = make_class(instructor)
    response = upload(client, class_.id, data)
    assert response.status_code == 422
    assert expected.replace("'", "&#39;") in response.get_data(as_text=True)


def test_sections_can_be_set_and_students_removed(client, make_user, instructor):
    class_ = make_class(instructor)
    student = make_user(Role.STUDENT)
    enrol(class_, student)
    section_b = next(s for s in class_.sections if s.name == "Section B")
    client.post(f"/classes/{class_.id}/roster/{student.id}/section", data={"section": str(section_b.id)})
    db.session.expire_all()
    assert db.session.scalar(select(Membership.section_id).where(Membership.user_id == student.id)) == section_b.id
    other = make_class(instructor, name="Other")
    foreign = other.sections[0]
    client.post(f"/classes/{class_.id}/roster/{student.id}/section", data={"section": str(foreign.id)})
    db.session.expire_all()
    assert db.session.scalar(select(Membership.section_id).where(Membership.user_id == student.id)) == section_b.id
    client.post(f"/classes/{class_.id}/roster/{student.id}/remove")
    assert member_ids(class_.id) == set()
    client.post(f"/classes/{class_.id}/sections", data={"section": "Section D"})
    assert db.session.scalar(select(func.count()).select_from(Section).where(Section.class_id == class_.id)) == 3


def test_co_instructors_are_added_by_email(client, login, make_user, instructor):
    class_ = make_class(instructor)
    colleague = make_user(Role.INSTRUCTOR, email="colleague@studyapp.example")
    student = make_user(Role.STUDENT, email="student@studyapp.example")
    assert (
        client.post(f"/classes/{class_.id}/instructors", data={"email": "nobody@studyapp.example"}).status_code == 422
    )
    refused = client.post(f"/classes/{class_.id}/instructors", data={"email": student.email})
    assert refused.status_code == 422 and "student account" in refused.get_data(as_text=True)
    assert (
        client.post(f"/classes/{class_.id}/instructors", data={"email": "Colleague@StudyApp.example"}).status_code
        == 302
    )
    assert member_ids(class_.id, "instructor") == {instructor.id, colleague.id}
    # The co-instructor sees the class; the owner cannot be removed.
    client.post("/logout")
    login(colleague)
    assert client.get(f"/classes/{class_.id}/gradebook").status_code == 200
    client.post(f"/classes/{class_.id}/instructors/{instructor.id}/remove")
    assert member_ids(class_.id, "instructor") == {instructor.id, colleague.id}


# --- who may see what -------------------------------------------------------------------------------------

INSTRUCTOR_PAGES = (
    "/classes/{c}",
    "/classes/{c}/roster",
    "/classes/{c}/roster/import",
    "/classes/{c}/gradebook",
    "/classes/{c}/gradebook/{a}/{s}",
    "/classes/{c}/assignments/new",
    "/classes/{c}/assignments/{a}/edit",
    "/classes/{c}/assignments/{a}/analysis",
    "/classes/{c}/join-code",
    "/classes/{c}/roster/{s}/remove",
    "/classes/{c}/assignments/{a}/delete",
    "/classes/{c}/export/gradebook.csv",
    "/classes/{c}/export/gradebook.xlsx",
    "/classes/{c}/export/responses.csv",
    "/classes/{c}/export/responses.xlsx",
)
INSTRUCTOR_ACTIONS = (
    "/classes/{c}/edit",
    "/classes/{c}/sections",
    "/classes/{c}/join-code",
    "/classes/{c}/roster/{s}/remove",
    "/classes/{c}/roster/{s}/section",
    "/classes/{c}/instructors",
    "/classes/{c}/roster/import/confirm",
    "/classes/{c}/assignments/{a}/delete",
    "/classes/{c}/gradebook/{a}/{s}",
)


@pytest.mark.content
def test_only_the_class_instructors_see_its_pages(client, login, make_user):
    instructor = make_user(Role.INSTRUCTOR)  # not signed in
    class_ = make_class(instructor)
    student = make_user(Role.STUDENT)
    enrol(class_, student)
    assignment = assign(class_, fixed_quiz(shipped_questions("single", 2)))
    urls = [u.format(c=class_.id, a=assignment.id, s=student.id) for u in INSTRUCTOR_PAGES]
    actions = [u.format(c=class_.id, a=assignment.id, s=student.id) for u in INSTRUCTOR_ACTIONS]

    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), url
    for url in actions:
        assert client.post(url).headers["Location"].startswith("/login"), url

    login(instructor)
    for url in urls:
        assert client.get(url).status_code == 200, url

    for outsider in (student, make_user(Role.INSTRUCTOR), make_user(Role.ADMIN)):
        client.post("/logout")
        login(outsider)
        for url in urls:
            assert client.get(url).status_code == 404, (outsider.role, url)
        for url in actions:
            assert client.post(url, data={"section": "", "email": "x@studyapp.example"}).status_code == 404, url
    db.session.expire_all()
    assert member_ids(class_.id) == {student.id}
    assert db.session.get(Assignment, assignment.id) is not None


@pytest.mark.content
def test_can_manage_attempt(make_user, instructor):
    class_ = make_class(instructor)
    colleague, stranger, admin = make_user(Role.INSTRUCTOR), make_user(Role.INSTRUCTOR), make_user(Role.ADMIN)
    classes.add_co_instructor(class_, colleague.email)
    student = make_user(Role.STUDENT)
    enrol(class_, student)
    quiz = fixed_quiz(shipped_questions("single", 1))
    assigned = take(student, assign(class_, quiz), {1: True})
    alone = quizzes_attempt(make_user(Role.STUDENT), quiz)  # a student of no class takes the quiz on its own
    for user, expected in ((instructor, True), (colleague, True), (admin, True), (stranger, False), (student, False)):
        assert classes.can_manage_attempt(user, assigned) is expected, user.role
    assert classes.can_manage_attempt(admin, alone) is True
    assert classes.can_manage_attempt(instructor, alone) is False
    assert classes.assignments_taught_by(colleague) == {assigned.assignment_id}
    assert classes.assignments_taught_by(stranger) == set()


def quizzes_attempt(user, quiz):
    from studyapp.domain import attempts as quizzes

    attempt = quizzes.start_attempt(quiz, user)
    db.session.commit()
    return attempt


# --- assignments ----------------------------------------------------------------------------------------


@pytest.mark.content
def test_assigning_a_quiz_with_overrides_and_students_seeing_only_their_classes(client, login, make_user, instructor):
    class_ = make_class(instructor)
    other_class = make_class(make_user(Role.INSTRUCTOR), name="Another class")
    student = make_user(Role.STUDENT)
    enrol(class_, student)
    quiz = fixed_quiz(shipped_questions("single", 2), title="Whose words?", max_attempts=3, time_limit_minutes=None)
    elsewhere = assign(other_class, quiz)
    form = client.get(f"/classes/{class_.id}/assignments/new").get_data(as_text=True)
    assert "Whose words?" in form
    closes = (utcnow() + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        f"/classes/{class_.id}/assignments/new",
        data={
            "quiz": str(quiz.id),
            "opens_at": "",
            "closes_at": closes,
            "time_limit_minutes": "15",
            "max_attempts": "1",
            "grading": "",
            "review": "after_close",
            "layout": "",
            "shuffle_questions": "no",
            "shuffle_choices": "",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assignment = db.session.scalar(select(Assignment).where(Assignment.class_id == class_.id))
    assert (assignment.time_limit_minutes, assignment.max_attempts, assignment.review) == (15, 1, "after_close")
    assert assignment.grading is None and assignment.shuffle_questions is False and assignment.shuffle_choices is None
    assert assignment.closes_at.strftime("%Y-%m-%dT%H:%M") == closes

    # A closing time before the opening time is refused.
    bad = client.post(
        f"/classes/{class_.id}/assignments/{assignment.id}/edit",
        data={
            "quiz": str(quiz.id),
            "opens_at": closes,
            "closes_at": "2020-01-01T00:00",
            "grading": "",
            "review": "",
            "layout": "",
            "shuffle_questions": "",
            "shuffle_choices": "",
        },
    )
    assert bad.status_code == 422 and "closing time must be after" in bad.get_data(as_text=True)

    client.post("/logout")
    login(student)
    page = client.get("/quizzes").get_data(as_text=True)
    assert f"/assignments/{assignment.id}/start" in page and f"/assignments/{elsewhere.id}/start" not in page
    assert "HIST 210: The Cold War" in page
    assert client.post(f"/assignments/{elsewhere.id}/start").status_code == 404

    response = client.post(f"/assignments/{assignment.id}/start")
    assert response.status_code == 302
    attempt = db.session.scalar(select(Attempt).where(Attempt.user_id == student.id))
    assert attempt.assignment_id == assignment.id
    assert attempt.deadline_at is not None  # the class's 15 minutes, though the quiz has no limit
    assert (attempt.deadline_at - attempt.started_at) == timedelta(minutes=15)
    client.post(f"/attempts/{attempt.id}/submit")
    # One attempt allowed in the class; the quiz on its own is not a way around it while it is assigned.
    client.post(f"/assignments/{assignment.id}/start")
    assert db.session.scalar(select(func.count()).select_from(Attempt).where(Attempt.user_id == student.id)) == 1
    assert "every attempt" in client.get("/quizzes").get_data(as_text=True)
    client.post(f"/quizzes/{quiz.id}/start")
    assert db.session.scalar(select(func.count()).select_from(Attempt).where(Attempt.user_id == student.id)) == 1
    # The class's review rule holds: no score before the closing time.
    result = client.get(f"/attempts/{attempt.id}/result").get_data(as_text=True)
    assert "Scores and answers appear here after the quiz closes" in result


@pytest.mark.content
def test_an_assignment_nobody_started_can_be_removed(client, make_user, instructor):
    class_ = make_class(instructor)
    student = make_user(Role.STUDENT)
    enrol(class_, student)
    quiz = fixed_quiz(shipped_questions("single", 1))
    unused, used = assign(class_, quiz), assign(class_, quiz)
    take(student, used, {1: True})
    client.post(f"/classes/{class_.id}/assignments/{unused.id}/delete")
    client.post(f"/classes/{class_.id}/assignments/{used.id}/delete")
    db.session.expire_all()
    assert db.session.get(Assignment, unused.id) is None
    assert db.session.get(Assignment, used.id) is not None


@pytest.mark.content
def test_a_closed_assignment_cannot_be_started(client, login, make_user, instructor):
    class_ = make_class(instructor)
    student = make_user(Role.STUDENT)
    enrol(class_, student)
    assignment = assign(class_, fixed_quiz(shipped_questions("single", 1)), closes_at=utcnow() - timedelta(hours=1))
    login(student)
    client.post(f"/assignments/{assignment.id}/start")
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 0
    assert "Closed" in client.get("/quizzes").get_data(as_text=True)


@pytest.mark.content
def test_the_quiz_list_reads_a_students_classes_in_a_fixed_number_of_queries(
    client, login, make_user, instructor, count_queries
):
    student = make_user(Role.STUDENT)
    login(student)
    quiz = fixed_quiz(shipped_questions("single", 1))
    counts = []
    for n in (1, 4):
        class_ = make_class(instructor, name=f"Class {n}")
        enrol(class_, student)
        for _ in range(n):
            take(student, assign(class_, quiz), {1: True})
        db.session.expire_all()
        with count_queries() as statements:
            page = client.get("/quizzes")
        assert page.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    section = re.search(r"<h2[^>]*>Class 4</h2>.*?</table>", page.get_data(as_text=True), re.S).group(0)
    assert section.count('<th scope="row">') == 4  # each assignment once, under its class


@pytest.mark.content
def test_assign_link_from_a_quiz_page_preselects_the_quiz(client, instructor):
    class_ = make_class(instructor)
    quiz = fixed_quiz(shipped_questions("single", 2), slug="preselected", title="Preselected quiz")
    page = client.get(f"/classes/{class_.id}/assignments/new", query_string={"quiz": quiz.id}).get_data(as_text=True)
    assert re.search(rf'<option selected value="{quiz.id}">|<option value="{quiz.id}" selected>', page), page[:200]
