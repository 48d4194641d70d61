"""Classes: create them, join them, keep their rosters and co-instructors, assign quizzes, excuse students.

Services take plain data and an explicit actor, flush, and never commit: the request commits once.
Who may see a class is decided here too: `get_class_or_404` for its pages, `can_manage_attempt`
for an attempt started from one of its assignments. A roster change sends `events.member_joined`
or `events.member_left` once it is flushed, and is written to the class's roster log (who, when, whom).

A roster file never adds anyone to a class and never looks at other accounts: each line becomes an
invitation with a personal code the instructor hands out, and the student joins by entering it (signed
in, or when signing up). So the preview says nothing about who has an account elsewhere, nobody is put
in a class without consenting, and a classmate who knows the class's join code cannot take a seat meant
for someone else.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import exists, func, select
from sqlalchemy.orm import aliased, joinedload

from studyapp.core.moments import is_zone
from studyapp.core.roster import LineError, RosterLine, parse_roster
from studyapp.domain import accounts, events
from studyapp.domain.errors import DomainError, NotFound
from studyapp.extensions import db
from studyapp.models import (
    Assignment,
    Attempt,
    Class,
    Excusal,
    Invitation,
    Membership,
    Quiz,
    RosterAction,
    RosterChange,
    Section,
    User,
)
from studyapp.models.base import utcnow
from studyapp.models.classes import INSTRUCTOR, OVERRIDE_NAMES, STUDENT

#: Join codes use capitals and digits that cannot be mistaken for one another (no 0/O, 1/I/L).
JOIN_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 8
#: A personal invitation code is longer than a join code, so one field takes either.
INVITATION_CODE_LENGTH = 10


class ClassError(DomainError):
    """A request the class rules refuse; the message is safe to show."""


class JoinError(ClassError):
    """A join code that leads nowhere, or a join that is not allowed."""


# --- who may see what ----------------------------------------------------------------------------


def get_class_or_404(class_id: int, user: User) -> Class:
    """Load a class `user` teaches (as its owner or a co-instructor); for anyone else it does not exist."""
    class_ = db.session.scalar(
        select(Class)
        .join(Membership, Membership.class_id == Class.id)
        .where(Class.id == class_id, Membership.user_id == user.id, Membership.role == INSTRUCTOR)
    )
    if class_ is None:
        raise NotFound()
    return class_


def get_assignment_or_404(class_: Class, assignment_id: int) -> Assignment:
    """Load an assignment of `class_` (with its quiz); another class's assignment is "not found"."""
    assignment = db.session.scalar(
        select(Assignment)
        .where(Assignment.id == assignment_id, Assignment.class_id == class_.id)
        .options(joinedload(Assignment.quiz))
    )
    if assignment is None:
        raise NotFound()
    return assignment


def get_student_assignment_or_404(assignment_id: int, user: User) -> Assignment:
    """Load an assignment of one of the classes `user` is a student of; any other is "not found"."""
    assignment = db.session.scalar(
        select(Assignment)
        .join(Membership, Membership.class_id == Assignment.class_id)
        .where(Assignment.id == assignment_id, Membership.user_id == user.id, Membership.role == STUDENT)
        .options(joinedload(Assignment.quiz))
    )
    if assignment is None:
        raise NotFound()
    return assignment


def can_manage_attempt(user, attempt: Attempt) -> bool:
    """Tell whether `user` may see and grade `attempt`: an admin, or an instructor of the class whose
    assignment the attempt was started from. Reads only; changes nothing."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_admin:
        return True
    if attempt.assignment_id is None:
        return False
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Assignment.id == attempt.assignment_id,
                    Membership.class_id == Assignment.class_id,
                    Membership.user_id == user.id,
                    Membership.role == INSTRUCTOR,
                )
            )
        )
    )


def assignments_taught_by(user: User) -> set[int]:
    """The ids of the assignments of every class `user` teaches (one query): for filtering a list of
    attempts, such as the essays waiting for a grade, without one query per attempt."""
    return set(
        db.session.scalars(
            select(Assignment.id)
            .join(Membership, Membership.class_id == Assignment.class_id)
            .where(Membership.user_id == user.id, Membership.role == INSTRUCTOR)
        )
    )


# --- classes ---------------------------------------------------------------------------------------


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def normalize_code(code: str) -> str:
    """Read a typed code leniently: any case, spaces and dashes ignored."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def _unused_join_code() -> str:
    while True:
        code = new_join_code()
        if not db.session.scalar(select(exists().where(Class.join_code == code))):
            return code


def section_names(text: str) -> list[str]:
    """Split a list of sections typed one per line (or separated by commas), dropping blanks and repeats."""
    names = [" ".join(part.split()) for line in (text or "").splitlines() for part in line.split(",")]
    return list(dict.fromkeys(name for name in names if name))


def create_class(owner: User, *, name: str, term: str = "", sections: Iterable[str] = ()) -> Class:
    """Create a class taught by `owner`, with a fresh join code and its sections."""
    if not owner.is_instructor:
        raise ClassError("Only instructors create classes.")
    class_ = Class(name=name.strip(), term=(term or "").strip(), owner_id=owner.id, join_code=_unused_join_code())
    db.session.add(class_)
    db.session.flush()
    db.session.add(Membership(class_id=class_.id, user_id=owner.id, role=INSTRUCTOR))
    add_sections(class_, sections)
    return class_


def update_class(class_: Class, *, name: str, term: str, time_zone: str | None = None) -> None:
    """Rename the class, change its term and, when given, its time zone (an IANA name)."""
    if time_zone is not None and not is_zone(time_zone):
        raise ClassError(f"“{time_zone}” is not a time zone this site knows.")
    class_.name, class_.term = name.strip(), (term or "").strip()
    if time_zone is not None:
        class_.time_zone = time_zone
    db.session.flush()


def add_sections(class_: Class, names: Iterable[str]) -> list[Section]:
    """Add the sections the class does not have yet; return the new ones."""
    have = {s.name.casefold() for s in db.session.scalars(select(Section).where(Section.class_id == class_.id))}
    added = []
    for name in names:
        name = " ".join(name.split())[:100]
        if name and name.casefold() not in have:
            have.add(name.casefold())
            section = Section(class_id=class_.id, name=name)
            db.session.add(section)
            added.append(section)
    db.session.flush()
    return added


def regenerate_join_code(class_: Class, *, actor: User | None = None) -> str:
    """Give the class a new join code; the old code and link stop working at once."""
    class_.join_code = _unused_join_code()
    _log(class_, RosterAction.JOIN_CODE, actor=actor)
    db.session.flush()
    return class_.join_code


@dataclass
class ClassSummary:
    class_: Class
    role: str
    students: int
    assignments: int


def classes_of(user: User) -> list[ClassSummary]:
    """The classes `user` teaches or takes, with their numbers of students and assignments (three queries)."""
    rows = db.session.execute(
        select(Class, Membership.role)
        .join(Membership, Membership.class_id == Class.id)
        .where(Membership.user_id == user.id)
        .order_by(Class.created_at.desc(), Class.id.desc())
    ).all()
    ids = [class_.id for class_, _ in rows]
    students = (
        dict(
            db.session.execute(
                select(Membership.class_id, func.count())
                .where(Membership.class_id.in_(ids), Membership.role == STUDENT)
                .group_by(Membership.class_id)
            ).all()
        )
        if ids
        else {}
    )
    assignments = (
        dict(
            db.session.execute(
                select(Assignment.class_id, func.count())
                .where(Assignment.class_id.in_(ids))
                .group_by(Assignment.class_id)
            ).all()
        )
        if ids
        else {}
    )
    return [
        ClassSummary(class_, role, students.get(class_.id, 0), assignments.get(class_.id, 0)) for class_, role in rows
    ]


def instructors_of(class_: Class) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.class_id == class_.id, Membership.role == INSTRUCTOR)
            .order_by(User.display_name, User.id)
        )
    )


# --- joining -----------------------------------------------------------------------------------------


def class_for_code(code: str) -> Class:
    """Find the class a join code belongs to."""
    normalized = normalize_code(code)
    class_ = db.session.scalar(select(Class).where(Class.join_code == normalized)) if normalized else None
    if class_ is None:
        raise JoinError("No class has this join code. Check the code with your instructor.")
    return class_


def resolve_code(code: str) -> tuple[Class, Invitation | None]:
    """Find what a typed code opens: a class's join code, or a student's personal invitation code."""
    normalized = normalize_code(code)
    if len(normalized) == INVITATION_CODE_LENGTH:
        invitation = db.session.scalar(select(Invitation).where(Invitation.code == normalized))
        if invitation is None:
            raise JoinError(
                "No invitation has this code. Check it with your instructor; each code works once, for one student."
            )
        return db.session.get_one(Class, invitation.class_id), invitation
    return class_for_code(normalized), None


def membership(class_: Class, user: User) -> Membership | None:
    return db.session.scalar(select(Membership).where(Membership.class_id == class_.id, Membership.user_id == user.id))


def join_class(class_: Class, user: User) -> Membership:
    """Add `user` to the class as a student; joining twice changes nothing."""
    existing = membership(class_, user)
    if existing is not None:
        if existing.role == INSTRUCTOR:
            raise JoinError("You teach this class, so you cannot join it as a student.")
        return existing
    member = Membership(class_id=class_.id, user_id=user.id, role=STUDENT)
    db.session.add(member)
    _log(class_, RosterAction.JOINED, actor=user, subject=user)
    db.session.flush()
    events.member_joined.send(class_, user_id=user.id, role=STUDENT)
    return member


def accept_invitation(invitation: Invitation, user: User) -> Membership:
    """Join the class an invitation is for, in its section; the code is used up.

    Staff accounts are refused: a roster is for students, and an instructor or administrator on it would
    show their own answers to the class's instructors."""
    class_ = db.session.get_one(Class, invitation.class_id)
    if user.is_instructor:
        raise JoinError(
            "This code invites a student. Instructor and administrator accounts cannot join a class from a roster; "
            "sign in with a student account to use it."
        )
    existing = membership(class_, user)
    if existing is not None and existing.role == INSTRUCTOR:
        raise JoinError("You teach this class, so you cannot join it as a student.")
    joined = existing is None
    if existing is None:
        existing = Membership(class_id=class_.id, user_id=user.id, role=STUDENT, section_id=invitation.section_id)
        db.session.add(existing)
    elif invitation.section_id is not None:
        existing.section_id = invitation.section_id
    _log(
        class_,
        RosterAction.ACCEPTED,
        actor=user,
        subject=user,
        detail=f"the invitation for {invitation.name} <{invitation.email}>",
    )
    db.session.delete(invitation)
    db.session.flush()
    if joined:
        events.member_joined.send(class_, user_id=user.id, role=STUDENT)
    return existing


def join_with_code(code: str, user: User) -> Class:
    """Join the class a join code or a personal invitation code opens."""
    class_, invitation = resolve_code(code)
    if invitation is not None:
        accept_invitation(invitation, user)
    else:
        join_class(class_, user)
    return class_


def sign_up(*, email: str, display_name: str, password: str, join_code: str = "") -> User:
    """Create a student account, joining a class when a join code or a personal invitation code is given.

    An email that already has an account raises `accounts.EmailTaken` and changes nothing (the code is
    not used up): its owner signs in and enters the code on the class list.
    """
    class_, invitation = resolve_code(join_code) if normalize_code(join_code) else (None, None)
    user = accounts.create_user(email=email, display_name=display_name, password=password)
    if invitation is not None:
        accept_invitation(invitation, user)
    elif class_ is not None:
        join_class(class_, user)
    return user


# --- the roster -------------------------------------------------------------------------------------


@dataclass
class RosterEntry:
    membership: Membership
    user: User
    section: Section | None


def students_of(class_: Class) -> list[RosterEntry]:
    """The class's students by name, with their sections (one query)."""
    rows = db.session.execute(
        select(Membership, User, Section)
        .join(User, User.id == Membership.user_id)
        .outerjoin(Section, Section.id == Membership.section_id)
        .where(Membership.class_id == class_.id, Membership.role == STUDENT)
        .order_by(func.lower(User.display_name), User.id)
    ).all()
    return [RosterEntry(m, u, s) for m, u, s in rows]


def get_roster_entry_or_404(class_: Class, user_id: int) -> RosterEntry:
    """One student of the class with their section; anyone else is "not found"."""
    row = db.session.execute(
        select(Membership, User, Section)
        .join(User, User.id == Membership.user_id)
        .outerjoin(Section, Section.id == Membership.section_id)
        .where(Membership.class_id == class_.id, Membership.user_id == user_id, Membership.role == STUDENT)
    ).first()
    if row is None:
        raise NotFound()
    return RosterEntry(*row)


def _student_membership(class_: Class, user_id: int) -> Membership:
    member = db.session.scalar(
        select(Membership).where(
            Membership.class_id == class_.id, Membership.user_id == user_id, Membership.role == STUDENT
        )
    )
    if member is None:
        raise ClassError("That person is not a student of this class.")
    return member


def remove_student(class_: Class, user_id: int, *, actor: User | None = None) -> User:
    """Take a student off the roster; their attempts are kept and come back if they join again."""
    member = _student_membership(class_, user_id)
    user = db.session.get_one(User, user_id)
    db.session.delete(member)
    _log(class_, RosterAction.REMOVED, actor=actor, subject=user)
    db.session.flush()
    events.member_left.send(class_, user_id=user.id)
    return user


def set_section(class_: Class, user_id: int, section_id: int | None, *, actor: User | None = None) -> None:
    member = _student_membership(class_, user_id)
    section = db.session.get(Section, section_id) if section_id is not None else None
    if section_id is not None and (section is None or section.class_id != class_.id):
        raise ClassError("That section is not one of this class's.")
    if member.section_id != section_id:
        member.section_id = section_id
        subject = db.session.get_one(User, user_id)
        _log(class_, RosterAction.SECTION, actor=actor, subject=subject, detail=section.name if section else "none")
    db.session.flush()


def add_co_instructor(class_: Class, email: str, *, actor: User | None = None) -> User:
    """Let another instructor account teach the class: it sees the roster, gradebook and exports."""
    user = accounts.find_user(email)
    if user is None or not user.is_instructor:
        # One answer for no account and a student's: this form does not tell who has an account.
        raise ClassError(
            "No account has this email, or it is a student account: only instructor accounts can teach a "
            "class, and an administrator creates them."
        )
    existing = membership(class_, user)
    if existing is not None and existing.role == INSTRUCTOR:
        raise ClassError(f"{user.display_name} already teaches this class.")
    if existing is not None:
        raise ClassError(f"{user.display_name} is a student of this class; remove them from the roster first.")
    db.session.add(Membership(class_id=class_.id, user_id=user.id, role=INSTRUCTOR))
    _log(class_, RosterAction.INSTRUCTOR_ADDED, actor=actor, subject=user)
    db.session.flush()
    events.member_joined.send(class_, user_id=user.id, role=INSTRUCTOR)
    return user


def remove_co_instructor(class_: Class, user_id: int, *, actor: User | None = None) -> User:
    """Stop a co-instructor teaching the class; the class's owner always stays."""
    if user_id == class_.owner_id:
        raise ClassError("The instructor who created the class cannot be removed from it.")
    member = db.session.scalar(
        select(Membership).where(
            Membership.class_id == class_.id, Membership.user_id == user_id, Membership.role == INSTRUCTOR
        )
    )
    if member is None:
        raise ClassError("That person does not teach this class.")
    user = db.session.get_one(User, user_id)
    db.session.delete(member)
    _log(class_, RosterAction.INSTRUCTOR_REMOVED, actor=actor, subject=user)
    db.session.flush()
    events.member_left.send(class_, user_id=user.id)
    return user


# --- roster import and invitations ---------------------------------------------------------------------

INVITE, ALREADY_INVITED, ALREADY_IN_CLASS = "invite", "already invited", "already in the class"


@dataclass
class PlannedStudent:
    line: RosterLine
    #: INVITE, ALREADY_INVITED or ALREADY_IN_CLASS
    action: str


@dataclass
class RosterPlan:
    """What an import would do, or why it cannot: nothing is changed while `errors` is not empty."""

    students: list[PlannedStudent] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    new_sections: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.students)

    def count(self, action: str) -> int:
        return sum(1 for s in self.students if s.action == action)


def plan_roster_import(class_: Class, data: bytes | str) -> RosterPlan:
    """Check a roster file against the class without changing anything (three queries).

    Only the class's own members and invitations are looked at: the plan is the same whether or not an
    email has an account elsewhere."""
    parsed = parse_roster(data)
    plan = RosterPlan(errors=list(parsed.errors))
    if not parsed.lines and not parsed.errors:
        plan.errors.append(LineError(0, "The file has a header row but no students."))
    roles = dict(
        db.session.execute(
            select(User.email, Membership.role)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.class_id == class_.id)
        ).all()
    )
    invited = set(db.session.scalars(select(Invitation.email).where(Invitation.class_id == class_.id)))
    sections = {s.name.casefold() for s in db.session.scalars(select(Section).where(Section.class_id == class_.id))}
    for line in parsed.lines:
        role = roles.get(line.email)
        if role == INSTRUCTOR:
            plan.errors.append(
                LineError(line.line, f"{line.email} teaches this class; a teacher cannot also be one of its students.")
            )
            continue
        action = ALREADY_IN_CLASS if role == STUDENT else (ALREADY_INVITED if line.email in invited else INVITE)
        plan.students.append(PlannedStudent(line, action))
        if line.section and line.section.casefold() not in sections:
            sections.add(line.section.casefold())
            plan.new_sections.append(line.section)
    plan.errors.sort(key=lambda e: e.line)
    return plan


def _unused_invitation_code(taken: set[str]) -> str:
    while True:
        code = "".join(secrets.choice(JOIN_ALPHABET) for _ in range(INVITATION_CODE_LENGTH))
        if code not in taken and not db.session.scalar(select(exists().where(Invitation.code == code))):
            taken.add(code)
            return code


def import_roster(class_: Class, data: bytes | str, *, actor: User | None = None) -> RosterPlan:
    """Apply a roster file, all or nothing: if any line has a problem, nothing changes.

    Each new email gets an invitation with a personal code; an email already invited keeps its code and
    takes the file's name and section; students already in the class move to the section the file gives
    (a blank section leaves theirs as it is). No account is created, looked up or added.
    """
    plan = plan_roster_import(class_, data)
    if not plan.ok:
        return plan
    add_sections(class_, plan.new_sections)
    sections = {s.name.casefold(): s for s in db.session.scalars(select(Section).where(Section.class_id == class_.id))}
    invitations = {i.email: i for i in db.session.scalars(select(Invitation).where(Invitation.class_id == class_.id))}
    students = {
        user.email: user.id
        for user in db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.class_id == class_.id, Membership.role == STUDENT)
        )
    }
    codes: set[str] = set()
    for planned in plan.students:
        line = planned.line
        section = sections.get(line.section.casefold()) if line.section else None
        if planned.action == ALREADY_IN_CLASS:
            if section is not None:
                set_section(class_, students[line.email], section.id, actor=actor)
        elif planned.action == ALREADY_INVITED:
            invitation = invitations[line.email]
            invitation.name = line.name
            if section is not None:
                invitation.section_id = section.id
        else:
            invitation = Invitation(
                class_id=class_.id,
                email=line.email,
                name=line.name,
                section_id=section.id if section else None,
                code=_unused_invitation_code(codes),
                created_by_id=actor.id if actor else None,
            )
            db.session.add(invitation)
            invitations[line.email] = invitation
            _log(class_, RosterAction.INVITED, actor=actor, email=line.email, name=line.name)
    db.session.flush()
    return plan


@dataclass
class PendingInvitation:
    invitation: Invitation
    section: Section | None

    @property
    def code(self) -> str:
        """The code as handed out: two groups of five, easier to copy."""
        code = self.invitation.code
        return f"{code[:5]}-{code[5:]}"


def invitations_of(class_: Class) -> list[PendingInvitation]:
    """The class's invitations nobody has used yet, by name, with their sections (one query)."""
    rows = db.session.execute(
        select(Invitation, Section)
        .outerjoin(Section, Section.id == Invitation.section_id)
        .where(Invitation.class_id == class_.id)
        .order_by(func.lower(Invitation.name), Invitation.id)
    ).all()
    return [PendingInvitation(i, s) for i, s in rows]


def withdraw_invitation(class_: Class, invitation_id: int, *, actor: User | None = None) -> Invitation:
    """Cancel an invitation of the class; its code stops working at once."""
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.id == invitation_id, Invitation.class_id == class_.id)
    )
    if invitation is None:
        raise ClassError("That invitation has been used or withdrawn already.")
    _log(class_, RosterAction.INVITATION_WITHDRAWN, actor=actor, email=invitation.email, name=invitation.name)
    db.session.delete(invitation)
    db.session.flush()
    return invitation


# --- the roster log -----------------------------------------------------------------------------------------

#: Entries per page of a roster log.
LOG_PAGE = 100


def _log(
    class_: Class,
    action: RosterAction,
    *,
    actor: User | None,
    subject: User | None = None,
    email: str = "",
    name: str = "",
    detail: str = "",
) -> None:
    db.session.add(
        RosterChange(
            class_id=class_.id,
            at=utcnow(),
            actor_id=actor.id if actor is not None else None,
            action=action,
            subject_id=subject.id if subject is not None else None,
            subject_email=subject.email if subject is not None else email,
            subject_name=(subject.display_name if subject is not None else name)[:100],
            detail=detail[:300],
        )
    )


@dataclass
class LogEntry:
    change: RosterChange
    #: The account that made the change, while it exists (None: a command, or a deleted account).
    actor: User | None
    class_: Class


@dataclass
class LogPage:
    entries: list[LogEntry]
    #: The id to ask for the next (older) page with, or None on the last page.
    older: int | None


def roster_log(class_id: int | None = None, *, before: int | None = None) -> LogPage:
    """The newest roster changes first, of one class or (for an administrator) of all (one query)."""
    actor = aliased(User)
    query = (
        select(RosterChange, actor, Class)
        .join(Class, Class.id == RosterChange.class_id)
        .outerjoin(actor, actor.id == RosterChange.actor_id)
        .order_by(RosterChange.id.desc())
        .limit(LOG_PAGE + 1)
    )
    if class_id is not None:
        query = query.where(RosterChange.class_id == class_id)
    if before is not None:
        query = query.where(RosterChange.id < before)
    rows = db.session.execute(query).all()
    entries = [LogEntry(change, who, class_) for change, who, class_ in rows[:LOG_PAGE]]
    return LogPage(entries, entries[-1].change.id if len(rows) > LOG_PAGE else None)


# --- assignments --------------------------------------------------------------------------------------


def assignable_quizzes(user: User) -> list[Quiz]:
    """The quizzes an instructor may assign: the shipped ones and their own."""
    return list(
        db.session.scalars(
            select(Quiz).where(Quiz.owner_id.is_(None) | (Quiz.owner_id == user.id)).order_by(Quiz.title, Quiz.id)
        )
    )


def save_assignment(class_: Class, assignment: Assignment | None, quiz: Quiz, values: dict) -> Assignment:
    """Assign `quiz` to the class (or change an assignment) with the given dates and setting overrides."""
    opens, closes = values.get("opens_at"), values.get("closes_at")
    if opens is not None and closes is not None and closes <= opens:
        raise ClassError("The closing time must be after the opening time.")
    if assignment is None:
        last = db.session.scalar(select(func.max(Assignment.position)).where(Assignment.class_id == class_.id))
        assignment = Assignment(class_id=class_.id, quiz_id=quiz.id, position=(last or 0) + 1)
        db.session.add(assignment)
    elif assignment.quiz_id != quiz.id and _has_attempts(assignment):
        raise ClassError("Students have started this assignment, so its quiz can no longer change.")
    assignment.quiz_id = quiz.id
    assignment.quiz = quiz
    for name in OVERRIDE_NAMES:
        setattr(assignment, name, values.get(name))
    db.session.flush()
    return assignment


def _has_attempts(assignment: Assignment) -> bool:
    return bool(db.session.scalar(select(exists().where(Attempt.assignment_id == assignment.id))))


def removable(assignment: Assignment) -> bool:
    """Whether the assignment can be removed: nobody has started it."""
    return not _has_attempts(assignment)


def delete_assignment(assignment: Assignment) -> None:
    """Remove an assignment nobody has started; one with attempts stays (its grades are records)."""
    if _has_attempts(assignment):
        raise ClassError(
            "Students have started this assignment, so it cannot be removed. Close it instead: Close now, on the "
            "class's page."
        )
    db.session.delete(assignment)
    db.session.flush()


def set_excused(assignment: Assignment, user_id: int, excused: bool, actor: User) -> None:
    """Excuse a student from an assignment (the gradebook shows "excused", exports "EX"), or undo it."""
    _student_membership(assignment.class_, user_id)
    current = db.session.get(Excusal, (assignment.id, user_id))
    if excused and current is None:
        db.session.add(
            Excusal(assignment_id=assignment.id, user_id=user_id, excused_by_id=actor.id, excused_at=utcnow())
        )
    elif not excused and current is not None:
        db.session.delete(current)
    db.session.flush()
