"""Sending grade passback's outbox: each row in a unit of work of its own, after the commit that wrote it.

`drain` is the one loop: the after-commit subscriber below runs it (in a background thread by default,
so a slow or absent platform never holds a student's answer), the instructor's "Send now" and
`flask lti sync` run it too. A row that fails stays waiting with its error and the time of its next try.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app

from studyapp.domain import events
from studyapp.domain.lti import passback
from studyapp.extensions import transaction


@dataclass
class Report:
    sent: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def drain(secret: str, *, ids: Iterable[int] | None = None, include_waiting: bool = False) -> Report:
    """Send the unsent scores that are due (all of `ids`, or every row; waiting ones too with `include_waiting`)."""
    report = Report()
    with transaction():
        due = passback.due(ids=ids, include_waiting=include_waiting)
    for score_id in due:
        with transaction():
            result = passback.send_one(score_id, secret)
        if result is None:
            continue
        if result.ok:
            report.sent += 1
        else:
            report.failed += 1
            report.errors.append(result.error or "unknown error")
    return report


#: The threads sending in the background, kept so tests and a graceful shutdown can wait for them.
_threads: list[threading.Thread] = []


def wait_for_senders(timeout: float = 30.0) -> None:
    """Wait for the background sends started so far to finish."""
    for thread in list(_threads):
        thread.join(timeout)
        if not thread.is_alive():
            _threads.remove(thread)


def _in_background(app: Flask, ids: list[int]) -> None:
    with app.app_context():
        drain(app.config["SECRET_KEY"], ids=ids)


@events.scores_queued.connect
def _send_after_commit(_sender: Any, ids: list[int], **_: Any) -> None:
    """Send the rows a transaction has just committed, as LTI_SEND_SCORES says."""
    mode = current_app.config.get("LTI_SEND_SCORES", "thread")
    if mode == "inline":
        drain(current_app.config["SECRET_KEY"], ids=ids)
    elif mode == "thread":
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        thread = threading.Thread(target=_in_background, args=(app, list(ids)), name="lti-scores", daemon=True)
        _threads[:] = [t for t in _threads if t.is_alive()]
        _threads.append(thread)
        thread.start()
