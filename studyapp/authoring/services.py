"""Import question banks and quizzes, all or nothing; read questions back from their versions."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from studyapp.core import qformat
from studyapp.core.content import ContentTree, load_tree
from studyapp.core.qformat import Problem
from studyapp.core.quizdef import QuizDef, parse_quiz, validate_quizzes
from studyapp.extensions import db
from studyapp.models import Question, QuestionBank, QuestionVersion, Quiz, User

#: Banks and quizzes larger than this are refused before parsing.
MAX_FILE_BYTES = qformat.MAX_BYTES


@dataclass
class BankFile:
    """One parsed bank file."""

    path: Path
    label: str
    result: qformat.ParseResult


@dataclass
class ImportReport:
    """What an import did (or, on a dry run or with problems, would do)."""

    created: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def expand(paths: Iterable[str | Path], suffix: str = ".md") -> list[Path]:
    """Turn files and folders into the sorted list of files to read."""
    files: list[Path] = []
    for path in map(Path, paths):
        files.extend(sorted(path.glob(f"*{suffix}")) if path.is_dir() else [path])
    return files


def _label(path: Path, base: Path | None) -> str:
    try:
        return str(path.resolve().relative_to(base.resolve())) if base else str(path)
    except ValueError:
        return str(path)


def read_banks(paths: Sequence[Path], base: Path | None = None) -> list[BankFile]:
    """Parse each bank file; an unreadable or oversized file becomes a problem, not an exception."""
    banks = []
    for path in paths:
        label = _label(path, base)
        try:
            data = path.read_bytes()
        except OSError as exc:
            banks.append(BankFile(path, label, qformat.ParseResult(errors=[Problem(label, 1, 1, exc.strerror or str(exc))])))
            continue
        banks.append(BankFile(path, label, qformat.parse(data, label)))
    return banks


def check_banks(banks: Sequence[BankFile], tree: ContentTree) -> list[Problem]:
    """Every problem of the banks: syntax, then references to themes and passages, then ids across files."""
    problems = [p for bank in banks for p in bank.result.errors]
    questions = [q for bank in banks for q in bank.result.questions]
    problems += qformat.validate(questions, known_themes=set(tree.themes), known_passages=qformat.passage_quotes(tree))
    return sorted(problems, key=lambda p: (p.file, p.line, p.column))


def content_tree(content_dir: str | Path) -> tuple[ContentTree, list[Problem]]:
    """Load the readings that questions refer to; their own problems come back as Problems."""
    tree, errors = load_tree(content_dir)
    return tree, [Problem(e.file, e.line, 1, e.message) for e in errors]


@lru_cache(maxsize=4096)
def _parse_version(version_id: int, source: str) -> qformat.Question:
    result = qformat.parse(source, f"question-version-{version_id}")
    if not result.questions:
        raise ValueError(f"stored question version {version_id} no longer parses: {result.errors}")
    return result.questions[0]


def question_of(version: QuestionVersion) -> qformat.Question:
    """Return the question a stored version holds (parsed once per process: versions never change)."""
    return _parse_version(version.id, version.source)


def question_data(question: qformat.Question) -> dict:
    """A question as plain data, for `--json` output and tools."""
    data = dataclasses.asdict(question)
    for key in ("file", "line", "positions"):
        data.pop(key, None)
    for sentence in data.get("evidence", []):
        sentence.pop("line", None)
    return data


def import_banks(
    banks: Sequence[BankFile],
    tree: ContentTree,
    *,
    owner: User | None = None,
    actor: User | None = None,
    retire_missing: bool = True,
    dry_run: bool = False,
) -> ImportReport:
    """Create or update banks and their questions; with any problem, change nothing.

    A question whose Markdown changed gets a new version (past attempts keep the old one);
    with `retire_missing`, questions no longer in their bank's file are retired, not deleted.
    """
    report = ImportReport(problems=check_banks(banks, tree))
    if not report.ok:
        return report
    owner_id = owner.id if owner else None
    existing = {
        bank.slug: bank
        for bank in db.session.scalars(
            select(QuestionBank)
            .where(QuestionBank.owner_id.is_(None) if owner_id is None else QuestionBank.owner_id == owner_id)
            .options(selectinload(QuestionBank.questions).selectinload(Question.current_version))
        )
    }
    for bank_file in banks:
        slug = bank_file.path.stem
        bank = existing.get(slug)
        if bank is None:
            bank = QuestionBank(slug=slug, title=bank_file.result.title or slug, owner_id=owner_id, questions=[])
            db.session.add(bank)
        bank.title = bank_file.result.title or bank.title
        bank.description = bank_file.result.description
        bank.source_path = bank_file.label if owner_id is None else None
        by_key = {question.key: question for question in bank.questions}
        for position, parsed in enumerate(bank_file.result.questions):
            source = qformat.write_question(parsed)
            question = by_key.pop(parsed.id, None)
            if question is None:
                question = Question(key=parsed.id, position=position, current_number=1, bank=bank)
                db.session.add(question)
                question.versions.append(_version(1, source, parsed, actor))
                report.created.append(parsed.id)
                continue
            question.position = position
            if question.retired:
                question.retired = False
            if question.current_version is not None and question.current_version.source == source:
                report.unchanged.append(parsed.id)
                continue
            number = question.current_number + 1
            question.versions.append(_version(number, source, parsed, actor))
            question.current_number = number
            report.changed.append(parsed.id)
        if retire_missing:
            for question in by_key.values():
                if not question.retired:
                    question.retired = True
                    report.retired.append(question.key)
    if dry_run:
        db.session.rollback()
    else:
        db.session.flush()
    return report


def _version(number: int, source: str, parsed: qformat.Question, actor: User | None) -> QuestionVersion:
    return QuestionVersion(
        number=number,
        source=source,
        type=parsed.type,
        difficulty=parsed.difficulty,
        points=parsed.points,
        themes=list(parsed.themes),
        passages=list(parsed.passages),
        created_by_id=actor.id if actor else None,
    )


def shipped_questions() -> dict[str, Question]:
    """The questions of the shipped banks, by key, with their current versions."""
    rows = db.session.scalars(
        select(Question)
        .join(QuestionBank)
        .where(QuestionBank.owner_id.is_(None))
        .options(selectinload(Question.current_version))
    )
    return {question.key: question for question in rows}


def read_quizzes(paths: Sequence[Path], base: Path | None = None) -> tuple[list[QuizDef], list[Problem]]:
    """Parse quiz definition files; every problem is returned, none raised."""
    quizzes, problems = [], []
    for path in paths:
        label = _label(path, base)
        try:
            data = path.read_bytes()
        except OSError as exc:
            problems.append(Problem(label, 1, 1, exc.strerror or str(exc)))
            continue
        result = parse_quiz(data, label)
        problems.extend(result.errors)
        if result.quiz is not None:
            quizzes.append(result.quiz)
    return quizzes, problems


def import_quizzes(
    quizzes: Sequence[QuizDef], problems: list[Problem], tree: ContentTree, *, dry_run: bool = False
) -> ImportReport:
    """Create or update the shipped quizzes from their definitions; with any problem, change nothing."""
    questions = shipped_questions()
    parsed = {key: question_of(q.current_version) for key, q in questions.items() if not q.retired}
    report = ImportReport(problems=problems + validate_quizzes(quizzes, parsed.values(), set(tree.themes)))
    if not report.ok:
        return report
    existing = {quiz.slug: quiz for quiz in db.session.scalars(select(Quiz).where(Quiz.owner_id.is_(None)))}
    for definition in quizzes:
        quiz = existing.get(definition.id)
        if quiz is None:
            quiz = Quiz(slug=definition.id, owner_id=None)
            db.session.add(quiz)
            report.created.append(definition.id)
        else:
            report.changed.append(definition.id)
        apply_definition(quiz, definition, {key: q.id for key, q in questions.items()})
        quiz.source_path = definition.file
    if dry_run:
        db.session.rollback()
    else:
        db.session.flush()
    return report


def apply_definition(quiz: Quiz, definition: QuizDef, ids: dict[str, int]) -> None:
    """Copy a parsed quiz definition onto a Quiz row."""
    quiz.title = definition.title
    quiz.description = definition.body or definition.description
    quiz.question_ids = [ids[key] for key in definition.questions] if definition.questions else None
    quiz.draw_rules = (
        [
            {"themes": list(r.themes), "types": list(r.types), "difficulty": list(r.difficulty), "count": r.count}
            for r in definition.draw
        ]
        if definition.draw
        else None
    )
    for name in ("shuffle_questions", "shuffle_choices", "time_limit_minutes", "max_attempts", "grading", "review",
                 "layout"):
        setattr(quiz, name, getattr(definition, name))


class ContentProblems(Exception):
    """The shipped content does not check; nothing was loaded."""

    def __init__(self, problems: list) -> None:
        super().__init__(f"{len(problems)} problem(s) in the content")
        self.problems = problems


def load_shipped_content(content_dir: str | Path) -> tuple[ImportReport, ImportReport]:
    """Load the readings, then the question banks, then the quizzes of `content_dir`; all or nothing."""
    from studyapp.reading.services import ContentInvalid, load_content

    content_dir = Path(content_dir)
    try:
        load_content(content_dir)
    except ContentInvalid as exc:
        raise ContentProblems(list(exc.errors)) from exc
    tree, _ = content_tree(content_dir)  # load_content has just checked it
    banks = read_banks(expand([content_dir / "questions"]), base=content_dir)
    questions = import_banks(banks, tree)
    if not questions.ok:
        raise ContentProblems(questions.problems)
    quizzes = import_quizzes(*read_quizzes(expand([content_dir / "quizzes"]), base=content_dir), tree)
    if not quizzes.ok:
        raise ContentProblems(quizzes.problems)
    return questions, quizzes
