"""A page's answers name options only by the attempt's public ids: an authored id (`a`, `b`, ...) is refused
with a message naming the question; and instructors' choice questions are stored with their choices in a
seeded order, so the choice written first (the right one, in the editor's starter) is not always first."""

from __future__ import annotations

import pytest

from studyapp.authoring.forms import STARTERS
from studyapp.core import grading
from studyapp.domain import questions as question_views
from studyapp.domain.questions import question_of
from studyapp.extensions import db
from studyapp.models import AttemptItem, Question
from tests.web.quizzes import correct_public, form_fields, one_of_each_type, start

pytestmark = pytest.mark.content

#: The types whose answers name options (an ordering's items, a matching's right-hand sides, sentences).
WITH_OPTIONS = ("single", "multiple", "truefalse", "evidence", "ordering", "matching")


def authored_answer(item: AttemptItem) -> dict:
    """The full-marks answer in the ids the question was written with, never shown on a page."""
    question = question_of(item.version)
    quote = question_views.evidence_quotes([question]).get(question.evidence_passage)
    return grading.correct_response(question, quote=quote)


def items_with_options(attempt):
    return [item for item in attempt.items if question_of(item.version).type in WITH_OPTIONS]


def test_a_save_naming_authored_option_ids_is_refused(client, student):
    attempt = start(client, one_of_each_type())
    items = items_with_options(attempt)
    assert {question_of(i.version).type for i in items} == set(WITH_OPTIONS)
    for seq, item in enumerate(items, 1):
        fields = form_fields(item.position, authored_answer(item))
        reply = client.post(f"/attempts/{attempt.id}/save", data={**fields, "position": item.position, "seq": seq})
        body = reply.get_json()
        kind = question_of(item.version).type
        assert reply.status_code == 400, (kind, body)
        assert body["ok"] is False and body["error"].startswith(f"Question {item.position}:"), (kind, body)
    db.session.expire_all()
    assert all(db.session.get(AttemptItem, item.id).response is None for item in items)


def test_the_public_ids_are_still_taken(client, student):
    attempt = start(client, one_of_each_type())
    for seq, item in enumerate(items_with_options(attempt), 1):
        fields = form_fields(item.position, correct_public(attempt, item.position))
        reply = client.post(f"/attempts/{attempt.id}/save", data={**fields, "position": item.position, "seq": seq})
        assert reply.status_code == 200 and reply.get_json()["ok"], reply.get_json()


def test_the_page_without_javascript_refuses_an_authored_id_and_ticks_nothing(client, student):
    attempt = start(client, one_of_each_type())
    item = next(i for i in attempt.items if question_of(i.version).type == "single")
    reply = client.post(f"/attempts/{attempt.id}", data={f"q{item.position}": "a", "action": "save"})
    assert reply.status_code == 302
    page = client.get(reply.headers["Location"]).get_data(as_text=True)
    assert f"Question {item.position}:" in page and "is not a choice of this question" in page
    assert " checked" not in page
    db.session.expire_all()
    assert db.session.get(AttemptItem, item.id).response is None


def save_new(client, kind: str, key: str) -> Question:
    source = STARTERS[kind].replace("## new-question", f"## {key}", 1)
    reply = client.post("/authoring/questions/new", data={"source": source, "action": "save"})
    assert reply.status_code == 302, reply.get_data(as_text=True)[:2000]
    db.session.expire_all()
    return db.session.get(Question, int(reply.headers["Location"].rsplit("/", 1)[1]))


def test_instructors_choices_are_stored_in_a_seeded_order(client, instructor):
    firsts = []
    for n in range(6):
        question = save_new(client, "single", f"seeded-single-{n}")
        parsed = question_of(question.current_version)
        assert [c.id for c in parsed.choices] == ["a", "b", "c"]
        assert sorted(c.text for c in parsed.choices) == ["A wrong answer", "Another wrong answer", "The right answer"]
        right = next(c for c in parsed.choices if c.correct)
        assert right.text == "The right answer" and right.feedback.startswith("Feedback shown at review")
        firsts.append(parsed.choices[0].correct)
    assert not all(firsts), "the right choice is stored first every time"

    multiple = [question_of(save_new(client, "multiple", f"seeded-multiple-{n}").current_version) for n in range(6)]
    assert any([c.correct for c in q.choices] != [True, True, False] for q in multiple)
    truefalse = question_of(save_new(client, "truefalse", "seeded-truefalse").current_version)
    assert [c.text for c in truefalse.choices] == ["True", "False"]  # true/false keeps its order


def test_saving_the_stored_text_again_keeps_the_order_and_adds_no_version(client, instructor):
    question = save_new(client, "single", "seeded-stable")
    stored = question.current_version.source
    reply = client.post(
        f"/authoring/questions/{question.id}/edit", data={"source": stored, "action": "save", "base": "1"}
    )
    assert reply.status_code == 302
    db.session.expire_all()
    question = db.session.get(Question, question.id)
    assert question.current_number == 1 and question.current_version.source == stored


def test_a_practice_answer_checked_with_nothing_chosen_still_shows_its_page(client, student):
    started = client.post("/practice/linkage")
    assert started.status_code == 302
    attempt_url = started.headers["Location"]
    checked = client.post(attempt_url, data={"action": "check"})
    assert checked.status_code == 302
    assert client.get(checked.headers["Location"]).status_code == 200
