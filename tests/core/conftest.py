"""Fixtures of the core tests: the shipped questions and the quotes of their passages."""

from __future__ import annotations

from pathlib import Path

import pytest

from studyapp.core import qformat
from studyapp.core.content import load_tree
from studyapp.core.qformat import Question

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def shipped() -> list[Question]:
    questions = []
    for path in sorted((ROOT / "content" / "questions").glob("*.md")):
        questions.extend(qformat.parse(path.read_bytes(), str(path)).questions)
    return questions


@pytest.fixture(scope="module")
def quotes() -> dict[str, str]:
    tree, _ = load_tree(ROOT / "content")
    return qformat.passage_quotes(tree)
