"""Home page and /healthz."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from studyapp.domain import home
from studyapp.extensions import db, limiter
from studyapp.models.base import utcnow

bp = Blueprint("main", __name__, template_folder="templates")


@bp.get("/")
def index():
    """Introduce the app to a visitor; show a signed-in student what to do next, an instructor what to look at."""
    if not current_user.is_authenticated:
        return render_template("main/index.html")
    now = utcnow()
    if current_user.is_instructor:
        return render_template("main/instructor.html", home=home.instructor_home(current_user, now), now=now)
    return render_template("main/student.html", home=home.student_home(current_user, now), now=now)


@bp.get("/healthz")
def healthz():
    """Report whether the database and Redis answer, for load balancers and operators.

    503 only when the database does not answer: that instance cannot serve. Redis down is "degraded"
    but 200, since every instance shares it and each keeps serving (rate limits count in memory)."""
    redis = _redis_state()
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:  # the 503 makes the request boundary roll the session back
        return jsonify(status="error", database="unreachable", redis=redis), 503
    return jsonify(status="degraded" if redis == "unreachable" else "ok", database="ok", redis=redis)


def _redis_state() -> str:
    """ "ok", "unreachable", or "not configured" (rate limits then count in each worker's memory)."""
    if not current_app.config.get("RATELIMIT_STORAGE_URI", "").startswith(("redis://", "rediss://")):
        return "not configured"
    return "ok" if limiter.storage.check() else "unreachable"
