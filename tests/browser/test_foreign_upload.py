"""A plain Moodle GIFT export and a plain text2qti quiz import in Chromium with no default set.

Neither file names a theme, passage or difficulty of the app's, nor always an explanation: the
preview lists the warnings, the import goes through, and the bank files the questions under
"Not filed yet" until the instructor files them. Axe on the upload, its preview and the bank.
"""

from __future__ import annotations

import re
import uuid

from studyapp.models import Role
from tests.browser.conftest import assert_accessible, sign_in

#: As Moodle exports a category of questions: its own comments, tags, a free-text ID number, two
#: questions with the same name, and text in Moodle's own format that is no Markdown.
MOODLE_EXPORT = """// question: 0  name: Switch category to $course$/top/Week 3
$CATEGORY: $course$/top/Week 3


// question: 101  name: Product
// [id:Week3.Q1] [tag:Week 3] [tag:arithmetic]
::Product::What is 2*3*4?{
\t=24#Right: 2*3 is 6, and 6*4 is 24.
\t~10
\t~9
}


// question: 102  name: Prime
::Prime::[html]<p>Which number is <b>prime</b>?</p>{
\t~%100%7
\t~%-100%8
####Seven has no divisor but 1 and itself.
}


// question: 103  name: Control
::Control::Which one is a GIFT control character?{
\t=\\#
\t~a
}


// question: 104  name: Prime
::Prime::Nine is prime.{F}
"""

#: As text2qti's README writes a quiz: no comment tags, no feedback on the second question.
TEXT2QTI_QUIZ = """Quiz title: Arithmetic
Quiz description: Two plain questions.

1.  What is 2+3?
... Two and three make five.
a)  6
*b) 5

Title: Dinosaurs
2.  Which of the following are dinosaurs?
[ ] Woolly mammoth
[*] Tyrannosaurus rex
[*] Triceratops
"""


def upload_plain(page, name: str, data: str, fmt: str) -> None:
    page.goto("/authoring/upload")
    assert_accessible(page)
    page.get_by_label("Bank file").set_input_files({"name": name, "mimeType": "text/plain", "buffer": data.encode()})
    page.get_by_label("Format").select_option(fmt)
    page.get_by_role("button", name="Check the file").click()


def import_previewed(page, count: int) -> None:
    assert page.locator("[role=alert]").count() == 0, page.locator("main").inner_text()
    assert_accessible(page)
    plural = "" if count == 1 else "s"
    page.get_by_role("button", name=f"Import {count} new or changed question{plural}").click()
    page.wait_for_url(re.compile(r"/authoring/\?bank=\d+$"))


def test_a_plain_moodle_export_imports_with_no_option_set(page, live_user):
    sign_in(page, live_user(Role.INSTRUCTOR))
    name = f"moodle-week-{uuid.uuid4().hex[:8]}.txt"
    upload_plain(page, name, MOODLE_EXPORT, "gift")
    report = page.locator(".upload-report")
    assert "4 questions are not filed yet" in report.inner_text()
    assert "ID number 'Week3.Q1' is not an id here" in report.inner_text()
    assert "id 'prime' is taken by the question on line 15: this one's id is 'prime-2'" in report.inner_text()
    assert "kept as the question's tags" in report.inner_text()
    keys = page.locator(".report-list").inner_text()
    assert all(key in keys for key in ("week3-q1", "prime", "control", "prime-2"))
    import_previewed(page, 4)
    page.goto(page.url + "&theme=unfiled")
    assert page.locator(".bank-table tbody tr").count() == 4
    assert page.locator(".bank-table tbody").get_by_text("Not filed yet").count() == 4
    assert "What is 2*3*4?" in page.locator(".bank-table tbody").inner_text()
    assert_accessible(page)
    page.get_by_role("link", name="control", exact=True).click()
    key = [item.strip() for item in page.locator(".key-list li").all_inner_texts()]
    assert key == ["Right: #", "Wrong: a"]
    assert_accessible(page)


def test_a_plain_text2qti_quiz_imports_with_no_option_set(page, live_user):
    sign_in(page, live_user(Role.INSTRUCTOR))
    name = f"arithmetic-{uuid.uuid4().hex[:8]}.txt"
    upload_plain(page, name, TEXT2QTI_QUIZ, "text2qti")
    report = page.locator(".upload-report")
    assert "2 questions are not filed yet" in report.inner_text()
    assert "no explanation" in report.inner_text()
    import_previewed(page, 2)
    assert page.get_by_role("heading", name=re.compile("Arithmetic")).is_visible()
    assert page.locator(".bank-table tbody").get_by_text("Not filed yet").count() == 2
    assert page.get_by_role("link", name="dinosaurs", exact=True).is_visible()
    assert_accessible(page)


def test_a_tag_is_filed_under_a_theme_from_the_form(page, live_user):
    sign_in(page, live_user(Role.INSTRUCTOR))
    name = f"tagged-{uuid.uuid4().hex[:8]}.txt"
    page.goto("/authoring/upload")
    page.get_by_label("Bank file").set_input_files(
        {"name": name, "mimeType": "text/plain", "buffer": MOODLE_EXPORT.encode()}
    )
    page.get_by_label("Format").select_option("gift")
    field = page.get_by_label("Tags to file under a theme (optional)")
    field.fill("Week 3 = no-such-theme")
    page.get_by_role("button", name="Check the file").click()
    assert "No theme has the id 'no-such-theme'." in page.locator(".field-invalid").inner_text()
    assert_accessible(page)
    page.get_by_label("Bank file").set_input_files(
        {"name": name, "mimeType": "text/plain", "buffer": MOODLE_EXPORT.encode()}
    )
    page.get_by_label("Tags to file under a theme (optional)").fill("Week 3 = linkage")
    page.get_by_role("button", name="Check the file").click()
    assert "3 questions are not filed yet" in page.locator(".upload-report").inner_text()
    import_previewed(page, 4)
    page.goto(page.url + "&theme=linkage")
    assert page.get_by_role("link", name="week3-q1", exact=True).is_visible()
    assert page.locator(".bank-table tbody tr").count() == 1
