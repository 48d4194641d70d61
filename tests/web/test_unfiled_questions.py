"""A question imported "not filed yet" (no theme, no passage) in a class: it is taken and graded like any
other, and no page links to a passage or shows a theme that does not exist."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from studyapp.core.qformat import UNFILED
from studyapp.extensions import db
from studyapp.models import Question, Role
from tests.web.test_classes_support import assign, enrol, fixed_quiz, make_class, take

BARE = "::bare-question::Who delivered the letter?{=Dobrynin ~Gromyko####“Ambassador Dobrynin gave me the attached”.}\n"


@pytest.mark.content
def test_an_unfiled_question_is_taken_graded_and_shown_without_a_theme_or_passage(client, login, make_user):
    instructor, student = make_user(Role.INSTRUCTOR), make_user(Role.STUDENT)
    login(instructor)
    preview = client.post(
        "/authoring/upload",
        data={"file": (io.BytesIO(BARE.encode()), "bare.gift"), "format": "gift"},
        content_type="multipart/form-data",
    )
    fields = dict(
        re.findall(
            r'name="(draft|filename|format|theme|passage|difficulty)" type="hidden" value="([^"]*)"',
            preview.get_data(as_text=True),
        )
    )
    assert client.post("/authoring/upload/confirm", data=fields).status_code == 302
    question = db.session.scalar(select(Question).where(Question.key == "bare-question"))
    assert question.current_version.themes == [UNFILED] and question.current_version.passages == [UNFILED]

    class_ = make_class(instructor)
    enrol(class_, student)
    assignment = assign(class_, fixed_quiz([question], slug="bare-quiz", owner_id=instructor.id))
    attempt = take(student, assignment, {1: True})
    assert attempt.score == attempt.max_score  # graded like any question

    gradebook = client.get(f"/classes/{class_.id}/gradebook").get_data(as_text=True)
    assert "unfiled" not in gradebook.lower()  # no theme column for it
    client.post("/logout")
    login(student)
    for url in (f"/attempts/{attempt.id}/result", "/progress"):
        page = client.get(url).get_data(as_text=True)
        assert f"/read/passages/{UNFILED}" not in page, url
        assert ">unfiled<" not in page.lower(), url
