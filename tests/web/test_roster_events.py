"""Roster events: joining, importing, removing and co-teaching send member_joined / member_left once each;
a refused roster action sends nothing and changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from blinker import Signal
from sqlalchemy import select

from studyapp.domain import events
from studyapp.domain.classes import ClassError
from studyapp.extensions import db
from studyapp.models import Invitation, Membership, Role, User
from studyapp.models.classes import INSTRUCTOR, STUDENT
from tests.web.test_classes_support import enrol, make_class


@contextmanager
def received(signal: Signal) -> Iterator[list[tuple]]:
    """Collect (class id, user id, role) of every `signal` sent inside the block."""
    calls: list[tuple] = []

    def receiver(sender, **kwargs):
        calls.append((sender.id, kwargs["user_id"], kwargs.get("role")))

    with signal.connected_to(receiver):
        yield calls


def roster_rows() -> set[tuple[int, int, str, int | None]]:
    """Every membership of every class, as (class, user, role, section)."""
    return set(
        db.session.execute(select(Membership.class_id, Membership.user_id, Membership.role, Membership.section_id))
    )


def test_joining_with_a_code_sends_member_joined_once(client, login, make_user, instructor):
    class_ = make_class(instructor)
    student = make_user(Role.STUDENT)
    login(student)
    with received(events.member_joined) as joined, received(events.member_left) as left:
        assert client.post("/classes/join", data={"code": class_.join_code}).status_code == 302
        client.post("/classes/join", data={"code": class_.join_code})  # already in: nothing happens
    assert joined == [(class_.id, student.id, STUDENT)]
    assert left == []


def test_signing_up_with_a_code_sends_member_joined(client, make_user):
    instructor = make_user(Role.INSTRUCTOR)  # not signed in
    class_ = make_class(instructor)
    data = {
        "display_name": "Sam Student",
        "email": "sam@studyapp.example",
        "password": "a long reading list",
        "confirm": "a long reading list",
        "join_code": class_.join_code,
    }
    with received(events.member_joined) as joined:
        assert client.post("/signup", data=data).status_code == 302
    sam = db.session.scalar(select(User).where(User.email == "sam@studyapp.example"))
    assert joined == [(class_.id, sam.id, STUDENT)]


def test_a_roster_import_joins_nobody_and_an_accepted_invitation_sends_member_joined(
    client, make_user, instructor, signed_in
):
    class_ = make_class(instructor)
    existing = make_user(Role.STUDENT, email="eve@example.edu")
    already = make_user(Role.STUDENT, email="al@example.edu")
    enrol(class_, already)
    text = (
        "name,email,section\n"
        "Ada Lovelace,ada@example.edu,Section A\n"  # no account
        "Eve,eve@example.edu,Section B\n"  # an account: invited, not added
        "Al,al@example.edu,Section B\n"  # already in the class: moves section, does not join again
    )
    with received(events.member_joined) as joined:
        response = client.post(f"/classes/{class_.id}/roster/import/confirm", data={"roster_text": text})
        assert response.status_code == 302
    assert joined == []
    code = db.session.scalar(select(Invitation.code).where(Invitation.email == "eve@example.edu"))
    with received(events.member_joined) as joined:
        assert signed_in(existing).post("/classes/join", data={"code": code}).status_code == 302
    assert joined == [(class_.id, existing.id, STUDENT)]


def test_removing_a_student_sends_member_left(client, make_user, instructor):
    class_ = make_class(instructor)
    student = make_user(Role.STUDENT)
    enrol(class_, student)
    with received(events.member_left) as left, received(events.member_joined) as joined:
        assert client.post(f"/classes/{class_.id}/roster/{student.id}/remove").status_code == 302
    assert left == [(class_.id, student.id, None)]
    assert joined == []


def test_adding_and_removing_a_co_instructor_sends_member_joined_then_member_left(client, make_user, instructor):
    class_ = make_class(instructor)
    colleague = make_user(Role.INSTRUCTOR, email="colleague@studyapp.example")
    with received(events.member_joined) as joined, received(events.member_left) as left:
        response = client.post(f"/classes/{class_.id}/instructors", data={"email": "Colleague@StudyApp.example"})
        assert response.status_code == 302
        assert joined == [(class_.id, colleague.id, INSTRUCTOR)] and left == []
        response = client.post(f"/classes/{class_.id}/instructors/{colleague.id}/remove")
        assert response.status_code == 302
    assert joined == [(class_.id, colleague.id, INSTRUCTOR)]
    assert left == [(class_.id, colleague.id, None)]


def test_refused_roster_actions_change_nothing_send_nothing_and_say_why(client, make_user, instructor):
    class_ = make_class(instructor)
    other = make_class(instructor, name="Other")
    student, outsider = make_user(Role.STUDENT), make_user(Role.STUDENT)
    enrol(class_, student)
    enrol(other, outsider)
    before = roster_rows()
    roster = f"/classes/{class_.id}/roster"
    with received(events.member_joined) as joined, received(events.member_left) as left:
        # A student of another class is not this class's to remove.
        response = client.post(f"{roster}/{outsider.id}/remove")
        assert response.status_code == 302 and response.headers["Location"].endswith(roster)
        assert "That person is not a student of this class." in client.get(roster).get_data(as_text=True)
        # The owner always stays.
        client.post(f"/classes/{class_.id}/instructors/{instructor.id}/remove")
        assert "cannot be removed" in client.get(roster).get_data(as_text=True)
        # An unknown email and a student's email cannot become co-instructors.
        response = client.post(f"/classes/{class_.id}/instructors", data={"email": "nobody@studyapp.example"})
        assert response.status_code == 422 and "No account has this email" in response.get_data(as_text=True)
        response = client.post(f"/classes/{class_.id}/instructors", data={"email": student.email})
        assert response.status_code == 422 and "student account" in response.get_data(as_text=True)
        # A section of another class is refused.
        client.post(f"{roster}/{student.id}/section", data={"section": str(other.sections[0].id)})
        assert "not one of this class" in client.get(roster).get_data(as_text=True)
    assert joined == [] and left == []
    db.session.expire_all()
    assert roster_rows() == before


def test_a_refused_join_changes_nothing_and_says_why(client, instructor):
    class_ = make_class(instructor)
    before = roster_rows()
    with received(events.member_joined) as joined:
        response = client.post("/classes/join", data={"code": class_.join_code})
        assert response.status_code == 302 and response.headers["Location"].endswith("/classes")
        assert "You teach this class" in client.get("/classes").get_data(as_text=True)
    assert joined == []
    db.session.expire_all()
    assert roster_rows() == before


def test_a_subscriber_that_refuses_a_join_undoes_the_flushed_membership(client, login, make_user, instructor):
    class_ = make_class(instructor)
    student = make_user(Role.STUDENT)
    login(student)

    def full(sender, **kwargs):
        assert db.session.scalar(select(Membership).where(Membership.user_id == kwargs["user_id"])) is not None
        raise ClassError("The class is full.")

    with events.member_joined.connected_to(full):
        response = client.post("/classes/join", data={"code": class_.join_code})
    assert response.status_code == 302 and response.headers["Location"].endswith("/classes")
    assert "The class is full." in client.get("/classes").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(Membership).where(Membership.user_id == student.id)) is None
