"""Home page and /healthz."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from studyapp.extensions import db

bp = Blueprint("main", __name__, template_folder="templates")


@bp.get("/")
def index():
    """Introduce the app and the document it teaches."""
    return render_template("main/index.html")


@bp.get("/healthz")
def healthz():
    """Report whether the database answers, for load balancers and operators."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:  # the 503 makes the request boundary roll the session back
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
