"""Progress in Chromium, each page checked with axe-core: a dashboard after several attempts, a review
session, a study guide on screen and in print, and an instructor's view of a student.

The review pages carry no script; one test also answers a review question with JavaScript turned off.
axe-core runs only where JavaScript is on: with it off, Chromium never fires the timers axe.run waits on.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from studyapp.domain import mastery as services
from studyapp.domain.questions import question_of
from studyapp.extensions import db
from studyapp.models import ReviewCard, Role, User
from studyapp.models.base import utcnow
from tests.browser.conftest import assert_accessible, sign_in
from tests.web.test_progress import choice_public, class_of, graded_attempt, progress_quiz

KEYS = ["linkage-whose-words", "linkage-concept-defined", "linkage-fact-of-life", "linkage-nixon-year"]


@pytest.fixture
def student_with_history(live_server, live_user):
    """A student with five graded attempts over five weeks, missing only the two single-choice questions."""
    email = live_user()
    with live_server.app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        quiz = progress_quiz(KEYS, slug=f"progress-{user.id}", title="Linkage check")
        now = utcnow()
        history = [(35, [1, 0, 2, 1]), (28, [0, 0, 2, 1]), (14, [1, 1, 2, 1]), (7, [1, 0, 2, 1])]
        for days, scores in history:
            graded_attempt(user, quiz, list(zip(KEYS, scores)), now - timedelta(days=days))
        last = graded_attempt(user, quiz, list(zip(KEYS, [0, 0, 2, 1])), now - timedelta(hours=1))
        services.record_results(last)
        db.session.commit()
    return email


def test_dashboard_after_several_attempts(page, live_server, student_with_history):
    sign_in(page, student_with_history)
    page.get_by_role("link", name="Progress").click()
    page.wait_for_url("**/progress")
    assert page.get_by_role("heading", level=1).inner_text() == "Your progress"
    assert page.get_by_role("img", name="Your mastery by theme").is_visible()
    assert page.get_by_role("img", name="Your scores over time").is_visible()
    assert page.locator("#attempts-table tbody tr").count() == 5
    linkage = page.locator("#mastery-linkage").inner_text()
    assert "\t20\t" in linkage  # every question is on linkage: 5 attempts × 4 answers
    assert page.get_by_role("button", name="Review now").is_visible()
    assert page.locator(".read-next a", has_text="Linkage").first.is_visible()
    assert_accessible(page)


def _answer_shown_card(page, live_server, *, correct: bool) -> int:
    card_id = int(re.search(r"/progress/review/(\d+)", page.locator("form.review-form").get_attribute("action"))[1])
    with live_server.app.app_context():
        card = db.session.get(ReviewCard, card_id)
        question = question_of(card.question.current_version)
        value = choice_public(card.seed, question, correct=correct)
    page.locator(f'input[name="q1"][value="{value}"]').check()
    page.get_by_role("button", name="Check answer").click()
    page.wait_for_url(f"**/progress/review/{card_id}/feedback")
    return card_id


def test_review_session(page, live_server, student_with_history):
    sign_in(page, student_with_history)
    page.goto("/progress")
    assert "2 questions due" in page.locator(".due-count").inner_text()
    page.get_by_role("button", name="Review now").click()
    page.wait_for_url("**/progress/review")
    assert page.get_by_role("group", name=re.compile("Question 1")).is_visible()
    assert_accessible(page)

    _answer_shown_card(page, live_server, correct=True)
    assert page.locator(".badge-correct").is_visible()
    assert page.get_by_role("heading", name="Explanation").is_visible()
    assert "comes back in 10 minutes" in page.locator(".schedule").inner_text()
    assert_accessible(page)

    page.get_by_role("link", name="Next question").click()
    page.wait_for_url("**/progress/review")
    _answer_shown_card(page, live_server, correct=False)
    assert page.locator(".badge-incorrect").is_visible()
    assert page.get_by_role("link", name=re.compile("Read the passage")).is_visible()
    assert "last question due" in page.locator("main").inner_text()
    assert_accessible(page)

    page.get_by_role("link", name="Back to your progress").click()
    assert "Nothing is due now" in page.locator(".due-count").inner_text()


def test_a_review_answer_is_posted_without_javascript(page_without_js, live_server, student_with_history):
    page = page_without_js
    sign_in(page, student_with_history)
    page.goto("/progress")
    page.get_by_role("button", name="Review now").click()
    page.wait_for_url("**/progress/review")
    _answer_shown_card(page, live_server, correct=False)
    assert page.locator(".badge-incorrect").is_visible()
    assert "comes back in 1 minute" in page.locator(".schedule").inner_text()
    page.get_by_role("link", name="Next question").click()
    assert page.get_by_role("button", name="Check answer").is_visible()


def test_study_guide_is_accessible_and_prints_as_a_handout(page, live_server, student_with_history):
    sign_in(page, student_with_history)
    page.goto("/progress/themes/linkage")
    assert page.get_by_role("heading", level=1).inner_text() == "Linkage"
    assert page.get_by_role("heading", name="Guiding questions").first.is_visible()
    assert page.locator(".missed-question").count() == 2
    assert_accessible(page)
    page.emulate_media(media="print")
    assert page.locator(".guide-passage").first.is_visible()
    assert page.locator(".missed-question .explanation").first.is_visible()
    for hidden in (".site-header", ".guide .no-print"):
        assert not page.locator(hidden).first.is_visible()


def test_an_empty_study_guide_and_dashboard_are_accessible(page, live_user):
    sign_in(page, live_user())
    page.goto("/progress")
    assert "review queue is empty" in page.locator(".due-count").inner_text()
    assert_accessible(page)
    page.goto("/progress/themes/summit")
    assert_accessible(page)
    page.goto("/progress/review")
    assert_accessible(page)


def test_an_instructor_sees_the_class_and_a_students_progress(page, live_server, live_user, student_with_history):
    teacher_email, idle_email = live_user(Role.INSTRUCTOR), live_user()
    with live_server.app.app_context():
        users = {
            u.email: u
            for u in db.session.scalars(
                select(User).where(User.email.in_([student_with_history, teacher_email, idle_email]))
            )
        }
        class_id = class_of(
            users[teacher_email], [users[student_with_history], users[idle_email]], name="Progress in class"
        )
        student_id = users[student_with_history].id
    sign_in(page, teacher_email)
    page.goto(f"/progress/classes/{class_id}")
    assert page.get_by_role("img", name="Class mastery by theme").is_visible()
    assert "no activity yet" in page.locator(".attention-list").inner_text()  # the classmate who did nothing
    assert_accessible(page)
    page.locator(f'.heatmap-table a[href="/progress/students/{student_id}"]').click()
    page.wait_for_url(f"**/progress/students/{student_id}")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Progress of ")
    assert page.get_by_role("img", name=re.compile("mastery by theme")).is_visible()
    assert_accessible(page)
