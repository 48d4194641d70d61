"""What the security tests share: a populated "world" full of hostile text, the URL-map walker that fills
each route's arguments from it, a snapshot of every table, and an HTML checker that proves a page inert.

The world belongs to instructor A and student A (their class, bank, quiz, assignment, attempts, review
card); instructor B and student B have a class of their own and are the intruders.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import shutil
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from studyapp.extensions import db
from tests.conftest import TEST_PASSWORD

# --- hostile text ------------------------------------------------------------------------------------

#: Every way of sneaking script into a page that the tests try, each tagged so a page shows where it came from.
ATTACKS = (
    '<script>alert("{m}")</script>',
    '<img src=x onerror=alert("{m}")>',
    '[link {m}](javascript:alert("{m}"))',
    "[data {m}](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '![pic {m}](javascript:alert("{m}"))',
    '<svg onload=alert("{m}")><circle r="1"/></svg>',
    '<a href="javascript:alert(1)" onclick="alert(2)">raw {m}</a>',
    '<a href="&#106;avascript:alert(1)">entity {m}</a>',
    "[mixed case {m}](JaVaScRiPt:alert(1))",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<math><mtext><table><mglyph><style><img src=x onerror=alert("{m}")>',
    '<form action="javascript:alert(1)"><button formaction="javascript:alert(2)">go {m}</button></form>',
    '<object data="data:text/html,<script>alert(1)</script>"></object>',
    '<base href="//evil.example/"><meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '"><script>alert("{m}")</script><p title="',
    "'><img src=x onerror=alert('{m}')>",
    '<div onmouseover="alert(1)">unclosed {m} <b><i <a href="javascript:',
)


def hostile_markdown(marker: str) -> str:
    """A Markdown text carrying every attack, each on its own paragraph."""
    return "\n\n".join(attack.format(m=marker) for attack in ATTACKS)


def hostile_line(marker: str, limit: int = 100) -> str:
    """A one-line hostile text that fits a name field: starts like a spreadsheet formula, too."""
    text = f'={marker}<img src=x onerror=alert(1)>"><script>alert(2)</script><b'
    assert len(text) <= limit, text
    return text


MARKERS = {
    "display name": "XSSNAME",
    "class name": "XSSCLASS",
    "section name": "XSSSECT",
    "class term": "XSSTERM",
    "question prompt": "XSSPROMPT",
    "choice": "XSSCHOICE",
    "choice feedback": "XSSFEEDBACK",
    "hint": "XSSHINT",
    "explanation": "XSSEXPLAIN",
    "rubric": "XSSRUBRIC",
    "matching pair": "XSSPAIR",
    "ordering item": "XSSORDER",
    "bank title": "XSSBANK",
    "quiz title": "XSSQUIZ",
    "quiz description": "XSSQUIZDESC",
    "essay answer": "XSSESSAY",
    "grader comment": "XSSCOMMENT",
    "passage title": "XSSPTITLE",
    "passage context": "XSSCONTEXT",
    "guiding question": "XSSGUIDE",
    "theme description": "XSSTHEME",
    "glossary definition": "XSSGLOSS",
    "document introduction": "XSSINTRO",
    "claim prompt": "XSSCLAIM",
    "invitee name": "XSSINVITEE",
}


def hostile_bank() -> str:
    """A question bank whose every text is hostile: prompts, choices, feedback, hints, explanations, rubric."""
    md = hostile_markdown
    one = lambda m: f"{m} <img src=x onerror=alert(1)> <script>alert(1)</script> [j](javascript:alert(1))"
    return f"""# Bank {MARKERS["bank title"]} <script>alert("bank")</script>

{md("XSSBANKDESC")}

## hostile-single
type: single
themes: linkage
passages: memo-linkage
difficulty: 1

{md(MARKERS["question prompt"])}

### Choices
- [x] {one(MARKERS["choice"])} right
  > {one(MARKERS["choice feedback"])}
- [ ] {one(MARKERS["choice"])} wrong
  > <img src=x onerror=alert("{MARKERS["choice feedback"]}")>

### Hint
{md(MARKERS["hint"])}

### Explanation
{md(MARKERS["explanation"])}

## hostile-essay
type: essay
themes: linkage
passages: memo-linkage
difficulty: 2
points: 2

Essay {md(MARKERS["question prompt"])}

### Rubric
{md(MARKERS["rubric"])}

### Explanation
Essay {md(MARKERS["explanation"])}

## hostile-matching
type: matching
themes: linkage
passages: memo-linkage
difficulty: 2

Match {MARKERS["question prompt"]} <script>alert(1)</script>

### Pairs
- {one(MARKERS["matching pair"])} one => <img src=x onerror=alert(1)> first
- {one(MARKERS["matching pair"])} two => <svg onload=alert(1)> second
- {one(MARKERS["matching pair"])} three => [j](javascript:alert(1)) third

### Explanation
Matching {MARKERS["explanation"]} <script>alert(1)</script>

## hostile-ordering
type: ordering
themes: linkage
passages: memo-linkage
difficulty: 2

Order {MARKERS["question prompt"]} <script>alert(1)</script>

### Order
1. {one(MARKERS["ordering item"])} first
2. {one(MARKERS["ordering item"])} second
3. {one(MARKERS["ordering item"])} third

### Explanation
Ordering {MARKERS["explanation"]} <img src=x onerror=alert(1)>
"""


def hostile_content(source: Path, target: Path) -> Path:
    """A copy of the content folder whose editorial texts are hostile (the verbatim quotes stay as they are)."""
    shutil.copytree(source, target)
    md = hostile_markdown
    passage = target / "passages" / "05-memo-in-sum.md"
    text = passage.read_text(encoding="utf-8")
    text = text.replace(
        'title: "“Nothing new or startling”"',
        f'title: "{MARKERS["passage title"]} <script>alert(1)</script><img src=x onerror=alert(1)>"',
    )
    text = text.replace("## Context\n", f"## Context\n\n{md(MARKERS['passage context'])}\n\n", 1)
    text = text.replace(
        "## Guiding questions\n\n1. ",
        f"## Guiding questions\n\n1. {MARKERS['guiding question']} <script>alert(1)</script> "
        "<img src=x onerror=alert(1)> [j](javascript:alert(1)) ",
        1,
    )
    passage.write_text(text, encoding="utf-8")
    theme = target / "themes" / "linkage.md"
    theme.write_text(
        theme.read_text(encoding="utf-8") + "\n" + md(MARKERS["theme description"]) + "\n", encoding="utf-8"
    )
    term = target / "glossary" / "brezhnev.md"
    term.write_text(
        term.read_text(encoding="utf-8") + "\n" + md(MARKERS["glossary definition"]) + "\n", encoding="utf-8"
    )
    document = target / "document.md"
    document.write_text(
        document.read_text(encoding="utf-8") + "\n" + md(MARKERS["document introduction"]) + "\n", encoding="utf-8"
    )
    claim = sorted((target / "claims").glob("*.md"))[0]
    claim.write_text(claim.read_text(encoding="utf-8") + "\n" + md(MARKERS["claim prompt"]) + "\n", encoding="utf-8")
    return target


# --- the world -------------------------------------------------------------------------------------------


@dataclass
class World:
    """Ids of everything the tests walk with; A's objects are the targets, B's users the intruders."""

    users: dict[str, int]
    emails: dict[str, str]
    class_id: int
    other_class_id: int
    section_id: int
    assignment_id: int
    quiz_id: int
    bank_id: int
    question_ids: list[int]
    submitted_attempt_id: int
    open_attempt_id: int
    other_attempt_id: int
    card_id: int
    essay_position: int
    invitation_id: int
    join_code: str
    other_join_code: str
    document_slug: str
    passage_slug: str
    theme_slug: str
    platform_id: int
    hostile_markers: dict[str, str] = field(default_factory=lambda: dict(MARKERS))


ROLES = ("admin", "instructor", "student", "other_instructor", "other_student")


def build_world(app: Flask, tmp_path: Path) -> World:
    """Populate the database (which holds the shipped content) with two classes, hostile text everywhere."""
    from studyapp.core import mastery
    from studyapp.domain import accounts as accounts
    from studyapp.domain import attempts as quizzes
    from studyapp.domain import classes as classes
    from studyapp.domain import content as reading
    from studyapp.domain import questions as authoring
    from studyapp.domain import questions as question_views
    from studyapp.models import (
        Attempt,
        Document,
        Invitation,
        LtiContext,
        LtiPlatform,
        Passage,
        QuestionBank,
        Quiz,
        ReviewCard,
        Role,
        Theme,
    )
    from studyapp.models.base import utcnow

    hostile_dir = hostile_content(Path(app.config["CONTENT_DIR"]), tmp_path / "hostile-content")
    reading.load_content(hostile_dir)

    role_of = {
        "admin": Role.ADMIN,
        "instructor": Role.INSTRUCTOR,
        "student": Role.STUDENT,
        "other_instructor": Role.INSTRUCTOR,
        "other_student": Role.STUDENT,
    }
    users = {}
    for name in ROLES:
        users[name] = accounts.create_user(
            email=f"{name.replace('_', '-')}@studyapp.example",
            role=role_of[name],
            password=TEST_PASSWORD,
            display_name=hostile_line(MARKERS["display name"]) if name == "student" else f"{name} <b>x</b>",
        )
    db.session.flush()

    bank_file = authoring.read_upload(hostile_bank().encode(), "hostile.md")
    tree, problems = authoring.content_tree(hostile_dir)
    assert not problems, problems
    report = authoring.import_upload(bank_file, users["instructor"], tree, dry_run=False)
    assert report.ok, report.problems
    bank = db.session.scalar(sa.select(QuestionBank).where(QuestionBank.owner_id == users["instructor"].id))
    questions = list(bank.questions)
    quiz = Quiz(
        slug="hostile-quiz",
        title=f"Quiz {MARKERS['quiz title']} <script>alert(1)</script>",
        description=hostile_markdown(MARKERS["quiz description"]),
        owner_id=users["instructor"].id,
        question_ids=[q.id for q in questions],
        shuffle_questions=False,
        shuffle_choices=False,
    )
    db.session.add(quiz)
    db.session.flush()

    class_ = classes.create_class(
        users["instructor"],
        name=hostile_line(MARKERS["class name"], 200),
        term=hostile_line(MARKERS["class term"]),
        sections=[hostile_line(MARKERS["section name"])],
    )
    classes.join_class(class_, users["student"]).section_id = class_.sections[0].id
    assignment = classes.save_assignment(class_, None, quiz, {})
    other_class = classes.create_class(users["other_instructor"], name="Other class", sections=["B"])
    classes.join_class(other_class, users["other_student"])
    other_assignment = classes.save_assignment(other_class, None, quiz, {})
    invitee = hostile_line(MARKERS["invitee name"]).replace('"', '""')
    classes.import_roster(class_, f'name,email\n"{invitee}",invitee@studyapp.example\n', actor=users["instructor"])
    invitation = db.session.scalar(sa.select(Invitation).where(Invitation.class_id == class_.id))

    def take(user, answer_essay: str, *, submit: bool):
        attempt = quizzes.start_attempt(
            quiz, user, assignment=assignment if user is users["student"] else other_assignment
        )
        essay = next(i for i in attempt.items if authoring.question_of(i.version).type == "essay")
        single = next(i for i in attempt.items if authoring.question_of(i.version).type == "single")
        quizzes.save_response(attempt, essay.position, {"text": answer_essay}, None)
        wrong = question_views.public_id(attempt.seed, authoring.question_of(single.version).id, "b")
        quizzes.save_response(attempt, single.position, {"choice": wrong}, None)
        if submit:
            quizzes.submit(attempt)
            db.session.flush()
            attempt = db.session.get(Attempt, attempt.id)
        return attempt, essay.position

    essay_text = hostile_markdown(MARKERS["essay answer"])
    submitted, essay_position = take(users["student"], essay_text, submit=True)
    quizzes.grade_essay_item(
        submitted, essay_position, "1", hostile_markdown(MARKERS["grader comment"]), users["instructor"]
    )
    opened, _ = take(users["student"], essay_text, submit=False)
    other, _ = take(users["other_student"], "An answer of student B.", submit=True)

    # Class A came from a course on a platform, so its LTI page exists (a hostile course name included).
    platform = LtiPlatform(
        name=hostile_line(MARKERS["class name"], 200),
        issuer="https://lms.example",
        client_id="tool",
        auth_login_url="https://lms.example/auth",
        auth_token_url="https://lms.example/token",
        key_set_url="https://lms.example/jwks",
    )
    db.session.add(platform)
    db.session.flush()
    db.session.add(LtiContext(platform_id=platform.id, context_id="course-a", deployment_id="1", class_id=class_.id))

    now = utcnow()
    card = db.session.scalar(
        sa.select(ReviewCard).where(
            ReviewCard.user_id == users["student"].id, ReviewCard.question_id == questions[0].id
        )
    )
    if card is None:  # the missed answer is queued when the attempt is graded; make sure there is one
        card = ReviewCard(
            user_id=users["student"].id,
            question_id=questions[0].id,
            state=mastery.new_card(now),
            due_at=now,
            misses=1,
            seed="0123456789abcdef",
        )
        db.session.add(card)
    card.due_at = now
    db.session.commit()

    document = db.session.scalar(sa.select(Document).order_by(Document.id))
    return World(
        users={name: user.id for name, user in users.items()},
        emails={name: user.email for name, user in users.items()},
        class_id=class_.id,
        other_class_id=other_class.id,
        section_id=class_.sections[0].id,
        assignment_id=assignment.id,
        quiz_id=quiz.id,
        bank_id=bank.id,
        question_ids=[q.id for q in questions],
        submitted_attempt_id=submitted.id,
        open_attempt_id=opened.id,
        other_attempt_id=other.id,
        card_id=card.id,
        essay_position=essay_position,
        invitation_id=invitation.id,
        join_code=class_.join_code,
        other_join_code=other_class.join_code,
        document_slug=document.slug,
        passage_slug=db.session.scalar(sa.select(Passage.slug).where(Passage.slug == "memo-in-sum")),
        theme_slug=db.session.scalar(sa.select(Theme.slug).where(Theme.slug == "linkage")),
        platform_id=platform.id,
    )


# --- requests ---------------------------------------------------------------------------------------------------


def fetch(client, path: str, method: str = "GET", **kwargs):
    """Request `path`, read the whole body and close the response (a static file's stream included)."""
    response = client.open(path, method=method, **kwargs)
    response.get_data()
    response.close()
    return response


def multipart(fields: dict[str, str], files: dict[str, tuple[bytes, str]]) -> tuple[bytes, str]:
    """A multipart/form-data body built in memory (the test client spools large files to disk and may
    leave them open when the app refuses the body early)."""
    boundary = "studyapp-test-boundary-7f3a"
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (data, filename) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        )
        parts.append(head.encode("utf-8") + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


# --- walking the URL map -------------------------------------------------------------------------------------

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Routes anyone who knows the address may use, by design: a join link shows its class and joins it.
PUBLIC_BY_DESIGN = {"classes.join": "a join link is a capability: knowing the code lets a student see and join"}


def static_files(app: Flask) -> list[tuple[str, str]]:
    """(endpoint, filename) of every file served by the app's and its blueprints' static routes."""
    found = []
    folders = {"static": app.static_folder}
    folders.update({f"{name}.static": bp.static_folder for name, bp in app.blueprints.items() if bp.static_folder})
    for endpoint, folder in folders.items():
        if endpoint not in app.view_functions or not folder or not Path(folder).is_dir():
            continue
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file():
                found.append((endpoint, path.relative_to(folder).as_posix()))
    return found


def candidates(rule, world: World, app: Flask) -> list[dict]:
    """Every way to fill `rule`'s arguments with the world's objects (those of instructor A and student A)."""
    endpoint = rule.endpoint
    if endpoint.endswith("static") or endpoint == "static":
        return [{"filename": name} for ep, name in static_files(app) if ep == endpoint]
    slug = {"reading.document": world.document_slug, "reading.passage": world.passage_slug}.get(
        endpoint, world.theme_slug
    )
    attempts = [world.open_attempt_id, world.submitted_attempt_id]
    if endpoint.startswith("quiz.manage") or endpoint in (
        "quiz.grade_essay",
        "quiz.extra_time",
        "quiz.result",
        "authoring.attempt",
    ):
        attempts = [world.submitted_attempt_id]
    options = {
        "attempt_id": attempts,
        "class_id": [world.class_id],
        "assignment_id": [world.assignment_id],
        "user_id": [world.users["student"]],
        "quiz_id": [world.quiz_id],
        "question_id": world.question_ids[:2],
        "card_id": [world.card_id],
        "position": [world.essay_position],
        "code": [world.join_code],
        "slug": [slug],
        "kind": ["gradebook", "responses"],
        "fmt": ["csv", "xlsx"],
        "bank_id": [world.bank_id],
        "section_id": [world.section_id],
        "token": ["no-such-reset-link"],
        "ticket": ["no-such-launch-ticket"],
        "platform_id": [world.platform_id],
        "invitation_id": [world.invitation_id],
    }
    names = sorted(rule.arguments)
    missing = [name for name in names if name not in options]
    assert not missing, f"{rule.rule}: no way to fill {missing}; teach tests/security/support.py about it"
    return [dict(zip(names, values)) for values in itertools.product(*(options[n] for n in names))]


@dataclass
class Route:
    rule: object
    path: str
    methods: frozenset

    @property
    def endpoint(self) -> str:
        return self.rule.endpoint


def routes(app: Flask, world: World) -> list[Route]:
    """Every route of the app, each argument filled every way the world allows."""
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        methods = frozenset(rule.methods - {"HEAD", "OPTIONS"})
        with app.test_request_context():
            from flask import url_for

            for values in candidates(rule, world, app) if rule.arguments else [{}]:
                path = url_for(rule.endpoint, **values)
                path = path.replace("http://localhost", "")
                found.append(Route(rule, path, methods))
    return found


def takes_object(route: Route) -> bool:
    """Whether the route names an object (an id or a join code), as opposed to public content or a file."""
    return any(arg.endswith("_id") or arg in ("code", "position") for arg in route.rule.arguments)


#: Form fields posted with every write in the walks: plausible values for every form of the app.
PAYLOAD = {
    "name": "Renamed",
    "term": "T",
    "section": "S",
    "sections": "S",
    "email": "other-instructor@studyapp.example",
    "score": "2",
    "comment": "c",
    "minutes": "30",
    "excused": "1",
    "retired": "1",
    "action": "save",
    "source": "## x\ntype: single\n",
    "position": "1",
    "seq": "999",
    "q1": "a",
    "q2": "a",
    "code": "ABCDEFGH",
    "title": "T",
    "description": "D",
    "question": "1",
    "quiz": "1",
    "roster_text": "name,email\nA,a@b.example\n",
    "display_name": "N",
    "password": "a fine new password",
    "confirm": "a fine new password",
    "current": TEST_PASSWORD,
    "role": "admin",
    "draft": "eJwDAAAAAAE=",
    "filename": "x.md",
    "mode": "fixed",
    "questions": "hostile-single",
    "next": "queue",
    "reviews": "0",
}


# --- the state of every table ----------------------------------------------------------------------------------


_ALEMBIC = sa.Table("alembic_version", sa.MetaData(), sa.Column("version_num", sa.String(32), primary_key=True))


def snapshot(engine: sa.Engine | None = None) -> dict[str, tuple[int, str]]:
    """Row count and a checksum of every row of every table (alembic_version included), read afresh."""
    if engine is None:
        db.session.rollback()  # end the test's own transaction: on SQLite it may hold the write lock
    state = {}
    with (engine or db.engine).connect() as conn:
        for table in [*db.metadata.sorted_tables, _ALEMBIC]:
            order = list(table.primary_key.columns) or list(table.columns)
            result = conn.exec_driver_sql(str(sa.select(table).order_by(*order).compile(conn)))
            rows = result.fetchall()
            digest = hashlib.sha256(repr(rows).encode()).hexdigest()[:16]
            state[table.name] = (len(rows), digest)
    return state


def changed_tables(before: dict, after: dict) -> dict:
    return {
        name: (before.get(name), after.get(name))
        for name in set(before) | set(after)
        if before.get(name) != after.get(name)
    }


# --- proving a page inert ----------------------------------------------------------------------------------------

URL_ATTRIBUTES = frozenset(
    {
        "href",
        "src",
        "action",
        "formaction",
        "xlink:href",
        "poster",
        "data",
        "background",
        "srcset",
        "ping",
        "cite",
        "manifest",
        "lowsrc",
        "dynsrc",
        "longdesc",
    }
)
FORBIDDEN_TAGS = frozenset(
    {
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "base",
        "style",
        "link-import",
        "portal",
        "foreignobject",
        "animate",
        "set",
        "handler",
        "listener",
    }
)
BAD_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:")
SAFE_DATA_IMAGE = re.compile(r"^data:image/(png|gif|jpe?g|webp);base64,[a-z0-9+/=\s]*$", re.I)


class InertChecker(HTMLParser):
    """Collects every element or attribute of a page that could run script."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        tag = tag.lower()
        values = {name.lower(): value or "" for name, value in attrs}
        for name, value in values.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>: an event-handler attribute")
            if name in URL_ATTRIBUTES or (name == "content" and values.get("http-equiv")):
                plain = re.sub(r"[\x00-\x20]", "", value).lower()
                if "url=" in plain:
                    plain = plain.split("url=", 1)[1]
                if plain.startswith(BAD_SCHEMES) and not (tag == "img" and SAFE_DATA_IMAGE.match(value.strip())):
                    self.problems.append(f"<{tag} {name}={value!r}>: a script-capable URL")
        if tag == "script":
            self.in_script = True
            src = values.get("src", "")
            if (
                not src.startswith("/")
                or src.startswith("//")
                or not re.match(r"^/[\w/.-]*static/[\w/.-]+\.js(\?v=[0-9a-f]+)?$", src)
            ):
                self.problems.append(f"<script src={src!r}>: only the app's own static scripts may load")
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}>: an element that can load or run content")
        if tag == "meta" and values.get("http-equiv"):
            self.problems.append(f"<meta http-equiv={values['http-equiv']!r}>")
        if tag == "form" and values.get("action", "/")[:1] not in ("/", "?", "#", ""):
            self.problems.append(f"<form action={values['action']!r}>: posts off the site")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag.lower() == "script":
            self.in_script = False

    def handle_data(self, data):
        if self.in_script and data.strip():
            self.problems.append(f"inline script: {data.strip()[:60]!r}")


def inert_problems(html: str) -> list[str]:
    """Everything in `html` that could run script (an empty list for an inert page)."""
    checker = InertChecker()
    checker.feed(html)
    checker.close()
    return checker.problems
