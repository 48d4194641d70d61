"""Mail over SMTP with the standard library, sent once the request's transaction has committed.

Mail is on when MAIL_SERVER and PUBLIC_URL are set (docs/accounts.md, "Account recovery"). A message is handed to a
thread after the commit, so the answer never waits for the mail server: a request that sends mail
takes as long as one that does not (a reset link asked for an email without an account sends
nothing), and a mail server that is slow or down costs the request nothing. A failure is logged,
never shown: whoever asked gets the same answer either way.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from flask import current_app, url_for

from studyapp.web.boundary import after_commit

log = logging.getLogger(__name__)

#: Threads still sending, so that `wait_for_mail` can join them (tests, and a worker shutting down).
_sending: set[threading.Thread] = set()
_sending_lock = threading.Lock()


@dataclass(frozen=True)
class MailSettings:
    """Where and how to send: read from the app's config while a request runs, used in another thread."""

    server: str
    port: int
    starttls: bool
    ssl: bool
    username: str
    password: str
    sender: str
    timeout: float

    @classmethod
    def from_config(cls, config: Any) -> MailSettings:
        # Settings from the environment are parsed as JSON: a password of digits arrives as a number.
        username = str(config.get("MAIL_USERNAME") or "")
        return cls(
            server=str(config["MAIL_SERVER"]),
            port=int(config["MAIL_PORT"]),
            starttls=bool(config["MAIL_USE_STARTTLS"]),
            ssl=bool(config["MAIL_USE_SSL"]),
            username=username,
            password=str(config.get("MAIL_PASSWORD") or ""),
            sender=str(config.get("MAIL_SENDER") or username),
            timeout=float(config["MAIL_TIMEOUT"]),
        )


def mail_enabled() -> bool:
    """Tell whether the app sends mail: MAIL_SERVER and PUBLIC_URL (what links in mail are built on) are set."""
    return bool(current_app.config.get("MAIL_SERVER")) and bool(current_app.config.get("PUBLIC_URL"))


def link(endpoint: str, **values: Any) -> str:
    """An absolute URL for a mail, on PUBLIC_URL: never on the request's Host header, which a visitor chooses
    (a reset link built on it could send its owner, and the secret, to another site)."""
    return str(current_app.config["PUBLIC_URL"]).rstrip("/") + url_for(endpoint, **values)


def message(to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text message from the configured sender."""
    msg = EmailMessage()
    msg["From"] = MailSettings.from_config(current_app.config).sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = make_msgid(domain="studyapp")
    msg.set_content(body)
    return msg


def deliver(settings: MailSettings, msg: EmailMessage) -> bool:
    """Send one message now; log and return False if the server cannot be reached or refuses it."""
    try:
        smtp: smtplib.SMTP
        if settings.ssl:
            context = ssl.create_default_context()
            smtp = smtplib.SMTP_SSL(settings.server, settings.port, timeout=settings.timeout, context=context)
        else:
            smtp = smtplib.SMTP(settings.server, settings.port, timeout=settings.timeout)
        with smtp:
            if settings.starttls and not settings.ssl:
                smtp.starttls(context=ssl.create_default_context())
            if settings.username:
                smtp.login(settings.username, settings.password)
            smtp.send_message(msg)
    except Exception as exc:  # a mail that cannot be sent is logged, never an error for whoever asked
        log.warning(
            "Mail %r to %s not sent through %s:%s: %s: %s",
            msg["Subject"],
            msg["To"],
            settings.server,
            settings.port,
            type(exc).__name__,
            exc,
        )
        return False
    return True


def _deliver_in_thread(settings: MailSettings, msg: EmailMessage) -> None:
    def run() -> None:
        try:
            deliver(settings, msg)
        finally:
            with _sending_lock:
                _sending.discard(thread)

    thread = threading.Thread(target=run, name="studyapp-mail")
    with _sending_lock:
        _sending.add(thread)
    thread.start()


def send_after_commit(msg: EmailMessage) -> None:
    """Send `msg` once the request's transaction has committed (never if it rolls back), in a thread."""
    settings = MailSettings.from_config(current_app.config)
    after_commit(lambda: _deliver_in_thread(settings, msg))


def wait_for_mail(timeout: float = 30) -> None:
    """Wait until the mail handed to threads so far has been sent or has failed (at most `timeout` seconds each)."""
    with _sending_lock:
        threads = list(_sending)
    for thread in threads:
        thread.join(timeout)
