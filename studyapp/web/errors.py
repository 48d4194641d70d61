"""Error pages in the site's layout, for HTML and for JSON clients."""

from __future__ import annotations

import math
import time

from flask import Flask, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from studyapp.extensions import limiter

MESSAGES = {
    400: ("Bad request", "The request could not be understood. Go back, reload the page and try again."),
    403: ("Not allowed", "Your account does not have access to this page."),
    404: ("Not found", "There is nothing at this address. It may have moved, or the link may be wrong."),
    405: ("Not allowed", "This address does not accept that kind of request."),
    413: ("Too large", "What you sent is larger than this site accepts."),
    429: ("Too many attempts", "Too many attempts in a short time. Wait a minute, then try again."),
    500: ("Something went wrong", "The server hit an error. Nothing you submitted was half-saved; try again."),
}


def wants_json() -> bool:
    """Tell whether the client asked for JSON rather than a page."""
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return request.is_json or best == "application/json"


def render_error(code: int, detail: str | None = None) -> tuple[Response, int] | tuple[str, int]:
    """Answer with the error page (or a JSON body for scripts) for an HTTP status."""
    title, message = MESSAGES.get(code, (f"Error {code}", "The request could not be completed."))
    message = detail or message
    if wants_json():
        return jsonify(error=title, message=message), code
    return render_template("errors/error.html", code=code, title=title, message=message), code


def too_many() -> str:
    """Say how long to wait before the limit that was reached allows one more request, not a guess."""
    limit = limiter.current_limit
    seconds = max(1, math.ceil(limit.reset_at - time.time())) if limit is not None else 60
    return f"Too many attempts in a short time. Try again in {wait(seconds)}."


def wait(seconds: int) -> str:
    """A wait in words: "45 seconds", "12 minutes", "3 hours"."""
    if seconds <= 120:
        amount, unit = seconds, "second"
    elif seconds <= 120 * 60:
        amount, unit = round(seconds / 60), "minute"
    else:
        amount, unit = round(seconds / 3600), "hour"
    return f"{amount} {unit}{'' if amount == 1 else 's'}"


def register(app: Flask) -> None:
    """Install the handlers on the app."""

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[Response, int] | tuple[str, int]:
        return render_error(400, "This form has expired or did not come from this site. Reload the page and try again.")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[Response, int] | tuple[str, int]:
        detail = None
        if error.code == 400 and error.description and error.description != type(error).description:
            detail = error.description
        elif error.code == 429:
            detail = too_many()
        return render_error(error.code or 500, detail)

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError) -> tuple[Response, int] | tuple[str, int]:
        return render_error(500)
