"""Cross-site scripting: hostile text in every field a user or an author controls, viewed on every page.

The world (tests/security/support.py) puts script in question prompts, choices, feedback, hints,
explanations, rubrics, matching pairs, ordering items, bank and quiz titles and descriptions,
passages and the other readings (loaded from a hostile content folder), essay answers, grader
comments, display names, class names, terms and sections. Every GET route of the app is then
requested as each role, and each HTML page is parsed: no script runs from it.
"""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.security.support import MARKERS, fetch, hostile_bank, hostile_line, hostile_markdown, inert_problems, routes

pytestmark = pytest.mark.content

VIEWERS = (None, "student", "instructor", "admin")
#: Where a spreadsheet would read a cell as a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _check_page(path: str, role, response, seen: dict, failures: list) -> None:
    body = response.get_data(as_text=True)
    for problem in inert_problems(body):
        failures.append(f"{role or 'anonymous'} GET {path}: {problem}")
    for where, marker in MARKERS.items():
        if marker in body:
            seen.setdefault(where, set()).add(path)


def test_hostile_text_is_inert_on_every_page(app, world, as_role):
    seen: dict[str, set[str]] = {}
    failures: list[str] = []
    pages = 0
    walked = [route for route in routes(app, world) if "GET" in route.methods]
    for role in VIEWERS:
        client = as_role(role)
        for route in walked:
            response = fetch(client, route.path)
            assert response.status_code != 500, f"{role} GET {route.path} answered 500"
            if response.mimetype == "text/html":
                pages += 1
                _check_page(route.path, role, response, seen, failures)
    print(f"XSS: {len(walked)} GET routes x {len(VIEWERS)} roles: {pages} HTML pages parsed, {len(failures)} problems")
    for where in sorted(seen):
        print(f"  {where:<22} shown, inert, on {len(seen[where])} pages, e.g. {sorted(seen[where])[0]}")
    assert not failures, "\n".join(failures[:40])
    unseen = sorted(set(MARKERS) - set(seen))
    print(f"  not shown on any page walked: {unseen or 'none'}")
    # Each field must actually have been on a page for the check to mean anything.
    assert not unseen, f"these hostile fields were never displayed, so never checked: {unseen}"


def test_previews_and_form_echoes_are_inert(app, world, as_role):
    instructor = as_role("instructor")
    checked = []

    def check(label, html):
        problems = inert_problems(html)
        checked.append(label)
        assert not problems, f"{label}: {problems}"

    source = hostile_bank().split("\n## ", 1)[1]
    source = "## " + source.split("\n## ", 1)[0]
    reply = instructor.post("/authoring/preview", data={"source": source})
    assert reply.status_code == 200 and reply.mimetype == "application/json"
    data = reply.get_json()
    for key in ("html", "problems_html", "summary"):
        check(f"POST /authoring/preview [{key}]", data[key])
    reply = instructor.post("/authoring/preview", data={"source": source, "question": world.question_ids[0]})
    check("POST /authoring/preview (editing)", reply.get_json()["html"])
    broken = source.replace("### Choices", "### Choises <script>alert(1)</script>")
    reply = instructor.post("/authoring/preview", data={"source": broken})
    check("POST /authoring/preview (problems)", reply.get_json()["problems_html"])

    page = instructor.post("/authoring/questions/new", data={"source": source, "action": "preview", "bank": ""})
    check("POST /authoring/questions/new preview", page.get_data(as_text=True))
    page = instructor.post(
        "/authoring/upload",
        data={
            "file": (io.BytesIO(hostile_bank().replace("hostile-", "echo-").encode()), "<script>alert(1)<script>.md")
        },
        content_type="multipart/form-data",
    )
    assert page.status_code == 200 and "Ready to import “scriptalert1script.md”" in page.get_data(as_text=True)
    check("POST /authoring/upload (dry run)", page.get_data(as_text=True))
    page = instructor.post(
        "/authoring/quizzes/new",
        data={
            "title": hostile_line("XSSBUILDER"),
            "description": hostile_markdown("XSSBUILDER"),
            "mode": "fixed",
            "questions": "hostile-single\nhostile-essay",
            "action": "preview",
            "grading": "highest",
            "review": "after_submit",
            "layout": "one_page",
        },
    )
    check("POST /authoring/quizzes/new preview", page.get_data(as_text=True))
    roster = "name,email,section\n" + f'"{hostile_line("XSSROSTER")}",roster1@studyapp.example,"<script>x</script>"\n'
    page = instructor.post(
        f"/classes/{world.class_id}/roster/import",
        data={"roster": (io.BytesIO(roster.encode()), "roster.csv")},
        content_type="multipart/form-data",
    )
    check("POST roster import (plan)", page.get_data(as_text=True))
    anonymous = as_role(None)
    page = anonymous.post(
        "/signup",
        data={
            "display_name": hostile_line("XSSSIGNUP"),
            "email": "x@studyapp.example",
            "password": "a long enough phrase",
            "confirm": "differs",
            "join_code": '"><script>alert(1)</script>',
        },
    )
    assert page.status_code == 422
    check("POST /signup (form errors)", page.get_data(as_text=True))
    page = anonymous.get("/read/search", query_string={"q": '"><script>alert(1)</script><img src=x onerror=1>'})
    check("GET /read/search (query echo)", page.get_data(as_text=True))
    page = anonymous.get("/login", query_string={"next": "javascript:alert(1)"})
    check("GET /login?next=javascript:", page.get_data(as_text=True))
    print(f"XSS: {len(checked)} previews and form echoes inert: " + "; ".join(checked))


def test_json_answers_are_not_html(app, world, as_role):
    student = as_role("student")
    reply = student.post(
        f"/attempts/{world.open_attempt_id}/save",
        data={"position": world.essay_position, "seq": 1000, f"q{world.essay_position}": "<script>alert(1)</script>"},
    )
    assert reply.status_code == 200, reply.get_json()
    assert reply.mimetype == "application/json" and reply.headers["X-Content-Type-Options"] == "nosniff"
    bad = student.post(
        f"/attempts/{world.open_attempt_id}/save", data={"position": "<script>", "seq": "<img src=x onerror=1>"}
    )
    assert bad.status_code == 400 and bad.mimetype == "application/json"
    print("XSS: autosave answers JSON (application/json, nosniff), never HTML, even when refused")


def test_exports_carry_hostile_text_as_inert_cells(app, world, as_role):
    openpyxl = pytest.importorskip("openpyxl")
    instructor = as_role("instructor")
    cells = 0
    for kind in ("gradebook", "responses"):
        reply = instructor.get(f"/classes/{world.class_id}/export/{kind}.csv")
        assert reply.status_code == 200
        rows = list(csv.reader(io.StringIO(reply.get_data(as_text=True).lstrip("\ufeff"))))
        text = json.dumps(rows)
        assert MARKERS["display name"] in text, f"the {kind} export should hold the hostile name"
        for row in rows:
            for cell in row:
                cells += 1
                assert not cell.startswith(FORMULA_START), f"{kind}.csv cell read as a formula: {cell!r}"
        reply = instructor.get(f"/classes/{world.class_id}/export/{kind}.xlsx")
        assert reply.status_code == 200
        book = openpyxl.load_workbook(io.BytesIO(reply.get_data()))
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    cells += 1
                    assert cell.data_type != "f", f"{kind}.xlsx cell {cell.coordinate} is a formula: {cell.value!r}"
    print(f"CSV/XLSX injection: {cells} exported cells, none a formula (names start with '=')")


def test_the_checker_catches_every_attack_when_nothing_sanitizes():
    """The page check itself is proved: each attack, unsanitized (raw or through plain Markdown), is caught."""
    import markdown

    from tests.security.support import ATTACKS

    for attack in ATTACKS:
        text = attack.format(m="M")
        caught = inert_problems(text) + inert_problems(markdown.markdown(text))
        assert caught, f"the checker misses {attack!r}"
    print(f"XSS checker: all {len(ATTACKS)} attacks caught when not sanitized")
