"""Class-result exports: the Canvas gradebook and the responses, streamed as CSV or XLSX bytes.

Everything here takes plain data and yields `bytes` chunks, so a view can hand the generator
to a streaming response and a class of any size is written in flat memory.

Every text cell of a CSV goes through `neutralize()` (OWASP CSV injection: a leading `'`); in an
XLSX such text keeps its value and gets a cell style with `quotePrefix`, so no apostrophe shows and
editing the cell does not turn it into a formula. Numbers stay numbers. The XLSX writer is a
small streaming OOXML writer on the standard library's `zipfile`: text is always written as an
inline string and no cell ever holds a formula.
(XlsxWriter and openpyxl both build the whole file before its first byte can be sent, take
over a minute for a 500,000-row export here, and XlsxWriter writes any string that looks
like `<r>...</r>` into the sheet unescaped, which lets a typed answer inject a formula.)
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import quote

from studyapp.core.grading import item_ids, right_ids
from studyapp.core.qformat import evidence_choices
from studyapp.core.qformat.model import Question, choice_id
from studyapp.core.slugs import slugify

Cell = str | int | float | Decimal | None
Row = Sequence[Cell]
_T = TypeVar("_T")

#: What a gradebook cell holds for an excused student (Canvas's own mark).
EXCUSED = "EX"
#: A text cell starting with one of these is read as a formula by some spreadsheet (OWASP).
DANGEROUS_FIRST_CHARACTERS = frozenset("=+-@\t\r\n")
CSV_BOM = "\ufeff".encode("utf-8")
#: Canvas's fixed columns, spelled as its gradebook export spells them.
CANVAS_FIXED_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_POINTS_POSSIBLE = "    Points Possible"
RESPONSES_COLUMNS = (
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
)
#: Excel's limits: rows per sheet, characters per cell, characters per sheet name.
XLSX_MAX_ROWS = 1_048_576
XLSX_MAX_CELL_CHARS = 32_767
XLSX_MAX_SHEET_NAME = 31
#: A sheet is closed and the next one started before its XML reaches this size, so no part
#: ever needs ZIP64 (which older Excel versions warn about).
XLSX_MAX_SHEET_BYTES = 1_500_000_000
#: Rows written between two yields: big enough to amortize, small enough to stay flat...
BATCH_ROWS = 512
#: ...and a chunk is yielded early once it holds this many characters (long essays).
BATCH_CHARS = 1 << 20


#: Significant digits a float keeps in a file: enough for any score, and no binary noise such as the
#: 15.129999999999999 that adding 4.04, 4.04 and 7.05 gives.
FLOAT_DIGITS = 15


def neutralize(value: object) -> Cell:
    """Return `value` as a cell that no spreadsheet reads as a formula.

    Text starting with `=`, `+`, `-`, `@`, tab, CR or LF gets a leading `'` (OWASP); numbers
    (int, float, Decimal) stay numbers, so the string "-5" is neutralized but the number -5 is
    not; a float keeps FLOAT_DIGITS significant digits. None and non-finite numbers become "" and
    booleans become 0 or 1; dates and times
    become ISO 8601 text (UTC for aware datetimes); anything else becomes its `str()`.
    """
    if type(value) is str:
        return "'" + value if value[:1] in DANGEROUS_FIRST_CHARACTERS else value
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        value = float(f"{value:.{FLOAT_DIGITS}g}")  # 4.04 + 4.04 + 7.05 is 15.13, as the pages show it
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, Decimal):
        return value if value.is_finite() else ""
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    return neutralize(str(value))


def _cells(row: Iterable[object]) -> list[Cell]:
    """Neutralize every cell of a row (the common str case inline, for speed)."""
    return [("'" + v if v[:1] in DANGEROUS_FIRST_CHARACTERS else v) if type(v) is str else neutralize(v) for v in row]


def _xlsx_cells(row: Iterable[object]) -> list[Cell]:
    """The cells of an XLSX row: text as it is (the writer marks risky text with a quote-prefix
    style instead of an apostrophe), anything else as `neutralize()` makes it."""
    return [v if type(v) is str else _xlsx_cell(v) for v in row]


def _xlsx_cell(value: object) -> Cell:
    if value is None or isinstance(value, (int, float, Decimal, date)):
        return neutralize(value)
    return str(value)


def iso_utc(moment: datetime | None) -> str:
    """Format a timestamp as ISO 8601 in UTC (`2026-11-28T14:03:05Z`); naive ones are taken as UTC."""
    if moment is None:
        return ""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    text = moment.replace(tzinfo=None).isoformat(timespec="seconds")
    return text + "Z"


# --- CSV --------------------------------------------------------------------------------------


def csv_stream(header_rows: Iterable[Row], rows: Iterable[Row], *, batch_rows: int = BATCH_ROWS) -> Iterator[bytes]:
    """Yield a UTF-8 CSV (BOM first, CRLF, RFC 4180 quoting) of the header rows, then the rows.

    Text cells are always quoted and numbers never are, so a spreadsheet in a locale whose
    separator is `;` still keeps each text cell whole.
    """
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = _csv_writer(buffer)
    pending = 0
    for source in (header_rows, rows):
        for row in source:
            writer.writerow(_cells(row))
            pending += 1
            if pending >= batch_rows or buffer.tell() >= BATCH_CHARS:
                yield _drain(buffer)
                pending = 0
    if buffer.tell():
        yield _drain(buffer)


def _csv_writer(buffer: io.StringIO) -> Any:
    return csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")


class _CsvFields:
    """Writes cells as a run of CSV fields without the line end, byte for byte as `csv_stream` writes them
    in a row: each field is quoted on its own, so runs joined by "," make the row."""

    def __init__(self) -> None:
        self._buffer = io.StringIO()
        self._writer = _csv_writer(self._buffer)

    def __call__(self, cells: Iterable[object]) -> str:
        self._writer.writerow(_cells(cells))
        text = self._buffer.getvalue()[:-2]
        self._buffer.seek(0)
        self._buffer.truncate()
        return text


def _drain(buffer: io.StringIO) -> bytes:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text.encode("utf-8", "replace")


# --- XLSX -------------------------------------------------------------------------------------

_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CONTENT_TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
#: Excel's escape of characters XML cannot hold (`_x0007_`), and of text that looks like one.
_XLSX_ESCAPE = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff\ud800-\udfff]|_x[0-9A-Fa-f]{4}_")
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f\ud800-\udfff\ufffe\uffff]")
_STYLES = (
    _XML_HEAD + f'<styleSheet xmlns="{_MAIN_NS}">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" quotePrefix="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _xlsx_escape_match(match: re.Match[str]) -> str:
    found = match.group()
    if found == "&":
        return "&amp;"
    if found == "<":
        return "&lt;"
    if found == ">":
        return "&gt;"
    if len(found) > 1:
        return "_x005F" + found
    if "\ud800" <= found <= "\udfff":
        return "\ufffd"
    return f"_x{ord(found):04X}_"


def _xlsx_text(text: str) -> str:
    """Escape text for a `<t>` element, and cut it to Excel's 32,767 characters per cell."""
    if len(text) > XLSX_MAX_CELL_CHARS:
        text = text[:XLSX_MAX_CELL_CHARS]
    return _XLSX_ESCAPE.sub(_xlsx_escape_match, text)


def column_letters(index: int) -> str:
    """Return the spreadsheet column name of a 0-based column index: A..Z, AA, AB, ..."""
    return choice_id(index).upper()


def sheet_title(name: str) -> str:
    """Make a valid Excel sheet name: no `[]:*?/\\`, at most 31 characters, never blank."""
    title = _SHEET_NAME_FORBIDDEN.sub("-", name or "").strip().strip("'").strip()
    title = title[:XLSX_MAX_SHEET_NAME].strip()
    return title or "Sheet1"


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


class _Sink:
    """The write-only file the zip is written to; `take()` hands over what was written so far."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        if data:
            self._chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        """Nothing to release: the chunks are handed over by `take()`."""

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


class _SheetWriter:
    """Turns neutralized rows into `<row>` elements for one sheet at a time."""

    def __init__(self, header_count: int) -> None:
        self.header_count = header_count
        self.letters: list[str] = []

    def _ensure(self, width: int) -> None:
        while len(self.letters) < width:
            self.letters.append(column_letters(len(self.letters)))

    def row(self, number: int, cells: Sequence[Cell], style: str = "", quoted: str = ' s="2"') -> str:
        """Return the XML of one row; empty cells are left out (each cell has its reference).

        Text that a spreadsheet would read as a formula once edited (first character `=`, `+`,
        `-`, `@`, tab, CR or LF) gets the `quoted` style, whose `quotePrefix` keeps it text
        without showing an apostrophe; other cells get `style`.
        """
        n = str(number)
        return f'<row r="{n}">{self.cells(n, cells, 0, style, quoted)}</row>'

    def cells(self, n: str, cells: Sequence[Cell], first: int = 0, style: str = "", quoted: str = ' s="2"') -> str:
        """Return the XML of a run of cells of row `n`, the first in column `first` (0 is A).

        `n` may be a placeholder put in once the row's number is known (see `responses_xlsx`):
        a cell's XML depends on nothing else.
        """
        self._ensure(first + len(cells))
        letters = self.letters
        # One check on the cells' text decides whether any cell needs escaping or cutting.
        joined = "".join([v for v in cells if type(v) is str])
        risky = [type(v) is str and v[:1] in DANGEROUS_FIRST_CHARACTERS for v in cells]
        if len(joined) > XLSX_MAX_CELL_CHARS or _XLSX_ESCAPE.search(joined):
            cells = [_xlsx_text(v) if type(v) is str else v for v in cells]
        parts = []
        for index, value in enumerate(cells, first):
            if type(value) is str:
                if value:
                    parts.append(
                        f'<c r="{letters[index]}{n}"{quoted if risky[index - first] else style}'
                        ' t="inlineStr">'
                        f'<is><t xml:space="preserve">{value}</t></is></c>'
                    )
            else:
                parts.append(f'<c r="{letters[index]}{n}"{style}><v>{value}</v></c>')
        return "".join(parts)

    def opening(self, width: int) -> str:
        """Return the start of a sheet: the header rows frozen at the top, then `<sheetData>`."""
        pane = ""
        if self.header_count:
            top = f"A{self.header_count + 1}"
            pane = f'<pane ySplit="{self.header_count}" topLeftCell="{top}" activePane="bottomLeft" state="frozen"/>'
        cols = ""
        if width:
            cols = f'<cols><col min="1" max="{width}" width="18" customWidth="1"/></cols>'
        return (
            _XML_HEAD + f'<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
            f'<sheetViews><sheetView workbookViewId="0">{pane}</sheetView></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/>{cols}<sheetData>'
        )


def xlsx_stream(
    sheet_name: str,
    header_rows: Iterable[Row],
    rows: Iterable[Row],
    *,
    batch_rows: int = BATCH_ROWS,
    max_rows: int = XLSX_MAX_ROWS,
    compresslevel: int = 1,
) -> Iterator[bytes]:
    """Yield an XLSX workbook of the header rows (bold, frozen) then the rows, as they are read.

    Text is written as inline strings, never interpreted (no formula, no URL, no number
    guessing), and text that starts like a formula keeps its value and gets a style with
    `quotePrefix` (no apostrophe added); numbers are numeric cells. Past Excel's row limit the rows continue on a new
    sheet named "<name> (2)", the header rows repeated. Text longer than Excel's 32,767
    characters per cell is cut there.
    """
    header = [_xlsx_cells(row) for row in header_rows]
    sheets = _SheetWriter(len(header))

    def row_xml(number: int, row: Row) -> str:
        return sheets.row(number, _xlsx_cells(row))

    yield from _workbook(
        sheet_name, header, sheets, rows, row_xml, batch_rows=batch_rows, max_rows=max_rows, compresslevel=compresslevel
    )


def _workbook(
    sheet_name: str,
    header_rows: list[list[Cell]],
    sheets: _SheetWriter,
    rows: Iterable[_T],
    row_xml: Callable[[int, _T], str],
    *,
    batch_rows: int,
    max_rows: int,
    compresslevel: int,
) -> Iterator[bytes]:
    """Yield the workbook of `xlsx_stream`, each of `rows` turned into its `<row>` by `row_xml(number, row)`."""
    width = max((len(row) for row in header_rows), default=0)
    base = sheet_title(sheet_name)
    sink = _Sink()
    archive = zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel)
    names: list[str] = []
    per_sheet = max(max_rows - len(header_rows), 1)
    source = iter(rows)
    pending = next(source, None)  # the next row not yet written
    while True:
        names.append(base if not names else _numbered(base, len(names) + 1))
        with archive.open(f"xl/worksheets/sheet{len(names)}.xml", "w") as part:
            written = part.write(sheets.opening(width).encode("utf-8"))
            for number, row in enumerate(header_rows, start=1):
                written += part.write(sheets.row(number, row, ' s="1"', ' s="3"').encode("utf-8"))
            number, batch, batch_chars = len(header_rows), [], 0
            while pending is not None and number - len(header_rows) < per_sheet and written < XLSX_MAX_SHEET_BYTES:
                number += 1
                xml = row_xml(number, pending)
                batch.append(xml)
                batch_chars += len(xml)
                if len(batch) >= batch_rows or batch_chars >= BATCH_CHARS:
                    written += part.write("".join(batch).encode("utf-8"))
                    batch, batch_chars = [], 0
                    if chunk := sink.take():
                        yield chunk
                pending = next(source, None)
            part.write("".join(batch).encode("utf-8"))
            part.write(b"</sheetData></worksheet>")
        if pending is None:
            break
    for name, text in _workbook_parts(names):
        archive.writestr(name, text)
    archive.close()
    yield sink.take()


def _numbered(base: str, index: int) -> str:
    suffix = f" ({index})"
    return base[: XLSX_MAX_SHEET_NAME - len(suffix)].rstrip() + suffix


def _workbook_parts(names: list[str]) -> list[tuple[str, str]]:
    """Return the package parts that list the sheets, written once every sheet is done."""
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_SHEET_TYPE}"/>'
        for i in range(1, len(names) + 1)
    )
    content_types = (
        _XML_HEAD + f'<Types xmlns="{_CONTENT_TYPES_NS}">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        f"{overrides}</Types>"
    )
    root_rels = (
        _XML_HEAD + f'<Relationships xmlns="{_PKG_REL_NS}">'
        f'<Relationship Id="rId1" Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    )
    sheets = "".join(
        f'<sheet name="{_attr(name)}" sheetId="{i}" r:id="rId{i}"/>' for i, name in enumerate(names, start=1)
    )
    workbook = (
        _XML_HEAD + f'<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
        f"<bookViews><workbookView/></bookViews><sheets>{sheets}</sheets></workbook>"
    )
    sheet_rels = "".join(
        f'<Relationship Id="rId{i}" Type="{_REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(names) + 1)
    )
    styles_id = len(names) + 1
    workbook_rels = (
        _XML_HEAD + f'<Relationships xmlns="{_PKG_REL_NS}">{sheet_rels}'
        f'<Relationship Id="rId{styles_id}" Type="{_REL_NS}/styles" Target="styles.xml"/>'
        "</Relationships>"
    )
    return [
        ("xl/styles.xml", _STYLES),
        ("xl/workbook.xml", workbook),
        ("xl/_rels/workbook.xml.rels", workbook_rels),
        ("_rels/.rels", root_rels),
        ("[Content_Types].xml", content_types),
    ]


# --- Canvas gradebook -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GradebookAssignment:
    """One gradebook column: an assignment of the class."""

    id: int
    title: str
    points_possible: float


@dataclass(frozen=True, slots=True)
class GradebookStudent:
    """One gradebook row: a student of the class and their score per assignment id."""

    id: int
    name: str
    email: str
    section: str
    #: assignment id -> points scored, or EXCUSED; an assignment missing (or None) was not attempted.
    scores: Mapping[int, float | str | None] = field(default_factory=dict)


def canvas_gradebook(
    students: Iterable[GradebookStudent], assignments: Sequence[GradebookAssignment]
) -> tuple[list[list[Cell]], Iterator[list[Cell]]]:
    """Lay a gradebook out as Canvas imports it: `(header_rows, rows)`.

    Row 1: `Student, ID, SIS User ID, SIS Login ID, Section`, then `Title (id)` per assignment.
    Row 2: `    Points Possible` (four spaces), four empty cells, each assignment's points.
    Then one row per student: display name, user id, "" (we keep no SIS id), email, section,
    and per assignment the score as a number, "" when not attempted, "EX" when excused.
    The rows are produced lazily, as `students` is read.
    """
    header: list[Cell] = [*CANVAS_FIXED_COLUMNS, *(f"{a.title} ({a.id})" for a in assignments)]
    points: list[Cell] = [CANVAS_POINTS_POSSIBLE, "", "", "", ""]
    points.extend(a.points_possible for a in assignments)
    ids = [a.id for a in assignments]

    def rows() -> Iterator[list[Cell]]:
        for student in students:
            scores = student.scores
            row: list[Cell] = [student.name, student.id, "", student.email, student.section]
            row.extend(scores.get(key) for key in ids)
            yield row

    return [header, points], rows()


# --- Responses --------------------------------------------------------------------------------


@dataclass(slots=True)
class ResponseRecord:
    """One student's answer to one question of one attempt, ready to export.

    Not frozen: an export builds one per row, and a frozen dataclass takes twice as long to make.
    """

    class_name: str
    section: str
    assignment: str
    student: str
    attempt: int
    question_id: str
    themes: Sequence[str]
    #: The answer as readable text (see `response_text`).
    response: str
    score: float | None
    max_score: float
    submitted_at: datetime | None
    #: Submitted after the assignment closed (by the student or, when the attempt was left open, by the
    #: app); None while in progress.
    late: bool | None = None


def responses_rows(records: Iterable[ResponseRecord]) -> tuple[list[list[Cell]], Iterator[list[Cell]]]:
    """Lay the responses out one row per student x question: `(header_rows, rows)`.

    Columns (RESPONSES_COLUMNS): Class, Section, Assignment, Student, Attempt (the attempt's
    number for that student, from 1), Question ID (the question's id from its bank), Themes
    (theme ids joined with "; "), Response (readable text), Score ("" while ungraded),
    Max score, Submitted at (ISO 8601 UTC, "" while in progress), Late ("yes" when submitted after
    the assignment closed, "no" when before, "" while in progress). The rows are produced lazily.
    """

    def rows() -> Iterator[list[Cell]]:
        last_moment: datetime | None = None
        last_text = ""
        last_themes: Sequence[str] | None = None
        themes_text = ""
        for r in records:
            if r.submitted_at is not last_moment:
                last_moment, last_text = r.submitted_at, iso_utc(r.submitted_at)
            if r.themes is not last_themes:
                last_themes, themes_text = r.themes, "; ".join(r.themes)
            yield [
                r.class_name,
                r.section,
                r.assignment,
                r.student,
                r.attempt,
                r.question_id,
                themes_text,
                r.response,
                r.score,
                r.max_score,
                last_text,
                "" if r.late is None else "yes" if r.late else "no",
            ]

    return [list(RESPONSES_COLUMNS)], rows()


@dataclass(frozen=True, slots=True)
class ResponseAttempt:
    """The cells every row of one attempt shares: whose attempt at which assignment, and when it was handed in."""

    class_name: str
    section: str
    assignment: str
    student: str
    #: The attempt's number for that student and assignment, from 1.
    attempt: int
    submitted_at: datetime | None
    #: As `ResponseRecord.late`.
    late: bool | None = None


@dataclass(frozen=True, slots=True, eq=False)
class ResponseAnswer:
    """An answer as it reads: made once per distinct (question version, stored response) and shared by the
    rows that repeat it.

    Compared by identity (eq=False), so the writers can remember the cells of an answer they have
    written at the cost of a pointer hash: most rows repeat one of a few answers per question.
    """

    question_id: str
    themes: Sequence[str]
    #: The answer as readable text (see `response_text`).
    response: str


#: One attempt's rows: its shared cells, then per question (answer, score or None while ungraded, max score).
ResponseGroup = tuple[ResponseAttempt, Iterable[tuple[ResponseAnswer, float | None, float]]]

#: Characters of written cells a responses writer keeps for rows that repeat them (a few MB at most): most
#: answers to a question are one of a few, while long typed answers rarely repeat.
RESPONSES_MEMO_CHARS = 1 << 22
#: Equal scores of these types are always written alike (an int or Decimal equal to a float may not be).
_MEMO_NUMBER_TYPES = frozenset({float, type(None)})


def response_records(groups: Iterable[ResponseGroup]) -> Iterator[ResponseRecord]:
    """The groups as one record per row, the layout `responses_rows` takes."""
    for attempt, answers in groups:
        for answer, score, max_score in answers:
            yield ResponseRecord(
                attempt.class_name,
                attempt.section,
                attempt.assignment,
                attempt.student,
                attempt.attempt,
                answer.question_id,
                answer.themes,
                answer.response,
                score,
                max_score,
                attempt.submitted_at,
                attempt.late,
            )


def _runs(
    groups: Iterable[ResponseGroup],
    write: Callable[[int, Sequence[Cell]], str],
    separator: str,
) -> Iterator[tuple[str, list[str], str]]:
    """Each attempt's rows as runs of written cells: (the attempt's first five columns, per row the answer's
    three and the two numbers, the submission's last two), runs joined by `separator`.

    `write(first_column, cells)` writes a run of cells laid out as `responses_rows` lays them out.
    The attempt's runs are written once per attempt and a row's middle once per distinct (answer,
    score, max score), so a row costs a dictionary lookup, not twelve cells.
    """
    middles: dict[tuple[ResponseAnswer, float | None, float], str] = {}
    plain = _MEMO_NUMBER_TYPES
    budget = RESPONSES_MEMO_CHARS
    for attempt, rows in groups:
        late = "" if attempt.late is None else "yes" if attempt.late else "no"
        runs = []
        for answer, score, max_score in rows:
            memo = type(score) in plain and type(max_score) in plain
            middle = middles.get((answer, score, max_score)) if memo else None
            if middle is None:
                themes = "; ".join(answer.themes)
                middle = (
                    write(5, [answer.question_id, themes, answer.response]) + separator + write(8, [score, max_score])
                )
                if memo and budget > 0:
                    middles[(answer, score, max_score)] = middle
                    budget -= len(middle)
            runs.append(middle)
        if runs:
            head = write(0, [attempt.class_name, attempt.section, attempt.assignment, attempt.student, attempt.attempt])
            yield head, runs, write(10, [iso_utc(attempt.submitted_at), late])


def responses_csv(groups: Iterable[ResponseGroup], *, batch_rows: int = BATCH_ROWS) -> Iterator[bytes]:
    """Yield the CSV `csv_stream(*responses_rows(response_records(groups)))` yields, byte for byte, several
    times faster: each line is joined from runs of fields written once (see `_runs`)."""
    fields = _CsvFields()
    batch = ["\ufeff" + fields(RESPONSES_COLUMNS) + "\r\n"]
    size = 0
    for head, middles, tail in _runs(groups, lambda first, cells: fields(cells), ","):
        head, tail = head + ",", "," + tail + "\r\n"
        lines = [head + middle + tail for middle in middles]
        batch += lines
        size += sum(map(len, lines))
        if len(batch) >= batch_rows or size >= BATCH_CHARS:
            yield "".join(batch).encode("utf-8", "replace")
            batch, size = [], 0
    if batch:
        yield "".join(batch).encode("utf-8", "replace")


#: Stands for the row number in a row's XML until the row is numbered; escaped text never holds it.
_ROW_NUMBER = "\0"


def responses_xlsx(
    sheet_name: str,
    groups: Iterable[ResponseGroup],
    *,
    batch_rows: int = BATCH_ROWS,
    max_rows: int = XLSX_MAX_ROWS,
    compresslevel: int = 1,
) -> Iterator[bytes]:
    """Yield the workbook `xlsx_stream(sheet_name, *responses_rows(response_records(groups)))` yields (the same
    sheets' XML), each row's XML joined from runs of cells written once (see `_runs`), its number put in last."""
    sheets = _SheetWriter(1)

    def write(first: int, cells: Sequence[Cell]) -> str:
        return sheets.cells(_ROW_NUMBER, _xlsx_cells(cells), first)

    def templates() -> Iterator[str]:
        for head, middles, tail in _runs(groups, write, ""):
            head, tail = f'<row r="{_ROW_NUMBER}">{head}', tail + "</row>"
            for middle in middles:
                yield head + middle + tail

    def row_xml(number: int, template: str) -> str:
        return template.replace(_ROW_NUMBER, str(number))

    header = [_xlsx_cells(RESPONSES_COLUMNS)]
    yield from _workbook(
        sheet_name,
        header,
        sheets,
        templates(),
        row_xml,
        batch_rows=batch_rows,
        max_rows=max_rows,
        compresslevel=compresslevel,
    )


def response_text(question: Question | None, response: Mapping[str, Any] | None, *, quote: str | None = None) -> str:
    """Render a stored response (the shapes of `core.grading`) as text a person reads in a spreadsheet.

    `{"choice": "b"}`, `{"choices": [...]}` and `{"sentences": [...]}` -> the chosen texts
    joined with "; " (an evidence question's sentences need its passage's `quote`, as for
    grading); `{"text": ...}` and `{"value": ...}` -> as typed; `{"order": [...]}` ->
    "1. first item; 2. second item"; `{"matches": {...}}` -> "left → right; ..." in the
    question's order; `{"blanks": {...}}` -> "(1) answer; (2) answer". An id the question
    does not know is written as it is, and any other field as compact JSON, so nothing is lost.
    """
    if not isinstance(response, Mapping) or not response:
        return ""
    parts: list[str] = []
    rest = dict(response)
    if "choice" in rest:
        parts.append(_label(_choice_labels(question, quote), rest.pop("choice")))
    for key in ("choices", "sentences"):
        if key in rest:
            labels = _choice_labels(question, quote)
            parts.append("; ".join(_label(labels, ref) for ref in _listed(rest.pop(key))))
    for key in ("text", "value"):
        if key in rest:
            typed = rest.pop(key)
            parts.append("" if typed is None else str(typed))
    if "order" in rest:
        items = dict(zip(item_ids(question), question.items)) if question else {}
        parts.append("; ".join(f"{n}. {_label(items, ref)}" for n, ref in enumerate(_listed(rest.pop("order")), 1)))
    if "matches" in rest:
        matches = rest.pop("matches")
        matches = matches if isinstance(matches, Mapping) else {}
        lefts = {pair.id: pair.left for pair in question.pairs} if question else {}
        rights = {}
        if question:
            texts = [pair.right for pair in question.pairs] + list(question.distractors)
            rights = dict(zip(right_ids(question), texts))
        order = list(lefts) + sorted(str(key) for key in matches if str(key) not in lefts)
        parts.append(
            "; ".join(f"{_label(lefts, left)} → {_label(rights, matches[left])}" for left in order if left in matches)
        )
    if "blanks" in rest:
        blanks = rest.pop("blanks")
        blanks = blanks if isinstance(blanks, Mapping) else {}
        ordered = sorted((str(key), value) for key, value in blanks.items())
        ordered.sort(key=lambda kv: int(kv[0]) if kv[0].isdigit() else len(blanks) + 1)
        parts.append("; ".join(f"({key}) {'' if value is None else value}" for key, value in ordered))
    if rest:
        parts.append(json.dumps(rest, ensure_ascii=False, sort_keys=True, default=str))
    return "; ".join(parts)


def _listed(value: object) -> list[object]:
    return list(value) if isinstance(value, (list, tuple)) else ([] if value is None else [value])


def _label(labels: Mapping[str, str], ref: object) -> str:
    return "" if ref is None else labels.get(str(ref), str(ref))


def _choice_labels(question: Question | None, quote: str | None) -> dict[str, str]:
    """Choice texts by id; an evidence question's choices are its passage's sentences."""
    if question is None:
        return {}
    if question.type == "evidence":
        return {c.id: c.text for c in evidence_choices(question, quote)} if quote is not None else {}
    return {c.id: c.text for c in question.choices}


# --- File names -------------------------------------------------------------------------------


def export_filename(class_name: str, kind: str, day: date, ext: str, *, ascii_only: bool = True) -> str:
    """Name an export file `<class>-<kind>-<YYYY-MM-DD>.<ext>`, e.g. `history-101-gradebook-2026-11-28.csv`.

    The result holds only letters, digits, "-" and one "." (ASCII ones unless `ascii_only` is
    False): no path separator, quote or dot-dot can reach it. A class name with nothing left
    becomes "class".
    """
    extension = (ext or "").lower()
    if not re.fullmatch(r"[a-z0-9]{1,10}", extension):
        raise ValueError(f"not a file extension: {ext!r}")
    stem = "-".join(
        part
        for part in (slugify(class_name, ascii_only=ascii_only) or "class", slugify(kind, ascii_only=ascii_only))
        if part
    )
    return f"{stem}-{day.isoformat()}.{extension}"


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    """Return a Content-Disposition value (RFC 6266): `filename` in ASCII, plus `filename*` when needed.

    Non-ASCII names get an ASCII fallback for old clients and the exact name, percent-encoded
    UTF-8, in `filename*` (RFC 8187).
    """
    if disposition not in ("attachment", "inline"):
        raise ValueError(f"not a disposition: {disposition!r}")
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    fallback = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_name).strip("-.") or "download"
    if fallback == filename:
        return f'{disposition}; filename="{fallback}"'
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='', errors='replace')}"
