"""An attempt through a lost connection, in Chromium: answers kept on the device, the page reloaded from the
service worker's copy, the kept answers replayed in order on reconnecting, or refused after the deadline.

The network is cut with `context.set_offline(True)`. A log of the requests reaching the live server proves
that the reload while offline was answered by the service worker's copy and that nothing was stored before
the connection returned. Chromium applies its offline emulation to a newly loaded document a moment late,
so a reloaded page's first save can slip out; a lost network would not carry it, so while the test is
offline the server refuses such a save (503, which the page retries) and counts it.
"""

from __future__ import annotations

import io
import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug.formparser import parse_form_data

from studyapp.domain import attempts as services
from studyapp.domain.questions import public_id, question_of
from studyapp.extensions import db
from studyapp.models import Attempt, AttemptItem
from studyapp.models.base import utcnow
from tests.browser.conftest import assert_accessible, sign_in
from tests.browser.test_quiz import answer, answers_for, make_quiz, start_from_list

OFFLINE_NOTE = "You are offline. Your answers are kept on this device and will be sent when the connection returns."
#: Questions of `one_of_each_type` answered by ticking options (single, multiple, true/false), in the order
#: the student changes them: not the page's order, so that only the sequence numbers give the replay's order.
CHANGED = (3, 1, 2)


class RequestLog:
    """The requests reaching the live server while it is recording: each one's method and path, the
    (position, seq) of each autosave in the order they arrived, and how many autosaves ran at once at most."""

    def __init__(self, app) -> None:
        self.inner = app.wsgi_app
        self.paths: list[str] = []
        self.saves: list[tuple[int, int]] = []
        self.recording = False
        #: While set, saves are refused unseen by the app, as a lost network would lose them; counted here.
        self.offline = False
        self.refused = 0
        self.lock = threading.Lock()
        self.running = 0
        self.most_at_once = 0

    def __call__(self, environ, start_response):
        if not self.recording:
            return self.inner(environ, start_response)
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        save = method == "POST" and path.endswith("/save")
        if save:  # read the form here, and hand the app the same bytes
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(body)
            _stream, form, _files = parse_form_data({**environ, "wsgi.input": io.BytesIO(body)})
        if save and self.offline:
            with self.lock:
                self.refused += 1
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"offline"]
        with self.lock:
            self.paths.append(f"{method} {path}")
            if save:
                self.saves.append((int(form["position"]), int(form["seq"])))
                self.running += 1
                self.most_at_once = max(self.most_at_once, self.running)
        try:
            return self.inner(environ, start_response)
        finally:
            if save:
                with self.lock:
                    self.running -= 1


@pytest.fixture
def request_log(live_server, monkeypatch):
    log = RequestLog(live_server.app)
    monkeypatch.setattr(live_server.app, "wsgi_app", log)
    return log


def wait_until_kept_for_offline(page) -> None:
    """Wait until the service worker controls the page and keeps a copy of it, its script and its styles."""
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.wait_for_function(
        """async () => {
            const urls = [location.href, document.querySelector('script[src*="quiz.js"]').src,
                          document.querySelector('link[rel="stylesheet"]').href];
            const found = await Promise.all(urls.map((url) => caches.match(url)));
            return found.every(Boolean);
        }"""
    )


def items_of(live_server, attempt_id: int) -> dict[int, AttemptItem]:
    with live_server.app.app_context():
        items = db.session.scalars(select(AttemptItem).where(AttemptItem.attempt_id == attempt_id)).all()
        for item in items:
            db.session.expunge(item)
        return {item.position: item for item in items}


def stored_public(live_server, attempt_id: int, position: int) -> dict | None:
    """The stored response of a question, in the public ids its page shows."""
    with live_server.app.app_context():
        attempt = db.session.get_one(Attempt, attempt_id)
        item = next(i for i in attempt.items if i.position == position)
        if item.response is None:
            return None
        question = question_of(item.version)
        return services.to_public_response(
            question, item.response, lambda oid: public_id(attempt.seed, question.id, oid)
        )


def same_answer(stored: dict | None, given: dict) -> bool:
    """Whether a stored response is the given one (the options of a "choices" answer in any order)."""
    if stored is None or stored.keys() != given.keys():
        return False
    return all(
        sorted(value) == sorted(given[key]) if key == "choices" else value == given[key]
        for key, value in stored.items()
    )


def status_of(page, position: int):
    return page.locator(f"#q{position} [data-status]")


def test_answers_given_offline_are_kept_shown_after_a_reload_and_sent_in_order(
    page, live_server, live_user, request_log
):
    title = "Kept through a lost connection"
    make_quiz(live_server, title)
    sign_in(page, live_user())
    attempt_id = start_from_list(page, title)
    wait_until_kept_for_offline(page)
    responses = answers_for(live_server, attempt_id)
    assert all(next(iter(responses[p])) in ("choice", "choices") for p in CHANGED), responses

    page.context.set_offline(True)
    request_log.recording = request_log.offline = True
    banner = page.get_by_role("status").filter(has_text=OFFLINE_NOTE)
    banner.wait_for()  # the browser's offline event, before any save fails
    for position in CHANGED:
        answer(page, position, responses[position])
        status_of(page, position).filter(has_text=re.compile(r"^Kept on this device$")).wait_for()
    assert banner.is_visible()
    assert_accessible(page)

    # Playwright's offline mode cuts the service worker's own fetches too: a file the worker has not kept
    # cannot be had, and no request reaches the server.
    probe = "fetch('/static/css/app.css?v=not-kept').then(() => 'fetched', () => 'failed')"
    assert page.evaluate(probe) == "failed"

    # Reloaded while offline: the page is the service worker's copy, with the kept answers ticked again.
    reloaded = page.reload()
    assert reloaded is not None and reloaded.status == 200 and reloaded.from_service_worker
    page.locator(".attempt-form").wait_for()
    page.get_by_role("status").filter(has_text=OFFLINE_NOTE).wait_for()
    for position in CHANGED:
        ((_key, value),) = responses[position].items()
        for option in [value] if isinstance(value, str) else value:
            assert page.locator(f'#q{position} input[value="{option}"]').is_checked(), (position, option)
        assert status_of(page, position).inner_text() == "Kept on this device, not yet sent"
    assert request_log.paths == [], f"requests reached the server while offline: {request_log.paths}"
    items = items_of(live_server, attempt_id)
    assert all(items[p].saved_at is None and items[p].response is None for p in CHANGED)
    assert_accessible(page)

    # The connection returns: the three answers go, one after another, each under its own number.
    request_log.offline = False
    page.context.set_offline(False)
    page.get_by_role("status").filter(has_text="Back online: 3 answers kept on this device were sent.").wait_for()
    for position in CHANGED:
        assert status_of(page, position).inner_text() == "Saved"
    assert request_log.paths == [f"POST /attempts/{attempt_id}/save"] * 3, request_log.paths
    assert [position for position, _seq in request_log.saves] == list(CHANGED), request_log.saves
    assert request_log.most_at_once == 1  # each sent after the reply to the one before
    items = items_of(live_server, attempt_id)
    seqs = [items[p].response_seq for p in CHANGED]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3, seqs
    assert seqs == [seq for _position, seq in request_log.saves]
    saved = [items[p].saved_at for p in CHANGED]
    assert None not in saved and saved == sorted(saved), saved
    for position in CHANGED:
        assert same_answer(stored_public(live_server, attempt_id, position), responses[position]), position
    assert page.evaluate(f"localStorage.getItem('studyapp:attempt:{attempt_id}')").count('"answers":{}') == 1
    print(
        f"Offline: 3 answers kept on the device and shown after a reload from the service worker; sent in order "
        f"(positions {list(CHANGED)}, sequence numbers {seqs}) on reconnecting; {request_log.refused} save(s) "
        "slipping past Chromium's offline emulation refused by the server meanwhile"
    )


def test_answers_kept_past_the_deadline_are_refused_on_reconnecting(page, live_server, live_user):
    title = "Deadline passed offline"
    make_quiz(live_server, title, time_limit_minutes=30)
    sign_in(page, live_user())
    attempt_id = start_from_list(page, title)
    wait_until_kept_for_offline(page)
    responses = answers_for(live_server, attempt_id)

    page.context.set_offline(True)
    page.get_by_role("status").filter(has_text=OFFLINE_NOTE).wait_for()
    for position in CHANGED[:2]:
        answer(page, position, responses[position])
        status_of(page, position).filter(has_text=re.compile(r"^Kept on this device$")).wait_for()
    with live_server.app.app_context():  # time runs out (with its grace) while the student is offline
        attempt = db.session.get_one(Attempt, attempt_id)
        attempt.deadline_at = utcnow() - services.GRACE - timedelta(minutes=1)
        db.session.commit()

    page.context.set_offline(False)
    refused = page.get_by_role("status").filter(has_text="2 answers kept on this device were not accepted.")
    refused.wait_for()
    assert "Time is up" in refused.inner_text()
    for position in CHANGED[:2]:
        assert status_of(page, position).inner_text().startswith("Not accepted: Time is up")
    assert page.evaluate(f"localStorage.getItem('studyapp:attempt:{attempt_id}')").count('"answers":{}') == 1
    page.wait_for_url(re.compile(rf"/attempts/{attempt_id}/result$"))
    with live_server.app.app_context():
        attempt = db.session.get_one(Attempt, attempt_id)
        assert attempt.state == "submitted"
        assert all(item.response is None for item in attempt.items if item.position in CHANGED[:2])
