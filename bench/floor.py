"""The floor: a signed-in page and a write built the naive way from the libraries studyapp uses.

A page of studyapp costs at least what any Flask app pays to show a signed-in page: load the session and
the user (Flask-Login, the user's row through the ORM), make a CSRF token and render a layout with a
navigation. A save costs at least a CSRF-checked POST that updates one row and commits. This app does
exactly that and nothing more, so that `bench/run` can say how far each page of studyapp is above it.

Served by the same gunicorn command as studyapp (`bench.floor:app`), on the same database
(`DATABASE_URL`), in its own table `floor_users` (made and filled by `prepare`, before the servers start).
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask import Flask, jsonify, render_template_string
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()


class FloorUser(UserMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "floor_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(100))
    saves: Mapped[int] = mapped_column(default=0)


LAYOUT = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="csrf-token" content="{{ csrf_token() }}">
  <title>Floor · studyapp</title>
</head>
<body>
  <header>
    <nav aria-label="Main">
      <ul>
        {% for label in links %}<li><a href="/{{ label|lower }}">{{ label }}</a></li>{% endfor %}
      </ul>
    </nav>
    <span>{{ current_user.display_name }}</span>
  </header>
  <main>
    <h1>Foreign Relations of the United States, 1981–1988, Volume III, Document 58</h1>
    <p>Secretary of State Haig's memorandum to President Reagan covers a letter from Leonid Brezhnev and
    reports a conversation with Ambassador Dobrynin, in which the Soviet side rejected linkage and Haig
    replied that linkage was a fact of life. {{ current_user.display_name }} has saved {{ current_user.saves }}
    times.</p>
  </main>
</body>
</html>
"""
LINKS = ("Read", "Quizzes", "Practice", "Progress", "Classes")


def create_app(uri: str | None = None, secret: str | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(
        SQLALCHEMY_DATABASE_URI=uri or os.environ["DATABASE_URL"],
        SECRET_KEY=secret or os.environ["SECRET_KEY"],
        WTF_CSRF_TIME_LIMIT=None,
    )
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 30}}
    db.init_app(app)
    login_manager.init_app(app)
    CSRFProtect(app)

    @login_manager.user_loader
    def load_user(user_id: str) -> FloorUser | None:
        return db.session.get(FloorUser, int(user_id))

    @app.get("/healthz")
    def healthz():
        return "ok"

    @app.get("/signin/<int:user_id>")
    def signin(user_id: int):
        """Sign a benchmark session in as a user (the floor measures pages, not sign-ins)."""
        login_user(db.get_or_404(FloorUser, user_id))
        return "signed in"

    @app.get("/page")
    @login_required
    def page():
        return render_template_string(LAYOUT, links=LINKS)

    @app.post("/write")
    @login_required
    def write():
        current_user.saves += 1
        db.session.commit()
        return jsonify(saved=current_user.saves)

    return app


def prepare(uri: str, count: int) -> list[int]:
    """Make the floor's table on `uri` with `count` users (again: nothing new); return their ids."""
    app = create_app(uri, "prepare")
    with app.app_context():
        db.create_all()
        have = db.session.scalar(sa.select(sa.func.count()).select_from(FloorUser)) or 0
        db.session.add_all(
            FloorUser(email=f"floor{n}@bench.example", display_name=f"Floor Student {n}") for n in range(have, count)
        )
        db.session.commit()
        ids = list(db.session.scalars(sa.select(FloorUser.id).order_by(FloorUser.id).limit(count)))
        db.engine.dispose()
    return ids


app = create_app() if "DATABASE_URL" in os.environ and "SECRET_KEY" in os.environ else None
