"""One class run end to end in Chromium, with every number read back from every page and every export.

An instructor builds a quiz that draws two single-choice questions (4.04 points each, whatever their
own points) and one essay (7.05, whatever its own 6 or 8): every attempt is out of 15.13. Four
students take it: all right, half right, all wrong and unfinished. Their draws differ, their maximum
does not. The essays wait (the scores say "provisional"), then are graded. The instructor moves the
closing time into the past after the three on-time submissions: they stay on time, and only the
attempt left open, submitted after that close, is late. Every page and every export then shows the
same numbers: 15.13, 7.05, 0 and 4.04. axe-core checks each page visited.
"""

from __future__ import annotations

import csv
import io
import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from studyapp.core import grading
from studyapp.core.exports import CANVAS_POINTS_POSSIBLE, RESPONSES_COLUMNS
from studyapp.core.numbers import points
from studyapp.domain import classes
from studyapp.domain.questions import public_id, question_of
from studyapp.extensions import db
from studyapp.models import Attempt, Class, Role, User
from studyapp.models.base import utcnow
from tests.browser.conftest import assert_accessible, load_shipped, sign_in, visit
from tests.browser.test_quiz import answer
from tests.web.quizzes import correct_public

TITLE = "Linkage"
CLASS = "HIST 210"
TOTAL = "15.13"
#: What each student does with the three questions (two drawn singles, then the drawn essay), the
#: essay's grade, and the final score every page and export must show.
PLAN = {
    "all right": ((True, True, "Linkage ties arms control to Soviet conduct."), "7.05", "15.13"),
    "half right": ((True, False, "Linkage, in short."), "3.01", "7.05"),
    "all wrong": ((False, False, None), None, "0"),
    "unfinished": ((True, None, None), None, "4.04"),
}
PROVISIONAL = {"all right": "8.08", "half right": "4.04"}


@pytest.fixture(scope="module", autouse=True)
def shipped_content(live_server):
    """The shipped banks: the pool the quiz draws from (single-choice questions worth 1, essays worth 6 or 8)."""
    load_shipped(live_server)


@contextmanager
def browsing_as(browser, live_server, email: str):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, email)
        yield page
    finally:
        context.close()


def responses_for(live_server, attempt_id: int, plan) -> dict[int, dict]:
    """The answers of the plan in the ids the attempt's page shows: right, wrong, or an essay's text."""
    wanted = {}
    with live_server.app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        for item, what in zip(attempt.items, plan):
            question = question_of(item.version)
            if what is None:
                continue
            if question.type == "essay":
                wanted[item.position] = {"text": what}
            elif what is True:
                wanted[item.position] = correct_public(attempt, item.position)
            else:
                right = grading.correct_response(question)["choice"]
                other = next(choice.id for choice in question.choices if choice.id != right)
                wanted[item.position] = {"choice": public_id(attempt.seed, question.id, other)}
    return wanted


def drawn(live_server, attempt_id: int) -> tuple[tuple[str, ...], tuple[float, ...], tuple[float, ...]]:
    """The questions an attempt drew, their own points, and what each is worth in the attempt."""
    with live_server.app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        questions = [question_of(item.version) for item in attempt.items]
        return (
            tuple(q.id for q in questions),
            tuple(q.points for q in questions),
            tuple(item.max_score for item in attempt.items),
        )


def summary(page) -> str:
    return " ".join(page.locator(".result-summary .score").inner_text().split())


def quiz_row(page) -> str:
    """The student's row of the class's assignment (the shipped quiz of the theme has the same title)."""
    return " ".join(
        page.get_by_role("region", name=CLASS).get_by_role("row").filter(has_text=TITLE).inner_text().split()
    )


def downloads(page, class_id: int) -> dict[str, bytes]:
    page.goto(f"/classes/{class_id}/gradebook")
    files = {}
    for label in (
        "Gradebook (Canvas layout), CSV",
        "Gradebook (Canvas layout), XLSX",
        "Responses, CSV",
        "Responses, XLSX",
    ):
        with page.expect_download() as info:
            page.get_by_role("link", name=label).click()
        with open(info.value.path(), "rb") as handle:
            files[label] = handle.read()
    return files


def read_csv(data: bytes) -> list[list]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), quoting=csv.QUOTE_NONNUMERIC))


def test_one_class_with_every_number_the_same_on_every_page_and_every_export(page, browser, live_server, live_user):
    instructor = live_user(Role.INSTRUCTOR)
    students = {name: live_user() for name in PLAN}
    sign_in(page, instructor)

    # The instructor builds the drawn quiz: two singles at 4.04 each, one essay at 7.05.
    visit(page, "/authoring/quizzes/new")
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Drawn at random by rules").check()
    page.locator('[name="rules-0-types"]').select_option(["single"])
    page.locator('[name="rules-0-count"]').fill("2")
    page.locator('[name="rules-0-points"]').fill("4.04")
    page.locator('[name="rules-1-types"]').select_option(["essay"])
    page.locator('[name="rules-1-count"]').fill("1")
    page.locator('[name="rules-1-points"]').fill("7.05")
    page.get_by_label("Shuffle the questions").uncheck()
    page.get_by_role("button", name="Save the quiz").click()
    page.wait_for_url(re.compile(r"/authoring/quizzes/\d+$"))
    quiz_id = int(page.url.rsplit("/", 1)[1])
    assert page.locator("#quiz-total").inner_text().startswith(f"Every attempt is out of {TOTAL} points")
    assert_accessible(page)

    # ...creates the class and assigns the quiz, whose total the menu shows, closing in a week.
    visit(page, "/classes/new")
    page.get_by_label("Class name").fill(CLASS)
    page.get_by_role("button", name="Create the class").click()
    page.wait_for_url(re.compile(r"/classes/\d+$"))
    class_url = page.url
    class_id = int(class_url.rsplit("/", 1)[1])
    page.get_by_role("link", name="Assign a quiz").click()
    assert_accessible(page)
    page.get_by_label("Quiz").select_option(label=f"{TITLE} (yours): {TOTAL} points")
    closes = utcnow() + timedelta(days=7)
    page.get_by_label("Closes (UTC)").fill(f"{closes:%Y-%m-%dT%H:%M}")
    page.get_by_role("button", name="Assign the quiz").click()
    page.wait_for_url(re.compile(r"/classes/\d+#assignments$"))
    assert page.get_by_role("row", name=re.compile(TITLE)).get_by_role("cell", name=TOTAL).is_visible()
    assert_accessible(page)
    with live_server.app.app_context():
        class_ = db.session.get_one(Class, class_id)
        for email in students.values():
            classes.join_class(class_, db.session.scalar(select(User).where(User.email == email)))
        db.session.commit()

    # Four students take it.
    attempt_ids = {}
    for name, (plan, _, _) in PLAN.items():
        with browsing_as(browser, live_server, students[name]) as student:
            visit(student, "/quizzes")
            student.get_by_role("button", name=f"Start {TITLE} for {CLASS}").click()
            student.wait_for_url(re.compile(r"/attempts/\d+$"))
            attempt_ids[name] = attempt_id = int(student.url.rsplit("/", 1)[1])
            for position, response in responses_for(live_server, attempt_id, plan).items():
                answer(student, position, response)
                student.locator(f"#q{position} [data-status]").filter(has_text=re.compile(r"^Saved$")).wait_for()
            if name == "unfinished":
                continue
            student.get_by_role("button", name="Finish attempt…").click()
            student.get_by_role("button", name="Submit now").click()
            student.wait_for_url(re.compile(r"/result$"))
            assert_accessible(student)
            shown = summary(student)
            if name in PROVISIONAL:  # the essay waits: the score says so
                assert shown.startswith(f"Score: {PROVISIONAL[name]} of {TOTAL} (")
                assert shown.endswith("provisional: 1 answer awaiting grading"), shown
                visit(student, "/quizzes")
                assert f"{PROVISIONAL[name]} / {TOTAL} provisional: 1 answer awaiting grading" in quiz_row(student)
                visit(student, "/progress")
                row = " ".join(student.locator("#attempts-table tbody tr").first.inner_text().split())
                assert f"{PROVISIONAL[name]} / {TOTAL} provisional: 1 answer awaiting grading" in row, row
            else:
                assert shown == f"Score: 0 of {TOTAL} (0%)", shown

    # Their draws differ; their maximum does not.
    draws = {name: drawn(live_server, attempt_id) for name, attempt_id in attempt_ids.items()}
    assert len({questions for questions, _, _ in draws.values()}) > 1, draws
    assert all(worth == (4.04, 4.04, 7.05) for _, _, worth in draws.values()), draws
    assert all(own[2] in (6.0, 8.0) for _, own, _ in draws.values())  # the essays' own points, not counted

    # "Close now" asks first (without a script), and says what it would do.
    visit(page, class_url)
    page.get_by_role("link", name=f"Close now… {TITLE}").click()
    page.wait_for_url(re.compile(r"/close$"))
    assert page.get_by_role("heading", name=f"Close {TITLE} now?").is_visible()
    assert page.get_by_text("1 attempt is open now").is_visible()
    assert_accessible(page)
    close_url = page.url
    page.get_by_role("link", name="Cancel").click()

    # The essays wait in the grading queue, with their class and points; the instructor grades them.
    visit(page, "/grading")
    for name in PROVISIONAL:
        with live_server.app.app_context():
            student_name = db.session.scalar(select(User.display_name).where(User.email == students[name]))
        row = page.get_by_role("row", name=re.compile(re.escape(student_name)))
        assert row.get_by_role("cell", name=CLASS).is_visible() and row.get_by_role("cell", name="7.05").is_visible()
    for name, (_, grade, _) in PLAN.items():
        if grade is None:
            continue
        page.goto("/grading")
        page.locator(f'a[href="/manage/attempts/{attempt_ids[name]}#q3"]').click()
        page.wait_for_url(f"**/manage/attempts/{attempt_ids[name]}#q3")
        assert page.get_by_text("Score (0 to 7.05)").is_visible()
        page.locator("#score-3").fill(grade)
        page.get_by_role("button", name="Save grade").click()
        page.get_by_text("Question 3 graded.").wait_for()
        assert_accessible(page)
    visit(page, "/grading")
    assert page.get_by_text("Nothing is waiting: every essay is graded.").is_visible()

    # The closing time moves into the past, after the three submissions: they stay on time.
    visit(page, class_url)
    page.get_by_role("link", name=f"Edit {TITLE}").click()
    page.get_by_label("Closes (UTC)").fill(f"{utcnow() - timedelta(hours=1):%Y-%m-%dT%H:%M}")
    page.get_by_role("button", name="Save the assignment").click()
    page.wait_for_url(re.compile(r"/classes/\d+#assignments$"))
    assert page.get_by_role("link", name=f"Close now… {TITLE}").count() == 0  # closed already
    visit(page, close_url)
    assert page.get_by_role("heading", name=f"{TITLE} is closed").is_visible()
    # The unfinished attempt is submitted the next time its student looks: after the close, so late.
    with browsing_as(browser, live_server, students["unfinished"]) as student:
        visit(student, "/quizzes")
        assert "Closed" in quiz_row(student)

    # Every page shows the same final numbers.
    finals = {name: final for name, (_, _, final) in PLAN.items()}
    for name, email in students.items():
        with browsing_as(browser, live_server, email) as student:
            visit(student, "/quizzes")
            row = quiz_row(student)
            assert f"{finals[name]} / {TOTAL}" in row and "provisional" not in row, row
            visit(student, f"/attempts/{attempt_ids[name]}/result")
            assert summary(student).startswith(f"Score: {finals[name]} of {TOTAL} ("), summary(student)
            visit(student, "/progress")
            row = " ".join(student.locator("#attempts-table tbody tr").first.inner_text().split())
            assert f"{finals[name]} / {TOTAL}" in row and "provisional" not in row, row

    visit(page, f"/classes/{class_id}/gradebook")
    headings = page.locator("#gradebook thead .col-title").all_inner_texts()
    assert headings[0] == f"Quiz: {TITLE}" and all(h.startswith("Theme: ") for h in headings[1:]), headings
    assert page.locator("#gradebook thead").get_by_text(f"out of {TOTAL}").is_visible()
    states = {}
    with live_server.app.app_context():
        names = {
            name: db.session.scalar(select(User.display_name).where(User.email == email))
            for name, email in students.items()
        }
    for name in PLAN:
        cell = page.get_by_role("row", name=re.compile(re.escape(names[name]))).locator("td.num a").first
        text = " ".join(cell.inner_text().split())
        score, state = text.split(" ", 1) if " " in text else (text, "")
        assert score == finals[name], (name, text)
        states[name] = state
    assert states == {
        "all right": "Submitted",
        "half right": "Submitted",
        "all wrong": "Submitted",
        "unfinished": "Late",
    }
    for name in ("all right", "unfinished"):
        page.get_by_role("row", name=re.compile(re.escape(names[name]))).locator("td.num a").first.click()
        page.wait_for_url(re.compile(r"/gradebook/\d+/\d+$"))
        row = " ".join(page.get_by_role("row", name=re.compile("Attempt 1")).inner_text().split())
        assert f"{finals[name]} / {TOTAL}" in row and row.endswith("Late" if name == "unfinished" else "Submitted"), row
        assert_accessible(page)
        page.goto(f"/classes/{class_id}/gradebook")
    visit(page, f"/authoring/quizzes/{quiz_id}/results")
    for name in PLAN:
        row = " ".join(page.get_by_role("row", name=re.compile(re.escape(names[name]))).inner_text().split())
        assert f"{finals[name]} / {TOTAL}" in row, row
    visit(page, class_url)
    page.get_by_role("link", name=f"Item analysis of {TITLE}").click()
    mean = " ".join(page.get_by_role("row", name=re.compile("Mean score")).inner_text().split())
    assert f"of {TOTAL} (" in mean, mean  # one maximum for every attempt: the mean has a percentage
    assert_accessible(page)

    # Every export says the same.
    files = downloads(page, class_id)
    book = read_csv(files["Gradebook (Canvas layout), CSV"])
    assert book[1][0] == CANVAS_POINTS_POSSIBLE and points(book[1][5]) == TOTAL
    exported = {row[0]: points(row[5]) for row in book[2:]}
    assert exported == {names[name]: final for name, final in finals.items()}
    sheet = load_workbook(io.BytesIO(files["Gradebook (Canvas layout), XLSX"])).active
    assert points(sheet["F2"].value) == TOTAL
    assert {row[0].value: points(row[5].value) for row in sheet.iter_rows(min_row=3)} == exported

    answers = read_csv(files["Responses, CSV"])
    assert answers[0] == list(RESPONSES_COLUMNS)
    sheet = load_workbook(io.BytesIO(files["Responses, XLSX"])).active
    in_sheet = [(row[3].value, row[8].value, row[9].value, row[11].value) for row in sheet.iter_rows(min_row=2)]
    in_csv = [(row[3], None if row[8] == "" else row[8], row[9], row[11]) for row in answers[1:]]
    assert in_sheet == in_csv  # student, score, max score and late: the same in both files
    for name in PLAN:
        rows = [row for row in answers[1:] if row[3] == names[name]]
        assert len(rows) == 3
        total = sum(row[8] for row in rows if row[8] != "")
        assert points(total) == finals[name], (name, rows)
        assert [points(row[9]) for row in rows] == ["4.04", "4.04", "7.05"]
        assert {row[11] for row in rows} == {"yes" if name == "unfinished" else "no"}, (name, rows)
