"""Security headers on every response (errors and downloads included); no caching of signed-in pages."""

from __future__ import annotations

from flask import Flask, g, request, session
from flask_login import current_user
from werkzeug.wrappers import Response

from studyapp.web.assets import is_static

#: The session key holding the origins of the platform whose frame shows this session (set by an LTI launch).
FRAME_ORIGINS = "lti_frame_origins"


def policy(*, frame_ancestors: list[str] | tuple[str, ...] = (), form_action: list[str] | tuple[str, ...] = ()) -> str:
    """The Content-Security-Policy: everything from this site only; framing only by the given origins
    (an LMS this session was launched from), forms posting only here (or to the given origins)."""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            " ".join(["form-action 'self'", *form_action]),
            "object-src 'none'",
            "base-uri 'none'",
            " ".join(["frame-ancestors", *frame_ancestors]) if frame_ancestors else "frame-ancestors 'none'",
        ]
    )


CSP = policy()


def register(app: Flask) -> None:
    """Add the headers after each request."""

    @app.after_request
    def headers(response: Response) -> Response:
        static = is_static(request.endpoint)
        framers = g.get("frame_ancestors") or (() if static else session.get(FRAME_ORIGINS)) or ()
        form_action = g.get("form_action") or ()
        if framers or form_action:
            response.headers.setdefault(
                "Content-Security-Policy", policy(frame_ancestors=framers, form_action=form_action)
            )
        else:
            response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        if not framers:
            response.headers["X-Frame-Options"] = "DENY"
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if not static and current_user and current_user.is_authenticated:
            # A signed-in page stays out of every cache: on a shared classroom computer, the browser's
            # back button or cache must not show the next person someone else's grades.
            response.headers["Cache-Control"] = "no-store"
        if app.config.get("SECURE_HEADERS_HSTS"):
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        return response
