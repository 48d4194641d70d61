"""The attempt page: what it costs in queries, and that what it keeps between requests never shows stale text."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import update

from studyapp.core.markdown import render
from studyapp.domain import questions as question_services
from studyapp.domain.questions import question_of
from studyapp.extensions import db
from studyapp.models import Attempt, QuestionVersion, Quiz
from tests.web.quizzes import one_of_each_type, start
from tests.web.test_classes_support import assign, enrol, fixed_quiz, make_class, shipped_questions, take

pytestmark = pytest.mark.content

SINGLE = """## page-cache
type: single
themes: linkage
passages: memo-linkage
difficulty: 2
points: 1

{prompt}

### Choices
- [x] {right}
- [ ] The other option

### Explanation
The first option is the first.
"""


def _fieldset(page: str, position: int) -> str:
    return re.search(rf'<fieldset class="question" id="q{position}".*?</fieldset>', page, re.DOTALL).group(0)


def test_the_page_reads_the_user_the_attempt_its_items_and_the_quotes_it_needs(client, student, count_queries):
    attempt = start(client, one_of_each_type())
    url = f"/attempts/{attempt.id}"
    client.get(url)  # the first view parses the versions; later ones only read rows
    with count_queries() as statements:
        page = client.get(url)
    assert page.status_code == 200
    # the signed-in user, the attempt with its quiz and assignment, its items with their versions' sources,
    # and the quote of the evidence question's passage
    assert len(statements) == 4, "\n\n".join(statements)


def test_a_saved_answer_shows_on_the_next_view_of_the_page(client, student):
    attempt = start(client, one_of_each_type())
    short = next(i for i in attempt.items if question_of(i.version).type == "short")
    before = client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    assert 'value=""' in _fieldset(before, short.position)
    saved = client.post(
        f"/attempts/{attempt.id}/save",
        data={f"q{short.position}": "Haig & <the> letter", "position": short.position, "seq": 1},
    )
    assert saved.status_code == 200, saved.get_json()
    after = client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    assert 'value="Haig &amp; &lt;the&gt; letter"' in _fieldset(after, short.position)
    assert 'data-seq="1"' in after


def test_an_edited_question_shows_its_new_text_and_an_open_attempt_keeps_its_version(client, instructor):
    saved = question_services.save_question(SINGLE.format(prompt="First wording?", right="Right at first"), instructor)
    assert saved.question is not None and not saved.problems, saved.problems
    question = saved.question
    quiz = Quiz(slug="page-cache", title="Page cache", owner_id=instructor.id, question_ids=[question.id])
    db.session.add(quiz)
    db.session.commit()
    first = start(client, quiz)
    assert "First wording?" in client.get(f"/attempts/{first.id}").get_data(as_text=True)

    edited = SINGLE.format(prompt="Second wording?", right="Right now")
    saved = question_services.save_question(edited, instructor, question=question)
    assert not saved.problems, saved.problems
    db.session.commit()
    kept = client.get(f"/attempts/{first.id}").get_data(as_text=True)
    assert "First wording?" in kept and "Right at first" in kept  # the attempt shows the version it began with

    assert client.post(f"/attempts/{first.id}/submit").status_code == 302
    second = start(client, quiz)
    assert second.id != first.id
    page = client.get(f"/attempts/{second.id}").get_data(as_text=True)
    assert "Second wording?" in page and "Right now" in page
    assert "First wording?" not in page and "Right at first" not in page


def test_a_version_id_holding_another_source_is_shown_as_stored(client, student):
    """A version id can come back with other text (another database, as between tests): the page is
    keyed by the text as well, so it never shows what it kept for the id before."""
    attempt = start(client, one_of_each_type())
    item = next(i for i in attempt.items if question_of(i.version).type == "single")
    old = question_of(item.version).prompt
    assert render(old) in _fieldset(client.get(f"/attempts/{attempt.id}").get_data(as_text=True), item.position)
    source = item.version.source.replace(old, "A prompt written since.", 1)
    assert source != item.version.source
    db.session.execute(
        update(QuestionVersion).where(QuestionVersion.id == item.version.id).values(source=source, rendered=None)
    )
    db.session.commit()
    db.session.expire_all()
    page = client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    assert "A prompt written since." in _fieldset(page, item.position)
    assert db.session.get(Attempt, attempt.id).state == "in_progress"


def test_a_class_assignments_page_reads_its_class_with_the_attempt(client, student, instructor, login, count_queries):
    """The page shows times in the class's zone: the class comes with the attempt, not in a query of its own."""
    class_ = make_class(instructor)
    enrol(class_, student)
    assignment = assign(class_, fixed_quiz(shipped_questions("single", 2)), time_limit_minutes=30)
    attempt = take(student, assignment, {1: True}, submit=False)
    login(student)
    url = f"/attempts/{attempt.id}"
    client.get(url)
    with count_queries() as statements:
        page = client.get(url).get_data(as_text=True)
    assert "Time left:" in page and "checked" in page
    # the signed-in user, the attempt with its quiz, assignment and class, its items with their versions
    assert len(statements) == 3, "\n\n".join(statements)
