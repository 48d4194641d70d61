"""The shipped library: load the readings, then the question banks, then the quizzes, all or nothing."""

from __future__ import annotations

from pathlib import Path

from studyapp.domain import events
from studyapp.domain.content import ContentInvalid, load_content
from studyapp.domain.errors import DomainError
from studyapp.domain.questions import ImportReport, content_tree, expand, import_banks, read_banks
from studyapp.domain.quizzes import import_quizzes, read_quizzes


class ContentProblems(DomainError):
    """The shipped content does not check; nothing was loaded."""

    def __init__(self, problems: list) -> None:
        super().__init__(f"{len(problems)} problem(s) in the content", 422)
        self.problems = problems


def load_shipped_content(content_dir: str | Path) -> tuple[ImportReport, ImportReport]:
    """Load the readings, then the question banks, then the quizzes of `content_dir`; all or nothing.

    Sends `content_loaded` once, when all three are flushed (the parts send nothing themselves).
    """
    content_dir = Path(content_dir)
    try:
        readings = load_content(content_dir, notify=False)
    except ContentInvalid as exc:
        raise ContentProblems(list(exc.errors)) from exc
    tree, _ = content_tree(content_dir)  # load_content has just checked it
    banks = read_banks(expand([content_dir / "questions"]), base=content_dir)
    questions = import_banks(banks, tree, notify=False)
    if not questions.ok:
        raise ContentProblems(questions.problems)
    quiz_files, quiz_problems = read_quizzes(expand([content_dir / "quizzes"]), base=content_dir)
    quizzes = import_quizzes(quiz_files, quiz_problems, tree, notify=False)
    if not quizzes.ok:
        raise ContentProblems(quizzes.problems)
    events.content_loaded.send(None, readings=readings, questions=questions, quizzes=quizzes)
    return questions, quizzes
