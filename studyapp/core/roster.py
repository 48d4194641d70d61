"""Read a class roster from CSV: plain bytes in, rows and per-line problems out (no app, no database).

The file has a header row naming its columns: `name` and `email` are required, `section` is
optional, in any order and any letter case. Separators `,`, `;` and tab are recognised (a
spreadsheet saved in a locale that writes `;` still works). Every problem is reported with its
line number, so the instructor can fix the file in one pass.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email

#: Header spellings accepted for each column.
COLUMN_NAMES = {
    "name": "name",
    "full name": "name",
    "student": "name",
    "student name": "name",
    "email": "email",
    "e-mail": "email",
    "email address": "email",
    "e-mail address": "email",
    "section": "section",
}
REQUIRED = ("name", "email")
MAX_ROWS = 5000
MAX_NAME = 100
MAX_EMAIL = 254
MAX_SECTION = 100
#: Reporting stops after this many problems: the first ones are enough to fix the file.
MAX_ERRORS = 200


@dataclass(frozen=True)
class RosterLine:
    line: int
    name: str
    #: Lower-cased, as accounts store it.
    email: str
    #: "" when the file gives no section.
    section: str


@dataclass(frozen=True)
class LineError:
    """A problem on one line of the file (line 0: the file as a whole)."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"Line {self.line}: {self.message}" if self.line else self.message


@dataclass
class ParsedRoster:
    lines: list[RosterLine] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_roster(data: bytes | str) -> ParsedRoster:
    """Read a roster file; every row is checked and every problem is reported with its line number."""
    result = ParsedRoster()
    if isinstance(data, bytes):
        text = _decode(data, result)
        if text is None:
            return result
    else:
        text = data.removeprefix("\ufeff")
    if not text.strip():
        result.errors.append(
            LineError(0, "The file is empty: it needs a header row (name, email, section) and one row per student.")
        )
        return result
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=False)
    try:
        header = next(reader)
    except csv.Error as exc:
        result.errors.append(LineError(1, f"this line cannot be read as CSV ({exc})."))
        return result
    columns = _columns(header, result)
    if result.errors:
        return result
    seen: dict[str, int] = {}
    rows = 0
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            _error(result, start, f"this line cannot be read as CSV ({exc}).")
            break
        line, start = start, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        rows += 1
        if rows > MAX_ROWS:
            result.errors.insert(
                0,
                LineError(
                    line, f"the file lists more than {MAX_ROWS:,} students; import at most {MAX_ROWS:,} at a time."
                ),
            )
            break
        _row(row, line, columns, seen, result)
    return result


def _decode(data: bytes, result: ParsedRoster) -> str | None:
    """Decode UTF-8 (with or without a BOM); report each line that is not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    for number, line in enumerate(data.splitlines(), 1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            if not _error(
                result, number, 'this line is not UTF-8 text. Save the file as "CSV UTF-8" and upload it again.'
            ):
                break
    return None


def _delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    counts = {sep: first.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] else ","


def _columns(header: list[str], result: ParsedRoster) -> dict[str, int]:
    """Map each known column to its index; report unknown, repeated and missing columns on line 1."""
    columns: dict[str, int] = {}
    unknown = []
    for index, raw in enumerate(header):
        name = " ".join(raw.strip().lower().split())
        if not name:
            continue
        column = COLUMN_NAMES.get(name)
        if column is None:
            unknown.append(raw.strip())
        elif column in columns:
            result.errors.append(LineError(1, f"the column {column!r} appears twice."))
        else:
            columns[column] = index
    if unknown:
        listed = ", ".join(repr(u) for u in unknown)
        result.errors.append(
            LineError(
                1, f"unknown column{'s' if len(unknown) > 1 else ''} {listed}: use the columns name, email and section."
            )
        )
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        result.errors.append(
            LineError(
                1,
                f"the header row has no {' or '.join(repr(m) for m in missing)} column "
                "(the first row must name the columns: name, email, section).",
            )
        )
    return columns


def _row(row: list[str], line: int, columns: dict[str, int], seen: dict[str, int], result: ParsedRoster) -> None:
    width = max(columns.values()) + 1
    if any(cell.strip() for cell in row[width:]):
        _error(
            result,
            line,
            f"{len(row)} values, but the header names only {width} columns "
            "(is there a comma inside a name without quotes?).",
        )
        return

    def value(column: str) -> str:
        index = columns.get(column)
        return " ".join(row[index].split()) if index is not None and index < len(row) else ""

    name, email, section = value("name"), value("email"), value("section")
    problems = []
    if not name:
        problems.append("the name is missing")
    elif len(name) > MAX_NAME:
        problems.append(f"the name is longer than {MAX_NAME} characters")
    if not email:
        problems.append("the email is missing")
    elif len(email) > MAX_EMAIL:
        problems.append(f"the email is longer than {MAX_EMAIL} characters")
    else:
        try:
            email = validate_email(email, check_deliverability=False).normalized.lower()
        except EmailNotValidError as exc:
            problems.append(f"{email!r} is not a valid email address ({str(exc).rstrip('.')})")
            email = ""
    if len(section) > MAX_SECTION:
        problems.append(f"the section is longer than {MAX_SECTION} characters")
    if email:
        if email in seen:
            problems.append(f"the same email as line {seen[email]} (each student once)")
        else:
            seen[email] = line
    if problems:
        _error(result, line, "; ".join(problems) + ".")
    else:
        result.lines.append(RosterLine(line, name, email, section))


def _error(result: ParsedRoster, line: int, message: str) -> bool:
    """Record a problem; return False once enough have been recorded."""
    if len(result.errors) < MAX_ERRORS:
        result.errors.append(LineError(line, message))
        return True
    return False
