"""Authoring in Chromium: write a question with an error, see it at its line, fix it, save it, build a quiz,
assign it to a class, a student takes it, the instructor sees the result. Axe on the bank, editor and builder."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from studyapp.core.markdown import render
from studyapp.domain.questions import question_of
from studyapp.extensions import db
from studyapp.models import Question, QuestionBank, Role, User
from tests.browser.conftest import assert_accessible, sign_in

KEY = "tnf-why-not-next-week"
#: Line 5 has a difficulty out of range; everything else is right.
BROKEN = f"""## {KEY}
type: short
themes: arms-control
passages: memo-tnf
difficulty: 5

What did Dobrynin suggest about the start of TNF talks, in the words Haig quotes?

### Answers
- Why not next week?
- next week

### Explanation
Haig quotes him: (“Why not next week?”)."""
FIXED = BROKEN.replace("difficulty: 5", "difficulty: 1")


def make_class(live_server, instructor_email: str, student_email: str, name: str) -> None:
    """A class taught by the instructor with the student in it (the classes feature's own tests cover joining)."""
    from studyapp.domain import classes as classes

    with live_server.app.app_context():
        users = {
            u.email: u
            for u in db.session.scalars(select(User).where(User.email.in_([instructor_email, student_email])))
        }
        class_ = classes.create_class(users[instructor_email], name=name)
        classes.join_class(class_, users[student_email])
        db.session.commit()


def right_choice(live_server, key: str) -> str:
    """The right choice of a shipped single-choice question, as its label reads on the page."""
    with live_server.app.app_context():
        question = db.session.scalar(
            select(Question).join(QuestionBank).where(QuestionBank.owner_id.is_(None), Question.key == key)
        )
        text = next(c.text for c in question_of(question.current_version).choices if c.correct)
    return html.unescape(re.sub(r"<[^>]+>", "", render(text, inline=True)))


def type_source(page, text: str) -> None:
    editor = page.get_by_label("Question in Markdown")
    editor.fill(text)
    editor.press("End")  # an input event after the fill, as typing gives


def test_instructor_writes_a_question_builds_and_assigns_a_quiz_and_sees_the_result(
    browser, page, live_server, live_user
):
    teacher, student = live_user(Role.INSTRUCTOR), live_user(Role.STUDENT)
    make_class(live_server, teacher, student, "History 210")
    sign_in(page, teacher)

    page.get_by_role("link", name="Question bank").click()
    page.wait_for_url("**/authoring/")
    assert page.get_by_role("heading", level=1).inner_text() == "Question bank"
    assert_accessible(page)

    page.get_by_role("link", name="New question", exact=True).first.click()
    page.wait_for_url("**/authoring/questions/new")
    type_source(page, BROKEN)
    problem = page.locator(".problem-list li", has_text="Line 5")
    problem.wait_for()
    assert "difficulty must be 1, 2 or 3, found '5'" in problem.inner_text()
    assert page.locator("[data-gutter] span").nth(4).get_attribute("class") == "line-error"
    assert page.get_by_label("Question in Markdown").get_attribute("aria-invalid") == "true"
    assert "1 problem" in page.locator("#problems-summary").inner_text()
    assert_accessible(page)
    problem.get_by_role("link").click()  # puts the cursor on that line
    assert page.evaluate("document.activeElement.name") == "source"
    assert (
        page.evaluate(
            "document.activeElement.value.slice(document.activeElement.selectionStart,"
            " document.activeElement.selectionEnd)"
        )
        == "difficulty: 5"
    )

    type_source(page, FIXED)
    page.locator("#problems-summary", has_text="No problems").wait_for()
    assert page.locator("[data-gutter] .line-error").count() == 0
    assert "What did Dobrynin suggest" in page.locator("[data-preview]").inner_text()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/authoring/questions/\d+$"))
    assert page.get_by_role("heading", level=1).inner_text() == KEY

    page.goto("/authoring/quizzes/new")
    page.get_by_label("Title").fill("TNF in Haig's words")
    page.get_by_label("Question ids, one per line, in order").fill(f"{KEY}\nlinkage-whose-words")
    page.get_by_role("button", name="Preview a sample draw").click()
    page.get_by_role("heading", name="A sample draw, as a student would see it").wait_for()
    assert page.locator(".sample fieldset.question").count() == 2
    assert_accessible(page)
    page.get_by_role("button", name="Save the quiz").click()
    page.wait_for_url(re.compile(r"/authoring/quizzes/\d+$"))
    quiz_url = page.url

    total = page.locator("#quiz-total strong").inner_text()  # the quiz's total, as the quiz's page gives it
    assert total == "2 points"
    page.get_by_role("link", name="Assign to a class: History 210").click()
    page.get_by_label("Quiz").select_option(label=f"TNF in Haig's words (yours): {total}")  # the same on the form
    page.get_by_role("button", name="Assign the quiz").click()
    page.wait_for_url(re.compile(r"/classes/\d+"))

    learner = browser.new_context(base_url=live_server.url).new_page()
    sign_in(learner, student)
    learner.goto("/quizzes")
    learner.get_by_role("button", name="Start TNF in Haig's words for History 210").click()
    learner.wait_for_url(re.compile(r"/attempts/\d+$"))
    learner.get_by_label("Your answer").fill("Why not next week?")
    learner.get_by_role("radio", name=right_choice(live_server, "linkage-whose-words"), exact=True).check()
    learner.get_by_role("button", name="Finish attempt…").click()
    learner.get_by_role("button", name="Submit now").click()
    learner.wait_for_url(re.compile(r"/result$"))
    assert "Score: 2" in learner.locator(".result-summary").inner_text()
    learner.context.close()

    page.goto(quiz_url)
    page.get_by_role("link", name=re.compile(r"Results \(1 attempt\)")).click()
    row = page.locator("tbody tr").first
    assert "Student" in row.inner_text() and "2 / 2" in row.inner_text()
    row.get_by_role("link").click()
    assert page.locator(".badge-correct").count() == 2


def test_without_javascript_the_preview_button_shows_the_errors_and_save_works(page_without_js, live_user):
    page = page_without_js  # (axe-core needs JavaScript: the pages are checked with it on below)
    sign_in(page, live_user(Role.INSTRUCTOR))
    page.goto("/authoring/questions/new?type=numeric")
    source = page.get_by_label("Question in Markdown")
    assert "type: numeric" in source.input_value()
    source.fill(FIXED.replace(KEY, "tnf-no-js").replace("difficulty: 1", "difficulty: x"))
    page.get_by_role("button", name="Preview").click()
    page.locator(".problem-list li", has_text="Line 5").wait_for()
    assert page.locator("[data-gutter] span").nth(4).get_attribute("class") == "line-error"
    page.get_by_label("Question in Markdown").fill(FIXED.replace(KEY, "tnf-no-js"))
    page.get_by_role("button", name="Preview").click()
    page.locator("#problems-summary", has_text="No problems").wait_for()
    assert "What did Dobrynin suggest" in page.locator("[data-preview]").inner_text()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/authoring/questions/\d+$"))
    assert page.get_by_role("heading", level=1).inner_text() == "tnf-no-js"


def test_the_other_authoring_pages_are_accessible(page, live_user):
    sign_in(page, live_user(Role.INSTRUCTOR))
    page.goto("/authoring/?theme=linkage&type=single")
    page.get_by_role("link", name="linkage-whose-words").click()
    assert_accessible(page)
    page.get_by_role("button", name="Copy to my bank").click()
    page.wait_for_url(re.compile(r"/edit$"))
    assert_accessible(page)
    page.get_by_role("button", name="Save as version 2").click()  # unchanged: no new version
    page.get_by_role("link", name=re.compile("History")).click()
    assert_accessible(page)
    page.go_back()
    page.get_by_role("link", name="Preview as a student").click()
    assert page.locator("fieldset.question").count() == 1
    assert_accessible(page)
    for url in ("/authoring/banks/new", "/authoring/quizzes"):
        page.goto(url)
        assert_accessible(page)


def test_an_upload_is_previewed_with_its_errors_then_imported(page, live_user):
    sign_in(page, live_user(Role.INSTRUCTOR))
    page.goto("/authoring/upload")
    assert_accessible(page)
    upload = {"name": "browser-bank.md", "mimeType": "text/markdown"}
    page.get_by_label("Bank file").set_input_files({**upload, "buffer": BROKEN.replace(KEY, "up-one").encode()})
    page.get_by_role("button", name="Check the file").click()
    row = page.locator(".problem-table tbody tr").first
    assert row.locator("td").nth(1).inner_text() == "5" and "difficulty" in row.inner_text()
    assert page.get_by_role("button", name=re.compile("^Import")).count() == 0
    assert_accessible(page)
    page.get_by_label("Bank file").set_input_files({**upload, "buffer": FIXED.replace(KEY, "up-one").encode()})
    page.get_by_role("button", name="Check the file").click()
    assert "up-one" in page.locator(".report-list").inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="Import 1 new or changed question").click()
    page.wait_for_url(re.compile(r"/authoring/\?bank=\d+$"))
    assert page.get_by_role("link", name="up-one").is_visible()
