"""A quiz's introduction is held to the renderer's limit when it is saved, not escaped when shown."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from studyapp.core.markdown import LIMITS
from studyapp.extensions import db
from studyapp.models import Quiz

pytestmark = pytest.mark.content

BASE = {
    "title": "Introduced",
    "mode": "fixed",
    "questions": "linkage-whose-words",
    "grading": "highest",
    "review": "after_submit",
    "layout": "one_page",
    "action": "save",
}


def quizzes_of(user) -> int:
    return db.session.scalar(select(func.count()).select_from(Quiz).where(Quiz.owner_id == user.id))


def test_an_introduction_over_the_renderers_limit_is_refused_with_a_message(loaded, client, instructor):
    too_long = client.post("/authoring/quizzes/new", data={**BASE, "description": "word " * (LIMITS.chars // 5 + 1)})
    assert too_long.status_code == 422
    assert f"limited to {LIMITS.chars:,} characters" in too_long.get_data(as_text=True)
    assert quizzes_of(instructor) == 0
    at_limit = client.post("/authoring/quizzes/new", data={**BASE, "description": "*Read* it.\n\n" + "word " * 1500})
    assert at_limit.status_code == 302
    quiz = db.session.scalar(select(Quiz).where(Quiz.owner_id == instructor.id))
    assert "<em>Read</em>" in client.get(f"/authoring/quizzes/{quiz.id}").get_data(as_text=True)
