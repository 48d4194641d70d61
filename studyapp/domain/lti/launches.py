"""What a verified launch may do here: who it signs in, which class and role it gives, where it lands.

pylti1p3 has checked the token (signature, issuer, audience, expiry, nonce, deployment) before
anything here runs. These rules then decide, and a refusal leaves the database as it was:

- A person is found by (platform, subject), never by email: a platform cannot take over an account
  by asserting its address. A new person's account gets the platform's name, and its email when
  that address is free here (else a private placeholder). Such an account has no password.
- A launch never raises an account's site role. Someone whose account here is a student's and who
  arrives as an instructor (of another course, typically one they created themselves) is refused:
  an administrator makes the account an instructor's first. A first launch as an instructor
  creates an instructor's account: the platform's administrator installed the tool and vouches
  for its instructors.
- A course becomes a class the first time an instructor launches from it; that instructor owns it,
  later ones become co-instructors. Learners join it as students.
- A link lands on its assignment only if the assignment belongs to the link's course's class (a link
  copied into another course, or a custom parameter edited by hand, is refused).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select

from studyapp.domain import accounts, classes
from studyapp.domain.errors import DomainError
from studyapp.extensions import db
from studyapp.models import (
    Assignment,
    Class,
    Document,
    LtiContext,
    LtiPlatform,
    LtiResourceLink,
    LtiTicket,
    LtiUser,
    Membership,
    Passage,
    Role,
    User,
)
from studyapp.models.base import utcnow
from studyapp.models.classes import INSTRUCTOR

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
#: Context roles that teach (LIS vocabulary, full and short forms); any other role takes the class as a student.
TEACHING_ROLES = frozenset(
    {
        "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",
        "http://purl.imsglobal.org/vocab/lis/v2/membership#ContentDeveloper",
        "http://purl.imsglobal.org/vocab/lis/v2/membership#Administrator",
        "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant",
        "Instructor",
        "ContentDeveloper",
        "Administrator",
        "TeachingAssistant",
    }
)
#: Custom parameters a deep-linked content item carries, naming what it opens.
CUSTOM_ASSIGNMENT = "studyapp_assignment"
CUSTOM_READING = "studyapp_reading"
TICKET_LIFETIME = timedelta(minutes=5)
PLACEHOLDER_DOMAIN = "lti.invalid"


class LaunchRefused(DomainError):
    """A verified launch these rules refuse; the message is shown on the refusal page."""

    status = 403


@dataclass(frozen=True)
class Landing:
    """Where a launch goes: an assignment, a reading, a class, or the deep-linking picker."""

    kind: str  # "assignment", "passage", "document", "class", "home", "deep_link"
    user: User
    class_: Class | None = None
    assignment_id: int | None = None
    slug: str | None = None
    instructor: bool = False


def teaches(claims: dict[str, Any]) -> bool:
    """Whether the launch's context roles include a teaching one."""
    return any(role in TEACHING_ROLES for role in claims.get(CLAIM + "roles") or [])


def accept(platform: LtiPlatform, claims: dict[str, Any], *, now: datetime | None = None) -> Landing:
    """Sign the launch's person in here (finding or creating them), put them in its course's class, and say
    where it lands. Raises LaunchRefused, having changed nothing, when the rules above refuse it."""
    now = now or utcnow()
    subject = claims.get("sub")
    if not subject or not isinstance(subject, str):
        raise LaunchRefused(
            "The platform launched this tool without a user (an anonymous launch): sign in there first."
        )
    instructor = teaches(claims)
    message_type = claims.get(CLAIM + "message_type")
    context_claim = claims.get(CLAIM + "context") or {}
    context_id = context_claim.get("id") if isinstance(context_claim, dict) else None
    deployment_id = str(claims.get(CLAIM + "deployment_id") or "")
    if message_type == "LtiDeepLinkingRequest" and not instructor:
        raise LaunchRefused("Only a course's instructors can add this tool's quizzes and readings to it.")

    user = find_account(platform, subject)
    if user is not None and instructor and not user.is_instructor:
        raise LaunchRefused(
            f"{platform.name} says you teach “{context_claim.get('title') or context_id}”, but your account here is a "
            "student's. A launch cannot change that: ask an administrator of this site to make your account an "
            "instructor's, then launch again."
        )
    context = _context(platform, context_id) if context_id else None
    if context is None and context_id and not instructor and message_type == "LtiResourceLinkRequest":
        resource = _custom(claims)
        if resource.get(CUSTOM_ASSIGNMENT):
            raise LaunchRefused(
                "Your instructor has not opened this course in the tool yet, so its quizzes are not ready. "
                "Try again once they have."
            )
    landing_target = _resolve_target(platform, claims, context)

    # Every check has passed: from here on, create and update.
    user = account_for(platform, claims, instructor, user)
    user.last_login_at = now
    if context_id:
        if context is None and instructor:
            created = classes.create_class(user, name=_course_name(context_claim), term="")
            context = LtiContext(
                platform_id=platform.id, context_id=context_id, deployment_id=deployment_id, class_id=created.id
            )
            db.session.add(context)
        if context is not None:
            _remember_services(context, claims, deployment_id)
            enrol(db.session.get_one(Class, context.class_id), user, instructor)
    db.session.flush()
    class_ = db.session.get(Class, context.class_id) if context is not None else None
    if message_type == "LtiDeepLinkingRequest":
        if class_ is None:
            raise LaunchRefused("Add this tool from inside a course: the platform sent no course with the request.")
        return Landing("deep_link", user, class_, instructor=True)
    kind, value = landing_target
    if kind == "assignment" and context is not None:
        _remember_link(platform, context, claims, assignment_id=int(value))
        return Landing("assignment", user, class_, assignment_id=int(value), instructor=instructor)
    if kind in ("passage", "document"):
        if context is not None:
            _remember_link(platform, context, claims, reading=f"{kind}/{value}")
        return Landing(kind, user, class_, slug=str(value), instructor=instructor)
    if class_ is not None:
        return Landing("class", user, class_, instructor=instructor)
    return Landing("home", user, instructor=instructor)


def _context(platform: LtiPlatform, context_id: str) -> LtiContext | None:
    return db.session.scalar(
        select(LtiContext).where(LtiContext.platform_id == platform.id, LtiContext.context_id == context_id)
    )


def _custom(claims: dict[str, Any]) -> dict[str, Any]:
    custom = claims.get(CLAIM + "custom") or {}
    return custom if isinstance(custom, dict) else {}


def _resolve_target(platform: LtiPlatform, claims: dict[str, Any], context: LtiContext | None) -> tuple[str, Any]:
    """What the launch's link opens: from the link already seen, else from its custom parameters (checked)."""
    resource = claims.get(CLAIM + "resource_link") or {}
    link_id = resource.get("id") if isinstance(resource, dict) else None
    if link_id:
        known = db.session.scalar(
            select(LtiResourceLink).where(
                LtiResourceLink.platform_id == platform.id, LtiResourceLink.resource_link_id == link_id
            )
        )
        if known is not None:
            if context is None or known.context_pk != context.id:
                raise LaunchRefused(
                    "This link belongs to another course on the platform than the one it was opened from."
                )
            if known.assignment_id is not None:
                return ("assignment", known.assignment_id)
            if known.reading:
                kind, _, slug = known.reading.partition("/")
                return (kind, slug)
    custom = _custom(claims)
    assignment = str(custom.get(CUSTOM_ASSIGNMENT) or "").strip()
    if assignment:
        found = db.session.get(Assignment, int(assignment)) if assignment.isdigit() else None
        if found is None or context is None or found.class_id != context.class_id:
            raise LaunchRefused(
                "This link points to a quiz of another course (it may have been copied with the course). "
                "An instructor can add the quiz to this course with the platform's “add external tool”."
            )
        return ("assignment", found.id)
    reading = str(custom.get(CUSTOM_READING) or "").strip()
    if reading:
        kind, _, slug = reading.partition("/")
        model = {"passage": Passage, "document": Document}.get(kind)
        if model is None or db.session.scalar(select(model.id).where(model.slug == slug)) is None:  # type: ignore[attr-defined]
            raise LaunchRefused(f"This link opens a reading this site does not have ({reading}).")
        return (kind, slug)
    return ("none", None)


def _placeholder_email(platform: LtiPlatform, subject: str) -> str:
    digest = hashlib.sha256(f"{platform.issuer}\x00{subject}".encode()).hexdigest()[:20]
    return f"lti-{platform.id}-{digest}@{PLACEHOLDER_DOMAIN}"


def _name(claims: dict[str, Any]) -> str:
    name = str(claims.get("name") or "").strip()
    if not name:
        name = " ".join(str(claims.get(k) or "").strip() for k in ("given_name", "family_name")).strip()
    return name[:100] or "Learner"


def _free_email(claims: dict[str, Any]) -> str | None:
    email = str(claims.get("email") or "").strip()
    if not email or len(email) > 254 or "@" not in email:
        return None
    email = accounts.normalize_email(email)
    return email if accounts.find_user(email) is None else None


def find_account(platform: LtiPlatform, subject: str) -> User | None:
    """The account a platform's person signs in as, if they have come before."""
    return db.session.scalar(
        select(User)
        .join(LtiUser, LtiUser.user_id == User.id)
        .where(LtiUser.platform_id == platform.id, LtiUser.subject == subject)
    )


def account_for(platform: LtiPlatform, claims: dict[str, Any], instructor: bool, user: User | None = None) -> User:
    """The person's account (`user`, when already found), created and linked on first sight, else refreshed."""
    if user is None:
        user = _new_user(platform, claims, instructor)
        db.session.add(LtiUser(platform_id=platform.id, subject=claims["sub"], user_id=user.id))
    else:
        _refresh_user(user, claims)
    return user


def _new_user(platform: LtiPlatform, claims: dict[str, Any], instructor: bool) -> User:
    user = User(
        email=_free_email(claims) or _placeholder_email(platform, claims["sub"]),
        display_name=_name(claims),
        password_hash="!lti",  # no password: this account signs in through its platform only
        role=Role.INSTRUCTOR if instructor else Role.STUDENT,
    )
    db.session.add(user)
    db.session.flush()
    return user


def _refresh_user(user: User, claims: dict[str, Any]) -> None:
    """Take a changed name, and a real email in place of a placeholder, from the platform."""
    if claims.get("name") or claims.get("given_name"):
        user.display_name = _name(claims)
    if user.email.endswith("@" + PLACEHOLDER_DOMAIN):
        email = _free_email(claims)
        if email:
            user.email = email


def _course_name(context_claim: dict[str, Any]) -> str:
    return str(context_claim.get("title") or context_claim.get("label") or context_claim.get("id"))[:200]


def _remember_services(context: LtiContext, claims: dict[str, Any], deployment_id: str) -> None:
    ags = claims.get(AGS_CLAIM)
    if isinstance(ags, dict) and ags.get("lineitems"):
        context.ags = {"scope": list(ags.get("scope") or []), "lineitems": ags["lineitems"]}
    nrps = claims.get(NRPS_CLAIM)
    if isinstance(nrps, dict) and nrps.get("context_memberships_url"):
        context.memberships_url = nrps["context_memberships_url"]
    context.deployment_id = deployment_id or context.deployment_id


def enrol(class_: Class, user: User, instructor: bool) -> None:
    member = classes.membership(class_, user)
    if instructor:
        if member is None:
            db.session.add(Membership(class_id=class_.id, user_id=user.id, role=INSTRUCTOR))
        elif member.role != INSTRUCTOR:
            member.role = INSTRUCTOR
    elif member is None:
        classes.join_class(class_, user)


def _remember_link(
    platform: LtiPlatform,
    context: LtiContext,
    claims: dict[str, Any],
    *,
    assignment_id: int | None = None,
    reading: str | None = None,
) -> None:
    resource = claims.get(CLAIM + "resource_link") or {}
    link_id = resource.get("id") if isinstance(resource, dict) else None
    if not link_id:
        return
    link = db.session.scalar(
        select(LtiResourceLink).where(
            LtiResourceLink.platform_id == platform.id, LtiResourceLink.resource_link_id == link_id
        )
    )
    if link is None:
        link = LtiResourceLink(platform_id=platform.id, resource_link_id=link_id, context_pk=context.id)
        db.session.add(link)
    link.assignment_id, link.reading = assignment_id, reading
    ags = claims.get(AGS_CLAIM)
    if isinstance(ags, dict) and ags.get("lineitem"):
        link.lineitem_url = ags["lineitem"]


def context_of_class(class_id: int) -> LtiContext | None:
    """The platform course a class came from, if any."""
    return db.session.scalar(select(LtiContext).where(LtiContext.class_id == class_id).limit(1))


# --- the one-time ticket from a launch to its page --------------------------------------------------------------


def _digest(ticket: str) -> str:
    return hashlib.sha256(ticket.encode()).hexdigest()


def issue_ticket(user: User, platform: LtiPlatform, target: str, *, now: datetime | None = None) -> str:
    """A single-use pass to `target` as `user`, valid for a few minutes (only its digest is stored)."""
    now = now or utcnow()
    db.session.execute(delete(LtiTicket).where(LtiTicket.expires_at <= now))
    ticket = secrets.token_urlsafe(24)
    db.session.add(
        LtiTicket(
            digest=_digest(ticket),
            user_id=user.id,
            platform_id=platform.id,
            target=target,
            expires_at=now + TICKET_LIFETIME,
        )
    )
    db.session.flush()
    return ticket


def peek_ticket(ticket: str, *, now: datetime | None = None) -> LtiTicket | None:
    """The ticket's row if it is valid and unused, without using it."""
    row = db.session.get(LtiTicket, _digest(ticket))
    if row is None or row.expires_at <= (now or utcnow()):
        return None
    return row


def redeem_ticket(ticket: str, *, now: datetime | None = None) -> tuple[User, str] | None:
    """Use a ticket up: its user and target, or None if it is unknown, used or expired."""
    row = peek_ticket(ticket, now=now)
    if row is None:
        return None
    taken = db.session.execute(delete(LtiTicket).where(LtiTicket.digest == row.digest))
    if not taken.rowcount:  # type: ignore[attr-defined]
        return None
    user = db.session.get(User, row.user_id)
    return (user, row.target) if user is not None else None
