"""`python -m studyapp.core.qformat check`: every problem as file:line:col, exit status 1 if any."""

import subprocess
import sys
from pathlib import Path

from studyapp.core.qformat.__main__ import main

ROOT = Path(__file__).resolve().parents[2]
GOOD = """\
## linkage-fact
type: single
themes: linkage
passages: memo-linkage
difficulty: 1

Who answered that linkage "was a fact of life"?

### Choices
- [x] Haig
- [ ] Dobrynin

### Explanation
"I replied that linkage was a fact of life".
"""
EVIDENCE = """\
## linkage-evidence
type: evidence
themes: linkage
passages: memo-linkage
difficulty: 2

Which sentence gives Haig's answer?

### Evidence
- I replied that linkage was a fact of life.

### Explanation
Haig's answer.
"""


def test_a_clean_folder_exits_0(tmp_path, capsys):
    (tmp_path / "linkage.md").write_text(GOOD, encoding="utf-8")
    assert main(["check", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "1 valid question(s)" in captured.err


def test_problems_are_printed_file_line_col_and_exit_1(tmp_path, capsys):
    bad = tmp_path / "bad.md"
    bad.write_text(GOOD.replace("difficulty: 1", "difficulty: 4").replace("[x]", "[ ]"), encoding="utf-8")
    other = tmp_path / "other.md"
    other.write_bytes(b"## q\xff\n")
    assert main(["check", str(bad), str(other)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{bad}:5:13: difficulty must be 1, 2 or 3, found '4'",
        f"{bad}:9:1: no correct choice: mark the right one '- [x]'",
        f"{other}:1:5: not UTF-8: byte 0xff cannot start or continue a character (save the file as UTF-8)",
    ]


def test_duplicates_across_files_and_a_missing_file(tmp_path, capsys):
    (tmp_path / "a.md").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.md").write_text(GOOD, encoding="utf-8")
    assert main(["check", str(tmp_path), str(tmp_path / "missing.md")]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{tmp_path / 'missing.md'}:1:1: cannot read the file: No such file or directory",
        f"{tmp_path / 'b.md'}:1:4: duplicate question id 'linkage-fact' (also in {tmp_path / 'a.md'}:1)",
    ]


def test_with_content_references_and_evidence_are_checked(tmp_path, capsys):
    bank = tmp_path / "bank.md"
    bank.write_text(
        GOOD.replace("themes: linkage", "themes: linkage, nowhere") + "\n" + EVIDENCE.replace("fact of life.", "fact."),
        encoding="utf-8",
    )
    assert main(["check", str(bank)]) == 0
    capsys.readouterr()
    assert main(["check", str(bank), "--content", str(ROOT / "content")]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"{bank}:3:18: unknown theme 'nowhere'"
    assert lines[1].startswith(f"{bank}:25:3: evidence sentence is not a sentence of passage 'memo-linkage'")
    assert len(lines) == 2


def test_quizzes_are_checked_against_the_banks_given(tmp_path, capsys):
    (tmp_path / "questions").mkdir()
    (tmp_path / "questions" / "linkage.md").write_text(GOOD, encoding="utf-8")
    (tmp_path / "quizzes").mkdir()
    quiz = tmp_path / "quizzes" / "linkage.md"
    quiz.write_text(
        "---\nid: linkage\ntitle: Linkage\nquestions: [linkage-fact, linkage-gone]\n---\n", encoding="utf-8"
    )
    assert main(["check", str(tmp_path)]) == 1
    assert capsys.readouterr().out.splitlines() == [f"{quiz}:4:1: unknown question 'linkage-gone'"]


def test_runs_as_a_module(tmp_path):
    (tmp_path / "bad.md").write_text("# Nothing here\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "studyapp.core.qformat", "check", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 1
    assert (
        done.stdout
        == f"{tmp_path / 'bad.md'}:1:1: no questions found: a question starts with a line '## <question-id>'\n"
    )
