"""Sharing a bank with the instructors of a class: they may read and copy it; nobody else sees it."""

from __future__ import annotations

import pytest

from studyapp.domain import classes as classes
from studyapp.extensions import db
from studyapp.models import Question, QuestionBank, Role
from tests.web.test_authoring import GOOD, create_question
from tests.web.test_classes_support import make_class

pytestmark = pytest.mark.content


def test_a_bank_shared_with_a_class_is_readable_by_its_co_instructors_only(client, make_user, login, signed_in):
    owner, colleague, stranger = (make_user(Role.INSTRUCTOR) for _ in range(3))
    class_ = make_class(owner)
    classes.add_co_instructor(class_, colleague.email)
    db.session.commit()
    login(owner)
    question = create_question(client, GOOD)
    bank = db.session.get(QuestionBank, question.bank_id)
    as_colleague, as_stranger = signed_in(colleague), signed_in(stranger)

    # Private by default.
    for other in (as_colleague, as_stranger):
        assert other.get(f"/authoring/questions/{question.id}").status_code == 404
        assert "tnf-next-week-words" not in other.get("/authoring/").get_data(as_text=True)

    # Only a class the owner teaches can be chosen, and only by the owner.
    foreign = make_class(stranger, name="Another class")
    client.post(f"/authoring/banks/{bank.id}/share", data={"class_id": foreign.id})
    db.session.expire_all()
    assert db.session.get(QuestionBank, bank.id).shared_class_id is None
    assert as_colleague.post(f"/authoring/banks/{bank.id}/share", data={"class_id": class_.id}).status_code == 404

    client.post(f"/authoring/banks/{bank.id}/share", data={"class_id": class_.id})
    db.session.expire_all()
    assert db.session.get(QuestionBank, bank.id).shared_class_id == class_.id
    assert as_colleague.get(f"/authoring/questions/{question.id}").status_code == 200
    assert "tnf-next-week-words" in as_colleague.get("/authoring/").get_data(as_text=True)
    # Read-only for them, as the shipped bank is: editing sends them back, saving changes nothing.
    assert as_colleague.get(f"/authoring/questions/{question.id}/edit").status_code == 302
    as_colleague.post(f"/authoring/questions/{question.id}/edit", data={"source": GOOD, "action": "save"})
    db.session.expire_all()
    assert len(db.session.get(Question, question.id).versions) == 1
    assert as_stranger.get(f"/authoring/questions/{question.id}").status_code == 404

    client.post(f"/authoring/banks/{bank.id}/share", data={"class_id": ""})
    assert as_colleague.get(f"/authoring/questions/{question.id}").status_code == 404
