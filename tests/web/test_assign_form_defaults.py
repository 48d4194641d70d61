"""The assignment form says what "As the quiz says" means: the chosen quiz's own settings next to each
field, its total, and a table of every assignable quiz's own settings (for pages without the script)."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest

from studyapp.extensions import db
from studyapp.models import Class
from tests.web.test_classes_support import assign, fixed_quiz, make_class, shipped_questions


def hint(page: str, field: str) -> str:
    found = re.search(rf'<p class="hint" id="{field}-hint">(.*?)</p>', page, re.S)
    assert found, f"no hint for {field}"
    return html.unescape(found.group(1))


def row(page: str, quiz_id: int) -> str:
    found = re.search(rf'<tr data-quiz="{quiz_id}">(.*?)</tr>', page, re.S)
    assert found, f"no row for quiz {quiz_id}"
    return html.unescape(found.group(1))


@pytest.mark.content
def test_the_chosen_quiz_own_settings_and_total_are_next_to_each_field(client, instructor):
    class_ = make_class(instructor)
    timed = fixed_quiz(
        shipped_questions("single", 3),
        slug="timed",
        title="Timed reading",
        time_limit_minutes=25,
        max_attempts=3,
        grading="latest",
        review="after_close",
        layout="one_per_page",
        closes_at=datetime(2027, 1, 15, 17, 0, tzinfo=UTC),
    )
    page = client.get(f"/classes/{class_.id}/assignments/new", query_string={"quiz": timed.id}).get_data(as_text=True)

    assert hint(page, "quiz") == "Worth 3 points in all."
    assert hint(page, "time_limit_minutes") == "As the quiz says: 25 minutes"
    assert hint(page, "max_attempts") == "As the quiz says: 3 attempts"
    assert hint(page, "grading") == "As the quiz says: Latest attempt"
    assert hint(page, "review") == "As the quiz says: After the closing time"
    assert hint(page, "layout") == "As the quiz says: One question per page"
    assert hint(page, "shuffle_questions") == "As the quiz says: No"
    assert hint(page, "opens_at") == "As the quiz says: No opening time"
    assert hint(page, "closes_at") == "As the quiz says: 15 Jan 2027, 17:00 UTC"
    # Each hint is tied to its control.
    assert 'aria-describedby="time_limit_minutes-hint"' in page


@pytest.mark.content
def test_every_assignable_quiz_is_in_the_table_and_the_first_is_described_by_default(client, instructor):
    class_ = make_class(instructor)
    db.session.get(Class, class_.id).time_zone = "Europe/Paris"
    db.session.commit()
    timed = fixed_quiz(
        shipped_questions("single", 2),
        slug="timed",
        title="Timed reading",
        time_limit_minutes=1,
        max_attempts=1,
        closes_at=datetime(2027, 1, 15, 17, 0, tzinfo=UTC),
    )
    page = client.get(f"/classes/{class_.id}/assignments/new").get_data(as_text=True)

    timed_row = row(page, timed.id)
    assert "Timed reading" in timed_row and "2 points" in timed_row
    assert "1 minute<" in timed_row and "1 attempt<" in timed_row and "Highest attempt" in timed_row
    assert "15 Jan 2027, 18:00 CET" in timed_row  # the quiz's own closing time, on the class's clock
    assert page.count("<tr data-quiz=") >= 2  # the shipped quizzes too
    # With no quiz chosen, the hints describe the one the select shows first.
    first = int(re.search(r'<select[^>]*name="quiz"[^>]*>\s*<option[^>]*value="(\d+)"', page).group(1))
    first_row = row(page, first)
    assert hint(page, "time_limit_minutes").removeprefix("As the quiz says: ") in first_row
    assert hint(page, "quiz") == f"Worth {re.search(r'data-said=.total.>([^<]+)<', first_row).group(1)} in all."


@pytest.mark.content
def test_an_assignment_being_edited_describes_its_own_quiz(client, instructor):
    class_ = make_class(instructor)
    quiz = fixed_quiz(shipped_questions("single", 2), slug="untimed", title="Untimed", time_limit_minutes=None)
    assignment = assign(class_, quiz, time_limit_minutes=10)
    page = client.get(f"/classes/{class_.id}/assignments/{assignment.id}/edit").get_data(as_text=True)
    assert hint(page, "time_limit_minutes") == "As the quiz says: No time limit"
    assert hint(page, "max_attempts") == "As the quiz says: Unlimited attempts"
    assert re.search(r'<input[^>]*name="time_limit_minutes"[^>]*value="10"', page)
