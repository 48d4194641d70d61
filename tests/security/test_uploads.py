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

import pytest
from sqlalchemy import select

from studyapp.core import qformat
from studyapp.extensions import db
from studyapp.models import QuestionBank
from tests.security.support import changed_tables, fetch, hostile_bank, multipart, snapshot

pytestmark = pytest.mark.content


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
    assert "the limit is 1,048,576 bytes" in response.get_data(as_text=True)
    assert changed_tables(before, snapshot()) == {}
    print(f"Uploads: a {len(data):,}-byte bank refused (limit 1 MB) with a message; nothing written")


@pytest.mark.parametrize("encoding", ["utf-16", "latin-1", "cp1252", "utf-8-sig", "binary", "nul", "zip", "zip-bomb"])
def test_bank_uploads_in_any_encoding_never_fail_and_never_half_import(world, as_role, encoding):
    instructor = as_role("instructor")
    text = bank(f"enc{abs(hash(encoding)) % 1000}") + "\nDétente, “quotes”, Brezhnev’s\n"
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
    before = snapshot()
    started = time.monotonic()
    response = upload(instructor, data, filename="bank.zip" if encoding.startswith("zip") else "bank.md")
    elapsed = time.monotonic() - started
    assert response.status_code in (200, 422), response.status_code
    assert changed_tables(before, snapshot()) == {}, "a dry run wrote to the database"
    body = response.get_data(as_text=True)
    if encoding == "utf-8-sig":
        assert response.status_code == 200, "a byte-order mark is accepted"
    else:
        assert response.status_code == 422, body[:2000]
        assert "UTF-8" in body or "NUL" in body or "utf-8" in body.lower(), body[:2000]
    assert elapsed < 10
    print(
        f"Uploads: {encoding} bank ({len(data):,} bytes) -> {response.status_code} in {elapsed:.2f}s, nothing written"
    )


def _zip(files: dict[str, bytes]) -> bytes:
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return stream.getvalue()


@pytest.mark.parametrize(
    "filename",
    [
        "../../../../etc/cron.d/evil.md",
        "..\\..\\windows\\evil.md",
        "/absolute/path/evil.md",
        "evil\0.md",
        "<script>alert(1)</script>.md",
        "....//....//evil.md",
        "CON.md",
        ".md",
        "",
    ],
)
def test_file_names_cannot_steer_where_a_bank_goes(world, as_role, filename):
    instructor = as_role("instructor")
    prefix = f"name{abs(hash(filename)) % 10_000}"
    response = upload(instructor, bank(prefix).encode(), filename=filename)
    assert response.status_code in (200, 400, 422), response.status_code
    if response.status_code != 200:
        print(f"Uploads: file name {filename!r} refused ({response.status_code})")
        return
    page = response.get_data(as_text=True)
    draft = re.search(r'name="draft" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="draft" value="([^"]+)"', page
    )
    label = re.search(r'name="filename" type="hidden" value="([^"]*)"', page) or re.search(
        r'name="filename" value="([^"]*)"', page
    )
    assert draft and label, "the dry run offers a confirm form"
    confirm = fetch(
        instructor,
        "/authoring/upload/confirm",
        "POST",
        data={"draft": draft.group(1), "filename": filename, "retire_missing": ""},
    )
    assert confirm.status_code in (302, 400, 422), confirm.status_code
    slugs = db.session.scalars(
        select(QuestionBank.slug).where(QuestionBank.owner_id == world.users["instructor"])
    ).all()
    for slug in slugs:
        assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", slug), f"bank slug {slug!r} from file name {filename!r}"
    print(f"Uploads: file name {filename!r} -> confirm {confirm.status_code}; bank slugs {sorted(slugs)}")


def test_a_tampered_confirm_step_is_refused(world, as_role):
    instructor = as_role("instructor")
    bomb = base64.b64encode(zlib.compress(b"a" * (200 << 20), 9)).decode()
    not_the_checked_file = base64.b64encode(zlib.compress(b"## broken\ntype: nonsense\n", 9)).decode()
    before = snapshot()
    cases = {
        "zlib bomb (200 MB)": (bomb, 400),
        "not base64": ("!!!not base64!!!", 400),
        "truncated stream": (base64.b64encode(zlib.compress(bank().encode())[:50]).decode(), 400),
        "trailing bytes": (base64.b64encode(zlib.compress(b"x") + b"junk").decode(), (400, 422)),
        "a file other than the checked one": (not_the_checked_file, 422),
        "empty": ("", 400),
    }
    for label, (draft, expected) in cases.items():
        started = time.monotonic()
        response = fetch(
            instructor,
            "/authoring/upload/confirm",
            "POST",
            data={"draft": draft, "filename": "bank.md", "retire_missing": ""},
        )
        assert response.status_code in (expected if isinstance(expected, tuple) else (expected,)), (
            label,
            response.status_code,
        )
        assert time.monotonic() - started < 10, label
    assert changed_tables(before, snapshot()) == {}
    print(
        f"Uploads: {len(cases)} tampered confirm steps refused ({', '.join(cases)}); the bomb inflated no "
        f"further than {qformat.MAX_BYTES + 1:,} bytes; nothing written"
    )


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "latin-1", "utf-16", "binary", "zip-bomb"])
def test_roster_files_in_any_encoding(world, as_role, encoding):
    instructor = as_role("instructor")
    text = "name,email,section\nZoë Brontë,zoe@studyapp.example,A\nJosé Núñez,jose@studyapp.example,B\n"
    data = {
        "utf-8": lambda: text.encode(),
        "utf-8-sig": lambda: text.encode("utf-8-sig"),
        "latin-1": lambda: text.encode("latin-1"),
        "utf-16": lambda: text.encode("utf-16"),
        "binary": lambda: bytes(range(256)) * 16,
        "zip-bomb": zip_bomb,
    }[encoding]()
    before = snapshot()
    response = upload(
        instructor, data, url=f"/classes/{world.class_id}/roster/import", field="roster", filename="roster.csv"
    )
    assert response.status_code in (200, 422), response.status_code
    assert changed_tables(before, snapshot()) == {}, "checking a roster wrote to the database"
    if encoding.startswith("utf-8"):
        assert response.status_code == 200 and "Zoë Brontë" in response.get_data(as_text=True)
    print(f"Uploads: roster in {encoding} -> {response.status_code}; nothing written until confirmed")


def test_qti_export_zip_entries_stay_inside_the_archive():
    from studyapp.core.qformat.qti import write_qti

    questions = qformat.parse(bank("qti").encode(), "bank.md").questions
    exported = write_qti(questions, title="../../evil <script>")
    names = zipfile.ZipFile(io.BytesIO(exported.data)).namelist()
    for name in names:
        assert not name.startswith(("/", "\\")) and ".." not in name.split("/") and "\\" not in name, name
    print(f"QTI export: {len(names)} zip entries, all relative, none climbing out: {names}")
