"""`flask questions import/check --format gift|text2qti` and `flask questions export`: all or nothing, lines named."""

from __future__ import annotations

import io
import shutil
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from studyapp.core import qformat
from studyapp.core.qformat.gift import GIFT_TYPES
from studyapp.domain import questions as services
from studyapp.extensions import db
from studyapp.models import Question, QuestionBank, QuestionVersion

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "interchange"
TAGS = "// [tag:linkage] [passage:memo-linkage] [difficulty:2]\n"
GOOD = TAGS + "::Good::Haig replied that linkage was a fact of life.{TRUE####“linkage was a fact of life”.}\n\n"


def counts() -> tuple[int, int, int]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (QuestionBank, Question, QuestionVersion)
    )


def stored(bank_slug: str) -> dict[str, qformat.Question]:
    rows = db.session.scalars(
        select(Question).join(QuestionBank).where(QuestionBank.slug == bank_slug).order_by(Question.position)
    )
    return {q.key: services.question_of(q.current_version) for q in rows if not q.retired}


def test_check_reads_a_gift_file_and_prints_its_warnings(runner):
    result = runner.invoke(args=["questions", "check", "--format", "gift", str(FIXTURES / "every-construct.gift")])
    assert result.exit_code == 0, result.output
    assert "1 file(s), 16 question(s): no problems" in result.stdout
    assert "every-construct.gift:27:1: warning: weights (70%, 30%, 0%) differ" in result.stderr
    assert "warning" not in result.stdout


def test_a_gift_file_imports_to_the_expected_questions(runner, tmp_path):
    shutil.copy(FIXTURES / "every-construct.gift", tmp_path / "gift-sample.gift")
    result = runner.invoke(args=["questions", "import", "--format", "gift", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "16 question(s) were created, 0 changed, 0 unchanged, 0 retired" in result.stdout
    bank = db.session.scalar(select(QuestionBank).where(QuestionBank.slug == "gift-sample"))
    assert bank.title == "Document 58/GIFT"
    parsed = qformat.parse_gift((FIXTURES / "every-construct.gift").read_bytes(), "gift-sample.gift").questions
    assert list(stored("gift-sample").values()) == parsed
    again = runner.invoke(args=["questions", "import", "--format", "gift", str(tmp_path / "gift-sample.gift")])
    assert "0 question(s) were created, 0 changed, 16 unchanged" in again.stdout


def test_a_text2qti_file_imports_to_the_expected_questions(runner, tmp_path):
    shutil.copy(FIXTURES / "every-construct.txt", tmp_path / "t2q-sample.txt")
    result = runner.invoke(args=["questions", "import", "--format", "text2qti", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "10 question(s) were created" in result.stdout
    assert "t2q-sample.txt:78:1: warning: a file-upload question has no equivalent: not imported" in result.stderr
    bank = db.session.scalar(select(QuestionBank).where(QuestionBank.slug == "t2q-sample"))
    assert (bank.title, bank.description) == (
        "Document 58 in text2qti",
        "Every construct of text2qti's plain-text format that the\nimporter reads, written by hand.",
    )
    parsed = qformat.parse_text2qti((FIXTURES / "every-construct.txt").read_bytes(), "t2q-sample.txt").questions
    assert list(stored("t2q-sample").values()) == parsed


def test_a_plain_foreign_file_imports_without_options_not_filed_yet(runner):
    path = str(FIXTURES / "needs-defaults.gift")
    plain = runner.invoke(args=["questions", "import", "--format", "gift", path])
    assert plain.exit_code == 0, plain.output
    assert "2 question(s) were created" in plain.stdout
    assert "needs-defaults.gift:3:1: warning: no theme: not filed yet" in plain.stderr
    assert "needs-defaults.gift:3:1: warning: no explanation" in plain.stderr
    essay = stored("needs-defaults")["write"]
    assert (essay.themes, essay.passages) == ((qformat.UNFILED,), (qformat.UNFILED,))


def test_defaults_on_the_command_line_complete_foreign_questions(runner):
    path = str(FIXTURES / "needs-defaults.gift")
    before = counts()
    refused = runner.invoke(args=["questions", "import", "--format", "gift", path, "--explanation-missing", "error"])
    assert refused.exit_code == 1
    assert "needs-defaults.gift:3:1: no explanation" in refused.stdout
    assert counts() == before
    result = runner.invoke(
        args=[
            "questions",
            "import",
            "--format",
            "gift",
            path,
            "--theme",
            "sourcing",
            "--passage",
            "memo-heading-and-delivery",
            "--difficulty",
            "1",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "2 question(s) were created" in result.stdout
    assert "needs-defaults.gift:5:1: warning: a description" in result.stderr
    essay = stored("needs-defaults")["write"]
    assert (essay.themes, essay.passages, essay.difficulty) == (("sourcing",), ("memo-heading-and-delivery",), 1)


def test_a_tag_naming_a_theme_files_the_question_and_other_tags_are_kept(runner, tmp_path):
    bank = tmp_path / "tagged.gift"
    bank.write_text("// [tag:linkage] [tag:Week 3] [tag:week-4]\n::Tagged::Who?{=Dobrynin ~Haig####D.}\n")
    result = runner.invoke(
        args=["questions", "import", "--format", "gift", str(bank), "--tag-theme", "week-4=sourcing"]
    )
    assert result.exit_code == 0, result.output
    assert "tagged.gift:1:4: warning: tag 'Week 3' kept as the question's tag" in result.stderr
    tagged = stored("tagged")["tagged"]
    assert (tagged.themes, tagged.tags) == (("linkage", "sourcing"), ("Week 3", "week-4"))


def test_references_are_checked_against_the_content_at_the_tag_line(runner, tmp_path):
    bank = tmp_path / "unknown.gift"
    bank.write_text(GOOD.replace("[passage:memo-linkage]", "[passage:memo-linkages]"), encoding="utf-8")
    result = runner.invoke(args=["questions", "check", "--format", "gift", str(bank)])
    assert result.exit_code == 1
    assert "unknown.gift:1:18: unknown passage 'memo-linkages'" in result.stdout


BAD = [
    pytest.param(
        "gift",
        TAGS + "::Open::Who spoke?{=Dobrynin ~Haig\n",
        "bad.gift:2:19: unbalanced braces",
        id="unbalanced-braces",
    ),
    pytest.param(
        "gift",
        TAGS + "::Escape::Who said \\q linkage?{=Dobrynin ~Haig####D.}\n",
        "bad.gift:2:20: unknown escape '\\q'",
        id="unknown-escape",
    ),
    pytest.param(
        "gift",
        TAGS + "::Weight::Which?{~%150%Cuba ~%-50%Nicaragua####Cuba.}\n",
        "bad.gift:2:19: weight over 100%",
        id="weight-over-100",
    ),
    pytest.param(
        "gift",
        TAGS + "::Year::In what year?{#nineteen73####1973.}\n",
        "bad.gift:2:24: numeric answer must be a number, found 'nineteen73'",
        id="numeric-not-a-number",
    ),
    pytest.param(
        "text2qti",
        "Quiz title: Linkage\n\na)  Dobrynin\n*b) Haig\n",
        "bad.txt:3:1: choice 'a)' has no question above it",
        id="choice-without-question",
    ),
    pytest.param(
        "gift",
        (TAGS + "::Caf\u00e9::Who?{=Dobrynin ~Haig####D.}\n").encode("cp1252"),
        "bad.gift:2:6: not UTF-8: byte 0xe9",
        id="windows-1252-gift",
    ),
    pytest.param(
        "text2qti",
        "1.  Caf\u00e9?\n*   Dobrynin\n".encode("cp1252"),
        "bad.txt:1:8: not UTF-8: byte 0xe9",
        id="windows-1252-text2qti",
    ),
]


@pytest.mark.parametrize(("fmt", "content", "message"), BAD)
def test_bad_input_is_refused_with_its_line_and_nothing_is_imported(runner, tmp_path, fmt, content, message):
    good = tmp_path / ("good.gift" if fmt == "gift" else "good.txt")
    good.write_text(
        GOOD
        if fmt == "gift"
        else "% [tag:linkage] [passage:memo-linkage] [difficulty:2]\n"
        "1.  Who replied that linkage was a fact of life?\n... Haig.\n*   Haig\n",
        encoding="utf-8",
    )
    bad = tmp_path / ("bad.gift" if fmt == "gift" else "bad.txt")
    bad.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    before = counts()
    result = runner.invoke(args=["questions", "import", "--format", fmt, str(good), str(bad)])
    assert result.exit_code == 1
    assert message in result.stdout
    assert counts() == before


@pytest.mark.content
def test_a_bank_exported_as_gift_imports_back_to_the_same_questions(runner, tmp_path):
    out = tmp_path / "linkage-copy.gift"
    result = runner.invoke(args=["questions", "export", "--format", "gift", "--bank", "linkage", "-o", str(out)])
    assert result.exit_code == 0, result.output
    original = stored("linkage")
    assert f"question(s) written to {out}" in result.stdout
    assert "ordering question written as a matching question" in result.stderr or not any(
        q.type == "ordering" for q in original.values()
    )
    imported = runner.invoke(args=["questions", "import", "--format", "gift", str(out)])
    assert imported.exit_code == 0, imported.output
    copy = stored("linkage-copy")
    carried = [q for q in original.values() if q.type in GIFT_TYPES and (q.type != "cloze" or len(q.blanks) == 1)]
    assert carried
    for question in carried:
        assert copy[question.id] == question, question.id
    bank = db.session.scalar(select(QuestionBank).where(QuestionBank.slug == "linkage-copy"))
    assert bank.title == db.session.scalar(select(QuestionBank.title).where(QuestionBank.slug == "linkage"))


@pytest.mark.content
def test_all_shipped_questions_export_as_a_qti_zip(runner, tmp_path):
    out = tmp_path / "all.zip"
    result = runner.invoke(args=["questions", "export", "--format", "qti", "-o", str(out)])
    assert result.exit_code == 0, result.output
    in_use = db.session.scalar(select(func.count()).select_from(Question).where(Question.retired.is_(False)))
    assert f"{in_use} question(s) written to {out}" in result.stdout
    archive = zipfile.ZipFile(io.BytesIO(out.read_bytes()))
    manifest = ET.fromstring(archive.read("imsmanifest.xml"))
    hrefs = [node.get("href") for node in manifest.iter() if node.get("href")]
    assert hrefs and all(href in archive.namelist() for href in hrefs)
    (assessment,) = [
        name
        for name in archive.namelist()
        if name.endswith(".xml") and "/" in name and not name.endswith("assessment_meta.xml")
    ]
    items = [node for node in ET.fromstring(archive.read(assessment)).iter() if node.tag.endswith("}item")]
    assert len(items) == in_use
    assert all(any(child.tag.endswith("}resprocessing") for child in item) for item in items)


@pytest.mark.content
def test_selected_questions_export_as_markdown(runner, tmp_path):
    out = tmp_path / "two.md"
    keys = list(stored("linkage"))[:2]
    result = runner.invoke(
        args=["questions", "export", "--format", "md", "--id", keys[0], "--id", keys[1], "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    parsed = qformat.parse(out.read_bytes(), "two.md")
    assert parsed.errors == []
    assert parsed.questions == [stored("linkage")[key] for key in keys]


@pytest.mark.content
def test_exporting_an_unknown_bank_or_id_is_an_error(runner, tmp_path):
    out = tmp_path / "none.gift"
    result = runner.invoke(
        args=[
            "questions",
            "export",
            "--format",
            "gift",
            "--bank",
            "no-such-bank",
            "--id",
            "no-such-question",
            "-o",
            str(out),
        ]
    )
    assert result.exit_code == 1
    assert "no shipped bank or question 'no-such-bank', 'no-such-question'" in result.output
    assert not out.exists()
