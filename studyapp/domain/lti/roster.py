"""Roster sync (LTI Names and Role Provisioning Services): a class's students as its platform course has them.

An instructor asks for it (the class's page, or `flask lti roster`); the platform's member list is read
and, applying the launch rules: a learner the class lacks joins it (their account made on first sight);
a student who came from this platform and is no longer an active learner there leaves the class (their
attempts stay, as with any removal); students who joined here by code are never touched. Teaching
members become co-instructors only if their account here is already an instructor's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import requests
from pylti1p3.exception import LtiException, LtiServiceException
from pylti1p3.names_roles import NamesRolesProvisioningService
from sqlalchemy import select

from studyapp.domain import classes
from studyapp.domain.errors import DomainError
from studyapp.domain.lti import keys, launches, platforms
from studyapp.domain.lti.passback import Connector, http_session
from studyapp.extensions import db
from studyapp.models import Class, LtiContext, LtiUser, Membership, User
from studyapp.models.base import utcnow
from studyapp.models.classes import INSTRUCTOR, STUDENT


class RosterSyncError(DomainError):
    """The platform could not be asked, or refused; nothing changed."""


@dataclass
class SyncReport:
    joined: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    instructors: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    unchanged: int = 0


def fetch_members(context: LtiContext, secret: str) -> list[dict[str, Any]]:
    """The course's members as the platform lists them (every page)."""
    if not context.memberships_url:
        raise RosterSyncError(
            "The platform has not offered this course's member list (Names and Role Provisioning Services): "
            "turn the service on for the tool there, then launch the tool from the course once."
        )
    connector = Connector(platforms.registration(context.platform, secret), requests_session=http_session())
    service = NamesRolesProvisioningService(connector, {"context_memberships_url": context.memberships_url})
    try:
        return [dict(m) for m in service.get_members()]
    except (LtiException, LtiServiceException, requests.RequestException, keys.KeyProblem) as error:
        raise RosterSyncError(f"{context.platform.name} did not give the member list: {error}") from error


def sync(class_: Class, secret: str, *, actor: User | None = None) -> SyncReport:
    """Bring the class's roster in line with its platform course; flushes only."""
    context = launches.context_of_class(class_.id)
    if context is None:
        raise RosterSyncError("This class was not made from a course on a platform, so there is no roster to sync.")
    return apply(class_, context, fetch_members(context, secret), actor=actor)


def apply(
    class_: Class, context: LtiContext, members: list[dict[str, Any]], *, actor: User | None = None
) -> SyncReport:
    """Apply a member list to the class (see the module's rules)."""
    platform = context.platform
    report = SyncReport()
    active: set[str] = set()
    for member in members:
        subject = str(member.get("user_id") or "")
        if not subject or str(member.get("status") or "Active") != "Active":
            continue
        active.add(subject)
        claims = {
            "sub": subject,
            "name": member.get("name"),
            "given_name": member.get("given_name"),
            "family_name": member.get("family_name"),
            "email": member.get("email"),
            launches.CLAIM + "roles": member.get("roles") or [],
        }
        teaching = launches.teaches(claims)
        user = launches.find_account(platform, subject)
        if teaching and user is not None and not user.is_instructor:
            report.skipped.append(f"{user.display_name}: teaches there, but has a student's account here")
            continue
        if teaching and user is None:
            report.skipped.append(f"{member.get('name') or subject}: teaches there; joins on their first launch")
            continue
        user = launches.account_for(platform, claims, teaching, user)
        db.session.flush()
        existing = classes.membership(class_, user)
        if existing is not None and (existing.role == INSTRUCTOR or not teaching):
            report.unchanged += 1
            continue
        launches.enrol(class_, user, teaching)
        (report.instructors if teaching else report.joined).append(user.display_name)
    linked = db.session.execute(
        select(User.id, User.display_name, LtiUser.subject)
        .join(LtiUser, LtiUser.user_id == User.id)
        .join(Membership, Membership.user_id == User.id)
        .where(LtiUser.platform_id == platform.id, Membership.class_id == class_.id, Membership.role == STUDENT)
    ).all()
    for user_id, name, subject in linked:
        if subject not in active:
            classes.remove_student(class_, user_id, actor=actor)
            report.left.append(name)
    context.roster_synced_at = utcnow()
    db.session.flush()
    return report
