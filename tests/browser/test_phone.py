"""Every page on a phone: at 390 × 844 no page scrolls sideways, axe-core finds nothing, and the header keeps
the brand and its Menu control on one row.

The walk reads `app.url_map`, so a page is visited as soon as its route exists: each GET rule's arguments are
filled from one real object of each kind (the security tests' world: a class, an assignment, attempts open and
submitted, questions, a quiz, a review card, with hostile text in every field, which also makes long unbroken
words), and the rule is opened by every role that may open it (an admin only where an instructor may not). A GET
rule that is neither visited nor listed in `NOT_PAGES` with a reason fails the walk. The compact menu is tested on
its own, without JavaScript and from the keyboard.
"""

from __future__ import annotations

import shutil

import pytest
from flask import url_for

from studyapp import create_app
from studyapp.core import grading
from studyapp.domain import recovery, reviews
from studyapp.domain.attempts import to_public_response
from studyapp.domain.questions import evidence_quotes, public_id, question_of
from studyapp.extensions import db
from studyapp.models import ReviewCard, Role
from studyapp.models.base import utcnow
from tests.browser.conftest import WCAG_TAGS, LiveServer, assert_accessible, sign_in
from tests.conftest import TEST_PASSWORD, base_config
from tests.security.support import build_world

PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1280, "height": 800}
#: The header on a phone: one row holding the brand and the Menu control.
HEADER_MAX_HEIGHT = 72

#: GET rules that are not pages, each with its reason. Rules without GET (form posts, sign-out) are not walked.
NOT_PAGES = {
    "static": "static files (CSS, scripts, icons)",
    "classes.static": "the classes blueprint's static files",
    "progress.static": "the progress blueprint's static files",
    "quiz.service_worker": "the attempt pages' service worker script (tests/web/test_offline_worker.py)",
    "classes.export": "a download: the gradebook or responses as CSV or XLSX",
    "main.healthz": "a plain-text health check for monitors",
    "lti.static": "the LTI blueprint's static files",
    "lti.jwks": "the tool's public key set, as JSON for platforms",
    "lti.login": "opened only by a platform's login initiation (tests/lti, tests/browser/test_lti.py)",
    "lti.enter": "opened only with a launch's one-time ticket (tests/lti, tests/browser/test_lti.py)",
    "lti.deep_link": "opened only with a platform's signed deep-linking request (tests/lti)",
    "lti.deep_link_return": "opened only with a platform's signed deep-linking request (tests/lti)",
}
#: axe-core's landmark rules (best practices, not WCAG criteria), run with the WCAG rules on every page of the walk:
#: two landmarks with one name, such as two "Editorial question" sections, leave a screen reader's list ambiguous.
LANDMARK_RULES = (
    "landmark-unique",
    "landmark-one-main",
    "landmark-no-duplicate-banner",
    "landmark-no-duplicate-contentinfo",
    "landmark-no-duplicate-main",
    "landmark-banner-is-top-level",
    "landmark-contentinfo-is-top-level",
    "landmark-main-is-top-level",
    "landmark-complementary-is-top-level",
)
#: Pages also visited with a query string, which shows them differently: search results.
QUERIES = {"reading.search": {"q": "Brezhnev"}}
#: Who may open pages, tried in this order; None is a visitor who is not signed in.
ROLES = (None, "student", "instructor", "admin")

#: Where the overflow comes from: the elements, or the text in them, reaching past the right edge, unless a box
#: that scrolls or clips holds them (an absolutely positioned element escapes boxes below its containing block).
OVERFLOWING = """() => {
  const limit = document.documentElement.clientWidth;
  const held = (el) => {
    let needsPositioned = getComputedStyle(el).position === 'absolute';
    if (getComputedStyle(el).position === 'fixed') return false;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const style = getComputedStyle(p);
      if (!needsPositioned && style.overflowX !== 'visible') return true;
      if (style.position !== 'static') needsPositioned = false;
    }
    return false;
  };
  const found = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    const right = style.overflowX === 'visible' ? Math.max(box.right, box.left + el.scrollWidth) : box.right;
    if (box.width && right > limit + 0.5 && !held(el)) {
      const classes = typeof el.className === 'string' ? el.className.trim().split(/\\s+/).join('.') : '';
      const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (classes ? '.' + classes : '');
      found.push(`${name} (to ${Math.round(right)} px)`);
    }
  }
  return found.slice(-8);
}"""


@pytest.fixture(scope="module")
def phone_server(sqlite_content_template, tmp_path_factory):
    """The app on its own database holding the world (its own, so the hostile readings stay out of other tests)."""
    path = tmp_path_factory.mktemp("phone") / "phone.sqlite3"
    shutil.copyfile(sqlite_content_template, path)
    config = base_config(f"sqlite:///{path}")
    config.pop("SERVER_NAME")
    app = create_app(config)
    with app.app_context():
        world = build_world(app, tmp_path_factory.mktemp("phone-content"))
        link = recovery.request_reset_link(world.emails["other_student"])
        assert link is not None
        # The review card answered once, so its feedback page exists, and due again for the review page.
        card = db.session.get_one(ReviewCard, world.card_id)
        question = question_of(card.question.current_version)
        quote = evidence_quotes([question]).get(question.evidence_passage)
        key = grading.correct_response(question, quote=quote)
        right = to_public_response(question, key, lambda oid: public_id(card.seed, question.id, oid))
        reviews.answer_review(card, right, card.state.get("reviews", 0), utcnow())
        card.due_at = utcnow()
        db.session.commit()
        db.session.remove()
    server = LiveServer(app)
    server.start()
    yield server, world, link.secret
    server.stop()
    with app.app_context():
        db.engine.dispose()


def arguments(endpoint: str, world, token: str) -> dict[str, object]:
    """The values that fill a rule's arguments: the world's objects, the student's where a page is theirs."""
    values: dict[str, object] = {
        "class_id": world.class_id,
        "assignment_id": world.assignment_id,
        "user_id": world.users["student"],
        "quiz_id": world.quiz_id,
        "bank_id": world.bank_id,
        "question_id": world.question_ids[0],
        "card_id": world.card_id,
        "section_id": world.section_id,
        "invitation_id": world.invitation_id,
        "position": world.essay_position,
        "code": world.join_code,
        "token": token,
        "platform_id": world.platform_id,
        "ticket": "no-such-launch-ticket",
        # An attempt in progress, except on the pages of a submitted one.
        "attempt_id": world.open_attempt_id,
    }
    submitted = {"attempt_id": world.submitted_attempt_id}
    by_endpoint: dict[str, dict[str, object]] = {
        "quiz.result": submitted,
        "quiz.manage_attempt": submitted,
        "authoring.attempt": submitted,
        "reading.document": {"slug": world.document_slug},
        "reading.passage": {"slug": world.passage_slug},
        "reading.theme": {"slug": world.theme_slug},
        "progress.guide": {"slug": world.theme_slug},
    }
    return values | by_endpoint.get(endpoint, {})


def page_paths(app, world, token: str) -> list[tuple[str, str]]:
    """(endpoint, path) of every GET rule that is a page; fails on a rule whose arguments cannot be filled."""
    found, unfilled = [], []
    with app.test_request_context():
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if "GET" not in rule.methods or rule.endpoint in NOT_PAGES:
                continue
            values = arguments(rule.endpoint, world, token)
            missing = sorted(set(rule.arguments) - set(values))
            if missing:
                unfilled.append(f"{rule.rule} ({rule.endpoint}): no value for {missing}")
                continue
            filled = {name: values[name] for name in rule.arguments}
            found.append((rule.endpoint, url_for(rule.endpoint, **filled)))
            if rule.endpoint in QUERIES:
                found.append((rule.endpoint, url_for(rule.endpoint, **filled, **QUERIES[rule.endpoint])))
    assert not unfilled, "teach `arguments` in tests/browser/test_phone.py these rules:\n" + "\n".join(unfilled)
    return found


@pytest.fixture(scope="module")
def phones(browser, phone_server):
    """One phone-sized browser context per role, signed in once: role -> page."""
    server, world, _ = phone_server
    contexts, pages = [], {}
    for role in ROLES:
        context = browser.new_context(base_url=server.url, viewport=PHONE)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        if role is not None:
            sign_in(page, world.emails[role])
        pages[role] = page
    yield pages
    for context in contexts:
        context.close()


def axe_problems(page) -> list[str]:
    """axe-core's report on the open page: the WCAG 2.1 A/AA rules and the landmark rules."""
    from axe_playwright_python.sync_playwright import Axe

    options = {
        "runOnly": {"type": "tag", "values": WCAG_TAGS},
        "rules": {rule: {"enabled": True} for rule in LANDMARK_RULES},
        "resultTypes": ["violations"],
    }
    results = Axe().run(page, options=options)
    return [results.generate_report()] if results.violations_count else []


def menu_button(page):
    return page.locator(".site-header summary")


def phone_problems(page, *, menu_open: bool = False) -> list[str]:
    """What is wrong with the open page on a phone: sideways scrolling, a header taller than one row."""
    problems = []
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth, window.innerWidth]"
    )
    scroll_width, client_width, inner_width = widths
    if scroll_width > min(client_width, inner_width):
        problems.append(
            f"scrolls sideways: {scroll_width} px of content in {client_width} px; {page.evaluate(OVERFLOWING)}"
        )
    header = page.locator(".site-header").bounding_box()
    brand = page.locator(".site-header .brand").bounding_box()
    menu = page.locator(".site-header summary").bounding_box()
    if header is None or brand is None or menu is None:
        problems.append("the header has no visible brand or Menu control")
    else:
        if header["height"] > HEADER_MAX_HEIGHT:
            problems.append(f"the header is {header['height']:.0f} px high (at most {HEADER_MAX_HEIGHT})")
        if abs((brand["y"] + brand["height"] / 2) - (menu["y"] + menu["height"] / 2)) > 8:
            problems.append("the brand and the Menu control are not on one row")
    if page.get_by_role("navigation", name="Main").is_visible() != menu_open:
        state = "open" if menu_open else "closed"
        problems.append(f"the main navigation is not shown exactly when the menu is open (the menu is {state})")
    return problems


def test_every_page_fits_a_phone(phone_server, phones):
    server, world, token = phone_server
    paths = page_paths(server.app, world, token)
    stale = sorted(set(NOT_PAGES) - set(server.app.view_functions))
    assert not stale, f"NOT_PAGES names endpoints that no longer exist: {stale}"
    failures, unvisited, visits = [], [], 0
    for endpoint, path in paths:
        roles = [role for role in ROLES if phones[role].request.get(path, max_redirects=0).status == 200]
        if "instructor" in roles:  # an admin sees an instructor's pages as the instructor does
            roles = [role for role in roles if role != "admin"]
        if not roles:
            unvisited.append(f"{path} ({endpoint})")
            continue
        for role in roles:
            page = phones[role]
            response = page.goto(path)
            assert response is not None and response.status == 200, (path, role)
            visits += 1
            problems = phone_problems(page) + axe_problems(page)
            failures.extend(f"{path} as {role or 'a visitor'}: {problem}" for problem in problems)
    for role, page in phones.items():  # the menu open, with each role's links and account (a long hostile name)
        page.goto("/")
        menu_button(page).click()
        problems = phone_problems(page, menu_open=True) + axe_problems(page)
        failures.extend(f"/ as {role or 'a visitor'} with the menu open: {problem}" for problem in problems)
    if unvisited:
        failures.append("no role could open these pages; fix their arguments or list them in NOT_PAGES:")
        failures.extend(unvisited)
    assert not failures, "\n".join(failures)
    print(f"Phone: {len(paths)} pages, {visits} visits at {PHONE['width']} × {PHONE['height']}")


# --- the compact menu -------------------------------------------------------------------------------------------


def test_the_menu_opens_and_its_links_work_without_javascript(page_without_js, live_server, live_user):
    page = page_without_js
    page.set_viewport_size(PHONE)
    page.goto("/read/")
    nav = page.get_by_role("navigation", name="Main")
    assert menu_button(page).inner_text().strip() == "Menu"
    assert not nav.is_visible()
    menu_button(page).click()
    assert nav.is_visible()
    assert nav.get_by_role("link", name="Read").get_attribute("aria-current") == "page"
    nav.get_by_role("link", name="Claim & source").click()
    page.wait_for_url("**/read/claims")
    assert not nav.is_visible()  # a new page starts with the menu closed
    menu_button(page).click()
    assert nav.get_by_role("link", name="Claim & source").get_attribute("aria-current") == "page"
    assert nav.get_by_role("link", name="Read").get_attribute("aria-current") is None
    page.locator(".site-header").get_by_role("link", name="Sign in").click()
    page.wait_for_url("**/login")

    # Signed in (the form posts without JavaScript): the account and Sign out are in the menu too.
    email = live_user()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
    menu_button(page).click()
    nav.get_by_role("link", name="Quizzes").click()
    page.wait_for_url("**/quizzes")
    menu_button(page).click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/")
    menu_button(page).click()
    assert page.locator(".site-header").get_by_role("link", name="Sign in").is_visible()


def test_the_menu_works_from_the_keyboard(page, live_server):
    page.set_viewport_size(PHONE)
    page.goto("/read/claims")
    assert not axe_problems(page)  # the landmark rules too: each claim's "Editorial question" has its own name
    nav = page.get_by_role("navigation", name="Main")
    page.keyboard.press("Tab")  # the skip link, shown above the header
    assert page.evaluate(
        """() => {
          const link = document.activeElement, box = link.getBoundingClientRect();
          return link.classList.contains('skip-link')
            && document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2) === link;
        }"""
    )
    page.keyboard.press("Tab")  # the brand
    page.keyboard.press("Tab")
    assert menu_button(page).evaluate("el => el === document.activeElement")
    assert not nav.is_visible()
    page.keyboard.press("Enter")
    assert nav.is_visible()
    assert not axe_problems(page)  # open, too
    page.keyboard.press("Tab")
    focused = page.evaluate("() => [document.activeElement.textContent, document.activeElement.getAttribute('href')]")
    assert focused == ["Read", "/read/"]
    page.keyboard.press("Enter")
    page.wait_for_url("**/read/")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    assert nav.is_visible()
    page.keyboard.press("Space")  # closes it again
    assert not nav.is_visible()


def test_wide_screens_show_the_links_in_one_row_without_a_menu_control(page, live_server, live_user):
    page.set_viewport_size(WIDE)
    sign_in(page, live_user(Role.ADMIN))  # the most links
    page.goto("/read/")
    nav = page.get_by_role("navigation", name="Main")
    assert nav.is_visible()
    assert not menu_button(page).is_visible()
    tops = {round(box["y"]) for box in (link.bounding_box() for link in nav.get_by_role("link").all())}
    assert len(tops) == 1, tops
    assert nav.get_by_role("link", name="Read").get_attribute("aria-current") == "page"
    assert page.get_by_role("button", name="Sign out").is_visible()
    assert page.locator(".site-header").bounding_box()["height"] <= HEADER_MAX_HEIGHT
    assert_accessible(page)
