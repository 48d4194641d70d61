"""Importing question banks and quizzes: all or nothing, versioned, idempotent; the CLI around it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from sqlalchemy import func, select

from studyapp.extensions import db
from studyapp.models import Question, QuestionBank, QuestionVersion, Quiz

CONTENT = Path(__file__).resolve().parents[2] / "content"

GOOD = """# A small bank

## small-tnf-next-week
type: short
themes: arms-control
difficulty: 1
passages: memo-tnf

What did Dobrynin suggest as the start of TNF talks, in his own words as Haig quotes them?

### Answers
- Why not next week?
- next week

### Explanation
"Why not next week?"
"""

BROKEN = """## small-broken
type: single
themes: arms-control
difficulty: 1
passages: memo-tnf

A question with no correct choice.

### Choices
- [ ] One
- [ ] Two

### Explanation
None.
"""


def counts():
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (QuestionBank, Question, QuestionVersion)
    )


def test_shipped_banks_check_clean(runner):
    result = runner.invoke(args=["questions", "check", str(CONTENT / "questions")])
    assert result.exit_code == 0, result.output
    assert "no problems" in result.output


def test_check_json_prints_the_parsed_questions(runner, tmp_path):
    bank = tmp_path / "small.md"
    bank.write_text(GOOD, encoding="utf-8")
    result = runner.invoke(args=["questions", "check", "--json", str(bank)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    (question,) = data["questions"]
    assert question["id"] == "small-tnf-next-week"
    assert question["type"] == "short"
    assert question["answers"] == ["Why not next week?", "next week"]
    assert question["passages"] == ["memo-tnf"] and question["themes"] == ["arms-control"]
    assert question["points"] == 1.0


def test_a_bank_with_one_error_imports_nothing(runner, tmp_path):
    (tmp_path / "good.md").write_text(GOOD, encoding="utf-8")
    (tmp_path / "broken.md").write_text(BROKEN, encoding="utf-8")
    before = counts()
    result = runner.invoke(args=["questions", "import", str(tmp_path)])
    assert result.exit_code == 1
    assert "broken.md:1" in result.output or "broken.md:" in result.output
    assert "correct" in result.output
    assert counts() == before


def test_unknown_passage_is_reported_with_its_line(runner, tmp_path):
    (tmp_path / "bad.md").write_text(GOOD.replace("passages: memo-tnf", "passages: memo-tnff"), encoding="utf-8")
    result = runner.invoke(args=["questions", "check", str(tmp_path / "bad.md")])
    assert result.exit_code == 1
    assert "bad.md:7:" in result.output and "unknown passage 'memo-tnff'" in result.output


def test_import_is_idempotent_and_versions_changes(runner, tmp_path):
    bank = tmp_path / "small.md"
    bank.write_text(GOOD, encoding="utf-8")
    assert runner.invoke(args=["questions", "import", str(bank)]).exit_code == 0
    first = counts()
    again = runner.invoke(args=["questions", "import", str(bank)])
    assert "0 question(s) were created, 0 changed, 1 unchanged" in again.output
    assert counts() == first

    bank.write_text(GOOD.replace("- next week", "- next week\n- a week later"), encoding="utf-8")
    changed = runner.invoke(args=["questions", "import", str(bank)])
    assert "1 changed" in changed.output
    question = db.session.scalar(select(Question).where(Question.key == "small-tnf-next-week"))
    db.session.refresh(question)
    assert question.current_number == 2
    assert [v.number for v in question.versions] == [1, 2]
    assert "a week later" not in question.versions[0].source
    assert "a week later" in question.versions[1].source


def test_dry_run_changes_nothing(runner, tmp_path):
    (tmp_path / "small.md").write_text(GOOD, encoding="utf-8")
    before = counts()
    result = runner.invoke(args=["questions", "import", "--dry-run", str(tmp_path)])
    assert result.exit_code == 0 and "1 question(s) would be created" in result.output
    assert counts() == before


def test_question_missing_from_its_file_is_retired_not_deleted(runner, tmp_path):
    bank = tmp_path / "small.md"
    bank.write_text(
        GOOD + "\n" + GOOD.replace("small-tnf-next-week", "small-second").split("# A small bank")[1], encoding="utf-8"
    )
    assert runner.invoke(args=["questions", "import", str(bank)]).exit_code == 0
    bank.write_text(GOOD, encoding="utf-8")
    result = runner.invoke(args=["questions", "import", str(bank)])
    assert "1 retired" in result.output
    second = db.session.scalar(select(Question).where(Question.key == "small-second"))
    assert second is not None and second.retired


def test_shipped_banks_and_quizzes_import_and_list(runner):
    assert runner.invoke(args=["questions", "import", str(CONTENT / "questions")]).exit_code == 0
    result = runner.invoke(args=["quizzes", "import", str(CONTENT / "quizzes")])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count()).select_from(Quiz)) == len(list((CONTENT / "quizzes").glob("*.md")))
    listing = json.loads(runner.invoke(args=["questions", "list", "--json"]).output)
    assert len(listing) >= 120
    types = {q["type"] for q in listing}
    assert types == {
        "single",
        "multiple",
        "truefalse",
        "short",
        "numeric",
        "ordering",
        "matching",
        "cloze",
        "essay",
        "evidence",
    }
    single = next(q for q in listing if q["type"] == "single")
    assert sum(c["correct"] for c in single["choices"]) == 1


def test_quiz_naming_an_unknown_question_is_refused(runner, tmp_path):
    assert runner.invoke(args=["questions", "import", str(CONTENT / "questions")]).exit_code == 0
    quiz = tmp_path / "quizzes"
    quiz.mkdir()
    (quiz / "q.md").write_text("---\nid: q\ntitle: Q\nquestions: [no-such-question]\n---\n", encoding="utf-8")
    before = db.session.scalar(select(func.count()).select_from(Quiz))
    result = runner.invoke(args=["quizzes", "import", str(quiz)])
    assert result.exit_code == 1 and "unknown question 'no-such-question'" in result.output
    assert db.session.scalar(select(func.count()).select_from(Quiz)) == before


def test_content_check_also_checks_the_passages_questions_name(runner, tmp_path):
    copy = tmp_path / "content"
    shutil.copytree(CONTENT, copy)
    bank = copy / "questions" / "linkage.md"
    text = bank.read_text(encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row.startswith("passages: "))
    bank.write_text(text.replace("passages: ", "passages: no-such-passage, ", 1), encoding="utf-8")
    result = runner.invoke(args=["content", "check", "--content-dir", str(copy)])
    assert result.exit_code == 1
    assert f"questions/linkage.md:{line}:" in result.output
    assert "unknown passage 'no-such-passage'" in result.output
