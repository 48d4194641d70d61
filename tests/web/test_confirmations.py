"""What cannot be undone asks first: a page that says what happens, then a button (no JavaScript needed)."""

from __future__ import annotations

import pytest

from studyapp.extensions import db
from studyapp.models import Assignment, Class, Membership, Role
from tests.web.test_classes_support import assign, enrol, fixed_quiz, make_class, shipped_questions, take


def _student_ids(class_id: int) -> set[int]:
    db.session.expire_all()
    return {m.user_id for m in db.session.query(Membership).filter_by(class_id=class_id, role="student")}


def test_the_class_page_links_to_the_join_code_question_and_the_question_changes_nothing(client, instructor):
    class_ = make_class(instructor)
    code = class_.join_code
    page = client.get(f"/classes/{class_.id}").get_data(as_text=True)
    assert f'href="/classes/{class_.id}/join-code"' in page
    assert f'action="/classes/{class_.id}/join-code"' not in page  # no one-click form on the class page

    question = client.get(f"/classes/{class_.id}/join-code")
    text = question.get_data(as_text=True)
    assert question.status_code == 200
    assert "Give HIST 210: The Cold War a new join code?" in text
    assert code in text and "stop working at once" in text
    db.session.expire_all()
    assert db.session.get(Class, class_.id).join_code == code  # asking changed nothing

    client.post(f"/classes/{class_.id}/join-code")
    db.session.expire_all()
    assert db.session.get(Class, class_.id).join_code != code


def test_removing_a_student_asks_with_their_name_first(client, make_user, instructor):
    class_ = make_class(instructor)
    pupil = make_user(Role.STUDENT, name="Ada Pupil")
    enrol(class_, pupil, section="Section B")
    roster = client.get(f"/classes/{class_.id}/roster").get_data(as_text=True)
    assert f'href="/classes/{class_.id}/roster/{pupil.id}/remove"' in roster
    assert f'action="/classes/{class_.id}/roster/{pupil.id}/remove"' not in roster

    text = client.get(f"/classes/{class_.id}/roster/{pupil.id}/remove").get_data(as_text=True)
    assert "Remove Ada Pupil from HIST 210: The Cold War?" in text
    assert "of section Section B" in text and "Their attempts are kept" in text
    assert _student_ids(class_.id) == {pupil.id}

    assert client.post(f"/classes/{class_.id}/roster/{pupil.id}/remove").status_code == 302
    assert _student_ids(class_.id) == set()
    assert client.get(f"/classes/{class_.id}/roster/{pupil.id}/remove").status_code == 404  # no longer a student


@pytest.mark.content
def test_removing_an_assignment_asks_and_one_with_attempts_offers_close_instead(client, make_user, instructor):
    class_ = make_class(instructor)
    student = make_user(Role.STUDENT)
    enrol(class_, student)
    quiz = fixed_quiz(shipped_questions("single", 1), title="Linkage, read closely")
    unused, used = assign(class_, quiz), assign(class_, quiz)
    take(student, used, {1: True})
    page = client.get(f"/classes/{class_.id}").get_data(as_text=True)
    assert f'href="/classes/{class_.id}/assignments/{unused.id}/delete"' in page
    assert f'action="/classes/{class_.id}/assignments/{unused.id}/delete"' not in page

    ask = client.get(f"/classes/{class_.id}/assignments/{unused.id}/delete").get_data(as_text=True)
    assert "Remove Linkage, read closely?" in ask and "Nobody has started it" in ask
    assert '<form method="post"' in ask

    refused = client.get(f"/classes/{class_.id}/assignments/{used.id}/delete").get_data(as_text=True)
    assert "cannot be removed" in refused and "Close Linkage, read closely now" in refused
    assert '<form method="post" class="actions">' not in refused  # no button that can only fail

    db.session.expire_all()
    assert db.session.get(Assignment, unused.id) is not None  # asking removed nothing
    client.post(f"/classes/{class_.id}/assignments/{unused.id}/delete")
    db.session.expire_all()
    assert db.session.get(Assignment, unused.id) is None


def test_a_question_page_is_only_for_the_class_instructors(client, login, make_user):
    owner = make_user(Role.INSTRUCTOR)
    class_ = make_class(owner)
    pupil = make_user(Role.STUDENT)
    enrol(class_, pupil)
    login(make_user(Role.INSTRUCTOR))
    assert client.get(f"/classes/{class_.id}/join-code").status_code == 404
    assert client.get(f"/classes/{class_.id}/roster/{pupil.id}/remove").status_code == 404
