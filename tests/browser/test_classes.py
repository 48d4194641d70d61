"""Classes in Chromium: an instructor creates a class and assigns a quiz, a student joins and submits,
the instructor reads the gradebook and downloads every export; axe-core checks each page visited."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from studyapp.core.exports import CANVAS_FIXED_COLUMNS, CANVAS_POINTS_POSSIBLE, RESPONSES_COLUMNS
from studyapp.extensions import db
from studyapp.models import Quiz, Role
from tests.browser.conftest import assert_accessible, load_shipped, sign_in, visit


@pytest.fixture(scope="module", autouse=True)
def shipped_content(live_server):
    """Load the readings, question banks and quizzes into the live server's database."""
    load_shipped(live_server)


def test_a_class_from_creation_to_the_exports(page, browser, live_server, live_user):
    instructor = live_user(Role.INSTRUCTOR)
    student_email = live_user(Role.STUDENT)
    with live_server.app.app_context():
        quiz_id, quiz_title = db.session.execute(
            select(Quiz.id, Quiz.title).where(Quiz.owner_id.is_(None)).order_by(Quiz.id)
        ).first()

    # The instructor creates a class.
    sign_in(page, instructor)
    visit(page, "/classes")
    page.get_by_role("link", name="Create a class").click()
    assert_accessible(page)
    page.get_by_label("Class name").fill("HIST 210: Détente")
    page.get_by_label("Term").fill("Spring 2027")
    page.get_by_label("Sections").fill("Section A\nSection B")
    page.get_by_role("button", name="Create the class").click()
    page.wait_for_url(re.compile(r"/classes/\d+$"))
    assert page.get_by_text("Share the join code").is_visible()
    assert_accessible(page)
    class_url = page.url
    class_id = int(class_url.rsplit("/", 1)[1])
    code = page.locator("#join-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{8}", code)

    # ...and assigns a quiz, overriding its time limit.
    page.get_by_role("link", name="Assign a quiz").click()
    assert_accessible(page)
    page.get_by_label("Quiz").select_option(str(quiz_id))
    page.get_by_label("Time limit in minutes").fill("30")
    page.get_by_role("button", name="Assign the quiz").click()
    page.wait_for_url(re.compile(r"/classes/\d+#assignments$"))
    assert page.get_by_role("row", name=re.compile(re.escape(quiz_title))).is_visible()
    assert_accessible(page)

    # A student follows the join link, joins and takes the quiz.
    context = browser.new_context(base_url=live_server.url)
    student = context.new_page()
    student.set_default_timeout(10_000)
    try:
        sign_in(student, student_email)
        visit(student, f"/join/{code}")
        student.get_by_role("button", name="Join HIST 210: Détente").click()
        student.wait_for_url("**/quizzes")
        assert student.get_by_text("You are in HIST 210: Détente").is_visible()
        assert_accessible(student)
        student.get_by_role("button", name=f"Start {quiz_title} for HIST 210: Détente").click()
        student.wait_for_url(re.compile(r"/attempts/\d+"))
        attempt_url = student.url.split("?")[0]
        student.goto(f"{attempt_url}/submit")
        student.get_by_role("button", name="Submit now").click()
        student.wait_for_url("**/result")
        visit(student, "/classes")
    finally:
        context.close()

    # The instructor sees the student in the roster and the gradebook, opens the cell and the analysis.
    visit(page, f"/classes/{class_id}/roster")
    assert page.get_by_role("cell", name=student_email).is_visible()
    visit(page, f"/classes/{class_id}/gradebook")
    table = page.locator("#gradebook")
    assert table.get_by_text("Submitted").count() == 1
    table.get_by_role("link", name=re.compile("Submitted")).click()
    page.wait_for_url(re.compile(r"/gradebook/\d+/\d+$"))
    assert page.get_by_role("link", name="Attempt 1").is_visible()
    assert_accessible(page)
    page.goto(f"/classes/{class_id}/gradebook")
    page.locator("#gradebook thead a", has_text=quiz_title).first.click()
    page.wait_for_url(re.compile(r"sort=a\d+&dir=desc"))
    assert page.locator("#gradebook thead th[aria-sort=descending]").count() == 1
    assert_accessible(page)
    page.goto(class_url)
    page.get_by_role("link", name=f"Item analysis of {quiz_title}").click()
    assert page.get_by_role("heading", name=f"Item analysis: {quiz_title}").is_visible()
    assert_accessible(page)

    # Every export downloads, named by class and date, and reads back cell by cell.
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
        download = info.value
        assert re.fullmatch(
            r"hist-210-detente-(gradebook|responses)-\d{4}-\d{2}-\d{2}\.(csv|xlsx)", download.suggested_filename
        ), download.suggested_filename
        with open(download.path(), "rb") as handle:
            files[label] = handle.read()

    gradebook = files["Gradebook (Canvas layout), CSV"]
    assert gradebook.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(gradebook.decode("utf-8-sig"), newline=""), quoting=csv.QUOTE_NONNUMERIC))
    assert rows[0][:5] == list(CANVAS_FIXED_COLUMNS) and re.fullmatch(rf"{re.escape(quiz_title)} \(\d+\)", rows[0][5])
    assert rows[1][0] == CANVAS_POINTS_POSSIBLE and isinstance(rows[1][5], float) and rows[1][5] > 0
    assert len(rows) == 3
    name, user_id, sis, login, section, score = rows[2]
    assert re.fullmatch(r"Student \d+", name), name  # the display name live_user gives
    assert (sis, login, section) == ("", student_email, "") and isinstance(user_id, float)
    assert score == 0.0  # submitted with no answers

    responses = list(
        csv.reader(io.StringIO(files["Responses, CSV"].decode("utf-8-sig"), newline=""), quoting=csv.QUOTE_NONNUMERIC)
    )
    assert responses[0] == list(RESPONSES_COLUMNS)
    assert len(responses) > 1
    for row in responses[1:]:
        assert row[0] == "HIST 210: Détente" and row[2] == quiz_title and row[4] == 1.0
        assert row[7] == "" and row[10].endswith("Z")

    sheet = load_workbook(io.BytesIO(files["Gradebook (Canvas layout), XLSX"])).active
    assert [c.value for c in sheet[1]][:5] == list(CANVAS_FIXED_COLUMNS)
    assert sheet["D3"].value == student_email and sheet["F3"].value == 0
    sheet = load_workbook(io.BytesIO(files["Responses, XLSX"])).active
    assert [c.value for c in sheet[1]] == list(RESPONSES_COLUMNS)
    assert sheet.max_row == len(responses)


def test_roster_import_problems_are_listed_accessibly_and_invited_students_join_with_their_codes(
    page, browser, live_server, live_user, tmp_path
):
    sign_in(page, live_user(Role.INSTRUCTOR))
    page.goto("/classes/new")
    page.get_by_label("Class name").fill("Roster check")
    page.get_by_role("button", name="Create the class").click()
    page.wait_for_url(re.compile(r"/classes/\d+$"))
    page.get_by_role("link", name="Roster", exact=True).click()
    page.get_by_role("link", name="Import a roster (CSV)").click()
    assert_accessible(page)
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "name,email,section\nAda,ada@example.edu,A\n,bob@example.edu,A\nCy,not-an-email,\n", encoding="utf-8"
    )
    page.get_by_label("Roster file (CSV)").set_input_files(str(roster))
    page.get_by_role("button", name="Check the file").click()
    alert = page.get_by_role("alert").filter(has_text="Nothing was imported")
    assert alert.is_visible()
    assert alert.get_by_text("Line 3: the name is missing.").is_visible()
    assert alert.get_by_text(re.compile("Line 4: 'not-an-email' is not a valid email address")).is_visible()
    assert_accessible(page)

    student_email = live_user(Role.STUDENT)
    roster.write_text(f"name,email,section\nAda,ada@example.edu,A\nBob,{student_email},B\n", encoding="utf-8")
    page.get_by_label("Roster file (CSV)").set_input_files(str(roster))
    page.get_by_role("button", name="Check the file").click()
    assert page.get_by_text("The file is ready").is_visible()
    assert page.get_by_text("2 students to invite").is_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Import 2 students").click()
    assert page.get_by_text("Invited 2 students").is_visible()
    invitations = page.locator("#invitations-section")
    assert invitations.get_by_role("cell", name=student_email).is_visible()
    assert_accessible(page)
    roster_url = page.url.split("#")[0]
    row = invitations.get_by_role("row", name=re.compile(re.escape(student_email)))
    personal_code = row.locator("code").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{5}-[A-Z2-9]{5}", personal_code)
    page.get_by_role("link", name="Print the codes").click()
    assert page.get_by_text(personal_code).is_visible()
    assert_accessible(page)

    # The student, who has an account, enters the code on their class list and is in the class.
    context = browser.new_context(base_url=live_server.url)
    student = context.new_page()
    student.set_default_timeout(10_000)
    try:
        sign_in(student, student_email)
        student.goto("/classes")
        student.get_by_label("Join code").fill(personal_code.lower())
        student.get_by_role("button", name="Join", exact=True).click()
        assert student.get_by_text("You are in Roster check").is_visible()
    finally:
        context.close()

    page.goto(roster_url)
    students = page.get_by_role("table", name=re.compile("Students of"))
    assert students.get_by_role("cell", name=student_email).is_visible()
    page.get_by_role("link", name="Roster changes").click()
    assert page.get_by_role("rowheader", name=re.compile("Accepted an invitation")).is_visible()
    assert_accessible(page)
