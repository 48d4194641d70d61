"""The app's own background work, run by every worker of every instance without a scheduler to keep:
submitting timed attempts whose time ran out, and sending the grades waiting for a learning platform.

`run_once` is one pass; a `Ticker` runs it every `BACKGROUND_INTERVAL` seconds (with a random part, so
that the workers of several instances spread their passes) in a daemon thread of a gunicorn worker
(deploy/gunicorn.conf.py starts one per worker and stops it when the worker exits). Every pass is safe
beside every other: the finalizer skips attempts another pass has locked (`finalize_expired` with
`skip_locked`), and each waiting grade is sent under its own row lock (`passback.send_one`). A pass that
fails (the database restarting) is logged and the next one tries again.
"""

from __future__ import annotations

import logging
import random
import threading
from dataclasses import dataclass

from flask import Flask

from studyapp.domain import attempts
from studyapp.extensions import transaction
from studyapp.lti import outbox

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Pass:
    finalized: int
    scores_sent: int
    scores_failed: int


def run_once(app: Flask) -> Pass:
    """Finalize the attempts whose time ran out, then send the grades that are due; return the counts."""
    with app.app_context():
        with transaction():
            finalized = attempts.finalize_expired(skip_locked=True)
        report = outbox.drain(app.config["SECRET_KEY"])
    return Pass(finalized, report.sent, report.failed)


class Ticker:
    """`run_once` every `interval` seconds (plus up to a fifth more, at random) in a daemon thread."""

    def __init__(self, app: Flask, interval: float) -> None:
        self.app = app
        self.interval = interval
        self.passes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="studyapp-jobs", daemon=True)

    def start(self) -> Ticker:
        self._thread.start()
        return self

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float = 10.0) -> None:
        """Let the pass under way finish (at most `timeout` seconds), then end the thread."""
        self._stop.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval * (1 + random.random() / 5)):
            try:
                result = run_once(self.app)
            except Exception:  # a pass must never end the thread: the next one tries again
                log.exception("Background pass failed")
            else:
                if result.finalized or result.scores_sent or result.scores_failed:
                    log.info(
                        "Background pass: %d attempt(s) finalized, %d grade(s) sent, %d failed",
                        result.finalized,
                        result.scores_sent,
                        result.scores_failed,
                    )
            self.passes += 1


def start(app: Flask) -> Ticker | None:
    """Start this process's ticker as the app's `BACKGROUND_INTERVAL` says (0 or less: none)."""
    interval = float(app.config.get("BACKGROUND_INTERVAL", 0))
    if interval <= 0:
        return None
    return Ticker(app, interval).start()
