"""The shipped library: load the readings, then the question banks, then the quizzes, all or nothing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from studyapp.domain import events
from studyapp.domain.content import ContentInvalid, LoadReport, load_content
from studyapp.domain.errors import DomainError
from studyapp.domain.questions import ImportReport, content_tree, expand, import_banks, read_banks
from studyapp.domain.quizzes import import_quizzes, read_quizzes


class ContentProblems(DomainError):
    """The shipped content does not check; nothing was loaded."""

    def __init__(self, problems: list) -> None:
        super().__init__(f"{len(problems)} problem(s) in the content", 422)
        self.problems = problems


@dataclass(frozen=True)
class LibraryReport:
    """What a load of the whole library found and changed."""

    readings: LoadReport
    questions: ImportReport
    quizzes: ImportReport

    @property
    def changed(self) -> bool:
        parts = (self.questions, self.quizzes)
        return self.readings.changed or any(r.created or r.changed or r.retired for r in parts)


def _files(folder: Path) -> list[Path]:
    return expand([folder]) if folder.is_dir() else []


def load_shipped_content(content_dir: str | Path) -> LibraryReport:
    """Load the readings, then the question banks, then the quizzes of `content_dir`; all or nothing.

    Loading again changes only what differs. Sends `content_loaded` once, when all three are flushed
    (the parts send nothing themselves).
    """
    content_dir = Path(content_dir)
    try:
        readings = load_content(content_dir, notify=False)
    except ContentInvalid as exc:
        raise ContentProblems(list(exc.errors)) from exc
    tree, _ = content_tree(content_dir)  # load_content has just checked it
    # A folder of readings alone is a library too: no question or quiz folder, nothing of theirs changes.
    banks = read_banks(_files(content_dir / "questions"), base=content_dir)
    questions = import_banks(banks, tree, notify=False)
    if not questions.ok:
        raise ContentProblems(questions.problems)
    quiz_files, quiz_problems = read_quizzes(_files(content_dir / "quizzes"), base=content_dir)
    quizzes = import_quizzes(quiz_files, quiz_problems, tree, notify=False)
    if not quizzes.ok:
        raise ContentProblems(quizzes.problems)
    events.content_loaded.send(None, readings=readings, questions=questions, quizzes=quizzes)
    return LibraryReport(readings, questions, quizzes)


def summary(report: LibraryReport) -> str:
    """What a load found and changed, in two lines, as the commands print it."""
    counts = ", ".join(f"{name.replace('_', ' ')}: {count}" for name, count in report.readings.counts.items())
    parts = (("questions", report.questions), ("quizzes", report.quizzes))
    found = "; ".join(f"{name}: {len(r.created) + len(r.changed) + len(r.unchanged)}" for name, r in parts)
    changes = [
        f"{name.replace('_', ' ')}: {report.readings.created[name]} new, {report.readings.updated[name]} changed, "
        f"{report.readings.removed[name]} removed"
        for name in report.readings.counts
        if report.readings.created[name] or report.readings.updated[name] or report.readings.removed[name]
    ]
    changes += [
        f"{name}: {len(r.created)} new, {len(r.changed)} changed, {len(r.retired)} retired"
        for name, r in parts
        if r.created or r.changed or r.retired
    ]
    done = f"Changed {'; '.join(changes)}." if changes else "The database was already up to date."
    return f"Loaded {counts}; {found}.\n{done}"
