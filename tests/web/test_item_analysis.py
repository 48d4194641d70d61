"""Item analysis of an assignment through the app, against numbers worked out by hand."""

from __future__ import annotations

import math
import re
from functools import partial

import pytest

from studyapp.core import grading
from studyapp.domain import gradebook as books
from studyapp.domain import questions as question_views
from studyapp.domain.questions import question_of
from studyapp.extensions import db
from studyapp.models import Quiz
from tests.web.test_classes_support import assign, enrol, fixed_quiz, make_class, shipped_questions, students, take

pytestmark = pytest.mark.content

#: Five students x three one-point questions, each 1 (right) or 0 (wrong):
#:
#:         q1 q2 q3  total   rest for q1 / q2 / q3
#:   S1     1  1  1    3          2 / 2 / 2
#:   S2     1  1  0    2          1 / 1 / 2
#:   S3     1  0  1    2          1 / 2 / 1
#:   S4     0  1  0    1          1 / 0 / 1
#:   S5     0  0  0    0          0 / 0 / 0
#:
#: Totals: mean 1.6, median 2, variance (1.96 + .16 + .16 + .36 + 2.56) / 4 = 1.3, SD 1.1402.
#: Each item's variance (n - 1) is 0.3 (three 1s and two 0s, or the reverse), so
#: alpha = KR-20 = 3/2 x (1 - 0.9 / 1.3) = 0.4615.
#: q1: facility 60; cov(item, rest) = (.4 x 1 + .6 x 1) / 4 = .25, var(rest) = .5,
#:     discrimination = .25 / sqrt(.3 x .5) = 64.55; the sorted pairing gives the same covariance,
#:     so discriminative efficiency = 100.
#: q2: facility 60; cov(item, rest) = (.4 - .6 - .4 + .6) / 4 = 0: discrimination 0 and efficiency 0,
#:     which is under 15 and flagged.
#: q3: facility 40; cov = (.48 - .32 - .12 + .08 + .48) / 4 = .15, var(rest) = .7,
#:     discrimination = .15 / sqrt(.3 x .7) = 32.73; sorted covariance = 1.6 / 4 = .4, efficiency = 37.5.
#: Every item's SD is sqrt(.3) = 54.77% of its mark.
GRID = [(1, 1, 1), (1, 1, 0), (1, 0, 1), (0, 1, 0), (0, 0, 0)]


def wrong_options(item) -> list[str]:
    question = question_of(item.version)
    right = grading.correct_response(question)["choice"]
    return [c.id for c in question.choices if c.id != right]


def hand_made_class(make_user, instructor):
    class_ = make_class(instructor)
    people = students(make_user, 5)
    enrol(class_, *people)
    questions = shipped_questions("single", 3)
    assignment = assign(class_, fixed_quiz(questions))
    attempts = []
    for n, (person, marks) in enumerate(zip(people, GRID)):
        answers = {position: bool(mark) for position, mark in enumerate(marks, 1)}
        if n >= 3:  # S4 and S5 pick different wrong options of q1
            attempt = take(person, assignment, {**answers, 1: None}, submit=False)
            item = next(i for i in attempt.items if i.position == 1)
            answers[1] = {"choice": wrong_options(item)[n - 3]}
            from studyapp.domain import attempts as quizzes

            question = question_of(item.version)
            quizzes.save_response(
                attempt,
                1,
                quizzes.to_public_response(
                    question, answers[1], partial(question_views.public_id, attempt.seed, question.id)
                ),
                None,
            )
            quizzes.submit(attempt)
            db.session.commit()
        else:
            attempt = take(person, assignment, answers)
        attempts.append(attempt)
    # A second attempt of S1, all wrong, is not counted: the analysis takes each student's first.
    take(people[0], assignment, {1: False, 2: False, 3: False})
    return class_, assignment, questions, people


def test_item_analysis_matches_the_hand_computed_example(client, make_user, instructor):
    class_, assignment, questions, _ = hand_made_class(make_user, instructor)
    result = books.item_analysis(class_, assignment)
    overall = result.analysis.overall
    assert overall.attempts == 5 and overall.items == 3 and overall.max_score == 3
    assert overall.mean == pytest.approx(1.6) and overall.median == 2
    assert overall.sd == pytest.approx(math.sqrt(1.3))
    assert overall.alpha == pytest.approx(1.5 * (1 - 0.9 / 1.3))
    stats = {s.key: s for s, _ in result.items}
    keys = [q.key for q in questions]
    assert [s.key for s, _ in result.items] == keys  # by question, in the quiz's order
    q1, q2, q3 = (stats[k] for k in keys)
    assert (q1.facility, q2.facility, q3.facility) == (pytest.approx(60), pytest.approx(60), pytest.approx(40))
    assert q1.sd == pytest.approx(100 * math.sqrt(0.3))
    assert q1.discrimination == pytest.approx(100 * 0.25 / math.sqrt(0.3 * 0.5))
    assert q1.efficiency == pytest.approx(100)
    assert q2.discrimination == 0 and q2.efficiency == 0
    assert q3.discrimination == pytest.approx(100 * 0.15 / math.sqrt(0.3 * 0.7))
    assert q3.efficiency == pytest.approx(37.5)
    assert [f.code for f in q1.flags] == [] and [f.code for f in q2.flags] == ["low-efficiency"]
    assert [f.code for f in q3.flags] == []
    # Which answers drew whom, for q1: the key drew the top third, each distractor one student.
    choices = {c.option: c for c in q1.choices}
    right = grading.correct_response(question_of(questions[0].current_version))["choice"]
    assert (
        choices[right].count,
        choices[right].percent,
        choices[right].top_percent,
        choices[right].bottom_percent,
    ) == (3, 60, 100, 0)
    item = questions[0].current_version
    wrong = [c.id for c in question_of(item).choices if c.id != right]
    assert (choices[wrong[0]].count, choices[wrong[0]].bottom_percent) == (1, 0)
    assert (choices[wrong[1]].count, choices[wrong[1]].bottom_percent) == (1, 100)
    assert sum(c.count for c in q1.choices) == 5
    assert result.percents == pytest.approx([100, 200 / 3, 200 / 3, 100 / 3, 0])

    page = client.get(f"/classes/{class_.id}/assignments/{assignment.id}/analysis")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    row = re.search(rf'<th scope="row"><a href="#choices-1">{keys[0]}</a></th>(.*?)</tr>', html, re.S).group(1)
    assert re.findall(r'<td class="num">([^<]*)</td>', row) == ["5", "60", "54.8", "64.5", "100"]
    row = re.search(rf'<th scope="row"><a href="#choices-2">{keys[1]}</a></th>(.*?)</tr>', html, re.S).group(1)
    assert 'data-flag="low-efficiency"' in row and "Discriminative efficiency under 15% (0%)" in row
    assert '<th scope="row">Cronbach\'s alpha</th><td class="num">0.46</td>' in html
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-histogram" role="img"' in html
    assert 'class="chart chart-scatter" role="img"' in html
    assert '<caption id="score-distribution-table-caption">Score distribution: Reading the memorandum</caption>' in html
    assert "first submitted attempt" in html


def test_a_drawn_quiz_is_analysed_by_position(client, make_user, instructor):
    class_ = make_class(instructor)
    people = students(make_user, 2)
    enrol(class_, *people)
    quiz = Quiz(
        slug="drawn",
        title="Drawn from the bank",
        draw_rules=[{"themes": [], "types": ["single", "truefalse"], "difficulty": [1, 2, 3], "count": 3}],
    )
    db.session.add(quiz)
    db.session.commit()
    assignment = assign(class_, quiz)
    for person in people:
        take(person, assignment, {})
    result = books.item_analysis(class_, assignment)
    assert result.by_position
    assert [s.key for s, _ in result.items] == ["Q1", "Q2", "Q3"]
    html = client.get(f"/classes/{class_.id}/assignments/{assignment.id}/analysis").get_data(as_text=True)
    assert "numbered by position" in html and ">Question 1</a>" in html
    assert "Too few attempts" in html


def test_an_assignment_without_attempts(client, instructor):
    class_ = make_class(instructor)
    assignment = assign(class_, fixed_quiz(shipped_questions("single", 2)))
    page = client.get(f"/classes/{class_.id}/assignments/{assignment.id}/analysis")
    assert page.status_code == 200 and "Nobody has submitted this assignment yet" in page.get_data(as_text=True)


def test_the_analysis_runs_the_same_number_of_queries_for_3_and_30_students(
    client, make_user, instructor, count_queries
):
    counts = {}
    for size in (3, 30):
        class_ = make_class(instructor, name=f"Class of {size}")
        people = students(make_user, size, prefix=f"S{size}")
        enrol(class_, *people)
        assignment = assign(class_, fixed_quiz(shipped_questions("single", 3), slug=f"q{size}"))
        for n, person in enumerate(people):
            take(person, assignment, {1: True, 2: n % 2 == 0, 3: n % 3 == 0})
        db.session.expire_all()
        with count_queries() as statements:
            response = client.get(f"/classes/{class_.id}/assignments/{assignment.id}/analysis")
        assert response.status_code == 200
        counts[size] = len(statements)
    assert counts[3] == counts[30] and counts[30] <= 10, counts
