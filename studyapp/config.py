"""Configuration: defaults here; environment variables and instance/config.py override."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from flask import Flask


def instance_secret_key(instance_path: str) -> str:
    """Return the key kept in instance/secret_key, creating it (mode 0600) on first run."""
    path = Path(instance_path) / "secret_key"
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker wrote it first
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key)
    return key


def database_url(instance_path: str) -> str:
    """Use DATABASE_URL, else a SQLite file under instance/; accept postgres:// spellings."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{Path(instance_path) / 'studyapp.sqlite3'}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    """Settings shared by every environment."""

    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict[str, Any]] = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    #: The 12 hours run from sign-in: the cookie is not signed and sent again with every response, and the
    #: sign-in time kept in the session ends it even when a flashed message re-signs the cookie.
    SESSION_REFRESH_EACH_REQUEST = False
    #: A CSRF token lives as long as the session: a student may sit on one quiz page for hours.
    WTF_CSRF_TIME_LIMIT = None
    WTF_CSRF_SSL_STRICT = True
    MAX_CONTENT_LENGTH = 6 * 1024 * 1024
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_STRATEGY = "moving-window"
    #: If Redis is down, count in this process's memory instead of answering 500 to every sign-in and save.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    #: A Redis that hangs costs a request at most a second before the fallback takes over.
    RATELIMIT_STORAGE_OPTIONS: ClassVar[dict[str, Any]] = {"socket_connect_timeout": 1, "socket_timeout": 1}
    #: Failed sign-ins allowed before 429, each in several windows so that a guesser waits longer and
    #: longer (docs/accounts.md). A right password is never refused for other people's failures: a browser
    #: that has signed in to the account before counts only its own (LOGIN_LIMIT_DEVICE); any other browser
    #: counts failures for the account from its address, for the account from everywhere, and from its address.
    LOGIN_LIMIT_DEVICE = "5 per 5 minutes; 10 per hour; 20 per day"
    LOGIN_LIMIT_PAIR = "5 per 5 minutes; 10 per hour; 20 per day"
    LOGIN_LIMIT_ACCOUNT = "10 per 5 minutes; 20 per hour; 100 per day"
    LOGIN_LIMIT_ADDRESS = "50 per 5 minutes; 200 per hour"
    #: How long a browser is remembered as one an account signed in from.
    SIGNIN_DEVICE_DAYS = 180
    #: Wrong current passwords allowed per account on the account page before 429.
    ACCOUNT_PASSWORD_LIMIT = "5 per 5 minutes; 10 per hour; 20 per day"
    #: How many reverse proxies in front of the app set X-Forwarded-For and X-Forwarded-Proto (0: none, the
    #: client's address is the connection's). Set it to the real number: more lets clients forge their address.
    TRUSTED_PROXIES = 0
    #: Sign-ups per address without a valid class code, and per class and address with one: a class of 40
    #: behind one school address joins at once, while mass sign-up without a code stays slow.
    SIGNUP_LIMIT = "10 per hour"
    SIGNUP_LIMIT_WITH_CODE = "60 per hour; 300 per day"
    #: Account recovery (docs/accounts.md, "Account recovery"): how long a code an instructor or an administrator
    #: issues works, and how long a mailed link works.
    RESET_CODE_HOURS = 48
    RESET_LINK_MINUTES = 60
    #: Failed redemptions of reset codes and links allowed, per address and per email, before 429 (only failures count).
    RESET_LIMIT_ADDRESS = "20 per 5 minutes; 50 per hour"
    RESET_LIMIT_EMAIL = "10 per 5 minutes; 20 per hour; 50 per day"
    #: Reset links asked for, per address and per email (every request counts: each may send a mail).
    FORGOT_LIMIT_ADDRESS = "5 per 5 minutes; 20 per hour"
    FORGOT_LIMIT_EMAIL = "3 per hour; 10 per day"
    #: Reset codes one instructor or administrator may issue.
    RESET_ISSUE_LIMIT = "60 per hour; 200 per day"
    #: Mail, for reset links: off while MAIL_SERVER or PUBLIC_URL is empty (students then ask a person for a
    #: reset code). STARTTLS on the submission port by default; MAIL_USE_SSL for implicit TLS (port 465).
    MAIL_SERVER = ""
    MAIL_PORT = 587
    MAIL_USE_STARTTLS = True
    MAIL_USE_SSL = False
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""
    #: The From address of the mail the app sends (MAIL_USERNAME when empty).
    MAIL_SENDER = ""
    #: Seconds to wait for the mail server before giving up (the mail is sent after the answer, never holding it).
    MAIL_TIMEOUT = 10
    #: The scheme and host students use (https://studyapp.school.example): links in mail are built on it, never
    #: on the Host header of the request that asked for them (which anyone can forge).
    PUBLIC_URL = ""
    SECURE_HEADERS_HSTS = False
    #: How grade passback scores are sent once their transaction commits: "thread" (in the background, so a
    #: slow platform never holds a student's submission), "inline" (before the answer: tests), or "off"
    #: (only `flask lti sync` sends them).
    LTI_SEND_SCORES = "thread"
    #: Seconds between the background passes each gunicorn worker runs (studyapp.ops.jobs, started by
    #: deploy/gunicorn.conf.py): expired timed attempts are submitted, waiting grades sent. 0 turns them off
    #: (cron then runs `flask attempts finalize` and `flask lti sync`).
    BACKGROUND_INTERVAL = 60
    #: Whether a platform may be registered with http:// addresses (a local test LMS); never in production.
    LTI_ALLOW_HTTP = True
    #: Where `flask content load` and the question import read from.
    CONTENT_DIR = str(Path(__file__).resolve().parent.parent / "content")


class ProductionConfig(Config):
    """Secure cookies and HSTS: the app sits behind HTTPS."""

    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    SECURE_HEADERS_HSTS = True
    LTI_ALLOW_HTTP = False


def load(app: Flask, test_config: Mapping[str, Any] | None) -> None:
    """Fill app.config: class defaults, then instance/config.py, then the environment."""
    env = os.environ.get("STUDYAPP_ENV", "development")
    app.config.from_object(ProductionConfig if env == "production" else Config)
    app.config["ENV_NAME"] = env
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("STUDYAPP")
    if test_config:
        app.config.update(test_config)
    app.config.setdefault("SQLALCHEMY_DATABASE_URI", database_url(app.instance_path))
    if os.environ.get("SECRET_KEY"):
        app.config.setdefault("SECRET_KEY", os.environ["SECRET_KEY"])
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(app.instance_path)
    redis_url = os.environ.get("REDIS_URL")
    app.config.setdefault("RATELIMIT_STORAGE_URI", redis_url or "memory://")
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
            "connect_args": {"timeout": 30, "check_same_thread": False},
        }
