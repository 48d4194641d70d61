"""Roster imports invite, they do not add: personal codes, consent, staff refused, nothing revealed about
other accounts, and a roster log that keeps who changed what and when."""

from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from studyapp.domain import classes as classes
from studyapp.extensions import db
from studyapp.models import Invitation, Membership, Role, RosterAction, RosterChange, User
from tests.web.test_classes_support import enrol, make_class

PASSWORD = "a long reading list"


def upload(client, class_id: int, text: str):
    return client.post(
        f"/classes/{class_id}/roster/import",
        data={"roster": (io.BytesIO(text.encode()), "roster.csv")},
        content_type="multipart/form-data",
    )


def confirm(client, class_id: int, text: str):
    return client.post(f"/classes/{class_id}/roster/import/confirm", data={"roster_text": text})


def members(class_id: int) -> dict[int, str | None]:
    """Student ids of the class, with their section names."""
    rows = db.session.scalars(select(Membership).where(Membership.class_id == class_id, Membership.role == "student"))
    return {m.user_id: (m.section.name if m.section else None) for m in rows}


def invitation(class_id: int, email: str) -> Invitation | None:
    db.session.expire_all()
    return db.session.scalar(select(Invitation).where(Invitation.class_id == class_id, Invitation.email == email))


def log(class_id: int) -> list[tuple[str, str, int | None]]:
    """The class's roster log, oldest first: (action, subject email, actor id)."""
    return [
        (c.action.value, c.subject_email, c.actor_id)
        for c in db.session.scalars(
            select(RosterChange).where(RosterChange.class_id == class_id).order_by(RosterChange.id)
        )
    ]


def signup(client, **fields):
    data = {"email": "sam@example.edu", "display_name": "Sam", "password": PASSWORD, "confirm": PASSWORD}
    return client.post("/signup", data={**data, **fields})


def count_users() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_the_preview_is_the_same_whether_or_not_an_email_has_an_account(client, make_user, instructor):
    class_ = make_class(instructor)
    other_teacher = make_user(Role.INSTRUCTOR)
    other_class = make_class(other_teacher, name="Another class")
    pupil = make_user(Role.STUDENT, email="pupil@example.edu", name="Pupil Privatename")
    enrol(other_class, pupil)
    make_user(Role.ADMIN, email="boss@example.edu", name="Boss Secretname")
    make_user(Role.INSTRUCTOR, email="prof@example.edu", name="Prof Hiddenname")
    rows = [("Pupil", "pupil"), ("Boss", "boss"), ("Prof", "prof")]
    known = "name,email,section\n" + "".join(f"{n},{e}@example.edu,Section A\n" for n, e in rows)
    unknown = "name,email,section\n" + "".join(f"{n},{e}-new@example.edu,Section A\n" for n, e in rows)

    known_page = upload(client, class_.id, known).get_data(as_text=True)
    unknown_page = upload(client, class_.id, unknown).get_data(as_text=True)

    for secret in ("Privatename", "Secretname", "Hiddenname", "account"):
        assert secret not in known_page.split("<main", 1)[1].replace("account they have", "")
    # The CSRF tokens (the form fields' and the page's meta tag) carry the second they were made in.
    strip = re.compile(r'name="(csrf_token|roster_text)"[^>]*value="[^"]*"|name="csrf-token" content="[^"]*"')
    assert strip.sub("", known_page) == strip.sub("", unknown_page).replace("-new@", "@")
    assert "3 students to invite" in known_page


def test_importing_invites_and_adds_nobody_until_they_enter_their_code(client, make_user, instructor, signed_in):
    class_ = make_class(instructor)
    eve = make_user(Role.STUDENT, email="eve@example.edu", name="Eve Existing")
    users_before = count_users()
    text = "email;name;section\nada@example.edu;Ada Lovelace;Section A\neve@example.edu;Eve E.;Section C\n"

    assert upload(client, class_.id, text).status_code == 200
    assert confirm(client, class_.id, text).status_code == 302
    assert members(class_.id) == {}, "a roster file adds nobody by itself"
    assert count_users() == users_before, "and makes no account"
    ada_invite, eve_invite = invitation(class_.id, "ada@example.edu"), invitation(class_.id, "eve@example.edu")
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{10}", ada_invite.code) and ada_invite.code != eve_invite.code
    roster = client.get(f"/classes/{class_.id}/roster").get_data(as_text=True)
    assert f"{ada_invite.code[:5]}-{ada_invite.code[5:]}" in roster and "Invited, not joined yet (2)" in roster
    printed = client.get(f"/classes/{class_.id}/invitations/print").get_data(as_text=True)
    assert "Ada Lovelace" in printed and f"{eve_invite.code[:5]}-{eve_invite.code[5:]}" in printed
    assert [a for a, _, _ in log(class_.id)] == ["invited", "invited"]

    # Eve, who has an account, accepts by entering her code (any case, with or without the dash).
    eve_client = signed_in(eve)
    typed = f"{eve_invite.code[:5].lower()}-{eve_invite.code[5:].lower()}"
    assert eve_client.post("/classes/join", data={"code": typed}).status_code == 302
    assert members(class_.id) == {eve.id: "Section C"}
    assert invitation(class_.id, "eve@example.edu") is None, "a code works once"
    assert db.session.get(User, eve.id).display_name == "Eve Existing", "the file does not rename an account"

    # Ada, who has none, signs up with hers and is in her section at once.
    anonymous = signed_in()
    assert (
        signup(anonymous, email="ada@example.edu", display_name="Ada L.", join_code=ada_invite.code).status_code == 302
    )
    ada = db.session.scalar(select(User).where(User.email == "ada@example.edu"))
    assert members(class_.id) == {eve.id: "Section C", ada.id: "Section A"}
    assert log(class_.id)[-2:] == [
        ("accepted an invitation", "eve@example.edu", eve.id),
        ("accepted an invitation", "ada@example.edu", ada.id),
    ]

    # A used code opens nothing.
    reuse = signed_in(make_user(Role.STUDENT)).post("/classes/join", data={"code": ada_invite.code})
    assert reuse.status_code == 302
    assert len(members(class_.id)) == 2


def test_a_personal_code_link_shows_the_class_and_joins_on_confirmation(client, make_user, instructor, signed_in):
    class_ = make_class(instructor)
    confirm(client, class_.id, "name,email\nRay,ray@example.edu\n")
    code = invitation(class_.id, "ray@example.edu").code
    ray = make_user(Role.STUDENT, email="ray@example.edu")
    browser = signed_in(ray)
    page = browser.get(f"/join/{code}")
    assert page.status_code == 200 and "personal code" in page.get_data(as_text=True)
    assert members(class_.id) == {}, "opening the link changes nothing"
    assert browser.post(f"/join/{code}").status_code == 302
    assert members(class_.id) == {ray.id: None}
    assert signed_in(ray).get(f"/join/{code}").status_code == 404, "a used code leads nowhere"


def test_staff_accounts_cannot_join_from_a_roster(client, make_user, instructor, signed_in):
    class_ = make_class(instructor)
    admin = make_user(Role.ADMIN, email="boss@example.edu")
    teacher = make_user(Role.INSTRUCTOR, email="prof@example.edu")
    confirm(client, class_.id, "name,email\nBoss,boss@example.edu\nProf,prof@example.edu\n")
    for user in (admin, teacher):
        code = invitation(class_.id, user.email).code
        response = signed_in(user).post("/classes/join", data={"code": code}, follow_redirects=True)
        assert "Instructor and administrator accounts cannot join a class from a roster" in response.get_data(
            as_text=True
        )
        assert invitation(class_.id, user.email) is not None, "the refused code still works for a student"
    assert members(class_.id) == {}


def test_a_classmate_with_the_join_code_cannot_take_an_invited_seat(client, make_user, instructor, signed_in):
    class_ = make_class(instructor)
    confirm(client, class_.id, "name,email,section\nAda,ada@example.edu,Section A\n")
    code = invitation(class_.id, "ada@example.edu").code
    # A classmate signs up with Ada's email and the class-wide join code: they get an account of their own
    # in the class, as anyone with the join code does, but not Ada's invitation, section or code.
    assert signup(signed_in(), email="ada@example.edu", join_code=class_.join_code).status_code == 302
    impostor = db.session.scalar(select(User).where(User.email == "ada@example.edu"))
    assert members(class_.id) == {impostor.id: None}
    assert invitation(class_.id, "ada@example.edu").code == code
    # An email that has an account changes nothing at sign-up, code or not: the code stays unused.
    assert signup(signed_in(), email="ada@example.edu", join_code=code).status_code == 302
    assert invitation(class_.id, "ada@example.edu").code == code


def test_a_wrong_personal_code_says_so_and_changes_nothing(client, make_user, instructor, signed_in):
    class_ = make_class(instructor)
    confirm(client, class_.id, "name,email\nAda,ada@example.edu\n")
    users_before = count_users()
    response = signup(signed_in(), join_code="ABCDE-FGH23")
    assert response.status_code == 422 and "No invitation has this code" in response.get_data(as_text=True)
    assert count_users() == users_before
    refused = signed_in(make_user(Role.STUDENT)).post(
        "/classes/join", data={"code": "ABCDE-FGH23"}, follow_redirects=True
    )
    assert "No invitation has this code" in refused.get_data(as_text=True)
    assert members(class_.id) == {}


def test_withdrawing_an_invitation_retires_its_code(client, make_user, instructor, signed_in):
    class_ = make_class(instructor)
    other = make_class(make_user(Role.INSTRUCTOR), name="Not yours")
    confirm(client, class_.id, "name,email\nAda,ada@example.edu\n")
    invite = invitation(class_.id, "ada@example.edu")
    code, invite_id = invite.code, invite.id
    # Another class's instructor cannot withdraw it, nor see the class.
    outsider = signed_in(db.session.get(User, other.owner_id))
    assert outsider.post(f"/classes/{class_.id}/invitations/{invite_id}/withdraw").status_code == 404
    assert outsider.get(f"/classes/{class_.id}/invitations/print").status_code == 404
    assert client.post(f"/classes/{class_.id}/invitations/{invite_id}/withdraw").status_code == 302
    assert invitation(class_.id, "ada@example.edu") is None
    ada = make_user(Role.STUDENT, email="ada@example.edu")
    signed_in(ada).post("/classes/join", data={"code": code})
    assert members(class_.id) == {}
    assert log(class_.id)[-1] == ("invitation withdrawn", "ada@example.edu", instructor.id)


def test_importing_again_keeps_codes_and_updates_names_and_sections(client, make_user, instructor):
    class_ = make_class(instructor)
    confirm(client, class_.id, "name,email\nAda,ada@example.edu\n")
    code = invitation(class_.id, "ada@example.edu").code
    preview = upload(client, class_.id, "name,email,section\nAda Lovelace,ada@example.edu,Section B\n")
    assert "Already invited" in preview.get_data(as_text=True)
    confirm(client, class_.id, "name,email,section\nAda Lovelace,ada@example.edu,Section B\n")
    again = invitation(class_.id, "ada@example.edu")
    assert (again.code, again.name, again.section_id) == (
        code,
        "Ada Lovelace",
        next(s.id for s in class_.sections if s.name == "Section B"),
    )
    assert [a for a, _, _ in log(class_.id)] == ["invited"]


def test_every_roster_change_is_logged_and_readable_by_the_instructors_and_an_admin(
    client, make_user, instructor, signed_in, count_queries
):
    class_ = make_class(instructor)
    pupil = make_user(Role.STUDENT, email="pupil@example.edu", name="Pupil One")
    colleague = make_user(Role.INSTRUCTOR, email="colleague@example.edu")
    signed_in(pupil).post("/classes/join", data={"code": class_.join_code})
    section_b = next(s for s in class_.sections if s.name == "Section B")
    client.post(f"/classes/{class_.id}/roster/{pupil.id}/section", data={"section": str(section_b.id)})
    client.post(f"/classes/{class_.id}/instructors", data={"email": colleague.email})
    client.post(f"/classes/{class_.id}/join-code")
    client.post(f"/classes/{class_.id}/roster/{pupil.id}/remove")
    client.post(f"/classes/{class_.id}/instructors/{colleague.id}/remove")

    assert log(class_.id) == [
        (RosterAction.JOINED.value, "pupil@example.edu", pupil.id),
        (RosterAction.SECTION.value, "pupil@example.edu", instructor.id),
        (RosterAction.INSTRUCTOR_ADDED.value, "colleague@example.edu", instructor.id),
        (RosterAction.JOIN_CODE.value, "", instructor.id),
        (RosterAction.REMOVED.value, "pupil@example.edu", instructor.id),
        (RosterAction.INSTRUCTOR_REMOVED.value, "colleague@example.edu", instructor.id),
    ]
    db.session.expire_all()
    with count_queries() as statements:
        page = client.get(f"/classes/{class_.id}/roster/changes")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    # The removed student's record stays, by name and email, with who removed them.
    assert "Removed" in text and "Pupil One (pupil@example.edu)" in text and instructor.display_name in text
    assert "Section changed: Section B" in text
    few = len(statements)

    # The removed co-instructor no longer reads it; a student never does; an admin reads every class's.
    assert signed_in(colleague).get(f"/classes/{class_.id}/roster/changes").status_code == 404
    assert signed_in(pupil).get("/admin/roster-changes").status_code in (403, 404)
    admin_page = signed_in(make_user(Role.ADMIN)).get("/admin/roster-changes")
    assert admin_page.status_code == 200 and "Pupil One (pupil@example.edu)" in admin_page.get_data(as_text=True)

    # More entries cost no more queries.
    for _ in range(5):
        classes.regenerate_join_code(class_, actor=instructor)
    db.session.commit()
    db.session.expire_all()
    with count_queries() as statements:
        client.get(f"/classes/{class_.id}/roster/changes")
    assert len(statements) == few


def test_the_roster_log_pages_back_through_older_changes(client, instructor):
    class_ = make_class(instructor)
    for _ in range(classes.LOG_PAGE + 5):
        classes.regenerate_join_code(class_, actor=instructor)
    db.session.commit()
    first = client.get(f"/classes/{class_.id}/roster/changes").get_data(as_text=True)
    assert first.count("New join code") == classes.LOG_PAGE
    older = re.search(r'href="([^"]*before=\d+)"', first)
    assert older, "a link to the older changes"
    second = client.get(older.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert second.count("New join code") == 5 and "Older changes" not in second
