"""The QTI export read the way Canvas reads it, for question ids that hold digits and words.

Canvas imports QTI 1.2 through its migration tool (instructure/QTIMigrationTool), which turns each
identifier into an XML name, prefixing "RESPONSE_" or "FEEDBACK_" to one that does not start with a
letter or "_" (`CheckNMTOKEN`). Its converters (canvas-lms `gems/plugins/qti_exporter`) then take a
matching option's match id from the first run of digits in its identifier (`get_canvas_matches`), an
answer's id from `original_answer_ids` read as Ruby's `to_i` (0 means "make a random one"), and route
each feedback by words in its identifier (`get_feedback`). These rules are restated below.
"""

from __future__ import annotations

import dataclasses
import re
import string

import pytest

from studyapp.core.markdown import render
from studyapp.core.qformat.qti import write_qti
from tests.core.test_qti import DATE, check_package, find_all

#: Question ids that held Canvas's rules against the old identifiers: digits, and the feedback words.
TRICKY_IDS = ("treaty-1972-matching", "correct-or-incorrect", "wrong-solution-1981", "general_all-2", "7-questions")
NAME_START = string.ascii_letters + "_"


def migrated(ident: str, prefix: str) -> str:
    """The migration tool's identifier: prefixed when it does not start like an XML name."""
    return ident if ident[:1] in NAME_START else prefix + ident


def match_id(identifier: str) -> int | None:
    found = re.search(r"(\d+)", identifier)
    return int(found.group(1)) if found else None


def ruby_to_i(text: str) -> int:
    found = re.match(r"\s*(\d+)", text)
    return int(found.group(1)) if found else 0


def feedback_route(identifier: str) -> tuple[str, str | None]:
    """Where Canvas's `get_feedback` files a feedback: ("answer", its answer's migration id) for a choice's."""
    if re.search(r"wrong|incorrect|(_IC$)", identifier, re.I):
        return ("incorrect", None)
    if re.search(r"correct|(_C$)", identifier, re.I):
        return ("correct", None)
    if re.search(r"solution", identifier, re.I):
        return ("solution", None)
    if re.search(r"general_|_all", identifier, re.I):
        return ("neutral", None)
    found = re.search(r"feedback_(\d*)_fb", identifier, re.I)
    return ("answer", f"RESPONSE_{found.group(1)}") if found else ("lost", None)


@pytest.fixture(scope="module")
def tricky(shipped) -> dict[str, object]:
    """One shipped question of each type that carries choices, matches or feedback, under a tricky id."""
    by_type = {}
    for question in shipped:
        if question.type in ("single", "multiple", "truefalse", "matching", "ordering", "cloze", "short"):
            by_type.setdefault(question.type, question)
    return by_type


@pytest.mark.parametrize("new_id", TRICKY_IDS)
def test_matching_options_keep_their_own_match_ids(tricky, quotes, new_id):
    for kind in ("matching", "ordering"):
        question = dataclasses.replace(tricky[kind], id=new_id)
        _, (item,) = check_package(write_qti([question], title="T", quotes=quotes, date=DATE).data)
        for response in find_all(item, "response_lid"):
            labels = [migrated(label.get("ident"), "RESPONSE_") for label in find_all(response, "response_label")]
            ids = [match_id(label) for label in labels]
            assert None not in ids and len(set(ids)) == len(ids), (kind, new_id, labels)
        # Each left-hand side's right answer is the option holding its text.
        for response in find_all(item, "response_lid"):
            texts = {
                label.get("ident"): find_all(label, "mattext")[0].text for label in find_all(response, "response_label")
            }
            (test,) = [v for v in find_all(item, "varequal") if v.get("respident") == response.get("ident")]
            assert test.text in texts


@pytest.mark.parametrize("new_id", TRICKY_IDS)
def test_choice_feedback_reaches_its_own_choice(tricky, quotes, new_id):
    question = dataclasses.replace(tricky["single"], id=new_id)
    assert any(choice.feedback for choice in question.choices), "the chosen question has choice feedback"
    _, (item,) = check_package(write_qti([question], title="T", quotes=quotes, date=DATE).data)
    answers = {migrated(label.get("ident"), "RESPONSE_"): label for label in find_all(item, "response_label")}
    routed = {}
    for feedback in find_all(item, "itemfeedback"):
        kind, answer = feedback_route(migrated(feedback.get("ident"), "FEEDBACK_"))
        html = find_all(feedback, "mattext")[0].text
        if feedback.get("ident") == "general_fb":
            assert kind == "neutral" and html == render(question.explanation)  # the explanation: general feedback
            continue
        assert kind == "answer" and answer in answers, (new_id, feedback.get("ident"))
        routed[find_all(answers[answer], "mattext")[0].text] = html
    expected = {render(c.text, inline=True): render(c.feedback) for c in question.choices if c.feedback}
    assert routed == expected  # every choice's feedback reaches that choice, and only it


@pytest.mark.parametrize("new_id", TRICKY_IDS)
def test_answer_ids_are_numbers_of_their_own_in_every_item(tricky, quotes, new_id):
    questions = [dataclasses.replace(q, id=f"{new_id}-{n}") for n, q in enumerate(tricky.values())]
    _, items = check_package(write_qti(questions, title="T", quotes=quotes, date=DATE).data)
    seen: set[int] = set()
    for item in items:
        field = next(
            f for f in find_all(item, "qtimetadatafield") if find_all(f, "fieldlabel")[0].text == "original_answer_ids"
        )
        entry = find_all(field, "fieldentry")[0].text or ""
        ids = [ruby_to_i(part) for part in entry.split(",") if part]
        assert 0 not in ids and not seen & set(ids), (item.get("ident"), entry)
        seen |= set(ids)
        assert new_id not in entry  # no user text in an identifier Canvas reads
