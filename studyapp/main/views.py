"""Home page and /healthz."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from studyapp.domain import home
from studyapp.extensions import db
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
    """Report whether the database answers, for load balancers and operators."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:  # the 503 makes the request boundary roll the session back
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
