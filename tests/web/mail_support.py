"""A real SMTP server for the tests that send mail: aiosmtpd on loopback, keeping what it receives (no tests here)."""

from __future__ import annotations

import email
import email.policy
import queue
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from studyapp.web.mail import wait_for_mail


class Inbox:
    """An aiosmtpd handler that keeps every message it receives, with the envelope's recipients."""

    def __init__(self) -> None:
        self.messages: queue.Queue[EmailMessage] = queue.Queue()

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.content, _class=EmailMessage, policy=email.policy.default)
        parsed["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.put(parsed)
        return "250 Message accepted for delivery"

    def received(self) -> list[EmailMessage]:
        """Every message received since the last call, once the app has finished sending."""
        wait_for_mail()
        found = []
        while not self.messages.empty():
            found.append(self.messages.get_nowait())
        return found


def free_port() -> int:
    """A loopback port nothing listens on (yet)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def configure_mail(app, port: int) -> None:
    """Set the app to send mail through 127.0.0.1:`port`, without TLS (the settings are read per request)."""
    app.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=port,
        MAIL_USE_STARTTLS=False,
        MAIL_SENDER="studyapp <no-reply@school.example>",
        MAIL_TIMEOUT=5,
        PUBLIC_URL="https://studyapp.school.example",
    )


@contextmanager
def smtp_inbox(app) -> Iterator[Inbox]:
    """Run an SMTP server on a free loopback port and send the app's mail there."""
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    configure_mail(app, controller.port)
    try:
        yield handler
    finally:
        wait_for_mail()
        controller.stop()


def reset_link(message: EmailMessage) -> str:
    """The path of the reset link a message carries."""
    found = re.search(r"https://studyapp\.school\.example(/reset/[A-Za-z0-9_-]+)", message.get_content())
    assert found, message.get_content()
    return found.group(1)
