"""Who may see what: role checks for views and a safe `next` target."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import abort, session
from flask_login import current_user, login_required, login_user

from studyapp.models import Role

P = ParamSpec("P")
R = TypeVar("R")


def role_required(*roles: Role) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Let signed-in users with one of `roles` through; others get 403, anonymous users the login page."""

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        @login_required
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


instructor_required = role_required(Role.INSTRUCTOR, Role.ADMIN)
admin_required = role_required(Role.ADMIN)


def safe_next(target: str | None) -> str | None:
    """Return `target` only if it is a path on this site (no scheme, no host, no `//` or backslash)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(ch) < 32 for ch in target):
        return None
    return target


def with_query(path: str, **values: object) -> str:
    """`path` with `values` added to its query string."""
    parts = urlsplit(path)
    query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), *((k, str(v)) for k, v in values.items())])
    return urlunsplit(parts._replace(query=query))


#: The session key holding when the session began (it lasts PERMANENT_SESSION_LIFETIME from then).
SIGNED_IN_AT = "signed_in_at"


def start_session(user, now: float) -> None:
    """Drop whatever the old session held, then sign the user in (by password or by an LMS launch)."""
    session.clear()
    session.permanent = True
    session[SIGNED_IN_AT] = int(now)
    login_user(user)
