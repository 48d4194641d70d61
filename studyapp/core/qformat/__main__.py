"""Check question banks and quiz definitions: `python -m studyapp.core.qformat check PATH... [--content DIR]`.

Prints `file:line:col: message` for every problem and exits 1 if there is any. Files in a
folder named `quizzes` are read as quiz definitions, and checked against the banks given in
the same command. Without --content only syntax and each question's own rules are checked;
with it, theme and passage references and evidence sentences are checked too.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..content import load_tree
from .model import Problem
from .parser import parse
from .quizdef import parse_quiz, validate_quizzes
from .validate import passage_quotes, validate


def markdown_files(paths: list[str]) -> list[Path]:
    """Expand folders into the `*.md` files under them, keeping the order given."""
    files = []
    for name in paths:
        path = Path(name)
        files.extend(sorted(path.rglob("*.md")) if path.is_dir() else [path])
    return files


def check(paths: list[str], content: str | None = None) -> int:
    """Print every problem of the files at `paths`; return the exit status (1 if any problem)."""
    problems: list[Problem] = []
    questions = []
    quizzes = []
    files = markdown_files(paths)
    for path in files:
        try:
            data = path.read_bytes()
        except OSError as exc:
            problems.append(Problem(str(path), 1, 1, f"cannot read the file: {exc.strerror}"))
            continue
        if path.parent.name == "quizzes":
            quiz_result = parse_quiz(data, str(path))
            problems.extend(quiz_result.errors)
            quizzes.extend([quiz_result.quiz] if quiz_result.quiz else [])
        else:
            result = parse(data, str(path))
            problems.extend(result.errors)
            questions.extend(result.questions)
    themes = passages = None
    if content is not None:
        tree, content_errors = load_tree(content)
        if content_errors:
            note = f"note: the content has {len(content_errors)} problem(s) of its own (see `flask content check`)"
            print(note, file=sys.stderr)
        themes, passages = set(tree.themes), passage_quotes(tree)
    problems.extend(validate(questions, themes, passages))
    problems.extend(validate_quizzes(quizzes, questions, themes))
    for problem in problems:
        print(problem)
    print(
        f"{len(files)} file(s): {len(questions)} valid question(s), {len(quizzes)} valid quiz(zes), "
        f"{len(problems)} problem(s)",
        file=sys.stderr,
    )
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m studyapp.core.qformat",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    check_parser = commands.add_parser("check", help="check banks and quizzes (files, or folders of *.md)")
    check_parser.add_argument("paths", nargs="+", metavar="PATH")
    check_parser.add_argument(
        "--content",
        metavar="DIR",
        help="content folder: also check theme and passage references and evidence sentences",
    )
    args = parser.parse_args(argv)
    return check(args.paths, args.content)


if __name__ == "__main__":
    sys.exit(main())
