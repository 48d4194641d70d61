"""Uploads and imports: size limits, encodings, hostile file names, a tampered confirm step, archives.

The app imports question banks (Markdown, GIFT, text2qti text) and roster CSVs; it exports QTI zips
but imports none, so a zip (or a zip bomb) sent as a bank is refused as text, never unpacked.
"""

from __future__ import annotations

import base64
import io
import re
import time
import zipfile
import zlib
from html import unescape

import pytest
from sqlalchemy import select

from studyapp.core import qformat
from studyapp.extensions import db
from studyapp.models import QuestionBank
from tests.security.support import changed_tables, fetch, hostile_bank, multipart, snapshot

pytestmark = pytest.mark.content

PROBLEM_ROW = re.compile(r"<tr><td><code>([^<]*)</code></td><td>(\d+)</td><td>(\d+)</td><td>(.*?)</td></tr>", re.S)


def bank(prefix: str = "upload") -> str:
    return hostile_bank().replace("hostile-", f"{prefix}-")


def upload(client, data: bytes, filename: str = "bank.md", url: str = "/authoring/upload", field: str = "file"):
    body, content_type = multipart({"csrf_token": client.csrf_token()}, {field: (data, filename)})
    return fetch(client, url, "POST", data=body, content_type=content_type, csrf=False)


def zip_bomb() -> bytes:
    """A 100 MB file of zeros in a zip of about 100 KB."""
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("../../../../tmp/evil.md", b"\0" * (100 << 20))
        archive.writestr("/etc/passwd", b"root")
    return stream.getvalue()


def test_bodies_over_the_limit_get_413_with_the_error_page(app, world, as_role):
    limit = app.config["MAX_CONTENT_LENGTH"]
    big = b"x" * (limit + 1)
    cases = [
        (as_role("instructor"), "/authoring/upload", "file"),
        (as_role("instructor"), f"/classes/{world.class_id}/roster/import", "roster"),
        (as_role("student"), f"/attempts/{world.open_attempt_id}", "q1"),
        (as_role(None), "/signup", "display_name"),
    ]
    before = snapshot()
    for client, url, field in cases:
        response = upload(client, big, url=url, field=field)
        assert response.status_code == 413, (url, response.status_code)
        body = response.get_data(as_text=True)
        assert "Too large" in body and "larger than this site accepts" in body and "<nav" in body, url
    assert changed_tables(before, snapshot()) == {}
    print(
        f"Uploads: {len(cases)} bodies of {limit + 1:,} bytes (MAX_CONTENT_LENGTH + 1) refused with 413 and the "
        "site's error page; nothing written"
    )


def test_a_bank_over_one_megabyte_is_refused_with_a_message(world, as_role):
    instructor = as_role("instructor")
    data = bank().encode() + b"\n\n" + b"filler " * ((qformat.MAX_BYTES // 7) + 10)
    before = snapshot()
    response = upload(instructor, data)
    assert response.status_code == 422
    too_large = f"file is {len(data):,} bytes; the limit is 1,048,576 bytes (1 MB): split it into smaller files"
    assert problems_on(response.get_data(as_text=True)) == [("bank.md", 1, 1, too_large)]
    assert changed_tables(before, snapshot()) == {}
    print(f"Uploads: a {len(data):,}-byte bank refused (limit 1 MB) with a message; nothing written")


def problems_on(page: str) -> list[tuple[str, int, int, str]]:
    """The problems an upload page lists, as (file, line, column, message)."""
    return [
        (name, int(line), int(column), unescape(message)) for name, line, column, message in PROBLEM_ROW.findall(page)
    ]


def hidden(page: str, name: str) -> str | None:
    """The value of the hidden input `name` of a page's form, or None."""
    tag = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', page)
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0)) if tag else None
    return unescape(value.group(1)) if value else None


def to_create(page: str) -> list[str]:
    """The question ids a dry run says importing would create."""
    line = re.search(r"<strong>Create</strong>: \d+ questions?(.*?)</li>", page, re.S)
    assert line, "the dry run lists what importing would create"
    return re.findall(r"<code>([^<]+)</code>", line.group(1))


def not_utf8(data: bytes, filename: str) -> tuple[str, int, int, str]:
    """The one problem a bank that is not UTF-8 gets: the first byte Python's decoder refuses, by line and column."""
    with pytest.raises(UnicodeDecodeError) as refused:
        data.decode("utf-8")
    start = refused.value.start
    line_start = data.rfind(b"\n", 0, start) + 1
    line, column = data.count(b"\n", 0, start) + 1, len(data[line_start:start].decode("utf-8")) + 1
    message = f"not UTF-8: byte 0x{data[start]:02x} cannot start or continue a character (save the file as UTF-8)"
    return filename, line, column, message


def bank_in(encoding: str) -> tuple[bytes, str]:
    """The hostile bank (with accents and curly quotes) encoded as `encoding`, and the file name it is sent as."""
    text = bank(f"enc-{encoding}") + "\nDétente, “quotes”, Brezhnev’s\n"
    data = {
        "utf-16": lambda: text.encode("utf-16"),
        "latin-1": lambda: text.replace("“", '"').replace("”", '"').replace("’", "'").encode("latin-1"),
        "cp1252": lambda: text.encode("cp1252"),
        "utf-8-sig": lambda: text.encode("utf-8-sig"),
        "binary": lambda: bytes(range(256)) * 64,
        "nul": lambda: text.replace("\n\n", "\n\0\n").encode(),
        "zip": lambda: _zip({"bank.md": text.encode()}),
        "zip-bomb": zip_bomb,
    }[encoding]()
    return data, "bank.zip" if encoding.startswith("zip") else "bank.md"


@pytest.mark.parametrize("encoding", ["utf-16", "latin-1", "cp1252", "binary", "zip", "zip-bomb"])
def test_a_bank_that_is_not_utf8_is_refused_at_its_first_bad_byte(world, as_role, encoding):
    instructor = as_role("instructor")
    data, filename = bank_in(encoding)
    before = snapshot()
    started = time.monotonic()
    response = upload(instructor, data, filename=filename)
    elapsed = time.monotonic() - started
    page = response.get_data(as_text=True)
    assert response.status_code == 422, page[:2000]
    assert f"“{filename}” has 1 problem" in page and "Nothing was saved." in page
    assert problems_on(page) == [not_utf8(data, filename)]
    assert changed_tables(before, snapshot()) == {}, "a refused upload wrote to the database"
    assert elapsed < 10
    print(f"Uploads: {encoding} bank ({len(data):,} bytes) -> 422 {problems_on(page)[0][3]!r} in {elapsed:.2f}s")


def test_a_bank_with_nul_lines_is_refused_at_those_lines(world, as_role):
    instructor = as_role("instructor")
    data, filename = bank_in("nul")
    lines = data.split(b"\n")
    nul_lines = {n for n, line in enumerate(lines, 1) if line == b"\0"}
    # the first question's fields end with a NUL line where the blank line before its prompt should be
    first_question = lines.index(b"## enc-nul-single") + 1
    fields_end = min(n for n in nul_lines if n > first_question)
    before = snapshot()
    response = upload(instructor, data, filename=filename)
    page = response.get_data(as_text=True)
    assert response.status_code == 422, page[:2000]
    problems = problems_on(page)
    assert problems and f"“bank.md” has {len(problems)} problem" in page and "Nothing was saved." in page
    assert {line for _, line, _, _ in problems} <= nul_lines, (problems, sorted(nul_lines))
    assert problems[0] == ("bank.md", fields_end, 1, "expected a field 'key: value' or a blank line before the prompt")
    assert changed_tables(before, snapshot()) == {}, "a refused upload wrote to the database"
    print(f"Uploads: a bank with NUL lines -> 422, {len(problems)} problems, each on a NUL line; nothing written")


def test_a_bank_with_a_byte_order_mark_is_checked_and_then_imported(world, as_role):
    instructor = as_role("instructor")
    data, filename = bank_in("utf-8-sig")
    keys = [f"enc-utf-8-sig-{kind}" for kind in ("single", "essay", "matching", "ordering")]
    before = snapshot()
    response = upload(instructor, data, filename=filename)
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[:2000]
    assert "Ready to import “bank.md”" in page and problems_on(page) == []
    assert to_create(page) == keys
    assert zlib.decompress(base64.b64decode(hidden(page, "draft"))) == data, "the confirm step carries the file"
    assert changed_tables(before, snapshot()) == {}, "a dry run wrote to the database"

    confirm = fetch(
        instructor, "/authoring/upload/confirm", "POST", data={"draft": hidden(page, "draft"), "filename": filename}
    )
    assert confirm.status_code == 302, confirm.get_data(as_text=True)[:2000]
    imported = db.session.scalar(
        select(QuestionBank).where(QuestionBank.owner_id == world.users["instructor"], QuestionBank.slug == "bank")
    )
    assert confirm.headers["Location"] == f"/authoring/?bank={imported.id}"
    assert [q.key for q in imported.questions] == keys
    print("Uploads: a bank with a byte-order mark -> 200, 4 questions to create; confirmed -> 302, 4 imported")


def _zip(files: dict[str, bytes]) -> bytes:
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return stream.getvalue()


@pytest.mark.parametrize(
    ("filename", "label", "slug"),
    [
        ("../../../../etc/cron.d/evil.md", "etc_cron.d_evil.md", "etc-cron-d-evil"),
        ("..\\..\\windows\\evil.md", "windowsevil.md", "windowsevil"),
        ("/absolute/path/evil.md", "absolute_path_evil.md", "absolute-path-evil"),
        ("evil\0.md", "evil.md", "evil"),
        ("<script>alert(1)</script>.md", "scriptalert1_script.md", "scriptalert1-script"),
        ("....//....//evil.md", "evil.md", "evil"),
        ("CON.md", "CON.md", "con"),
        (".md", "md", "md"),
    ],
)
def test_file_names_cannot_steer_where_a_bank_goes(world, as_role, filename, label, slug):
    instructor = as_role("instructor")
    prefix = f"name{zlib.crc32(filename.encode()) % 10_000}"
    keys = [f"{prefix}-{kind}" for kind in ("single", "essay", "matching", "ordering")]
    before = snapshot()
    response = upload(instructor, bank(prefix).encode(), filename=filename)
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[:2000]
    assert f"Ready to import “{label}”" in page and hidden(page, "filename") == label
    assert to_create(page) == keys
    assert changed_tables(before, snapshot()) == {}, "a dry run wrote to the database"

    # A confirm step that sends the raw name back (the form sends the cleaned one) is cleaned again.
    tampered = {"draft": hidden(page, "draft"), "filename": filename, "retire_missing": ""}
    confirm = fetch(instructor, "/authoring/upload/confirm", "POST", data=tampered)
    if "\0" in filename:  # no form field may hold a NUL: refused as a whole, then confirmed as the form sends it
        assert confirm.status_code == 400, confirm.status_code
        assert "The field &#39;filename&#39; holds a NUL character" in confirm.get_data(as_text=True)
        assert changed_tables(before, snapshot()) == {}
        confirm = fetch(instructor, "/authoring/upload/confirm", "POST", data={**tampered, "filename": label})
    assert confirm.status_code == 302, confirm.get_data(as_text=True)[:2000]
    banks = db.session.scalars(
        select(QuestionBank).where(QuestionBank.owner_id == world.users["instructor"], QuestionBank.slug == slug)
    ).all()
    assert len(banks) == 1, f"one bank {slug!r} from file name {filename!r}"
    assert confirm.headers["Location"] == f"/authoring/?bank={banks[0].id}"
    assert [q.key for q in banks[0].questions] == keys
    print(f"Uploads: file name {filename!r} -> shown as {label!r}, imported into bank {slug!r}")


def test_an_upload_without_a_file_name_is_refused_as_no_file(world, as_role):
    instructor = as_role("instructor")
    before = snapshot()
    response = upload(instructor, bank("nameless").encode(), filename="")
    page = response.get_data(as_text=True)
    assert response.status_code == 422, page[:2000]
    assert '<p class="error" id="file-error">Choose a file.</p>' in page
    assert changed_tables(before, snapshot()) == {}
    print("Uploads: a file without a name -> 422 'Choose a file.'; nothing written")


def test_a_tampered_confirm_step_is_refused(world, as_role):
    instructor = as_role("instructor")
    bomb = base64.b64encode(zlib.compress(b"a" * (200 << 20), 9)).decode()
    not_the_checked_file = base64.b64encode(zlib.compress(b"## broken\ntype: nonsense\n", 9)).decode()
    unreadable = "The upload could not be read back. Upload the file again."
    no_questions = ("bank.md", 1, 1, "no questions found: a question starts with a line '## <question-id>'")
    before = snapshot()
    cases = {
        "zlib bomb (200 MB)": (bomb, 400, unreadable),
        "not base64": ("!!!not base64!!!", 400, unreadable),
        "truncated stream": (base64.b64encode(zlib.compress(bank().encode())[:50]).decode(), 400, unreadable),
        # bytes after the end of the stream are not read: what is read ("x") is checked again, and refused
        "trailing bytes": (base64.b64encode(zlib.compress(b"x") + b"junk").decode(), 422, no_questions),
        "a file other than the checked one": (not_the_checked_file, 422, ("bank.md", 2, 7, "unknown type 'nonsense'")),
        "empty": ("", 400, unreadable),
    }
    for label, (draft, status, expected) in cases.items():
        started = time.monotonic()
        response = fetch(
            instructor,
            "/authoring/upload/confirm",
            "POST",
            data={"draft": draft, "filename": "bank.md", "retire_missing": ""},
        )
        page = response.get_data(as_text=True)
        assert response.status_code == status, (label, response.status_code)
        if status == 400:
            assert expected in page and "Error 400" in page, label
        else:
            name, line, column, message = expected
            assert any(
                problem[:3] == (name, line, column) and problem[3].startswith(message) for problem in problems_on(page)
            ), (label, problems_on(page))
            assert "Nothing was saved." in page, label
        assert time.monotonic() - started < 10, label
    assert changed_tables(before, snapshot()) == {}
    print(
        f"Uploads: {len(cases)} tampered confirm steps refused ({', '.join(cases)}); the bomb inflated no "
        f"further than {qformat.MAX_BYTES + 1:,} bytes; nothing written"
    )


ROSTER = "name,email,section\nZoë Brontë,zoe@studyapp.example,A\nJosé Núñez,jose@studyapp.example,B\n"
PLAN_ROW = re.compile(
    r'<tr><td class="num">(\d+)</td><th scope="row">([^<]*)</th><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>'
)


def upload_roster(client, world, data: bytes):
    return upload(client, data, url=f"/classes/{world.class_id}/roster/import", field="roster", filename="roster.csv")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_a_utf8_roster_is_checked_and_nothing_written_until_confirmed(world, as_role, encoding):
    instructor = as_role("instructor")
    before = snapshot()
    response = upload_roster(instructor, world, ROSTER.encode(encoding))
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[:2000]
    assert "The file is ready." in page and "2 students to invite" in page and "Import 2 students" in page
    assert [tuple(unescape(cell) for cell in row) for row in PLAN_ROW.findall(page)] == [
        ("2", "Zoë Brontë", "zoe@studyapp.example", "A", "Invite"),
        ("3", "José Núñez", "jose@studyapp.example", "B", "Invite"),
    ]
    assert changed_tables(before, snapshot()) == {}, "checking a roster wrote to the database"
    print(f"Uploads: roster in {encoding} -> 200, both students listed with their accents; nothing written")


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16", "binary", "zip-bomb"])
def test_a_roster_that_is_not_utf8_is_refused_line_by_line(world, as_role, encoding):
    instructor = as_role("instructor")
    data = {
        "latin-1": lambda: ROSTER.encode("latin-1"),
        "utf-16": lambda: ROSTER.encode("utf-16"),
        "binary": lambda: bytes(range(256)) * 16,
        "zip-bomb": zip_bomb,
    }[encoding]()
    bad_lines = [n for n, line in enumerate(data.splitlines(), 1) if not _is_utf8(line)]
    before = snapshot()
    response = upload_roster(instructor, world, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422, page[:2000]
    problems = re.search(r'<div class="problems" role="alert" id="roster-problems">(.*?)</div>', page, re.S)
    assert problems and "Nothing was imported." in problems.group(1)
    message = 'this line is not UTF-8 text. Save the file as "CSV UTF-8" and upload it again.'
    assert [unescape(item) for item in re.findall(r"<li>(.*?)</li>", problems.group(1))] == [
        f"Line {n}: {message}" for n in bad_lines
    ]
    assert changed_tables(before, snapshot()) == {}, "a refused roster wrote to the database"
    print(f"Uploads: roster in {encoding} -> 422, lines {bad_lines} reported as not UTF-8; nothing written")


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_qti_export_zip_entries_stay_inside_the_archive():
    from studyapp.core.qformat.qti import write_qti

    questions = qformat.parse(bank("qti").encode(), "bank.md").questions
    exported = write_qti(questions, title="../../evil <script>")
    names = zipfile.ZipFile(io.BytesIO(exported.data)).namelist()
    for name in names:
        assert not name.startswith(("/", "\\")) and ".." not in name.split("/") and "\\" not in name, name
    print(f"QTI export: {len(names)} zip entries, all relative, none climbing out: {names}")
