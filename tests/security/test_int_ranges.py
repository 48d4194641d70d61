"""Integers beyond what a column holds (2**31 on PostgreSQL, 2**63 on SQLite): an id in a path is "not found",
a number in a form or a query string is refused or ignored with a message, never a server error. The walk
reads app.url_map, so routes added later are covered."""

from __future__ import annotations

import re

import pytest
from flask import url_for
from werkzeug.routing import IntegerConverter

from studyapp.domain.questions import public_id, question_of
from studyapp.extensions import db
from studyapp.models import Attempt, AttemptItem
from tests.security.support import PAYLOAD, candidates, fetch
from tests.web.quizzes import correct_public, form_fields

pytestmark = pytest.mark.content

#: One past PostgreSQL's INTEGER, one past SQLite's (and BIGINT's) largest integer, and far beyond both.
BEYOND = (2**31, 2**63, 10**30)
ROLES = ("student", "instructor", "admin")


def _safely(client, path: str, method: str = "GET", **kwargs) -> int:
    """The status of a request; an exception the app let escape counts as the 500 it would be."""
    try:
        return fetch(client, path, method, **kwargs).status_code
    except Exception:  # any escape is the failure this file looks for
        db.session.rollback()
        return 500


def _int_arguments(rule) -> list[str]:
    return sorted(name for name, converter in rule._converters.items() if isinstance(converter, IntegerConverter))


def test_every_integer_in_a_path_beyond_the_columns_is_not_found(app, world, as_role):
    checked, failures = 0, []
    rules = [rule for rule in app.url_map.iter_rules() if _int_arguments(rule)]
    assert len(rules) > 20, "the walk found too few routes with an id"
    for rule in rules:
        base = candidates(rule, world, app)[0]
        for name in _int_arguments(rule):
            for big in BEYOND:
                with app.test_request_context():
                    path = url_for(rule.endpoint, **{**base, name: big}).replace("http://localhost", "")
                for role in ROLES:
                    client = as_role(role)
                    for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                        status = _safely(client, path, method, data=PAYLOAD)
                        checked += 1
                        # 405 when another method's rule has the same shape (werkzeug checks methods first).
                        if status not in (404, 405) or (status == 405 and method == "GET"):
                            failures.append(f"{role} {method} {path}: {status}")
    assert not failures, "\n".join(failures)
    print(f"Integer ranges: {len(rules)} routes with ids, {checked} requests beyond the columns, all 404 (or 405)")


def test_integer_query_arguments_beyond_the_columns_are_no_server_error(app, world, as_role):
    names = ("page", "bank", "difficulty", "version", "quiz", "question", "class_id", "reviews")
    failures, checked = [], 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint.endswith("static"):
            continue
        base = candidates(rule, world, app)[0] if rule.arguments else {}
        for big in BEYOND:
            with app.test_request_context():
                path = url_for(rule.endpoint, **{**dict.fromkeys(names, big), **base}).replace("http://localhost", "")
            for role in ROLES:
                status = _safely(as_role(role), path)
                checked += 1
                if status >= 500:
                    failures.append(f"{role} GET {path}: {status}")
    assert not failures, "\n".join(failures)
    print(f"Integer ranges: {checked} pages asked with huge query arguments, none a server error")


def test_integer_form_fields_beyond_the_columns_are_refused_with_a_message(app, world, as_role):
    student = as_role("student")
    attempt_id = world.open_attempt_id
    answer = form_fields(1, correct_public(db.session.get(Attempt, attempt_id), 1))  # valid: only the number is wrong
    for big in BEYOND:
        for fields in ({"position": "1", "seq": str(big)}, {"position": str(big), "seq": "1"}):
            reply = student.post(f"/attempts/{attempt_id}/save", data={**fields, **answer})
            assert reply.status_code == 400, (fields, reply.status_code)
            body = reply.get_json()
            assert body["ok"] is False and body["error"], fields
    reply = student.post(f"/attempts/{attempt_id}/save", data={"position": "1", "seq": "1" * 5000, **answer})
    assert reply.status_code == 400 and "sequence number" in reply.get_json()["error"]

    instructor = as_role("instructor")
    for big in BEYOND:
        status = _safely(instructor, f"/manage/attempts/{attempt_id}/extra-time", "POST", data={"minutes": str(big)})
        assert status in (302, 400), (big, status)


def test_a_sequence_number_at_the_top_does_not_lock_the_question(app, world, as_role):
    student = as_role("student")
    attempt = db.session.get(Attempt, world.open_attempt_id)
    item = next(i for i in attempt.items if i.version.type == "single")
    fields = form_fields(item.position, correct_public(attempt, item.position))

    def save(seq):
        return student.post(f"/attempts/{attempt.id}/save", data={**fields, "position": item.position, "seq": seq})

    assert save(2**31 - 1).status_code == 400  # beyond the largest sequence number a save may carry
    top = save(2**31 - 2)
    assert top.status_code == 200 and top.get_json()["seq"] == 2**31 - 2
    # The page counts its saves from 0 again, and its next saves are taken.
    page = student.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    assert re.search(r'data-seq="0"', page), "the page did not restart the count"
    again = save(1)
    assert again.status_code == 200 and again.get_json()["ok"], again.get_json()
    db.session.expire_all()
    assert db.session.get(AttemptItem, item.id).response_seq == 1

    # The form without JavaScript numbers its saves itself, past the top too.
    db.session.query(AttemptItem).filter(AttemptItem.id == item.id).update({"response_seq": 2**31 - 2})
    db.session.commit()
    question = question_of(item.version)
    wrong = next(c.id for c in question.choices if not c.correct)
    other = {f"q{item.position}": public_id(attempt.seed, question.id, wrong)}  # a change, so it is saved
    reply = student.post(f"/attempts/{attempt.id}", data={**other, "action": "save"})
    assert reply.status_code == 302
    db.session.expire_all()
    assert db.session.get(AttemptItem, item.id).response_seq == 1
