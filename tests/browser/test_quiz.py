"""A whole attempt in Chromium, with JavaScript (autosave) and without (posting the form); axe on every page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from studyapp.domain.questions import question_of
from studyapp.extensions import db
from studyapp.models import Attempt, AttemptItem
from tests.browser.conftest import assert_accessible, sign_in
from tests.web.quizzes import correct_public, one_of_each_type


def make_quiz(live_server, title: str, **settings) -> int:
    with live_server.app.app_context():
        quiz = one_of_each_type(**settings)
        quiz.title = title
        db.session.commit()
        return quiz.id


def answers_for(live_server, attempt_id: int) -> dict[int, dict]:
    with live_server.app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        return {item.position: correct_public(attempt, item.position) for item in attempt.items}


def answer(page, position: int, response: dict) -> None:
    """Answer one question with its own controls, as a student would."""
    ((key, value),) = response.items()
    scope = page.locator(f"#q{position}")
    if key == "choice":
        scope.locator(f'input[value="{value}"]').check()
    elif key in ("choices", "sentences"):
        for option in value:
            scope.locator(f'input[value="{option}"]').check()
    elif key == "text":
        scope.locator("textarea, input[type=text]").first.fill(value)
    elif key == "value":
        scope.locator("input").fill(value)
    elif key == "blanks":
        for blank, text in value.items():
            scope.locator(f'input[name="q{position}-{blank}"]').fill(text)
    elif key == "matches":
        for left, right in value.items():
            scope.locator(f'select[name="q{position}-{left}"]').select_option(right)
    elif key == "order":
        for place, item in enumerate(value, 1):
            scope.locator(f'select[name="q{position}-{item}"]').select_option(str(place))


def start_from_list(page, title: str, *, check: bool = True) -> int:
    page.goto("/quizzes")
    if check:  # axe-core runs in the page: not in a page with JavaScript turned off
        assert_accessible(page)
    page.get_by_role("button", name=f"Start {title}").click()
    page.wait_for_url(re.compile(r"/attempts/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def test_full_attempt_with_javascript_autosaves_resumes_and_submits_once(page, live_server, live_user):
    title = "Every type, with autosave"
    make_quiz(live_server, title)
    sign_in(page, live_user())
    attempt_id = start_from_list(page, title)
    assert_accessible(page)
    responses = answers_for(live_server, attempt_id)
    for position, response in responses.items():
        answer(page, position, response)
    for position in responses:
        page.locator(f"#q{position} [data-status]").filter(has_text=re.compile(r"^Saved$")).wait_for()
    # Closing the browser and coming back: the saved answers are there.
    page.reload()
    for position, response in responses.items():
        if "choice" in response:
            assert page.locator(f'#q{position} input[value="{response["choice"]}"]').is_checked()
        if "text" in response:
            assert page.locator(f"#q{position} textarea, #q{position} input[type=text]").first.input_value()
    page.get_by_role("button", name="Finish attempt…").click()
    page.wait_for_url(re.compile(r"/submit$"))
    assert page.get_by_text("10 of 10 questions answered").is_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Submit now").dblclick()
    page.wait_for_url(re.compile(r"/result$"))
    assert page.get_by_text("Score:").is_visible()
    assert page.locator(".badge-correct").count() == 9
    assert_accessible(page)
    with live_server.app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.state == "submitted" and attempt.score == attempt.max_score - max(
            i.max_score for i in attempt.items if i.status == "ungraded"
        )


def test_full_attempt_without_javascript_by_posting_the_form(page_without_js, live_server, live_user):
    page = page_without_js
    title = "Every type, without script"
    make_quiz(live_server, title, layout="one_per_page")
    sign_in(page, live_user())
    attempt_id = start_from_list(page, title, check=False)
    responses = answers_for(live_server, attempt_id)
    for position, response in responses.items():
        assert page.locator(f"#q{position}").is_visible()
        answer(page, position, response)
        button = "Save and next" if position < len(responses) else "Save"
        page.get_by_role("button", name=button, exact=True).click()
        page.wait_for_load_state()
        assert page.get_by_text("Your answers are saved.").is_visible()
    page.get_by_role("button", name="Finish attempt…").click()
    page.get_by_role("button", name="Submit now").click()
    page.wait_for_url(re.compile(r"/result$"))
    assert page.locator(".badge-correct").count() == 9


def test_timer_warning_is_shown_and_accessible(page, live_server, live_user):
    title = "Three minutes"
    make_quiz(live_server, title, time_limit_minutes=3)
    sign_in(page, live_user())
    start_from_list(page, title)
    warning = page.locator("[data-timer-warning]")
    warning.wait_for(state="visible")
    assert "Less than five minutes left" in warning.inner_text()
    assert re.match(r"\d+:\d\d", page.locator("[data-remaining]").inner_text())
    assert_accessible(page)


def test_practice_and_grading_pages_are_accessible(page, live_server, live_user):
    sign_in(page, live_user())
    page.goto("/practice")
    assert_accessible(page)
    page.get_by_role("button", name="Practise Linkage").click()
    page.wait_for_url(re.compile(r"/attempts/\d+$"))
    assert_accessible(page)
    page.get_by_role("button", name="Check answer").click()
    assert page.locator(".feedback").is_visible()
    assert_accessible(page)


@pytest.fixture
def admin_page(browser, live_server, live_user):
    from studyapp.models import Role

    context = browser.new_context(base_url=live_server.url)
    admin = context.new_page()
    sign_in(admin, live_user(Role.ADMIN))
    yield admin
    context.close()


def test_instructor_grades_an_essay(page, admin_page, live_server, live_user):
    title = "Essay to grade"
    make_quiz(live_server, title)
    sign_in(page, live_user())
    attempt_id = start_from_list(page, title)
    with live_server.app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        essay = next(i.position for i in attempt.items if question_of(i.version).type == "essay")
    answer(page, essay, {"text": "Haig reads a plea for a meeting into Brezhnev's letter."})
    page.locator(f"#q{essay} [data-status]").filter(has_text=re.compile(r"^Saved$")).wait_for()
    page.get_by_role("button", name="Finish attempt…").click()
    page.get_by_role("button", name="Submit now").click()
    page.wait_for_url(re.compile(r"/result$"))

    # The essay waits in the grading queue; the grader follows its link and grades it.
    admin_page.goto("/grading")
    assert_accessible(admin_page)
    waiting = admin_page.locator(f'a[href="/manage/attempts/{attempt_id}#q{essay}"]')
    assert waiting.count() == 1
    waiting.click()
    admin_page.wait_for_url(f"**/manage/attempts/{attempt_id}#q{essay}")
    admin_page.locator(f"#score-{essay}").fill("1")
    admin_page.locator(f"#comment-{essay}").fill("Good: you quote the letter.")
    admin_page.get_by_role("button", name="Save grade").click()
    admin_page.get_by_text(f"Question {essay} graded.").wait_for()
    assert admin_page.locator(f"#score-{essay}").input_value() == "1"
    assert_accessible(admin_page)
    with live_server.app.app_context():
        item = db.session.scalar(
            select(AttemptItem).where(AttemptItem.attempt_id == attempt_id, AttemptItem.position == essay)
        )
        assert (item.score, item.comment) == (1.0, "Good: you quote the letter.") and item.status != "ungraded"
    admin_page.goto("/grading")
    assert admin_page.locator(f'a[href^="/manage/attempts/{attempt_id}#"]').count() == 0

    # The student sees the grader's comment with the result.
    page.reload()
    comment = page.locator(f"#q{essay} .choice-feedback").filter(has=page.locator("strong", has_text="Comment:"))
    assert comment.is_visible() and comment.inner_text() == "Comment: Good: you quote the letter."
