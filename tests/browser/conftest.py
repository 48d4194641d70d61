"""Browser fixtures: the app served on loopback, Debian's Chromium driven by Playwright, axe-core checks."""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from studyapp import create_app
from studyapp.extensions import db
from tests.conftest import TEST_PASSWORD, base_config

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("REQUIRE_BROWSER") == "1"
#: Flags for a closed network: no background connections, no sandbox (CI runs as root).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        message = (
            f"Chromium not found at {CHROMIUM}; install it with `apt-get install -y chromium` to run browser tests"
        )
        if REQUIRE_BROWSER:
            pytest.fail(message + " (REQUIRE_BROWSER=1)")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


class LiveServer:
    """The app in a background thread on a free loopback port, with its own SQLite database."""

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join()


@contextmanager
def serving(database_url: str) -> Iterator[LiveServer]:
    """An app on `database_url` (built as the test apps are, addressed by its loopback URL) served for the block."""
    config = base_config(database_url)
    config.pop("SERVER_NAME")
    app = create_app(config)
    server = LiveServer(app)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(sqlite_content_template, tmp_path_factory):
    """The app with the shipped content loaded, shared by the browser tests (each makes its own users)."""
    path = tmp_path_factory.mktemp("live") / "live.sqlite3"
    shutil.copyfile(sqlite_content_template, path)
    with serving(f"sqlite:///{path}") as server:
        yield server


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def page_without_js(browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def live_user(live_server):
    """Return a callable that creates an account in the live server's database."""
    from studyapp.domain import accounts as services
    from studyapp.models import Role

    counter = iter(range(1, 1_000_000))

    def make(role: Role = Role.STUDENT, password: str = TEST_PASSWORD):
        n = next(counter)
        with live_server.app.app_context():
            user = services.create_user(
                email=f"{role.value}-{n}-{uuid.uuid4().hex[:12]}@studyapp.example",  # unique in the shared database
                display_name=f"{role.value.title()} {n}",
                password=password,
                role=role,
            )
            db.session.commit()
            return user.email

    return make


def sign_in(page, email: str, password: str = TEST_PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")


def assert_accessible(page) -> None:
    """Fail with axe-core's report if the page has any WCAG 2.1 A/AA violation (needs JavaScript on)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]})
    assert results.violations_count == 0, results.generate_report()


def load_shipped(live_server) -> None:
    """Load the readings, question banks and quizzes into the live server's database."""
    from studyapp.domain.library import load_shipped_content

    with live_server.app.app_context():
        load_shipped_content(live_server.app.config["CONTENT_DIR"])
        db.session.commit()


def visit(page, url: str) -> None:
    """Open a page, which must answer 200 and pass axe-core."""
    response = page.goto(url)
    assert response.status == 200, url
    assert_accessible(page)
