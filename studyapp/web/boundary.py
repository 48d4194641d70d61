"""The request boundary: one transaction per request, and one way a refused request is answered.

A request that ends with a status below 400 commits once, here; any other ending (an error
page, a form sent back with its errors, an exception, a domain error) rolls everything back.
Views never commit or roll back themselves. A view that wants a refused request to land on
a particular page calls `refuse` (HTML) or `refuse_json` (scripts); a `DomainError` a view
does not catch gets the same treatment from the error handler below. What must happen only
once the request's changes are saved (mailing a reset link) is handed to `after_commit`.

The one deliberate exception to "no writes on GET": pages that show an attempt or the quiz
list submit attempts whose time ran out (lazy finalization). The write commits with the GET
like any other, so a student never sees an expired attempt still open.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response, abort, flash, g, jsonify, redirect, request
from werkzeug.wrappers import Response as BaseResponse

from studyapp.domain.errors import DomainError
from studyapp.extensions import finish
from studyapp.web.access import safe_next
from studyapp.web.errors import render_error, wants_json


def refuse(error: DomainError, target: str, category: str = "error") -> BaseResponse:
    """Answer a refused request from a form: undo it, flash the message, go to `target`."""
    g.refused = True
    flash(error.message, category)
    return redirect(target)


def refuse_json(error: DomainError) -> tuple[Response, int]:
    """Answer a refused request from a script: undo it and say why, as JSON with the error's status."""
    g.refused = True
    return jsonify(ok=False, error=error.message, **error.details), error.status


def _domain_error(error: DomainError) -> BaseResponse | tuple[Response, int] | tuple[str, int]:
    """Answer a domain error no view caught: back to the page the form was on, or an error page."""
    if error.status in (403, 404):
        return render_error(error.status)
    if wants_json():
        return refuse_json(error)
    back = safe_next(_same_site_path(request.referrer))
    if back and request.method != "GET":
        return refuse(error, back)
    g.refused = True
    return render_error(error.status, error.message)


def _same_site_path(referrer: str | None) -> str | None:
    """The path (and query) of a referrer on this site, or None."""
    if not referrer or not referrer.startswith(request.host_url):
        return None
    return "/" + referrer[len(request.host_url) :]


def _refuse_nul_characters() -> None:
    """Refuse a request whose fields hold a NUL character: no database stores one in text, so say so up front."""
    for fields in (request.args, request.form):
        for name, value in fields.items(multi=True):
            if "\x00" in name or "\x00" in value:
                abort(400, description=f"The field {name!r} holds a NUL character (\\x00), which cannot be stored.")


def after_commit(action: Callable[[], None]) -> None:
    """Run `action` once this request's transaction has committed, and never if it rolls back: for what
    must not happen unless the change is saved, such as mailing a reset link. It runs before the response
    is sent; an action that may be slow hands its work to a thread, and one that may fail catches its errors."""
    g.setdefault("after_commit", []).append(action)


def _end_transaction(response: BaseResponse) -> BaseResponse:
    """Commit a request that succeeded, then run its after-commit actions; roll back one that was refused or failed."""
    ok = response.status_code < 400 and not g.pop("refused", False)
    finish(ok)
    for action in g.pop("after_commit", []) if ok else ():
        action()
    return response


def _abandon_transaction(error: BaseException | None) -> None:
    """Roll back a request that raised before it produced a response (its after_request never ran)."""
    if error is not None:
        finish(False)


def register(app: Flask) -> None:
    """Install the boundary on the app."""
    app.register_error_handler(DomainError, _domain_error)
    app.before_request(_refuse_nul_characters)
    app.after_request(_end_transaction)
    app.teardown_request(_abandon_transaction)
