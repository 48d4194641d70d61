"""Progress through the app: the review queue, review sessions, the dashboard, study guides, who sees what."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from studyapp.core.mastery import interval, new_card, review
from studyapp.core.qformat import TYPES
from studyapp.domain import attempts as quiz_services
from studyapp.domain import classes as classes
from studyapp.domain import mastery as services
from studyapp.domain import points
from studyapp.domain import questions as question_views
from studyapp.domain.questions import question_of
from studyapp.extensions import db
from studyapp.models import (
    Assignment,
    Attempt,
    AttemptItem,
    Class,
    Question,
    QuestionVersion,
    Quiz,
    ReviewCard,
    Role,
    User,
)
from studyapp.models import base as model_base
from studyapp.models.attempts import SUBMITTED
from studyapp.models.base import utcnow
from studyapp.progress import figures
from tests.web.quizzes import one_of_each_type, start

pytestmark = pytest.mark.content


# --- helpers (the browser tests use them too) ------------------------------------------------------


def version_of(key: str) -> QuestionVersion:
    """The current version of a shipped question, by its key."""
    question = db.session.scalar(select(Question).where(Question.key == key))
    return question.current_version


def progress_quiz(keys: list[str], slug: str = "progress-check", **settings) -> Quiz:
    """A quiz of the named shipped questions, reviewed at once unless `settings` say otherwise."""
    quiz = Quiz(
        slug=slug,
        title=settings.pop("title", "Progress check"),
        question_ids=[version_of(key).question_id for key in keys],
        shuffle_questions=False,
        **settings,
    )
    db.session.add(quiz)
    db.session.commit()
    return quiz


def graded_attempt(
    user: User,
    quiz: Quiz,
    results: list[tuple[str, float]],
    when: datetime,
    *,
    practice: bool = False,
    assignment: Assignment | None = None,
) -> Attempt:
    """A submitted attempt (at a class `assignment` of the quiz, if given) whose items (question key, score)
    were graded at `when`."""
    versions = [version_of(key) for key, _ in results]
    attempt = Attempt(
        quiz_id=quiz.id,
        user_id=user.id,
        assignment_id=assignment.id if assignment else None,
        practice=practice,
        seed="5eed5eed5eed5eed",
        state=SUBMITTED,
        started_at=when - timedelta(minutes=5),
        submitted_at=when,
        score=sum(score for _, score in results),
        max_score=sum(v.points for v in versions),
    )
    for position, ((_, score), version) in enumerate(zip(results, versions), 1):
        status = "correct" if score >= version.points else ("partial" if score > 0 else "incorrect")
        attempt.items.append(
            AttemptItem(
                position=position,
                question_version_id=version.id,
                response={},
                response_seq=1,
                saved_at=when,
                score=score,
                max_score=version.points,
                status=status,
            )
        )
    db.session.add(attempt)
    db.session.flush()
    points.refresh([attempt.id])  # as grading it would
    db.session.commit()
    return attempt


def overdue_card(user: User, key: str, now: datetime) -> ReviewCard:
    """A card answered right twice long ago (so it reached a gap of days), now overdue."""
    start_at = now - timedelta(days=60)
    state = new_card(start_at)
    state, due = review(state, True, start_at)
    state, due = review(state, True, due)
    card = ReviewCard(
        user_id=user.id,
        question_id=version_of(key).question_id,
        state=state,
        due_at=due,
        misses=1,
        seed=services.new_seed(),
    )
    db.session.add(card)
    db.session.commit()
    return card


def cards_of(user: User) -> dict[str, ReviewCard]:
    db.session.expire_all()
    rows = db.session.execute(
        select(Question.key, ReviewCard)
        .join(ReviewCard, ReviewCard.question_id == Question.id)
        .where(ReviewCard.user_id == user.id)
    ).all()
    return dict(rows)


def choice_public(seed: str, question, *, correct: bool) -> str:
    """The public id of a right (or a wrong) choice of a single-choice or true/false question."""
    choice = next(c for c in question.choices if c.correct == correct)
    return question_views.public_id(seed, question.id, choice.id)


def check_practice_answer(client, *, correct: bool) -> None:
    """Start a practice of a theme and check a right (or a wrong) answer to its first single-choice question."""
    response = client.post("/practice/linkage")
    attempt = db.session.get(Attempt, int(response.headers["Location"].rsplit("/", 1)[1]))
    item = next(i for i in attempt.items if question_of(i.version).type == "single")
    answer = {
        f"q{item.position}": choice_public(attempt.seed, question_of(item.version), correct=correct),
        "action": "check",
    }
    client.post(f"/attempts/{attempt.id}?page={item.position}", data=answer)


def class_of(instructor: User, students: list[User], name: str = "History 210") -> int:
    """A class taught by `instructor` with `students` on its roster; returns its id."""
    class_ = classes.create_class(instructor, name=name)
    for user in students:
        classes.join_class(class_, user)
    db.session.commit()
    return class_.id


def assignment_of(class_id: int, quiz: Quiz, **values) -> Assignment:
    """An assignment of `quiz` to the class, with any settings that differ from the quiz's."""
    assignment = classes.save_assignment(db.session.get_one(Class, class_id), None, quiz, values)
    db.session.commit()
    return assignment


# --- entering the queue --------------------------------------------------------------------------


def test_a_missed_practice_answer_enters_the_queue_once(client, student):
    response = client.post("/practice/linkage")
    attempt = db.session.get(Attempt, int(response.headers["Location"].rsplit("/", 1)[1]))
    item = next(i for i in attempt.items if question_of(i.version).type == "single")
    question = question_of(item.version)
    wrong = {f"q{item.position}": choice_public(attempt.seed, question, correct=False), "action": "check"}
    url = f"/attempts/{attempt.id}?page={item.position}"  # practice shows one question per page

    assert client.post(url, data=wrong).status_code == 302
    cards = cards_of(student)
    assert list(cards) == [question.id]
    card = cards[question.id]
    assert card.misses == 1 and card.due_at <= utcnow()

    client.post(url, data=wrong)  # checking the same answer again
    client.post(f"/attempts/{attempt.id}/submit")  # finishing grades every item again
    cards = cards_of(student)
    assert list(cards) == [question.id], "unanswered practice questions do not enter the queue"
    assert cards[question.id].misses == 1


def test_right_practice_answers_stay_out_of_the_queue(client, student):
    check_practice_answer(client, correct=True)
    assert cards_of(student) == {}


def test_misses_of_a_graded_attempt_with_open_review_enter_the_queue_once(client, student):
    attempt = start(client, one_of_each_type(review="after_submit"))
    client.post(f"/attempts/{attempt.id}/submit")  # nothing answered: every question missed
    cards = cards_of(student)
    assert len(cards) == len(TYPES) - 1, "every missed question but the essay"
    assert all(card.misses == 1 for card in cards.values())

    quiz_services.grade_attempt(db.session.get(Attempt, attempt.id))  # graded again, e.g. after a correction
    db.session.commit()
    assert sorted(c.misses for c in cards_of(student).values()) == [1] * (len(TYPES) - 1)


def test_misses_wait_until_the_review_opens(client, student):
    quiz = one_of_each_type(review="after_close", closes_at=utcnow() + timedelta(days=1))
    attempt = start(client, quiz)
    client.post(f"/attempts/{attempt.id}/submit")
    assert cards_of(student) == {}
    page = client.get("/progress").get_data(as_text=True)
    assert "review queue is empty" in page
    assert "shown when review opens" in page  # the score stays hidden too

    quiz.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    page = client.get("/progress").get_data(as_text=True)
    assert f"<strong>{len(TYPES) - 1}</strong> questions due" in page
    assert cards_of(student) == {}, "showing the dashboard writes nothing"

    assert client.post("/progress/review/start").status_code == 302
    assert len(cards_of(student)) == len(TYPES) - 1
    client.post("/progress/review/start")
    assert sorted(c.misses for c in cards_of(student).values()) == [1] * (len(TYPES) - 1)


def test_misses_of_a_quiz_never_reviewed_never_enter_the_queue(client, student):
    attempt = start(client, one_of_each_type(review="never"))
    client.post(f"/attempts/{attempt.id}/submit")
    client.post("/progress/review/start")
    assert cards_of(student) == {}
    assert "review queue is empty" in client.get("/progress").get_data(as_text=True)


# --- review sessions -----------------------------------------------------------------------------


def test_review_answers_move_the_schedule_and_count_towards_nothing(client, student):
    now = utcnow()
    first = overdue_card(student, "linkage-whose-words", now - timedelta(hours=1))
    second = overdue_card(student, "linkage-concept-defined", now)
    gap_before = interval(first.state)
    attempts_before = db.session.scalar(select(func.count()).select_from(Attempt))

    page = client.get("/progress/review").get_data(as_text=True)
    assert f'action="/progress/review/{first.id}"' in page  # the longest due comes first
    assert 'data-type="single"' in page and "2 questions due" in page
    values = re.findall(r'name="q1" value="([^"]+)"', page)
    assert values and all(re.fullmatch(r"o[0-9a-f]{10}", v) for v in values), "option ids are opaque"

    question = question_of(version_of("linkage-whose-words"))
    right = {"q1": choice_public(first.seed, question, correct=True), "reviews": first.state["reviews"]}
    response = client.post(f"/progress/review/{first.id}", data=right)
    assert response.headers["Location"].endswith(f"/progress/review/{first.id}/feedback")
    feedback = client.get(f"/progress/review/{first.id}/feedback").get_data(as_text=True)
    assert "badge-correct" in feedback and "Explanation" in feedback
    assert 'href="/read/passages/memo-linkage"' in feedback and "Next question" in feedback
    db.session.expire_all()
    first = db.session.get(ReviewCard, first.id)
    assert (first.due_at - utcnow()).total_seconds() / 86400 > gap_before, "a right answer lengthens the gap"
    assert first.misses == 1 and first.last_score == 1

    page = client.get("/progress/review").get_data(as_text=True)
    assert f'action="/progress/review/{second.id}"' in page
    question = question_of(version_of("linkage-concept-defined"))
    wrong = {"q1": choice_public(second.seed, question, correct=False), "reviews": second.state["reviews"]}
    client.post(f"/progress/review/{second.id}", data=wrong)
    feedback = client.get(f"/progress/review/{second.id}/feedback").get_data(as_text=True)
    assert "badge-incorrect" in feedback and "That was the last question due" in feedback
    db.session.expire_all()
    second = db.session.get(ReviewCard, second.id)
    assert (second.due_at - utcnow()).total_seconds() / 86400 < gap_before, "a wrong answer brings it back sooner"
    assert second.due_at > utcnow() and second.misses == 2 and second.state["lapses"] == 1

    assert db.session.scalar(select(func.count()).select_from(Attempt)) == attempts_before
    assert "Nothing is due for review now" in client.get("/progress/review").get_data(as_text=True)


def test_an_answer_from_a_stale_window_or_a_blank_one_is_refused(client, student):
    card = overdue_card(student, "linkage-whose-words", utcnow())
    question = question_of(version_of("linkage-whose-words"))
    shown = {"q1": choice_public(card.seed, question, correct=True), "reviews": card.state["reviews"]}
    blank = client.post(f"/progress/review/{card.id}", data={"reviews": card.state["reviews"]}, follow_redirects=True)
    assert "Answer the question" in blank.get_data(as_text=True)
    client.post(f"/progress/review/{card.id}", data=shown)
    db.session.expire_all()
    state = db.session.get(ReviewCard, card.id).state
    again = client.post(f"/progress/review/{card.id}", data=shown, follow_redirects=True)
    assert "already answered in another window" in again.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ReviewCard, card.id).state == state


# --- the dashboard -------------------------------------------------------------------------------


def test_dashboard_numbers_match_hand_computed_mastery(client, student):
    quiz = progress_quiz(["linkage-whose-words", "linkage-fact-of-life"])
    now = utcnow()
    # linkage-whose-words: 1 point, themes linkage and sourcing; linkage-fact-of-life: 2 points,
    # themes linkage and cuba-nicaragua. Answers of 14 days ago weigh 0.5, today's 1.
    graded_attempt(student, quiz, [("linkage-whose-words", 0), ("linkage-fact-of-life", 2)], now - timedelta(days=14))
    graded_attempt(student, quiz, [("linkage-whose-words", 1), ("linkage-fact-of-life", 0)], now)
    page = client.get("/progress").get_data(as_text=True)

    def row(theme):
        return re.search(rf'<tr id="mastery-{theme}">(.*?)</tr>', page, re.DOTALL).group(1)

    def cells(theme):
        return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row(theme), re.DOTALL)]

    # linkage: (0.5 × (0 + 2) + 1 × (1 + 0)) / (0.5 × 3 + 1 × 3) = 2 / 4.5 = 44%, on 4 answers
    assert cells("linkage")[:3] == ["44%", "emerging", "4"]
    # sourcing: (0.5 × 0 + 1 × 1) / (0.5 × 1 + 1 × 1) = 67%, on 2 answers
    assert cells("sourcing")[:3] == ["67%", "developing", "2"]
    # cuba-nicaragua: (0.5 × 2 + 1 × 0) / (0.5 × 2 + 1 × 2) = 33%
    assert cells("cuba-nicaragua")[:3] == ["33%", "emerging", "2"]
    assert cells("summit")[:3] == ["—", "not started", "0"]
    # overall: (0.5 × 2 + 1 × 1) / (0.5 × 3 + 1 × 3) = 44%
    assert "Overall: <strong>44%</strong> on 4 answers" in page
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-heatmap" role="img"' in page
    assert 'class="chart chart-line" role="img"' in page
    assert "<script" not in page.split("</main>")[0]
    # recent attempts, newest first, with their scores; the trend chart plots them
    attempts = re.search(r'<table class="attempts-table".*?</table>', page, re.DOTALL).group(0)
    assert attempts.index("1 / 3") < attempts.index("2 / 3") and "33%" in attempts and "67%" in attempts
    # both misses are pending (this quiz was graded without the app): due, and read next
    assert "<strong>2</strong> questions due for review" in page
    assert 'href="/read/passages/memo-linkage"' in page.split('id="read-title"')[1]


def test_dashboard_and_class_page_run_a_bounded_number_of_queries(client, student, make_user, signed_in, count_queries):
    quiz = progress_quiz(["linkage-whose-words", "linkage-fact-of-life", "linkage-nixon-year"])
    now = utcnow()
    classmates = [make_user(Role.STUDENT) for _ in range(2)]
    teacher_account = make_user(Role.INSTRUCTOR)
    class_id = class_of(teacher_account, [student, *classmates])
    assignment = assignment_of(class_id, quiz)
    teacher = signed_in(teacher_account)
    ids = [student.id, *(u.id for u in classmates)]

    def add_attempts(count):
        for n in range(count):
            for user in (student, *classmates):
                graded_attempt(
                    user,
                    quiz,
                    [("linkage-whose-words", n % 2), ("linkage-fact-of-life", 1), ("linkage-nixon-year", 0)],
                    now - timedelta(days=n),
                    assignment=assignment,
                )

    def measure():
        counts = []
        for who, url in ((client, "/progress"), (teacher, f"/progress/classes/{class_id}")):
            db.session.expire_all()
            with count_queries() as statements:
                assert who.get(url).status_code == 200
            counts.append(len(statements))
        db.session.expire_all()
        with count_queries() as statements:
            services.class_progress(ids, utcnow())
        db.session.expire_all()
        with count_queries() as scoped:
            services.class_progress(ids, utcnow(), scope=services.Scope((db.session.get_one(Class, class_id),)))
        return (*counts, len(statements), len(scoped) - 1)  # less the class's own lookup

    client.get("/progress")  # warm up: first requests of the session
    teacher.get(f"/progress/classes/{class_id}")
    overdue_card(student, "linkage-concept-defined", now)
    add_attempts(2)
    few = measure()
    add_attempts(18)
    many = measure()
    assert few == many, (few, many)
    assert few[0] <= 12 and few[1] <= 12 and few[2] <= 6 and few[3] <= 6, few
    heatmap = teacher.get(f"/progress/classes/{class_id}").get_data(as_text=True)
    assert "no activity yet" not in heatmap, "the class's answers count on its heatmap"


def test_the_dashboard_counts_the_checked_answers_of_an_open_practice(client, student):
    check_practice_answer(client, correct=False)
    page = client.get("/progress").get_data(as_text=True)
    assert "Overall: <strong>0%</strong> on 1 answer." in page
    assert "<strong>1</strong> question due for review" in page
    assert "No submitted attempts yet." in page, "the practice is still open"


# --- who sees what -----------------------------------------------------------------------------------


def test_a_student_cannot_see_another_students_progress(client, make_user, login):
    other = make_user(Role.STUDENT, name="Other Student")
    card = overdue_card(other, "linkage-whose-words", utcnow())
    me = make_user(Role.STUDENT)
    assert client.get(f"/progress/students/{other.id}").status_code == 302  # signed out: the login page
    login(me)
    assert client.get(f"/progress/students/{other.id}").status_code == 404
    assert client.get("/progress/students/99999").status_code == 404
    assert client.get(f"/progress/review/{card.id}/feedback").status_code == 404
    assert client.post(f"/progress/review/{card.id}", data={"q1": "x", "reviews": 0}).status_code == 404
    assert client.get(f"/progress/students/{me.id}").status_code == 302  # one's own: the dashboard
    db.session.expire_all()
    assert db.session.get(ReviewCard, card.id).state["reviews"] == 2


def test_an_instructor_sees_the_progress_of_the_students_of_their_classes(client, make_user, login, signed_in):
    pupil = make_user(Role.STUDENT, name="Pat Pupil")
    teacher, stranger, admin = make_user(Role.INSTRUCTOR), make_user(Role.INSTRUCTOR), make_user(Role.ADMIN)
    class_id = class_of(teacher, [pupil])
    assignment = assignment_of(class_id, progress_quiz(["linkage-whose-words"]))
    graded_attempt(pupil, assignment.quiz, [("linkage-whose-words", 1)], utcnow(), assignment=assignment)

    login(teacher)
    page = client.get(f"/progress/students/{pupil.id}").get_data(as_text=True)
    assert "Progress of Pat Pupil" in page and "answers to the assignments of History 210" in page
    assert re.search(r'<tr id="mastery-linkage">.*?100%', page, re.DOTALL), "the class's released answers count"
    assert "Review now" not in page and 'id="due-title"' not in page, "the review queue is the student's own"
    overview = client.get(f"/progress/classes/{class_id}").get_data(as_text=True)
    assert 'class="chart chart-heatmap" role="img"' in overview
    assert f'href="/progress/students/{pupil.id}">Pat Pupil</a>' in overview

    for who, expected in ((stranger, 404), (admin, 200)):
        other = signed_in(who)
        assert other.get(f"/progress/students/{pupil.id}").status_code == expected
    assert signed_in(admin).get(f"/progress/classes/{class_id}").status_code == 404  # not its teacher
    assert signed_in(stranger).get(f"/progress/classes/{class_id}").status_code == 404
    assert signed_in(pupil).get(f"/progress/classes/{class_id}").status_code == 404

    own = signed_in(pupil).get("/progress").get_data(as_text=True)
    assert re.search(r'<tr id="mastery-linkage">.*?100%', own, re.DOTALL)


def test_an_instructor_sees_scores_as_released_to_the_student_and_no_queue(client, make_user, login, signed_in):
    now = utcnow()
    pupil = make_user(Role.STUDENT, name="Pat Pupil")
    teacher, admin = make_user(Role.INSTRUCTOR), make_user(Role.ADMIN)
    class_id = class_of(teacher, [pupil])
    hidden = assignment_of(class_id, progress_quiz(["linkage-whose-words"], slug="never-reviewed", review="never"))
    shown = assignment_of(class_id, progress_quiz(["linkage-fact-of-life"], slug="reviewed"))
    graded_attempt(pupil, hidden.quiz, [("linkage-whose-words", 0)], now - timedelta(days=1), assignment=hidden)
    graded_attempt(pupil, shown.quiz, [("linkage-fact-of-life", 0)], now, assignment=shown)

    login(teacher)
    page = client.get(f"/progress/students/{pupil.id}").get_data(as_text=True)
    assert "Overall: <strong>0%</strong> on 1 answer." in page, "the score the pupil cannot see is left out"
    assert "shown when review opens" in page
    assert "due for review" not in page and "review queue" not in page
    own = signed_in(pupil).get("/progress").get_data(as_text=True)
    assert "Overall: <strong>0%</strong> on 1 answer." in own
    assert "<strong>1</strong> question due for review" in own
    everything = signed_in(admin).get(f"/progress/students/{pupil.id}").get_data(as_text=True)
    assert "Overall: <strong>0%</strong> on 2 answers." in everything, "an admin sees every score"
    assert "<strong>1</strong> question due for review" in everything


# --- study guides ---------------------------------------------------------------------------------


def test_study_guide_has_passages_terms_and_the_students_missed_questions(client, student):
    quiz = progress_quiz(["linkage-whose-words"])
    attempt = graded_attempt(student, quiz, [("linkage-whose-words", 0)], utcnow())
    services.record_results(attempt)
    db.session.commit()
    page = client.get("/progress/themes/linkage").get_data(as_text=True)
    assert "<h1>Linkage</h1>" in page
    assert 'href="/read/passages/memo-linkage"' in page and "Guiding questions" in page
    assert "<dfn>" in page and "Glossary" in page
    explanation = question_of(version_of("linkage-whose-words")).explanation
    assert "Missed question 1" in page and "reported speech" in explanation
    assert "reported speech" in page  # its explanation
    assert 'href="/progress/static/progress.css?v=' in page
    other = client.get("/progress/themes/summit").get_data(as_text=True)
    assert "None so far" in other
    assert client.get("/progress/themes/no-such-theme").status_code == 404


# --- a class at a glance ---------------------------------------------------------------------------


def test_class_overview_flags_low_mastery_and_inactivity(app, make_user, monkeypatch):
    quiz = progress_quiz(["linkage-whose-words", "linkage-concept-defined", "linkage-nixon-year"])
    now = utcnow()
    struggling, away, never, fine = (make_user(Role.STUDENT, name=n) for n in ("Ann", "Bo", "Cy", "Di"))
    graded_attempt(
        struggling, quiz, [("linkage-whose-words", 0), ("linkage-concept-defined", 0), ("linkage-nixon-year", 1)], now
    )
    graded_attempt(away, quiz, [("linkage-whose-words", 1)], now - timedelta(days=30))
    graded_attempt(
        fine, quiz, [("linkage-whose-words", 1), ("linkage-concept-defined", 1), ("linkage-nixon-year", 0)], now
    )
    overview = services.class_progress([fine.id, never.id, away.id, struggling.id], now)
    assert [s.display_name for s in overview.students] == ["Ann", "Bo", "Cy", "Di"]
    linkage = [t.slug for t in overview.themes].index("linkage")
    assert [row[linkage] for row in overview.values] == [pytest.approx(1 / 3), 1.0, None, pytest.approx(2 / 3)]
    flags = {flag.student.display_name: flag.reasons for flag in overview.flags}
    assert flags == {"Ann": ["low mastery in Linkage"], "Bo": ["no activity for 30 days"], "Cy": ["no activity yet"]}
    assert [f.student.display_name for f in services.students_needing_attention([never.id, fine.id], now)] == ["Cy"]
    monkeypatch.setattr(model_base, "IDS_PER_STATEMENT", 1)  # a class with more attempts than a statement binds
    assert services.class_progress([fine.id, never.id, away.id, struggling.id], now).values == overview.values
    monkeypatch.undo()
    chart = figures.class_heatmap(overview)
    assert chart.startswith("<svg") and 'role="img"' in chart and "Ann" in chart
    table = figures.class_heatmap_table(overview)
    assert table.headers[0] == "Student" and table.rows[0][0] == "Ann" and table.rows[0][1 + linkage] == "33%"
