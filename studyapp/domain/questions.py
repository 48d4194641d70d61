"""Questions and their versions: banks, import all or nothing, the editor, sharing, and how a question is shown."""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import hmac
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from sqlalchemy import ColumnElement, and_, func, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import selectinload
from werkzeug.utils import secure_filename

from studyapp.core import markdown, qformat
from studyapp.core.content import ContentTree, load_tree
from studyapp.core.qformat import Problem
from studyapp.core.qformat import Question as ParsedQuestion
from studyapp.core.qformat.model import MAX_ID_LENGTH
from studyapp.core.qformat.qti import write_qti
from studyapp.core.qformat.rendered import render_question, stored_html
from studyapp.core.slugs import slugify
from studyapp.domain import events
from studyapp.domain.content import passage_quote, quote_text
from studyapp.domain.errors import DomainError, NotFound
from studyapp.extensions import db
from studyapp.models import AttemptItem, Membership, Passage, Question, QuestionBank, QuestionVersion, Theme, User
from studyapp.models.classes import INSTRUCTOR as CLASS_INSTRUCTOR

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


#: Bank file formats `read_banks` reads, and the files a folder is read for in each.
IMPORT_FORMATS = {"md": ".md", "gift": ".gift", "text2qti": ".txt"}


def parse_bank(
    data: bytes,
    label: str,
    fmt: str = "md",
    defaults: qformat.ImportDefaults | None = None,
) -> qformat.ParseResult:
    """Read a bank in our Markdown or a foreign format (GIFT, text2qti) into the same ParseResult shape."""
    if fmt == "gift":
        return qformat.parse_gift(data, label, defaults)
    if fmt == "text2qti":
        return qformat.parse_text2qti(data, label, defaults)
    return qformat.parse(data, label)


def bank_warnings(banks: Sequence[BankFile]) -> list[Problem]:
    """What foreign files held that has no exact equivalent here (our own format has no warnings)."""
    return [warning for bank in banks for warning in getattr(bank.result, "warnings", [])]


def read_banks(
    paths: Sequence[Path],
    base: Path | None = None,
    *,
    fmt: str = "md",
    defaults: qformat.ImportDefaults | None = None,
) -> list[BankFile]:
    """Parse each bank file; an unreadable or oversized file becomes a problem, not an exception."""
    banks = []
    for path in paths:
        label = _label(path, base)
        try:
            data = path.read_bytes()
        except OSError as exc:
            banks.append(
                BankFile(path, label, qformat.ParseResult(errors=[Problem(label, 1, 1, exc.strerror or str(exc))]))
            )
            continue
        banks.append(BankFile(path, label, parse_bank(data, label, fmt, defaults)))
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
    """Return the question a stored version holds (parsed once per process: versions never change).

    The HTML stored with the version is handed to the renderer, so pages show it without rendering again.
    """
    question = _parse_version(version.id, version.source)
    if version.rendered:
        markdown.remember(stored_html(question, version.rendered))
    return question


def marked(question: qformat.Question, marks: float) -> qformat.Question:
    """`question` as worth `marks` in an attempt (its item's maximum: a drawn slot's marks, which may differ
    from the question's own points), so that it is shown, graded and reviewed out of them."""
    return question if question.points == marks else dataclasses.replace(question, points=marks)


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
    notify: bool = True,
) -> ImportReport:
    """Create or update banks and their questions; with any problem, change nothing.

    A question whose Markdown changed gets a new version (past attempts keep the old one);
    with `retire_missing`, questions no longer in their bank's file are retired, not deleted.
    An import that is carried out sends `content_loaded` (a dry run or a refused one does not),
    unless `notify` is false because the caller sends one for a larger load.
    """
    report = ImportReport(problems=check_banks(banks, tree))
    if not report.ok:
        return report
    savepoint = db.session.begin_nested() if dry_run else None  # a dry run leaves no trace
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
    if savepoint is not None:
        savepoint.rollback()
        return report
    db.session.flush()
    if notify:
        events.content_loaded.send(report, readings=None, questions=report, quizzes=None)
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
        rendered=render_question(parsed),
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


# --- authoring in the browser ----------------------------------------------------------------
# Instructors see the shipped banks (read-only) and their own; nobody sees another's.

#: The bank a question goes to when its author has not chosen one (created on first use).
DEFAULT_BANK_SLUG = "my-questions"
DEFAULT_BANK_TITLE = "My questions"
#: The name problems of the editor carry ("question:12:3: ...").
EDITOR_FILE = "question"
COPY_SUFFIX = "-copy"
BANK_STATUSES = ("all", "active", "retired")


class SharingError(DomainError):
    """A share the rules refuse; the message is safe to show."""


def _taught_classes(user: User):
    return select(Membership.class_id).where(Membership.user_id == user.id, Membership.role == CLASS_INSTRUCTOR)


def visible_banks_clause(user: User):
    """The SQL condition "a bank this user may see": the shipped banks, their own, and banks their
    owners shared with a class this user teaches."""
    return (
        QuestionBank.owner_id.is_(None)
        | (QuestionBank.owner_id == user.id)
        | QuestionBank.shared_class_id.in_(_taught_classes(user))
    )


def can_see_bank(bank: QuestionBank, user: User) -> bool:
    if bank.owner_id is None or bank.owner_id == user.id:
        return True
    return bank.shared_class_id is not None and bank.shared_class_id in set(db.session.scalars(_taught_classes(user)))


def share_bank(bank: QuestionBank, user: User, class_id: int | None) -> None:
    """Let the instructors of one of the owner's classes read this bank, or (None) make it private again."""
    if not can_edit_bank(bank, user):
        raise SharingError("Only the owner of a bank can share it.")
    if class_id is not None and class_id not in set(db.session.scalars(_taught_classes(user))):
        raise SharingError("You can share a bank only with a class you teach.")
    bank.shared_class_id = class_id
    db.session.flush()


def get_bank_or_404(bank_id: int, user: User) -> QuestionBank:
    """A bank `user` may see: a shipped one, their own or one shared with them (another's is "not found")."""
    bank = db.session.get(QuestionBank, bank_id)
    if bank is None or not can_see_bank(bank, user):
        raise NotFound()
    return bank


def get_question_or_404(question_id: int, user: User) -> Question:
    """A question of a bank `user` may see, with its bank and current version."""
    question = db.session.scalar(
        select(Question)
        .where(Question.id == question_id)
        .options(selectinload(Question.bank), selectinload(Question.current_version))
    )
    if question is None or not can_see_bank(question.bank, user):
        raise NotFound()
    return question


def can_edit_bank(bank: QuestionBank, user: User) -> bool:
    """Only the owner changes a bank; the shipped banks change only through `flask questions import`."""
    return bank.owner_id is not None and bank.owner_id == user.id


def visible_banks(user: User) -> list[QuestionBank]:
    """The shipped banks, then the user's own, by title."""
    return list(
        db.session.scalars(
            select(QuestionBank)
            .where(visible_banks_clause(user))
            .order_by(QuestionBank.owner_id.is_not(None), QuestionBank.title, QuestionBank.id)
        )
    )


def own_banks(user: User) -> list[QuestionBank]:
    return list(
        db.session.scalars(
            select(QuestionBank).where(QuestionBank.owner_id == user.id).order_by(QuestionBank.title, QuestionBank.id)
        )
    )


def default_bank(user: User) -> QuestionBank:
    """The user's "My questions" bank, created on demand."""
    bank = db.session.scalar(
        select(QuestionBank).where(QuestionBank.owner_id == user.id, QuestionBank.slug == DEFAULT_BANK_SLUG)
    )
    if bank is None:
        bank = QuestionBank(slug=DEFAULT_BANK_SLUG, title=DEFAULT_BANK_TITLE, description="", owner_id=user.id)
        db.session.add(bank)
        db.session.flush()
    return bank


def create_bank(user: User, title: str, description: str = "") -> QuestionBank:
    """Create an empty bank owned by `user`; its id comes from the title, made unique among theirs."""
    base = slugify(title, max_length=80) or "bank"
    taken = set(db.session.scalars(select(QuestionBank.slug).where(QuestionBank.owner_id == user.id)))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    bank = QuestionBank(slug=slug, title=title.strip(), description=description.strip(), owner_id=user.id)
    db.session.add(bank)
    db.session.flush()
    return bank


@dataclass
class BankFilters:
    """What the bank page narrows the questions to; empty values match everything."""

    bank_id: int | None = None
    theme: str = ""
    type: str = ""
    difficulty: int | None = None
    passage: str = ""
    text: str = ""
    status: str = "all"

    def admits(self, question: Question, version: QuestionVersion) -> bool:
        needle = self.text.strip().casefold()
        return (
            (self.bank_id is None or question.bank_id == self.bank_id)
            and (not self.theme or self.theme in version.themes)
            and (not self.type or version.type == self.type)
            and (self.difficulty is None or version.difficulty == self.difficulty)
            and (not self.passage or self.passage in version.passages)
            and (self.status == "all" or question.retired == (self.status == "retired"))
            and (not needle or needle in question.key.casefold() or needle in version.source.casefold())
        )


@dataclass
class BankRow:
    question: Question
    version: QuestionVersion
    parsed: qformat.Question


@dataclass
class BankListing:
    """The questions a filter admits, with counts per theme and type and per bank."""

    rows: list[BankRow]
    theme_counts: dict[str, int]
    type_counts: dict[str, int]
    bank_counts: dict[int, int]


def list_questions(user: User, filters: BankFilters) -> BankListing:
    """The visible questions matching `filters`, in bank order: one query whatever the bank size."""
    pairs = db.session.execute(
        select(Question, QuestionVersion)
        .join(QuestionBank, Question.bank_id == QuestionBank.id)
        .join(
            QuestionVersion,
            and_(QuestionVersion.question_id == Question.id, QuestionVersion.number == Question.current_number),
        )
        .where(visible_banks_clause(user))
        .order_by(
            QuestionBank.owner_id.is_not(None), QuestionBank.title, QuestionBank.id, Question.position, Question.id
        )
    ).all()
    bank_counts: Counter[int] = Counter(question.bank_id for question, _ in pairs)
    rows = [BankRow(q, v, question_of(v)) for q, v in pairs if filters.admits(q, v)]
    themes: Counter[str] = Counter(theme for row in rows for theme in row.version.themes)
    types: Counter[str] = Counter(row.version.type for row in rows)
    return BankListing(rows, dict(themes), dict(types), dict(bank_counts))


def known_content() -> tuple[set[str], dict[str, str]]:
    """The theme ids and passage quotes in the database, for checking a question as it is typed."""
    themes = set(db.session.scalars(select(Theme.slug)))
    passages = {p.slug: passage_quote(p) for p in db.session.scalars(select(Passage))}
    return themes, passages


def questions_with_key(keys: Iterable[str], user: User) -> list[Question]:
    """The visible questions (shipped or the user's) using any of `keys`, with their banks."""
    keys = list(set(keys))
    if not keys:
        return []
    return list(
        db.session.scalars(
            select(Question)
            .join(QuestionBank)
            .where(visible_banks_clause(user), Question.key.in_(keys))
            .options(selectinload(Question.bank))
        )
    )


def _bank_name(bank: QuestionBank) -> str:
    return "the shipped bank" if bank.is_shipped else f"your bank “{bank.title}”"


@dataclass
class EditorCheck:
    """A question typed in the editor: parsed if it parses, and every problem, each at its line."""

    parsed: qformat.Question | None
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return self.parsed is not None and not self.problems


def check_source(source: str, user: User, question: Question | None = None) -> EditorCheck:
    """Check the Markdown of one question: syntax, themes, passages, evidence, and its id.

    A saved question keeps its id; a new one takes an id no shipped question and none of the
    user's own uses (quizzes draw from both, by id).
    """
    result = qformat.parse(source, EDITOR_FILE)
    problems = list(result.errors)
    if result.title or result.description:
        problems.append(
            Problem(EDITOR_FILE, 1, 1, "text before the question heading is not kept: start with '## <question-id>'")
        )
    lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    headings = [n for n, line in enumerate(lines, 1) if line.startswith("## ") or line == "##"]
    for line in headings[1:]:
        problems.append(
            Problem(EDITOR_FILE, line, 1, "the editor holds one question: save this one as a question of its own")
        )
    parsed = result.questions[0] if len(result.questions) == 1 and len(headings) <= 1 else None
    if parsed is not None:
        themes, passages = known_content()
        problems += qformat.validate([parsed], known_themes=themes, known_passages=passages)
        if question is not None and parsed.id != question.key:
            problems.append(
                Problem(
                    EDITOR_FILE,
                    parsed.line,
                    4,
                    f"the id of a saved question cannot change (it is '{question.key}'); "
                    "to start a new question from this one, use Duplicate",
                )
            )
        elif question is None:
            for other in questions_with_key([parsed.id], user):
                problems.append(
                    Problem(
                        EDITOR_FILE,
                        parsed.line,
                        4,
                        f"question id '{parsed.id}' is already used in {_bank_name(other.bank)}: choose another",
                    )
                )
    problems = sorted(set(problems), key=lambda p: (p.line, p.column, p.message))
    return EditorCheck(parsed, problems)


@dataclass
class SaveResult:
    question: Question | None
    problems: list[Problem]
    #: False when the text was the same as the current version: nothing was written.
    changed: bool = False


def seeded_choice_order(parsed: ParsedQuestion) -> ParsedQuestion:
    """The question with the choices of a single or multiple question in a seeded order, as the shipped
    banks store theirs: the order follows a hash of the question's id and each choice's text, so the
    choice written first (the right one, in the editor's template) is not always stored first, and a
    question saved again without changes keeps its order. The ids follow the new order (a, b, ...)."""
    if parsed.type not in ("single", "multiple") or len(parsed.choices) < 2:
        return parsed

    def rank(choice: qformat.Choice) -> str:
        return hashlib.sha256(f"{parsed.id}\0{choice.text}".encode()).hexdigest()

    ordered = sorted(parsed.choices, key=rank)
    choices = tuple(dataclasses.replace(c, id=qformat.choice_id(n)) for n, c in enumerate(ordered))
    return dataclasses.replace(parsed, choices=choices)


def save_question(
    source: str,
    actor: User,
    *,
    question: Question | None = None,
    bank: QuestionBank | None = None,
    base_number: int | None = None,
) -> SaveResult:
    """Save a question typed in the editor: a new question, or a new version of `question`.

    The stored text is the canonical Markdown (as `flask questions import` stores it). A version
    is never changed: past attempts keep theirs. `base_number` is the version the author started
    from; if someone saved a newer one meanwhile, nothing is written and a problem says so.
    """
    check = check_source(source, actor, question)
    parsed = check.parsed
    if parsed is None or check.problems:
        return SaveResult(question, check.problems)
    parsed = seeded_choice_order(parsed)
    canonical = qformat.write_question(parsed)
    if question is None:
        bank = bank or default_bank(actor)
        position = db.session.scalar(select(func.max(Question.position)).where(Question.bank_id == bank.id))
        question = Question(key=parsed.id, position=(position or 0) + 1, current_number=1, retired=False, bank=bank)
        question.versions.append(_version(1, canonical, parsed, actor))
        db.session.add(question)
        db.session.flush()
        return SaveResult(question, [], True)
    base = question.current_number if base_number is None else base_number
    if (
        question.current_version is not None
        and question.current_version.source == canonical
        and base == question.current_number
    ):
        return SaveResult(question, [], False)
    number = base + 1
    moved = cast(
        "CursorResult[Any]",
        db.session.execute(
            update(Question)
            .where(Question.id == question.id, Question.current_number == base)
            .values(current_number=number)
            .execution_options(synchronize_session=False)
        ),
    )
    if moved.rowcount != 1:
        db.session.refresh(question)
        return SaveResult(
            question,
            [
                Problem(
                    EDITOR_FILE,
                    parsed.line,
                    1,
                    f"version {question.current_number} was saved after you opened this one (version {base}): "
                    "copy your text, reload the editor and apply your change again",
                )
            ],
        )
    version = _version(number, canonical, parsed, actor)
    version.question_id = question.id
    db.session.add(version)
    db.session.flush()
    db.session.refresh(question)
    return SaveResult(question, [], True)


def free_key(key: str, user: User) -> str:
    """An id for a copy of `key` that no visible question uses: `key-copy`, `key-copy-2`, ..."""
    base = key[: MAX_ID_LENGTH - len(COPY_SUFFIX) - 4] + COPY_SUFFIX
    taken = set(
        db.session.scalars(
            select(Question.key).join(QuestionBank).where(visible_banks_clause(user), Question.key.startswith(base))
        )
    )
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def copy_question(question: Question, actor: User) -> Question:
    """Copy a question under a new id: into its own bank if the actor owns it, else into their "My questions"."""
    bank = question.bank if can_edit_bank(question.bank, actor) else default_bank(actor)
    parsed = dataclasses.replace(question_of(question.current_version), id=free_key(question.key, actor))
    source = qformat.write_question(parsed)
    position = db.session.scalar(select(func.max(Question.position)).where(Question.bank_id == bank.id))
    copy = Question(key=parsed.id, position=(position or 0) + 1, current_number=1, retired=False, bank=bank)
    copy.versions.append(_version(1, source, parsed, actor))
    db.session.add(copy)
    db.session.flush()
    return copy


def set_retired(question: Question, retired: bool) -> None:
    """Retire a question (new attempts no longer draw it; past attempts keep it) or bring it back."""
    question.retired = retired
    db.session.flush()


@dataclass(frozen=True)
class DiffLine:
    #: "same", "removed" or "added"
    kind: str
    old: int | None
    new: int | None
    text: str


def line_diff(old: str, new: str, context: int = 3) -> list[list[DiffLine]]:
    """The changed lines between two versions' Markdown, in hunks with `context` lines around."""
    a, b = old.split("\n"), new.split("\n")
    hunks = []
    for group in difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(context):
        rows = []
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                rows += [DiffLine("same", i + 1, j + 1, a[i]) for i, j in zip(range(i1, i2), range(j1, j2))]
                continue
            rows += [DiffLine("removed", i + 1, None, a[i]) for i in range(i1, i2)]
            rows += [DiffLine("added", None, j + 1, b[j]) for j in range(j1, j2)]
        hunks.append(rows)
    return hunks


def versions_used(question: Question) -> dict[int, int]:
    """How many attempt items show each version of `question` (version id -> count)."""
    rows = db.session.execute(
        select(AttemptItem.question_version_id, func.count())
        .join(QuestionVersion, AttemptItem.question_version_id == QuestionVersion.id)
        .where(QuestionVersion.question_id == question.id)
        .group_by(AttemptItem.question_version_id)
    )
    return dict(rows.all())


def selected_questions(question_ids: Iterable[int], user: User) -> list[qformat.Question]:
    """The visible questions among `question_ids`, at their current versions, in bank order."""
    ids = list(question_ids)
    rows = (
        db.session.execute(
            select(Question, QuestionVersion)
            .join(QuestionBank, Question.bank_id == QuestionBank.id)
            .join(
                QuestionVersion,
                and_(QuestionVersion.question_id == Question.id, QuestionVersion.number == Question.current_number),
            )
            .where(visible_banks_clause(user), Question.id.in_(ids))
            .order_by(QuestionBank.owner_id.is_not(None), QuestionBank.title, QuestionBank.id, Question.position)
        ).all()
        if ids
        else []
    )
    return [question_of(version) for _, version in rows]


def read_upload(
    data: bytes,
    filename: str,
    fmt: str = "md",
    *,
    theme: str = "",
    passage: str = "",
    difficulty: str = "",
    tag_themes: Sequence[tuple[str, str]] = (),
) -> BankFile:
    """Parse an uploaded bank (ours, GIFT or text2qti); the bank's id is the file's name, as for the
    files of content/questions/. The defaults fill in what a foreign file's questions do not say; what
    is still missing is "not filed yet", with a warning. A tag naming a theme files its question there."""
    label = secure_filename(filename or "") or "upload.md"
    slug = slugify(Path(label).stem, max_length=80) or "uploaded-questions"
    if fmt not in IMPORT_FORMATS:
        return BankFile(
            Path(f"{slug}.md"),
            label,
            qformat.ParseResult(
                errors=[Problem(label, 1, 1, f"unknown format '{fmt}': expected one of {', '.join(IMPORT_FORMATS)}")]
            ),
        )
    defaults = qformat.ImportDefaults(
        themes=(theme,) if theme else (),
        passages=(passage,) if passage else (),
        difficulty=int(difficulty) if difficulty.isdigit() else None,
        known_themes=frozenset(db.session.scalars(select(Theme.slug))),
        tag_themes=tuple(tag_themes),
    )
    return BankFile(Path(f"{slug}.md"), label, parse_bank(data, label, fmt, defaults))


def upload_conflicts(bank_file: BankFile, user: User) -> list[Problem]:
    """Ids of the upload already used by a shipped question or by one in another of the user's banks."""
    slug = bank_file.path.stem
    by_key = {q.id: q for q in bank_file.result.questions}
    problems = []
    for other in questions_with_key(by_key, user):
        if other.bank.owner_id == user.id and other.bank.slug == slug:
            continue  # the same bank: a new version of it
        parsed = by_key[other.key]
        problems.append(
            Problem(
                bank_file.label,
                parsed.line,
                4,
                f"question id '{other.key}' is already used in {_bank_name(other.bank)}: choose another",
            )
        )
    return problems


def import_upload(
    bank_file: BankFile, user: User, tree: ContentTree, *, retire_missing: bool = False, dry_run: bool = True
) -> ImportReport:
    """Import an uploaded bank into the user's banks: all of it, or with any problem nothing."""
    conflicts = upload_conflicts(bank_file, user)
    if conflicts:
        problems = check_banks([bank_file], tree) + conflicts
        return ImportReport(problems=sorted(problems, key=lambda p: (p.line, p.column)))
    return import_banks([bank_file], tree, owner=user, actor=user, retire_missing=retire_missing, dry_run=dry_run)


#: What `export_questions` writes.
EXPORT_FORMATS = ("gift", "qti", "md")


def export_questions(
    fmt: str,
    *,
    banks: Iterable[str] = (),
    keys: Iterable[str] = (),
    quotes: dict[str, str] | None = None,
) -> qformat.Exported:
    """Write the current versions of shipped questions as GIFT, a QTI zip or our Markdown.

    With neither `banks` (slugs) nor `keys` (question ids), every question still in use is
    written; a retired question only when its id is named. Unknown slugs or ids raise LookupError.
    `quotes` (passage id -> text) lets an evidence question be written over its passage's sentences.
    """
    banks, keys = list(banks), list(keys)
    rows = db.session.execute(
        select(Question, QuestionVersion, QuestionBank)
        .join(QuestionBank, Question.bank_id == QuestionBank.id)
        .join(
            QuestionVersion,
            and_(QuestionVersion.question_id == Question.id, QuestionVersion.number == Question.current_number),
        )
        .where(QuestionBank.owner_id.is_(None))
        .order_by(QuestionBank.slug, Question.position)
    ).all()
    unknown = sorted(set(banks) - {bank.slug for _, _, bank in rows}) + sorted(set(keys) - {q.key for q, _, _ in rows})
    if unknown:
        raise LookupError(f"no shipped bank or question {', '.join(repr(name) for name in unknown)}")
    chosen = [
        (question, version, bank)
        for question, version, bank in rows
        if question.key in keys or ((bank.slug in banks or not (banks or keys)) and not question.retired)
    ]
    questions = [question_of(version) for _, version, _ in chosen]
    sources = {bank.id: bank for _, _, bank in chosen}
    only = next(iter(sources.values())) if len(sources) == 1 else None
    title = only.title if only else "Exported questions"
    return write_as(fmt, questions, title=title, description=only.description if only else "", quotes=quotes)


def write_as(
    fmt: str,
    questions: list[qformat.Question],
    *,
    title: str,
    description: str = "",
    quotes: dict[str, str] | None = None,
) -> qformat.Exported:
    """Write questions as GIFT, a QTI zip (bytes) or our Markdown."""
    if fmt == "gift":
        return qformat.write_gift(questions, title=title, quotes=quotes)
    if fmt == "qti":
        return write_qti(questions, title=title, description=description, quotes=quotes)
    return qformat.Exported(qformat.write(questions, title=title, description=description), len(questions))


def evidence_quotes(questions: list[ParsedQuestion]) -> dict[str, str]:
    """The quotes of the passages the evidence questions among `questions` need, in one query."""
    slugs = {q.evidence_passage for q in questions if q.type == "evidence"}
    if not slugs:
        return {}
    rows = db.session.execute(select(Passage.slug, Passage.quote).where(Passage.slug.in_(slugs)))
    return {slug: quote_text(quote) for slug, quote in rows}


def public_id(seed: str, question_id: str, option_id: str) -> str:
    """An option id as the page shows it: opaque, so the page never reveals the authored order."""
    digest = hmac.new(seed.encode(), f"{question_id}:{option_id}".encode(), hashlib.sha256).hexdigest()
    return "o" + digest[:10]


def question_pool(owner_id: int | None) -> dict[str, Question]:
    """Questions a quiz may draw from: the shipped banks and its owner's, not retired, by key."""
    owners: ColumnElement[bool] = QuestionBank.owner_id.is_(None)
    if owner_id is not None:
        owners = owners | (QuestionBank.owner_id == owner_id)
    rows = db.session.scalars(
        select(Question)
        .join(QuestionBank)
        .where(owners, Question.retired.is_(False))
        .options(selectinload(Question.current_version))
    )
    return {q.key: q for q in rows}
