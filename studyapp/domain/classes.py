"""Classes: create them, join them, keep their rosters and co-instructors, assign quizzes, excuse students.

Services take plain data and an explicit actor, flush, and never commit: the request commits once.
Who may see a class is decided here too: `get_class_or_404` for its pages, `can_manage_attempt`
for an attempt started from one of its assignments. A roster change sends `events.member_joined`
or `events.member_left` once it is flushed.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import exists, func, select
from sqlalchemy.orm import joinedload

from studyapp.core.roster import LineError, RosterLine, parse_roster
from studyapp.domain import accounts, events
from studyapp.domain.errors import DomainError, NotFound
from studyapp.extensions import db
from studyapp.models import Assignment, Attempt, Class, Excusal, Membership, Quiz, Role, Section, User
from studyapp.models.base import utcnow
from studyapp.models.classes import INSTRUCTOR, OVERRIDE_NAMES, STUDENT

#: Join codes use capitals and digits that cannot be mistaken for one another (no 0/O, 1/I/L).
JOIN_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 8
#: The password hash of an account a roster import created: no password matches it, so the account
#: cannot sign in until its owner signs up with its email and a join code of one of its classes.
UNSET_PASSWORD = "!roster-import"


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


def update_class(class_: Class, *, name: str, term: str) -> None:
    class_.name, class_.term = name.strip(), (term or "").strip()
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


def regenerate_join_code(class_: Class) -> str:
    """Give the class a new join code; the old code and link stop working at once."""
    class_.join_code = _unused_join_code()
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
    db.session.flush()
    events.member_joined.send(class_, user_id=user.id, role=STUDENT)
    return member


def sign_up(*, email: str, display_name: str, password: str, join_code: str = "") -> User:
    """Create a student account, joining a class when a join code is given.

    An account a roster import created (it has no password yet) is claimed instead: signing up with
    its email and the join code of a class it is on the roster of sets its name and password.
    """
    class_ = class_for_code(join_code) if normalize_code(join_code) else None
    existing = accounts.find_user(email)
    if existing is not None and existing.password_hash == UNSET_PASSWORD:
        member = membership(class_, existing) if class_ is not None else None
        if member is None or member.role != STUDENT:
            raise accounts.AccountError(
                "Your instructor added this email to a class roster. To claim the account, enter the join code "
                "of that class below."
            )
        existing.display_name = display_name.strip()
        accounts.set_password(existing, password)
        return existing
    user = accounts.create_user(email=email, display_name=display_name, password=password)
    if class_ is not None:
        join_class(class_, user)
    return user


# --- the roster -------------------------------------------------------------------------------------


@dataclass
class RosterEntry:
    membership: Membership
    user: User
    section: Section | None

    @property
    def claimed(self) -> bool:
        """False for an account a roster import made that nobody has signed up for yet."""
        return self.user.password_hash != UNSET_PASSWORD


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


def remove_student(class_: Class, user_id: int) -> User:
    """Take a student off the roster; their attempts are kept and come back if they join again."""
    member = _student_membership(class_, user_id)
    user = db.session.get_one(User, user_id)
    db.session.delete(member)
    db.session.flush()
    events.member_left.send(class_, user_id=user.id)
    return user


def set_section(class_: Class, user_id: int, section_id: int | None) -> None:
    member = _student_membership(class_, user_id)
    if section_id is not None and not db.session.scalar(
        select(exists().where(Section.id == section_id, Section.class_id == class_.id))
    ):
        raise ClassError("That section is not one of this class's.")
    member.section_id = section_id
    db.session.flush()


def add_co_instructor(class_: Class, email: str) -> User:
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
    db.session.flush()
    events.member_joined.send(class_, user_id=user.id, role=INSTRUCTOR)
    return user


def remove_co_instructor(class_: Class, user_id: int) -> User:
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
    db.session.flush()
    events.member_left.send(class_, user_id=user.id)
    return user


# --- roster import -----------------------------------------------------------------------------------

NEW_ACCOUNT, ADD_EXISTING, ALREADY_IN_CLASS = "new account", "existing account", "already in the class"


@dataclass
class PlannedStudent:
    line: RosterLine
    #: NEW_ACCOUNT, ADD_EXISTING or ALREADY_IN_CLASS
    action: str
    #: The name the account already has, when it differs from the file's.
    account_name: str | None = None


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
    """Check a roster file against the class without changing anything (three queries)."""
    parsed = parse_roster(data)
    plan = RosterPlan(errors=list(parsed.errors))
    if not parsed.lines and not parsed.errors:
        plan.errors.append(LineError(0, "The file has a header row but no students."))
    emails = [line.email for line in parsed.lines]
    users = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(emails)))} if emails else {}
    roles = dict(
        db.session.execute(select(Membership.user_id, Membership.role).where(Membership.class_id == class_.id)).all()
    )
    sections = {s.name.casefold() for s in db.session.scalars(select(Section).where(Section.class_id == class_.id))}
    for line in parsed.lines:
        user = users.get(line.email)
        role = roles.get(user.id) if user is not None else None
        if role == INSTRUCTOR:
            plan.errors.append(
                LineError(line.line, f"{line.email} teaches this class; a teacher cannot also be one of its students.")
            )
            continue
        action = NEW_ACCOUNT if user is None else (ALREADY_IN_CLASS if role == STUDENT else ADD_EXISTING)
        other_name = user.display_name if user is not None and user.display_name != line.name else None
        plan.students.append(PlannedStudent(line, action, other_name))
        if line.section and line.section.casefold() not in sections:
            sections.add(line.section.casefold())
            plan.new_sections.append(line.section)
    plan.errors.sort(key=lambda e: e.line)
    return plan


def import_roster(class_: Class, data: bytes | str) -> RosterPlan:
    """Apply a roster file, all or nothing: if any line has a problem, nothing changes.

    New emails get a student account with no usable password (see `sign_up`); existing accounts
    join the class; students already in it move to the section the file gives (a blank section
    leaves theirs as it is). Names of existing accounts are not changed.
    """
    plan = plan_roster_import(class_, data)
    if not plan.ok:
        return plan
    add_sections(class_, plan.new_sections)
    sections = {
        s.name.casefold(): s.id for s in db.session.scalars(select(Section).where(Section.class_id == class_.id))
    }
    emails = [s.line.email for s in plan.students]
    users = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(emails)))}
    members = {m.user_id: m for m in db.session.scalars(select(Membership).where(Membership.class_id == class_.id))}
    joined: list[User] = []
    for planned in plan.students:
        line = planned.line
        section_id = sections.get(line.section.casefold()) if line.section else None
        user = users.get(line.email)
        if user is None:
            user = User(email=line.email, display_name=line.name, password_hash=UNSET_PASSWORD, role=Role.STUDENT)
            db.session.add(user)
            db.session.flush()
        member = members.get(user.id)
        if member is None:
            db.session.add(Membership(class_id=class_.id, user_id=user.id, role=STUDENT, section_id=section_id))
            joined.append(user)
        elif section_id is not None:
            member.section_id = section_id
    db.session.flush()
    for student in joined:
        events.member_joined.send(class_, user_id=student.id, role=STUDENT)
    return plan


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


def delete_assignment(assignment: Assignment) -> None:
    """Remove an assignment nobody has started; one with attempts stays (its grades are records)."""
    if _has_attempts(assignment):
        raise ClassError("Students have started this assignment, so it cannot be removed. Set a closing time instead.")
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
