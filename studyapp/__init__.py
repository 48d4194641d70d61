"""studyapp: read, quiz and track progress on a primary source."""

from __future__ import annotations

from flask import Flask
from markupsafe import Markup
from werkzeug.middleware.proxy_fix import ProxyFix

from studyapp import config
from studyapp.core.markdown import render as render_markdown
from studyapp.extensions import csrf, db, limiter, login_manager, migrate
from studyapp.web import assets, boundary, converters, errors, formatting, security
from studyapp.web.navigation import nav_links


def create_app(test_config: dict | None = None) -> Flask:
    """Configure the app, bind the extensions and register the blueprints."""
    app = Flask(__name__, instance_relative_config=True)
    config.load(app, test_config)
    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies > 0:  # the client's address and scheme from the proxies' X-Forwarded-For and -Proto
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]

    db.init_app(app)
    migrate.init_app(app, db, directory=app.config.get("MIGRATIONS_DIR", _migrations_dir()))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(_load_user)

    converters.register(app)  # before any route is added: `<int:...>` is bounded to what a column holds
    from studyapp import auth, authoring, classes, lti, main, progress, quiz, reading
    from studyapp.domain import mastery, points  # noqa: F401  (connect their subscribers to the domain's events)
    from studyapp.domain.lti import passback  # noqa: F401  (grade passback subscribes to grading events)

    for blueprint in (main.bp, auth.bp, reading.bp, quiz.bp, progress.bp, authoring.bp, classes.bp, lti.bp):
        app.register_blueprint(blueprint)

    errors.register(app)
    boundary.register(app)
    formatting.register(app)
    security.register(app)
    assets.register(app)
    app.add_template_global(nav_links)
    app.add_template_filter(lambda text, inline=False: Markup(render_markdown(text, inline=inline)), "markdown")

    from studyapp import cli

    cli.register(app)
    return app


def _migrations_dir() -> str:
    from pathlib import Path

    return str(Path(__file__).resolve().parent.parent / "migrations")


def _load_user(user_id: str):
    """Load the user named in the session, if its session token is still current."""
    from studyapp.models import User

    ident, _, token = user_id.partition(":")
    if not ident.isdigit() or not token:
        return None
    user = db.session.get(User, int(ident))
    if user is None or user.session_token != token:
        return None
    return user
