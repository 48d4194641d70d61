"""The main navigation: one list, filtered by who is signed in and which features exist."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request, url_for
from flask_login import AnonymousUserMixin, current_user

from studyapp.models import User


def _anyone(user: User | AnonymousUserMixin) -> bool:
    return True


def _signed_in(user: User | AnonymousUserMixin) -> bool:
    return user.is_authenticated


def _student(user: User | AnonymousUserMixin) -> bool:
    return user.is_authenticated and not user.is_instructor


def _instructor(user: User | AnonymousUserMixin) -> bool:
    return user.is_authenticated and user.is_instructor


def _admin(user: User | AnonymousUserMixin) -> bool:
    return user.is_authenticated and user.is_admin


#: (endpoint, label, who sees it). Links to features that are not installed are left out.
NAV = (
    ("reading.index", "Read", _anyone),
    ("reading.claims", "Claim & source", _anyone),
    ("quiz.index", "Quizzes", _signed_in),
    ("progress.dashboard", "Progress", _student),
    ("classes.index", "Classes", _signed_in),
    ("authoring.bank", "Question bank", _instructor),
    ("quiz.grading_queue", "Grading", _instructor),
    ("auth.users", "Accounts", _admin),
    ("lti.platforms", "LMS platforms", _admin),
)


@dataclass(frozen=True)
class NavLink:
    url: str
    label: str
    current: bool


def nav_links() -> list[NavLink]:
    """Return the links this user may follow, marking the current section."""
    links: list[NavLink] = []
    for endpoint, label, visible in NAV:
        if endpoint in current_app.view_functions and visible(current_user):
            current = request.endpoint == endpoint
            links.append(NavLink(url_for(endpoint), label, current))
    return links
