"""Property-based fuzzing (hypothesis) of every form and import endpoint: whatever is posted, the app
never answers 500, and a refused request leaves every table as it was (nothing half-written).

The form walk reads app.url_map and each page's own form fields, so new forms are fuzzed as they appear.
Examples per route stay modest to keep the suite fast: FUZZ_EXAMPLES if set, else 6 under the "dev"
hypothesis profile and 12 under "ci" (a twenty-fifth of the profile's examples, at least 6). The inputs are
derandomized, so every run posts the same ones.
"""

from __future__ import annotations

import os
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security.support import PAYLOAD, WRITE_METHODS, changed_tables, fetch, multipart, routes, snapshot

pytestmark = pytest.mark.content

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES") or max(6, settings().max_examples // 25))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
#: Routes that end the fuzzing client's own session: fuzzed last, once.
SESSION_ENDERS = {"auth.logout"}

INTERESTING = st.sampled_from(
    [
        "",
        " ",
        "0",
        "-1",
        "1.5",
        "NaN",
        "inf",
        "1e308",
        "99999999999999999999999",
        "\x00",
        "a\x00b",
        "\r\n",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "../../etc/passwd",
        "%00",
        "１２３",
        "\u202e",
        "\ufeff",
        "a" * 5000,
        "True",
        "on",
        "1",
        "2",
        "3",
        "a",
        "b",
        "save",
        "finish",
        "preview",
        "fixed",
        "draw",
    ]
)
VALUE = st.one_of(INTERESTING, st.text(max_size=40), st.text(min_size=200, max_size=3000))
MULTI = st.one_of(VALUE, st.lists(VALUE, min_size=2, max_size=4))


class FieldNames(HTMLParser):
    """The names of every input, select, textarea and button of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def handle_starttag(self, tag, attrs):
        if tag in ("input", "select", "textarea", "button"):
            name = dict(attrs).get("name")
            if name and name != "csrf_token":
                self.names.add(name)


def field_names(client, path: str) -> list[str]:
    parser = FieldNames()
    response = fetch(client, path)
    if response.mimetype == "text/html":
        parser.feed(response.get_data(as_text=True))
    return sorted(parser.names | set(PAYLOAD))


def owner_of(route) -> str:
    """Who may use a route in the world: its student, an admin for accounts, else its instructor."""
    if route.endpoint.startswith(
        (
            "quiz.start",
            "quiz.save",
            "quiz.autosave",
            "quiz.submit",
            "progress.",
            "classes.start_assignment",
            "classes.join",
        )
    ):
        return "student"
    if route.endpoint == "auth.users":
        return "admin"
    if route.endpoint in ("auth.signup", "auth.login"):
        return None
    return "instructor"


def form_fuzzer(client, method: str, path: str, names: list[str], totals: dict, statuses: dict):
    """A hypothesis test posting random forms of `names` to `path`: never a 500, and a refusal writes nothing."""
    known: dict = {}  # the last snapshot, while nothing has been accepted since

    @FUZZ
    @given(form=st.dictionaries(st.sampled_from(names), MULTI, max_size=len(names)))
    def post(form):
        before = known.pop("state", None) or snapshot()
        response = fetch(client, path, method, data=form)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        totals["requests"] += 1
        assert response.status_code != 500, f"{method} {path} answered 500 to {form!r}"[:2000]
        if response.status_code >= 400:
            totals["refused"] += 1
            after = snapshot()
            changed = changed_tables(before, after)
            assert not changed, f"{method} {path} refused ({response.status_code}) yet wrote {changed}"
            known["state"] = after  # unchanged: the next example starts from it
        else:
            totals["accepted"] += 1

    return post


def test_every_form_survives_random_input(app, world, as_role):
    writes = [route for route in routes(app, world) if route.methods & WRITE_METHODS]
    writes.sort(key=lambda route: route.endpoint in SESSION_ENDERS)
    for role in (None, "student", "instructor", "admin"):
        as_role(role)
    totals = {"requests": 0, "refused": 0, "accepted": 0}
    statuses: dict[int, int] = {}

    for route in writes:
        client = as_role(owner_of(route))
        names = field_names(client, route.path) if "GET" in route.methods else sorted(PAYLOAD)
        method = sorted(route.methods & WRITE_METHODS)[0]
        post = form_fuzzer(client, method, route.path, names, totals, statuses)
        if route.endpoint in SESSION_ENDERS:
            post.hypothesis.inner_test(form={})  # once: it signs the client out
            continue
        post()
    print(
        f"Fuzzing: {len(writes)} form endpoints x up to {EXAMPLES} examples = {totals['requests']} posts: "
        f"{totals['refused']} refused with nothing written, {totals['accepted']} accepted, no 500 "
        f"(statuses {dict(sorted(statuses.items()))})"
    )


MARKDOWN_LINES = st.sampled_from(
    [
        "# Bank",
        "## fuzz-q",
        "## fuzz-q2",
        "type: single",
        "type: essay",
        "type: cloze",
        "type: numeric",
        "type: matching",
        "type: ordering",
        "type: evidence",
        "themes: linkage",
        "themes: nope",
        "passages: memo-linkage",
        "difficulty: 2",
        "difficulty: 9",
        "points: -1",
        "points: 1e400",
        "answer: 1973",
        "range: 9..1",
        "### Choices",
        "### Explanation",
        "### Rubric",
        "### Pairs",
        "### Order",
        "### Evidence",
        "### Answers",
        "- [x] yes",
        "- [ ] no",
        "- [x]",
        "  > feedback",
        "- a => b",
        "- => c",
        "1. one",
        "2. two",
        "{{blank|other}}",
        "{{",
        "}}",
        "",
        "text <script>alert(1)</script>",
        "\t",
        "\x00",
        "é",
        "—",
    ]
)
BANK_TEXT = st.lists(MARKDOWN_LINES | st.text(max_size=30), max_size=40).map("\n".join)


def test_every_import_survives_random_files(world, as_role):
    instructor = as_role("instructor")
    counts = {"bank uploads": 0, "confirms": 0, "previews": 0, "rosters": 0, "roster confirms": 0}

    def check(label, response, before):
        assert response.status_code != 500, f"{label} answered 500"
        if response.status_code >= 400:
            assert not changed_tables(before, snapshot()), f"{label} refused yet wrote"

    @FUZZ
    @given(text=BANK_TEXT, raw=st.binary(max_size=2000), as_bytes=st.booleans(), name=VALUE)
    def banks(text, raw, as_bytes, name):
        before = snapshot()
        body, content_type = multipart(
            {"csrf_token": instructor.csrf_token()},
            {"file": (raw if as_bytes else text.encode("utf-8", "replace"), "x.md")},
        )
        check(
            "bank upload",
            fetch(instructor, "/authoring/upload", "POST", data=body, content_type=content_type, csrf=False),
            before,
        )
        counts["bank uploads"] += 1
        import base64
        import zlib

        draft = base64.b64encode(zlib.compress(raw if as_bytes else text.encode("utf-8", "replace"))).decode()
        before = snapshot()
        check(
            "upload confirm",
            fetch(instructor, "/authoring/upload/confirm", "POST", data={"draft": draft, "filename": name or "x.md"}),
            before,
        )
        counts["confirms"] += 1
        before = snapshot()
        check("preview", fetch(instructor, "/authoring/preview", "POST", data={"source": text}), before)
        counts["previews"] += 1

    @FUZZ
    @given(rows=st.lists(st.lists(VALUE, max_size=5), max_size=12), header=st.booleans(), raw=st.binary(max_size=500))
    def rosters(rows, header, raw):
        lines = (["name,email,section"] if header else []) + [",".join(row) for row in rows]
        data = "\n".join(lines).encode("utf-8", "replace") if rows or header else raw
        before = snapshot()
        body, content_type = multipart({"csrf_token": instructor.csrf_token()}, {"roster": (data, "r.csv")})
        check(
            "roster",
            fetch(
                instructor,
                f"/classes/{world.class_id}/roster/import",
                "POST",
                data=body,
                content_type=content_type,
                csrf=False,
            ),
            before,
        )
        counts["rosters"] += 1
        before = snapshot()
        check(
            "roster confirm",
            fetch(
                instructor,
                f"/classes/{world.class_id}/roster/import/confirm",
                "POST",
                data={"roster_text": data.decode("utf-8", "replace")},
            ),
            before,
        )
        counts["roster confirms"] += 1

    banks()
    rosters()
    print(
        "Fuzzing imports: "
        + ", ".join(f"{count} {label}" for label, count in counts.items())
        + "; no 500, nothing half-written"
    )
