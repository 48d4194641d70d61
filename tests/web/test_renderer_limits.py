"""Markdown that would stall or crash the renderer: refused in the editor at its line, shown escaped if stored.

Each worst case is built twice: as large as the limits allow (it renders, well under 100 ms) and as
large as the editor takes (it is refused with a message naming its line, and renders as escaped
text, also under 100 ms). A question holding every worst case, stored before the limits existed,
still answers 200 on every page that shows it.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from studyapp.authoring.forms import MAX_SOURCE_CHARS
from studyapp.core import markdown, qformat
from studyapp.core.markdown import COSTS, LIMITS
from studyapp.core.qformat.rendered import render_question
from studyapp.domain.questions import question_of
from studyapp.extensions import db
from studyapp.models import Attempt, Question, QuestionVersion, Quiz, Role

pytestmark = pytest.mark.content

#: The one time bound of the suite: a rendering, at the worst, takes less than this.
BUDGET = 0.1

HEAD = """## renderer-worst-case
type: single
themes: linkage
passages: memo-linkage
difficulty: 1

"""
TAIL = """

### Choices
- [x] Right
- [ ] Wrong

### Explanation
Because.
"""
#: The line of the source where the prompt starts.
PROMPT_LINE = HEAD.count("\n") + 1
#: Room for one text in a question the editor takes.
ROOM = MAX_SOURCE_CHARS - len(HEAD) - len(TAIL)


def fill(unit: str, room: int = ROOM, sep: str = "") -> str:
    """`unit` repeated (joined by `sep`) as often as fits in `room` characters."""
    return sep.join([unit] * ((room + len(sep)) // (len(unit) + len(sep))))


def budget(kind: str) -> int:
    """How many pieces of one kind of markup the limits allow in a text."""
    return LIMITS.markup // COSTS[kind]


#: Texts as large and as hard as the limits allow: each renders as Markdown.
AT_THE_LIMITS = {
    "prose": "\n\n".join(
        [("The *quick* brown fox [jumps](https://x.example) over the lazy dog." + " And so on." * 50)[:78]]
        * (LIMITS.markup // 4)
    ),
    "plain lines": "\n".join(["word " * 5 + "word"] * (LIMITS.lines - 1)),
    "brackets never closed": "\n\n".join(
        ["[" * LIMITS.bracket_depth + "a" * 200] * (budget("brackets") // LIMITS.bracket_depth)
    ),
    "brackets nested": "\n\n".join(
        ["[" * LIMITS.bracket_depth + "a" + "]" * LIMITS.bracket_depth + "(b)"] * (budget("brackets") // 6)
    ),
    "links": fill("[a](b) ", budget("brackets") * 7),
    "footnotes": "[^1] " * (LIMITS.markup // 8 - 1) + "\n\n[^1]: note",
    "nested lists": "\n".join(["- " * LIMITS.nesting + "x"] * (budget("containers") // LIMITS.nesting)),
    "indented lists": "\n".join("    " * (n % 3) + "- x" for n in range(budget("containers") // 2)),
    "quotes": "\n".join(["> " * LIMITS.nesting + "x"] * (budget("containers") // LIMITS.nesting)),
    "definition lists": "\n".join(["term", ":   definition", ""] * min(budget("containers"), LIMITS.lines // 3)),
    "nested definitions": "\n".join(
        ["term", ":   " * LIMITS.nesting + "x", ""] * (budget("containers") // LIMITS.nesting)
    ),
    "table": "|" + "h|" * 7 + "\n|" + "-|" * 7 + "\n" + ("|" + "c|" * 7 + "\n") * (budget("table cells") // 8 - 2),
    "wide table": "|" + "h|" * 60 + "\n|" + "-|" * 60 + "\n" + "|" + "c|" * 60,
    "emphasis runs never closed": "*a" * budget("emphasis"),
    "emphasis pairs": "\n\n".join(["*a* " * 50] * (budget("emphasis") // 100)),
    "long emphasis runs": fill("*" * 20 + "a ", LIMITS.chars),
    "code spans": "`a` " * (budget("code") // 2),
    "tags": "<i>" * budget("tags"),
    "abbreviations": "*[A]: x\n" * LIMITS.abbreviations + "\n" + "A " * (budget("abbreviations") - 20),
    "code blocks": "\n\n".join(["```\nx = [1]\n```"] * (LIMITS.markup // 10)),
    "line breaks": "a  \n" * (LIMITS.lines - 1),
    "entities": fill("&amp;", LIMITS.chars),
}

#: Texts as large as the editor takes: each over a limit, each refused in the editor at the line it names.
OVER_THE_LIMITS = {
    "brackets": "[" * ROOM,
    "brackets after a line": "Intro.\n" + "[" * (ROOM - 7),
    "links": fill("[a](b) "),
    "nested lists": "".join("    " * n + "- x\n" for n in range(210)),
    "inline nested lists": "- " * (ROOM // 2 - 1) + "x",
    "quotes": "> " * (ROOM // 2 - 1) + "x",
    "definition lists": fill("term\n:   definition\n\n"),
    "nested definitions": "term\n" + "".join("    " * n + ":   x\n" for n in range(200)),
    "table": "|" + "h|" * 2000 + "\n|" + "-|" * 2000 + "\n" + ("|" + "c|" * 2000 + "\n") * 20,
    "emphasis runs": "*a" * (ROOM // 2),
    "underscore run": "_" * ROOM,
    "code spans": fill("`a "),
    "code fences": fill("```\n"),
    "tags": fill("<i>"),
    "footnotes": fill("[^1] "),
    "abbreviations": fill("*[A]: x\n"),
    "line breaks": fill("a  \n"),
}


def timed(text: str, inline: bool = False) -> tuple[float, str]:
    """The best of three renderings of `text` (never from a cache), in seconds, and its HTML."""
    best, html = float("inf"), ""
    for _ in range(3):
        start = time.perf_counter()
        html = markdown._render.__wrapped__(text, inline)
        best = min(best, time.perf_counter() - start)
    return best, html


@pytest.mark.parametrize("name", AT_THE_LIMITS)
def test_the_worst_case_the_limits_allow_renders_in_time(name):
    text = AT_THE_LIMITS[name]
    assert markdown.problems(text) == [], name
    elapsed, html = timed(text)
    assert elapsed < BUDGET, f"{name}: {elapsed * 1000:.0f} ms"
    assert html != markdown.fallback(text)


@pytest.mark.parametrize("name", OVER_THE_LIMITS)
def test_the_worst_case_over_the_limits_is_shown_escaped_in_time(name):
    text = OVER_THE_LIMITS[name]
    assert len(HEAD + text + TAIL) <= MAX_SOURCE_CHARS
    assert markdown.problems(text), name
    for inline in (False, True):
        elapsed, html = timed(text, inline)
        assert elapsed < BUDGET, f"{name}: {elapsed * 1000:.0f} ms"
        assert html == markdown.fallback(text, inline=inline)
    assert "<" not in markdown.render(text, inline=True).replace("&lt;", "")


@pytest.mark.parametrize("name", OVER_THE_LIMITS)
def test_the_editor_refuses_the_worst_case_at_its_line(client, instructor, name):
    text = OVER_THE_LIMITS[name]
    line = markdown.problems(text)[0].line
    source = HEAD + text + TAIL
    reply = client.post("/authoring/preview", data={"source": source})
    assert reply.status_code == 200
    body = reply.get_json()
    assert body["ok"] is False
    prompt = [p for p in body["problems"] if p["message"].startswith("prompt: ")]
    assert prompt, body["problems"][:3]
    assert prompt[0]["line"] == PROMPT_LINE + line - 1, prompt[0]
    before = db.session.scalar(select(func.count()).select_from(QuestionVersion))
    saved = client.post("/authoring/questions/new", data={"source": source, "action": "save"})
    assert saved.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(QuestionVersion)) == before


def test_the_line_named_is_the_line_of_the_source():
    assert markdown.problems(OVER_THE_LIMITS["brackets after a line"])[0].line == 2
    assert markdown.problems("fine\n\n" + "- " * 7 + "x")[0].line == 3
    assert markdown.problems("a\n" * 10 + "*a" * 401)[0].line == 11


def test_each_text_of_a_question_is_checked_at_its_own_line(client, instructor):
    source = (
        HEAD
        + "A fine prompt.\n\n### Choices\n- [x] "
        + "*a" * 500
        + "\n  > Feedback.\n  > "
        + "- " * 10
        + "x\n- [ ] Wrong\n\n### Hint\nFirst line.\n"
        + "[" * 10
        + "\n\n### Explanation\nBecause.\n"
    )
    problems = client.post("/authoring/preview", data={"source": source}).get_json()["problems"]
    found = {(p["line"], p["message"].split(":")[0]) for p in problems}
    assert found == {
        (PROMPT_LINE + 3, "choice a"),
        (PROMPT_LINE + 5, "feedback of choice a"),
        (PROMPT_LINE + 10, "hint"),
    }, problems


# --- a question stored before the limits ------------------------------------------------------------


def every_worst_case() -> str:
    """A question whose texts hold the worst cases, within the size the editor takes."""
    share = (ROOM - 20_000) // 6
    parts = [
        "[" * share,
        "".join("    " * n + "- x\n" for n in range(60)),
        "*a" * (share // 2),
        "|" + "h|" * 500 + "\n|" + "-|" * 500 + "\n" + ("|" + "c|" * 500 + "\n") * 5,
    ]
    prompt = "\n\n".join(parts)
    explanation = "term\n:   " * 3000
    return f"""## renderer-stored-worst-case
type: single
themes: linkage
passages: memo-linkage
difficulty: 1

{prompt}

### Choices
- [x] {"[" * 3000}
  > {"- " * 1500}x
- [ ] {"*a" * 3000}
  > term
  > {":   " * 400}definition

### Hint
{"> " * 1500}x

### Explanation
{explanation}definition
"""


def store_unchecked(question: Question, source: str, *, rendered: bool) -> QuestionVersion:
    """Add a version the editor would refuse, as one saved before the limits existed would be."""
    parsed = qformat.parse(source, "stored.md").questions[0]
    assert qformat.validate([parsed])  # over the limits
    version = QuestionVersion(
        question_id=question.id,
        number=question.current_number + 1,
        source=source,
        type=parsed.type,
        difficulty=parsed.difficulty,
        points=parsed.points,
        themes=list(parsed.themes),
        passages=list(parsed.passages),
        rendered=render_question(parsed) if rendered else None,
    )
    db.session.add(version)
    question.current_number = version.number
    db.session.commit()
    return version


@pytest.mark.parametrize("rendered", [False, True], ids=["rendered-when-shown", "rendered-when-saved"])
def test_every_page_of_a_stored_worst_case_question_answers(client, make_user, login, rendered):
    source = every_worst_case()
    assert len(source) <= MAX_SOURCE_CHARS
    author = make_user(Role.INSTRUCTOR)
    login(author)
    good = HEAD.replace("renderer-worst-case", "renderer-stored-worst-case") + "Fine.\n" + TAIL
    response = client.post("/authoring/questions/new", data={"source": good, "action": "save"})
    assert response.status_code == 302
    question = db.session.get(Question, int(response.headers["Location"].rsplit("/", 1)[1]))
    version = store_unchecked(question, source, rendered=rendered)
    markdown._render.cache_clear()

    start = time.perf_counter()
    pages = [
        f"/authoring/?bank={question.bank_id}",
        f"/authoring/questions/{question.id}",
        f"/authoring/questions/{question.id}/edit",
        f"/authoring/questions/{question.id}/history",
        f"/authoring/questions/{question.id}/student",
    ]
    for url in pages:
        assert client.get(url).status_code == 200, url
    editor = client.get(f"/authoring/questions/{question.id}/edit").get_data(as_text=True)
    assert "[[[[[[[[" in editor  # the source is there to fix
    preview = client.post("/authoring/preview", data={"source": source, "question": question.id}).get_json()
    assert preview["ok"] is False and preview["html"]

    quiz = Quiz(slug="worst-case", title="Worst case", question_ids=[question.id], shuffle_questions=False)
    db.session.add(quiz)
    db.session.commit()
    client.post("/logout")
    login(make_user(Role.STUDENT))
    started = client.post(f"/quizzes/{quiz.id}/start")
    assert started.status_code == 302
    attempt = db.session.get(Attempt, int(started.headers["Location"].rsplit("/", 1)[1]))
    assert attempt.items[0].question_version_id == version.id
    page = client.get(f"/attempts/{attempt.id}")
    assert page.status_code == 200
    assert "<pre>[[[[" in page.get_data(as_text=True)  # shown escaped, as written
    assert client.post(f"/attempts/{attempt.id}/submit").status_code == 302
    review = client.get(f"/attempts/{attempt.id}/result")
    assert review.status_code == 200
    assert "<pre>term" in review.get_data(as_text=True)
    # Seven pages and a preview, with every text of the question on most of them: seconds before.
    assert time.perf_counter() - start < 10


def test_a_saved_version_keeps_its_html_and_pages_show_it(client, instructor):
    source = HEAD.replace("renderer-worst-case", "renderer-kept-html") + "A *kept* prompt, unique here." + TAIL
    response = client.post("/authoring/questions/new", data={"source": source, "action": "save"})
    assert response.status_code == 302
    question = db.session.get(Question, int(response.headers["Location"].rsplit("/", 1)[1]))
    version = question.current_version
    assert version.rendered["html"]["prompt"] == "<p>A <em>kept</em> prompt, unique here.</p>"
    assert {version.rendered["html"]["choices:0"], version.rendered["html"]["choices:1"]} == {"Right", "Wrong"}
    assert version.rendered["html"]["explanation"] == "<p>Because.</p>"

    # Pages use the stored HTML (sanitized again when read), not a new rendering.
    version.rendered = {
        **version.rendered,
        "html": {
            **version.rendered["html"],
            "prompt": "<p>Stored <strong>html</strong><script>alert(1)</script></p>",
        },
    }
    db.session.commit()
    db.session.expire_all()
    text = question_of(db.session.get(QuestionVersion, version.id)).prompt
    assert markdown.render(text) == "<p>Stored <strong>html</strong></p>"
    page = client.get(f"/authoring/questions/{question.id}").get_data(as_text=True)
    assert "Stored <strong>html</strong>" in page and "alert(1)" not in page
