"""Authoring in the browser: who may, the bank page, the editor and its versions, uploads, exports, quizzes."""

from __future__ import annotations

import base64
import io
import re
import zipfile
import zlib

import pytest
from sqlalchemy import func, select

from studyapp.authoring.forms import STARTERS
from studyapp.core import qformat
from studyapp.core.markdown import render
from studyapp.domain import attempts as quiz_services
from studyapp.domain import questions as question_views
from studyapp.domain import questions as services
from studyapp.domain import quizzes as quiz_rules
from studyapp.extensions import db
from studyapp.models import Attempt, Question, QuestionBank, QuestionVersion, Quiz, Role

pytestmark = pytest.mark.content

GOOD = """## tnf-next-week-words
type: short
themes: arms-control
passages: memo-tnf
difficulty: 1

What did Dobrynin ask about the start of TNF talks, in the words Haig quotes?

### Answers
- Why not next week?
- next week

### Explanation
Haig quotes him: (“Why not next week?”).
"""

#: Two problems: a difficulty out of range on line 5, no correct choice under "### Choices" on line 9.
BROKEN = """## linkage-broken
type: single
themes: linkage
passages: memo-linkage
difficulty: 4

Whose words are these?

### Choices
- [ ] Haig's
- [ ] Dobrynin's

### Explanation
Dobrynin's.
"""


def counts():
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (QuestionBank, Question, QuestionVersion, Quiz)
    )


def create_question(client, source=GOOD, **extra):
    response = client.post("/authoring/questions/new", data={"source": source, "action": "save", **extra})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    return db.session.get(Question, int(response.headers["Location"].rsplit("/", 1)[1]))


def shipped(key: str) -> Question:
    return db.session.scalar(
        select(Question).join(QuestionBank).where(QuestionBank.owner_id.is_(None), Question.key == key)
    )


def build_fixed_quiz(client, keys, **settings):
    data = {
        "title": "TNF check",
        "mode": "fixed",
        "questions": "\n".join(keys),
        "grading": "highest",
        "review": "after_submit",
        "layout": "one_page",
        "shuffle_questions": "y",
        "action": "save",
        **settings,
    }
    response = client.post("/authoring/quizzes/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return db.session.get(Quiz, int(response.headers["Location"].rsplit("/", 1)[1]))


# --- who may --------------------------------------------------------------------------------------


def authoring_routes(app):
    """Every (method, url) of the authoring blueprint, with 1 for each id in the path."""
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("authoring."):
            continue
        url = rule.build(dict.fromkeys(rule.arguments, 1), append_unknown=False)[1]
        routes += [(method, url) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return routes


def test_every_authoring_route_refuses_students_and_visitors(app, client, make_user, login):
    routes = authoring_routes(app)
    assert len(routes) >= 20, routes
    for method, url in routes:
        response = client.open(url, method=method)
        assert response.status_code == 302 and "/login" in response.headers["Location"], (method, url)
    login(make_user(Role.STUDENT))
    for method, url in routes:
        response = client.open(url, method=method, data={"source": GOOD, "action": "save"})
        assert response.status_code == 403, (method, url, response.status_code)
    assert counts()[1] == db.session.scalar(select(func.count()).select_from(Question))


def test_the_nav_shows_the_bank_to_instructors_only(client, make_user, login):
    login(make_user(Role.STUDENT))
    assert "/authoring/" not in client.get("/").get_data(as_text=True)
    client.post("/logout")
    login(make_user(Role.INSTRUCTOR))
    assert 'href="/authoring/"' in client.get("/").get_data(as_text=True)


def test_another_instructors_bank_question_and_quiz_are_not_found(client, instructor, make_user, signed_in):
    question = create_question(client)
    quiz = build_fixed_quiz(client, [question.key])
    other = signed_in(make_user(Role.INSTRUCTOR))
    qid, bank_id = question.id, question.bank_id
    for url in (
        f"/authoring/?bank={bank_id}",
        f"/authoring/questions/{qid}",
        f"/authoring/questions/{qid}/edit",
        f"/authoring/questions/{qid}/history",
        f"/authoring/questions/{qid}/student",
        f"/authoring/quizzes/{quiz.id}",
        f"/authoring/quizzes/{quiz.id}/edit",
        f"/authoring/quizzes/{quiz.id}/preview",
        f"/authoring/quizzes/{quiz.id}/results",
        f"/authoring/quizzes/{quiz.id}/attempts/1",
    ):
        assert other.get(url).status_code == 404, url
    for url, data in (
        (f"/authoring/questions/{qid}/copy", {}),
        (f"/authoring/questions/{qid}/retire", {"retired": "1"}),
        ("/authoring/preview", {"source": GOOD, "question": str(qid)}),
        (f"/authoring/quizzes/{quiz.id}/edit", {"title": "x", "action": "save"}),
    ):
        assert other.post(url, data=data).status_code == 404, url
    listing = other.get("/authoring/").get_data(as_text=True)
    assert question.key not in listing
    exported = other.post("/authoring/export", data={"question": str(qid)})
    assert exported.status_code == 302  # nothing of theirs selected: nothing to export
    db.session.expire_all()
    assert not db.session.get(Question, qid).retired


# --- the bank page ----------------------------------------------------------------------------------


def test_bank_page_filters_searches_and_counts(client, instructor):
    page = client.get("/authoring/").get_data(as_text=True)
    total = db.session.scalar(select(func.count()).select_from(Question))
    assert f"<strong>{total}</strong> questions shown" in page
    essays = client.get("/authoring/?type=essay").get_data(as_text=True)
    n_essays = db.session.scalar(
        select(func.count())
        .select_from(QuestionVersion)
        .join(
            Question, (Question.id == QuestionVersion.question_id) & (Question.current_number == QuestionVersion.number)
        )
        .where(QuestionVersion.type == "essay")
    )
    assert f"<strong>{n_essays}</strong> question" in essays
    assert essays.count('data-type="essay"') == 0  # the list shows no quiz controls
    searched = client.get("/authoring/?q=Why+not+next+week").get_data(as_text=True)
    assert "<strong>0</strong>" not in searched
    assert all(
        "next week" in services.question_of(q.current_version).prompt.lower()
        or "next week" in q.current_version.source.lower()
        for q in db.session.scalars(select(Question))
        if q.key in searched
    )
    theme = client.get("/authoring/?theme=linkage&difficulty=2&passage=memo-linkage").get_data(as_text=True)
    assert "linkage-whose-words" in theme and "tnf" not in re.findall(r'class="qkey">([^<]+)<', theme)[0]
    assert re.search(r'>Linkage</a> <span class="count">\d+</span>', theme)
    assert client.get("/authoring/?type=no-such-type").status_code == 200  # unknown filters are ignored
    assert client.get("/authoring/?bank=abc").status_code == 404


def test_bank_page_runs_a_bounded_number_of_queries(client, instructor, count_queries):
    create_question(client)
    db.session.expire_all()
    with count_queries() as few:
        assert client.get("/authoring/?q=the").status_code == 200
    for n in range(25):
        create_question(client, GOOD.replace("tnf-next-week-words", f"tnf-words-{n}"))
    db.session.expire_all()
    with count_queries() as many:
        assert client.get("/authoring/?q=the").status_code == 200
    assert len(many) == len(few) <= 12, many


# --- the editor ---------------------------------------------------------------------------------------


def test_live_preview_reports_each_problem_at_its_line(client, instructor):
    reply = client.post("/authoring/preview", data={"source": BROKEN}, headers={"Accept": "application/json"})
    assert reply.status_code == 200
    body = reply.get_json()
    assert body["ok"] is False
    lines = {p["line"]: p["message"] for p in body["problems"]}
    assert "no correct choice" in lines[9] and "difficulty must be 1, 2 or 3" in lines[5]
    assert 'data-line="5"' in body["problems_html"] and "2 problems" in body["summary"]
    unknown = client.post("/authoring/preview", data={"source": GOOD.replace("arms-control", "arms-contro")}).get_json()
    assert [(p["line"], p["message"]) for p in unknown["problems"]] == [(3, "unknown theme 'arms-contro'")]
    assert "What did Dobrynin ask" in unknown["html"]  # a question that parses is previewed with its problems

    good = client.post("/authoring/preview", data={"source": GOOD}).get_json()
    assert good["ok"] is True and good["problems"] == []
    assert "What did Dobrynin ask" in good["html"] and "Answer key" in good["html"]
    assert "No problems" in good["summary"]


def test_preview_sanitizes_what_it_renders(client, instructor):
    source = GOOD.replace("What did Dobrynin ask", "<script>alert(1)</script><img src=x onerror=alert(2)> What did")
    html = client.post("/authoring/preview", data={"source": source}).get_json()["html"]
    assert "<script" not in html and "onerror" not in html and "<img" not in html


def test_preview_refuses_a_request_without_the_csrf_token(client, instructor):
    assert client.post("/authoring/preview", data={"source": GOOD}, csrf=False).status_code == 400


def test_preview_button_without_javascript_renders_the_same_problems(client, instructor):
    before = counts()
    page = client.post("/authoring/questions/new", data={"source": BROKEN, "action": "preview"})
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert 'href="#source" data-line="5"' in html and "difficulty must be" in html
    assert 'class="line-error"' in html and 'aria-invalid="true"' in html
    saved = client.post("/authoring/questions/new", data={"source": BROKEN, "action": "save"})
    assert saved.status_code == 422 and counts() == before


def test_save_creates_versions_and_the_history_shows_the_diff(client, instructor):
    question = create_question(client)
    assert question.bank.owner_id == instructor.id and question.bank.title == "My questions"
    assert question.current_number == 1
    edited = GOOD.replace("- next week\n", "- next week\n- the next week\n")
    response = client.post(
        f"/authoring/questions/{question.id}/edit", data={"source": edited, "action": "save", "base": "1"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    question = db.session.get(Question, question.id)
    assert question.key == "tnf-next-week-words" and question.current_number == 2
    assert [v.number for v in question.versions] == [1, 2]
    assert "the next week" not in question.versions[0].source
    history = client.get(f"/authoring/questions/{question.id}/history").get_data(as_text=True)
    assert "Version 2 (current)" in history
    assert re.search(r'<tr class="diff-added">.*?Added: </span>- the next week', history, re.DOTALL)
    # the same text again adds nothing; a stale base is refused
    client.post(f"/authoring/questions/{question.id}/edit", data={"source": edited, "action": "save", "base": "2"})
    stale = client.post(
        f"/authoring/questions/{question.id}/edit",
        data={"source": edited.replace("- next week\n", ""), "action": "save", "base": "1"},
    )
    assert stale.status_code == 422 and "was saved after you opened" in stale.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Question, question.id).current_number == 2


def test_a_saved_question_keeps_its_id(client, instructor):
    question = create_question(client)
    renamed = client.post(
        f"/authoring/questions/{question.id}/edit",
        data={"source": GOOD.replace("tnf-next-week-words", "renamed"), "action": "save"},
    )
    assert renamed.status_code == 422 and "cannot change" in renamed.get_data(as_text=True)


def test_a_new_question_may_not_reuse_a_shipped_id(client, instructor):
    source = GOOD.replace("tnf-next-week-words", "linkage-whose-words")
    reply = client.post("/authoring/preview", data={"source": source}).get_json()
    assert any("already used in the shipped bank" in p["message"] and p["line"] == 1 for p in reply["problems"])


def test_the_editor_holds_one_question(client, instructor):
    reply = client.post("/authoring/preview", data={"source": GOOD + "\n" + GOOD.replace("tnf-", "other-")}).get_json()
    assert any(p["line"] == 16 and "one question" in p["message"] for p in reply["problems"])


def test_every_starter_is_a_valid_question(client, instructor):
    for kind, source in STARTERS.items():
        check = services.check_source(source, instructor)
        assert check.ok, (kind, check.problems)
        assert f"type: {kind}" in client.get(f"/authoring/questions/new?type={kind}").get_data(as_text=True)


def test_student_preview_shows_no_answers(client, instructor):
    question = shipped("linkage-whose-words")
    page = client.get(f"/authoring/questions/{question.id}/student").get_data(as_text=True)
    parsed = services.question_of(question.current_version)
    assert 'data-type="single"' in page and all(render(c.text, inline=True) in page for c in parsed.choices)
    assert "Explanation" not in page and "Answer key" not in page and "Hint" in page
    assert not any(render(c.feedback, inline=True) in page for c in parsed.choices if c.feedback)


# --- read-only shipped bank, copies, retiring ------------------------------------------------------------


def test_the_shipped_bank_is_read_only_and_questions_are_copied_to_my_bank(client, instructor):
    original = shipped("linkage-whose-words")
    source = original.current_version.source
    assert client.get(f"/authoring/questions/{original.id}/edit").status_code == 302
    client.post(f"/authoring/questions/{original.id}/edit", data={"source": source + "x", "action": "save"})
    client.post(f"/authoring/questions/{original.id}/retire", data={"retired": "1"})
    db.session.expire_all()
    original = shipped("linkage-whose-words")
    assert original.current_number == 1 and not original.retired
    page = client.get(f"/authoring/questions/{original.id}").get_data(as_text=True)
    assert "Copy to my bank" in page and "/edit" not in page

    response = client.post(f"/authoring/questions/{original.id}/copy")
    assert response.status_code == 302 and response.headers["Location"].endswith("/edit")
    again = client.post(f"/authoring/questions/{original.id}/copy")
    db.session.expire_all()
    copies = db.session.scalars(
        select(Question).where(Question.key.startswith("linkage-whose-words-")).order_by(Question.id)
    ).all()
    assert [c.key for c in copies] == ["linkage-whose-words-copy", "linkage-whose-words-copy-2"]
    assert {c.bank.owner_id for c in copies} == {instructor.id} and copies[0].bank.title == "My questions"
    copied = services.question_of(copies[0].current_version)
    assert copied.choices == services.question_of(original.current_version).choices
    assert again.status_code == 302


def test_retired_questions_are_not_drawn_for_new_attempts(client, instructor, make_user):
    question = create_question(client)
    second = create_question(client, GOOD.replace("tnf-next-week-words", "tnf-second"))
    quiz = build_fixed_quiz(client, [question.key, second.key])
    client.post(f"/authoring/questions/{question.id}/retire", data={"retired": "1"})
    db.session.expire_all()
    assert db.session.get(Question, question.id).retired
    assert question.key not in question_views.question_pool(instructor.id)
    student = make_user(Role.STUDENT)
    attempt = quiz_services.start_attempt(db.session.get(Quiz, quiz.id), student)
    assert [item.version.question_id for item in attempt.items] == [second.id]
    db.session.rollback()
    # a draw never takes it either
    drawn = Quiz(
        slug="drawn",
        title="Drawn",
        owner_id=instructor.id,
        draw_rules=[{"themes": ["arms-control"], "types": ["short"], "difficulty": [1], "count": 1}],
        shuffle_questions=False,
        shuffle_choices=False,
        grading="highest",
        review="after_submit",
        layout="one_page",
    )
    for seed in range(40):
        chosen = quiz_services.choose_questions(drawn, str(seed), quiz_rules.settings_for(drawn))
        assert question.id not in {q.id for q in chosen}
    client.post(f"/authoring/questions/{question.id}/retire", data={"retired": "0"})
    db.session.expire_all()
    assert not db.session.get(Question, question.id).retired
    assert question.key in question_views.question_pool(instructor.id)


def test_editing_a_question_leaves_past_attempts_exactly_as_they_were(client, instructor, make_user, signed_in):
    question = create_question(client)
    quiz = build_fixed_quiz(client, [question.key])
    student = make_user(Role.STUDENT)
    attempt = quiz_services.start_attempt(db.session.get(Quiz, quiz.id), student)
    db.session.commit()
    learner = signed_in(student)
    item = attempt.items[0]
    assert (
        learner.post(
            f"/attempts/{attempt.id}?page=1", data={f"q{item.position}": "next week", "action": "save"}
        ).status_code
        == 302
    )
    assert learner.post(f"/attempts/{attempt.id}/submit").status_code == 302
    learner.get(f"/attempts/{attempt.id}/result")  # shows (and so clears) the "submitted" message

    def strip(html: str) -> str:  # the per-request token and one-off messages aside
        return re.sub(
            r'<meta name="csrf-token"[^>]*>|name="csrf_token" value="[^"]*"|<div class="flashes".*?</div>',
            "",
            html,
            flags=re.DOTALL,
        )

    review_url = f"/attempts/{attempt.id}/result"
    before = strip(learner.get(review_url).get_data(as_text=True))
    teacher_before = strip(client.get(f"/authoring/quizzes/{quiz.id}/attempts/{attempt.id}").get_data(as_text=True))
    assert "Haig quotes him" in before and "badge-correct" in before

    edited = (
        GOOD.replace("- next week\n", "")
        .replace("Haig quotes him", "The memorandum quotes him")
        .replace("What did Dobrynin ask", "Which words did Dobrynin use")
    )
    assert (
        client.post(
            f"/authoring/questions/{question.id}/edit", data={"source": edited, "action": "save", "base": "1"}
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert db.session.get(Question, question.id).current_number == 2

    assert strip(learner.get(review_url).get_data(as_text=True)) == before
    assert (
        strip(client.get(f"/authoring/quizzes/{quiz.id}/attempts/{attempt.id}").get_data(as_text=True))
        == teacher_before
    )
    done = db.session.get(Attempt, attempt.id)
    assert done.items[0].version.number == 1 and done.items[0].status == "correct"


# --- uploads and exports -------------------------------------------------------------------------------


def upload(client, text: bytes | str, name="tnf.md", **extra):
    data = text.encode("utf-8") if isinstance(text, str) else text
    response = client.post(
        "/authoring/upload", data={"file": (io.BytesIO(data), name), **extra}, content_type="multipart/form-data"
    )
    response.get_data()
    response.request.environ["wsgi.input"].close()  # the test client spools a large body to a file
    return response


def test_upload_with_errors_saves_nothing_and_lists_every_error_by_line(client, instructor):
    before = counts()
    response = upload(
        client, GOOD.replace("arms-control", "arms-control, no-such-theme") + "\n" + BROKEN, name="mixed.md"
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    rows = re.findall(r"<tr><td><code>([^<]+)</code></td><td>(\d+)</td><td>(\d+)</td><td>([^<]+)</td></tr>", page)
    assert [(f, int(line)) for f, line, _, _ in rows] == [("mixed.md", 3), ("mixed.md", 20), ("mixed.md", 24)], rows
    assert "unknown theme" in rows[0][3] and "difficulty" in rows[1][3] and "no correct choice" in rows[2][3]
    assert "Nothing was saved" in page and "confirm" not in page
    assert counts() == before


def test_upload_reports_bad_utf8_and_size_by_line(client, instructor):
    bad = GOOD.replace("Why not next week?", "Why not next week?\udcff").encode("utf-8", "surrogateescape")
    page = upload(client, bad).get_data(as_text=True)
    line = GOOD.split("\n").index("- Why not next week?") + 1
    assert f"<td>{line}</td>" in page and "not UTF-8: byte 0xff" in page
    big = upload(client, "x" * (qformat.MAX_BYTES + 1)).get_data(as_text=True)
    assert "the limit is 1,048,576 bytes" in big


def test_upload_previews_then_imports_after_confirming(client, instructor):
    before = counts()
    preview = upload(client, "# TNF\n\n" + GOOD, name="../../TNF questions.md")
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    assert "Nothing is saved yet" in page and "<code>tnf-next-week-words</code>" in page
    assert counts() == before
    draft = re.search(r'name="draft" type="hidden" value="([^"]+)"', page).group(1)
    filename = re.search(r'name="filename" type="hidden" value="([^"]+)"', page).group(1)
    done = client.post("/authoring/upload/confirm", data={"draft": draft, "filename": filename, "retire_missing": ""})
    assert done.status_code == 302
    db.session.expire_all()
    bank = db.session.scalar(select(QuestionBank).where(QuestionBank.owner_id == instructor.id))
    assert bank.slug == "tnf-questions" and bank.title == "TNF"
    assert [q.key for q in bank.questions] == ["tnf-next-week-words"]

    changed = upload(client, GOOD.replace("- next week", "- next week?"), name="TNF questions.md")
    assert "Change (a new version each)</strong>: 1 question" in changed.get_data(as_text=True)


def test_the_confirm_step_checks_the_upload_again(client, instructor):
    before = counts()
    forged = base64.b64encode(zlib.compress(BROKEN.encode())).decode()
    response = client.post("/authoring/upload/confirm", data={"draft": forged, "filename": "x.md"})
    assert response.status_code == 422 and "no correct choice" in response.get_data(as_text=True)
    garbage = client.post("/authoring/upload/confirm", data={"draft": "not base64!", "filename": "x.md"})
    assert garbage.status_code == 400
    bomb = base64.b64encode(zlib.compress(b"a" * (qformat.MAX_BYTES + 10))).decode()
    assert client.post("/authoring/upload/confirm", data={"draft": bomb, "filename": "x.md"}).status_code == 400
    assert counts() == before


def test_an_upload_may_not_reuse_a_shipped_id(client, instructor):
    response = upload(client, GOOD.replace("tnf-next-week-words", "linkage-whose-words"))
    assert response.status_code == 422 and "already used in the shipped bank" in response.get_data(as_text=True)


def test_export_of_a_selection_writes_the_markdown_format(client, instructor):
    keys = ["linkage-whose-words", "linkage-fact-of-life"]
    ids = [str(shipped(key).id) for key in keys]
    response = client.post("/authoring/export", data={"question": ids})
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert response.mimetype == "text/markdown"
    result = qformat.parse(response.data)
    assert result.errors == [] and [q.id for q in result.questions] == keys
    assert result.questions[0] == services.question_of(shipped(keys[0]).current_version)
    assert client.post("/authoring/export", data={}).status_code == 302


# --- the quiz builder ------------------------------------------------------------------------------------


def test_the_bank_selection_fills_the_quiz_builder(client, instructor):
    ids = [str(shipped(key).id) for key in ("linkage-whose-words", "linkage-fact-of-life")]
    page = client.post("/authoring/quizzes/new", data={"question": ids, "action": "from-selection"})
    assert page.status_code == 200
    assert "linkage-whose-words\nlinkage-fact-of-life</textarea>" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Quiz).where(Quiz.owner_id == instructor.id)) == 0


def test_quiz_builder_previews_and_saves_a_fixed_quiz(client, instructor):
    question = create_question(client)
    data = {
        "title": "TNF, in Haig's words",
        "mode": "fixed",
        "questions": f"{question.key}\nlinkage-whose-words",
        "grading": "latest",
        "review": "never",
        "layout": "one_per_page",
        "time_limit_minutes": "15",
        "max_attempts": "2",
        "opens_at": "2030-01-01T09:00",
        "closes_at": "2030-01-02T09:00",
    }
    preview = client.post("/authoring/quizzes/new", data={**data, "action": "preview"})
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "A sample draw" in page and page.count('class="question"') == 2
    assert "Explanation" not in page.split("A sample draw")[1]
    assert db.session.scalar(select(func.count()).select_from(Quiz).where(Quiz.owner_id == instructor.id)) == 0
    saved = client.post("/authoring/quizzes/new", data={**data, "action": "save"})
    assert saved.status_code == 302
    quiz = db.session.scalar(select(Quiz).where(Quiz.owner_id == instructor.id))
    assert quiz.slug == "tnf-in-haig-s-words" and quiz.title == "TNF, in Haig's words"
    assert quiz.question_ids == [question.id, shipped("linkage-whose-words").id] and quiz.draw_rules is None
    assert (quiz.grading, quiz.review, quiz.layout, quiz.time_limit_minutes, quiz.max_attempts) == (
        "latest",
        "never",
        "one_per_page",
        15,
        2,
    )
    assert quiz.shuffle_questions is False and quiz.opens_at.isoformat() == "2030-01-01T09:00:00+00:00"
    edit = client.get(f"/authoring/quizzes/{quiz.id}/edit").get_data(as_text=True)
    assert f"{question.key}\nlinkage-whose-words</textarea>" in edit
    assert client.get(f"/authoring/quizzes/{quiz.id}").status_code == 200
    assert client.get(f"/authoring/quizzes/{quiz.id}/preview").status_code == 200
    assert "TNF, in Haig&#39;s words" in client.get("/authoring/quizzes").get_data(as_text=True)


def test_quiz_builder_checks_questions_and_draw_rules(client, instructor):
    base = {"title": "Drawn", "grading": "highest", "review": "after_submit", "layout": "one_page"}
    unknown = client.post(
        "/authoring/quizzes/new", data={**base, "mode": "fixed", "questions": "no-such-question", "action": "save"}
    )
    assert unknown.status_code == 422
    assert "unknown question &#39;no-such-question&#39;" in unknown.get_data(as_text=True)
    too_many = client.post(
        "/authoring/quizzes/new",
        data={
            **base,
            "mode": "draw",
            "rules-0-themes": "summit",
            "rules-0-types": "essay",
            "rules-0-count": "50",
            "action": "save",
        },
    )
    assert too_many.status_code == 422 and "draw rule 1 needs 50 question(s)" in too_many.get_data(as_text=True)
    drawn = client.post(
        "/authoring/quizzes/new",
        data={
            **base,
            "mode": "draw",
            "rules-0-themes": ["linkage", "summit"],
            "rules-0-difficulty": ["1", "2"],
            "rules-0-count": "3",
            "rules-1-types": "truefalse",
            "rules-1-count": "1",
            "rules-1-points": "2.5",
            "action": "save",
        },
    )
    assert drawn.status_code == 302
    quiz = db.session.scalar(select(Quiz).where(Quiz.owner_id == instructor.id))
    assert quiz.question_ids is None and quiz.draw_rules == [
        {"themes": ["linkage", "summit"], "types": [], "difficulty": [1, 2], "count": 3, "points": 1.0},
        {"themes": [], "types": ["truefalse"], "difficulty": [], "count": 1, "points": 2.5},
    ]
    page = client.get(f"/authoring/quizzes/{quiz.id}/preview").get_data(as_text=True)
    assert page.count('class="question"') == 4
    # Each drawn question is shown worth its rule's points, whatever its own: 3 x 1 and 1 x 2.5.
    assert (
        page.count('<span class="qmeta">1 point</span>') == 3
        and page.count('<span class="qmeta">2.5 points</span>') == 1
    )
    shown = client.get(f"/authoring/quizzes/{quiz.id}").get_data(as_text=True)
    assert (
        "Every attempt is out of <strong>5.5 points</strong>" in shown
        and "1 question, of type truefalse, 2.5 points each" in shown
    )
    edit = client.get(f"/authoring/quizzes/{quiz.id}/edit").get_data(as_text=True)
    assert 'name="rules-1-points" step="any" type="number" value="2.5"' in edit
    assert 'name="rules-0-points" step="any" type="number" value="1"' in edit  # not "1.0"
    bad = client.post(
        f"/authoring/quizzes/{quiz.id}/edit",
        data={**base, "mode": "draw", "rules-0-count": "1", "rules-0-points": "0", "action": "save"},
    )
    assert bad.status_code == 422 and "Give a number from 0.01 to 1,000,000." in bad.get_data(as_text=True)


def test_results_list_each_attempt_with_its_score(app, client, instructor, make_user):
    question = create_question(client)
    quiz = build_fixed_quiz(client, [question.key])
    student = make_user(Role.STUDENT, name="Ada Student")
    attempt = quiz_services.start_attempt(db.session.get(Quiz, quiz.id), student)
    quiz_services.save_response(attempt, 1, {"text": "Why not next week?"}, 1)
    quiz_services.submit(attempt)
    db.session.commit()
    page = client.get(f"/authoring/quizzes/{quiz.id}/results").get_data(as_text=True)
    assert "Ada Student" in page and "1 / 1" in page and "1.0 / 1.0" not in page
    detail = client.get(f"/authoring/quizzes/{quiz.id}/attempts/{attempt.id}").get_data(as_text=True)
    assert "Ada Student" in detail and "badge-correct" in detail


GIFT_BANK = (
    "// [tag:arms-control] [passage:memo-tnf] [difficulty:1]\n"
    "::tnf-next-week-gift::When did Dobrynin suggest the TNF talks begin?"
    "{=next week =Why not next week?####Haig quotes him: “Why not next week?”}\n"
)


def test_a_gift_file_uploads_through_the_same_preview_and_confirm(client, instructor):
    before = counts()
    preview = client.post(
        "/authoring/upload",
        data={"file": (io.BytesIO(GIFT_BANK.encode()), "moodle.gift"), "format": "gift"},
        content_type="multipart/form-data",
    )
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200, page[:3000]
    assert "<code>tnf-next-week-gift</code>" in page and counts() == before
    fields = dict(
        re.findall(r'name="(draft|filename|format|theme|passage|difficulty)" type="hidden" value="([^"]*)"', page)
    )
    assert fields["format"] == "gift"
    assert client.post("/authoring/upload/confirm", data=fields).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(Question).where(Question.key == "tnf-next-week-gift")) is not None


def test_a_gift_file_without_themes_imports_not_filed_yet_or_with_the_defaults(client, instructor):
    bare = "::bare-question::Who delivered the letter?{=Dobrynin####“Ambassador Dobrynin gave me the attached”.}\n"
    data = {"file": (io.BytesIO(bare.encode()), "bare.gift"), "format": "gift"}
    plain = client.post("/authoring/upload", data=dict(data), content_type="multipart/form-data")
    page = plain.get_data(as_text=True)
    assert plain.status_code == 200 and "<code>bare-question</code>" in page
    assert "1 question is not filed yet" in page and "no theme: not filed yet" in page
    fields = dict(
        re.findall(r'name="(draft|filename|format|theme|passage|difficulty)" type="hidden" value="([^"]*)"', page)
    )
    assert client.post("/authoring/upload/confirm", data=fields).status_code == 302
    bank = client.get("/authoring/?theme=unfiled").get_data(as_text=True)
    assert "bare-question" in bank and "Not filed yet" in bank
    data = {
        "file": (io.BytesIO(bare.encode()), "bare.gift"),
        "format": "gift",
        "default_theme": "sourcing",
        "default_passage": "memo-heading-and-delivery",
        "default_difficulty": "1",
    }
    accepted = client.post("/authoring/upload", data=data, content_type="multipart/form-data")
    page = accepted.get_data(as_text=True)
    assert accepted.status_code == 200 and "<code>bare-question</code>" in page and "no theme:" not in page


def test_the_selection_exports_as_gift_and_as_a_qti_zip(client, instructor):
    ids = [str(q.id) for q in db.session.scalars(select(Question).order_by(Question.id).limit(3))]
    gift = client.post("/authoring/export", data={"question": ids, "format": "gift"})
    assert gift.status_code == 200 and "attachment" in gift.headers["Content-Disposition"]
    assert gift.headers["Content-Disposition"].endswith('.gift"') and "::" in gift.get_data(as_text=True)
    qti = client.post("/authoring/export", data={"question": ids, "format": "qti"})
    assert qti.status_code == 200 and qti.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(qti.data)).namelist()
    assert "imsmanifest.xml" in names
    assert client.post("/authoring/export", data={"question": ids, "format": "docx"}).status_code == 400
