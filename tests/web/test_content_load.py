"""`flask content check|list|load`: file:line errors, JSON listing, idempotent all-or-nothing loads."""

from __future__ import annotations

import json
import shutil

from sqlalchemy import func, select

from studyapp.domain.content import ContentInvalid, load_content
from studyapp.extensions import db
from studyapp.models import Claim, Class, Document, GlossaryTerm, Passage, Role, Theme
from tests.web.reading_support import SECOND_DOCUMENT, edit, line_of

FIXTURE = SECOND_DOCUMENT.parent


def snapshot() -> dict:
    """Every reading row, as plain data, keyed by table and slug."""
    out = {}
    for model in (Document, Passage, Theme, GlossaryTerm, Claim):
        rows = db.session.scalars(select(model)).all()
        out[model.__tablename__] = {
            row.slug: {c.key: getattr(row, c.key) for c in model.__table__.columns} for row in rows
        }
    db.session.expire_all()
    return out


def test_check_passes_on_the_shipped_content(runner):
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: 1 document(s), 22 passages, 11 themes")


def test_check_fails_with_file_and_line(runner, content_copy):
    path = content_copy / "passages" / "13-letter-who-disrupted-detente.md"
    edit(path, "differencies", "differences")
    theme = content_copy / "passages" / "09-memo-linkage.md"
    edit(theme, "linkage,", "linkages,")
    result = runner.invoke(args=["content", "check", "--content-dir", str(content_copy)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert (
        f"{path}:{line_of(path, 'differences')}: quote is not verbatim in source.txt: "
        f'"differences" where the source has "differencies"' in lines
    )
    assert f"{theme}:{line_of(theme, 'themes:')}: unknown theme 'linkages' (did you mean 'linkage'?)" in lines
    assert lines[-1] == "2 error(s)"


def test_check_reports_malformed_front_matter_and_duplicates(runner, content_copy):
    broken = content_copy / "themes" / "summit.md"
    edit(broken, "title:", "title: [unclosed\ntitle2:")
    duplicate = content_copy / "glossary" / "tnf.md"
    edit(duplicate, "id: tnf", "id: nato")
    result = runner.invoke(args=["content", "check", "--content-dir", str(content_copy)])
    assert result.exit_code == 1
    assert f"{broken}:" in result.output and "malformed front matter" in result.output
    assert f"{duplicate}:2: duplicate glossary term id 'nato'" in result.output


def test_list_json_prints_every_passage(runner):
    result = runner.invoke(args=["content", "list", "--json"])
    assert result.exit_code == 0, result.output
    passages = json.loads(result.output)
    assert len(passages) == 22
    first = passages[0]
    assert {"id", "title", "part", "speaker", "pages", "themes", "text"} <= set(first)
    assert first["id"] == "memo-heading-and-delivery"
    assert first["text"].startswith("58. Memorandum From Secretary of State Haig")
    assert passages[3]["pages"] == [153, 154]
    assert "differencies" in next(p["text"] for p in passages if p["id"] == "letter-who-disrupted-detente")


def test_list_prints_a_table(runner):
    result = runner.invoke(args=["content", "list"])
    assert result.exit_code == 0
    assert len(result.output.splitlines()) == 22


def test_load_is_idempotent(runner, app):
    first = runner.invoke(args=["content", "load"])
    assert first.exit_code == 0, first.output
    assert "passages: 22" in first.output
    before = snapshot()
    second = runner.invoke(args=["content", "load"])
    assert second.exit_code == 0, second.output
    assert "already up to date" in second.output
    assert snapshot() == before
    assert len(before["passages"]) == 22 and len(before["claims"]) == 11


def test_load_updates_in_place_and_removes_what_is_gone(app, tmp_path):
    content = shutil.copytree(FIXTURE, tmp_path / "content")
    load_content(content)
    db.session.commit()
    before = snapshot()
    edit(
        content / "passages" / "02-harbour-memo-request.md",
        "title: What the keeper asks for",
        "title: What the keeper wants",
    )
    (content / "claims" / "ladder-reed.md").unlink()
    report = load_content(content)
    db.session.commit()
    assert report.updated["passages"] == 1 and report.removed["claims"] == 1
    after = snapshot()
    request = after["passages"]["harbour-memo-request"]
    assert request["title"] == "What the keeper wants"
    assert request["id"] == before["passages"]["harbour-memo-request"]["id"]
    assert after["claims"] == {}


def test_a_bad_file_changes_nothing(runner, app, content_copy):
    assert runner.invoke(args=["content", "load", "--content-dir", str(content_copy)]).exit_code == 0
    before = snapshot()
    # One good change and one bad one: neither may reach the database.
    edit(content_copy / "passages" / "05-memo-in-sum.md", "title:", "title: Changed —")
    broken = content_copy / "passages" / "04-memo-soviet-nervousness.md"
    edit(broken, "pages: [153, 154]", "pages: [153]")
    result = runner.invoke(args=["content", "load", "--content-dir", str(content_copy)])
    assert result.exit_code == 1
    assert f"{broken}:{line_of(broken, 'pages:')}: pages [153] do not match the text" in result.output
    assert "Nothing was loaded." in result.output
    assert snapshot() == before


def test_load_content_raises_with_every_error(app, content_copy):
    edit(content_copy / "passages" / "05-memo-in-sum.md", "themes: [", "themes: [no-such-theme, ")
    try:
        load_content(content_copy)
    except ContentInvalid as exc:
        assert [e.message for e in exc.errors] == ["unknown theme 'no-such-theme'"]
    else:
        raise AssertionError("expected ContentInvalid")
    assert db.session.scalar(select(func.count()).select_from(Passage)) == 0


def test_a_second_document_loads_beside_the_first(runner, app, content_copy):
    shutil.copytree(SECOND_DOCUMENT, content_copy / SECOND_DOCUMENT.name)
    result = runner.invoke(args=["content", "load", "--content-dir", str(content_copy)])
    assert result.exit_code == 0, result.output
    assert "documents: 2" in result.output and "passages: 24" in result.output
    slugs = db.session.scalars(select(Document.slug).order_by(Document.position)).all()
    assert slugs == ["frus-1981-88-v03-d58", "town-bell-notice"]


def test_demo_refuses_content_with_errors_and_loads_nothing(app, runner, tmp_path):
    copy = tmp_path / "content"
    shutil.copytree(app.config["CONTENT_DIR"], copy)
    passage = next((copy / "passages").glob("04-*.md"))
    passage.write_text(passage.read_text(encoding="utf-8").replace("plaintively", "plaintive", 1), encoding="utf-8")
    app.config["CONTENT_DIR"] = str(copy)
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 1
    assert "nothing was loaded" in result.output and "plaintively" in result.output
    assert db.session.scalar(select(func.count()).select_from(Document)) == 0


def test_load_brings_the_whole_library_and_loading_again_changes_nothing(runner, app, client, make_user, login):
    from studyapp.models import Question, QuestionVersion, Quiz

    def library_rows() -> dict:
        rows = {m.__tablename__: db.session.scalar(select(func.count()).select_from(m)) for m in (Question, Quiz)}
        rows["question_versions"] = db.session.scalar(select(func.count()).select_from(QuestionVersion))
        db.session.expire_all()
        return {**rows, **{k: len(v) for k, v in snapshot().items()}}

    first = runner.invoke(args=["content", "load"])
    assert first.exit_code == 0, first.output
    loaded = library_rows()
    assert loaded["questions"] == 142 and loaded["quizzes"] > 0 and loaded["passages"] == 22
    assert "questions: 142" in first.output and "Changed" in first.output

    second = runner.invoke(args=["content", "load"])
    assert second.exit_code == 0, second.output
    assert "already up to date" in second.output, second.output
    assert library_rows() == loaded  # no new versions, no new quizzes

    # What the production steps need: an instructor's "Assign a quiz" offers the shipped quizzes.
    login(make_user(Role.INSTRUCTOR))
    client.post("/classes/new", data={"name": "Period 1", "term": "", "sections": ""})
    class_id = db.session.scalar(select(func.max(Class.id)))
    form = client.get(f"/classes/{class_id}/assignments/new").get_data(as_text=True)
    first_quiz = db.session.scalar(select(Quiz.title).order_by(Quiz.id))
    assert first_quiz in form
