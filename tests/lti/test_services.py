"""Deep linking, grade passback and roster sync against a real LTI 1.3 platform."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
import requests
from sqlalchemy import select, update

from studyapp.extensions import db
from studyapp.models import Attempt, LtiContext, LtiResourceLink, LtiScore, Membership, Quiz
from studyapp.models.base import utcnow
from studyapp.models.classes import STUDENT
from studyapp.ops import jobs
from tests.lti.conftest import LEARNER, TEACHER, follow, launch
from tests.lti.platform import ROLE_LEARNER, Member
from tests.web.test_classes_support import assign, fixed_quiz, shipped_questions, take

pytestmark = pytest.mark.content


def _class_of(context_id: str = "course-1"):
    context = db.session.scalar(select(LtiContext).where(LtiContext.context_id == context_id))
    return context.class_


def _deep_link(client, platform, choice: dict) -> dict:
    """An instructor adds content from the platform: returns what the platform recorded of the response."""
    page = follow(client, launch(client, platform, TEACHER, message_type="LtiDeepLinkingRequest"))
    assert page.status_code == 200 and "Add a quiz or a reading to your course" in page.get_data(as_text=True)
    token = re.search(r'request=([^&"]+)', page.get_data(as_text=True)).group(1)
    answer = client.get("/lti/deep-link/return", query_string={"request": unescape(token), **choice})
    assert answer.status_code == 200
    body = answer.get_data(as_text=True)
    action = unescape(re.search(r'action="([^"]+)" id="lti-deep-link-return"', body).group(1))
    jwt = re.search(r'name="JWT" value="([^"]+)"', body).group(1)
    assert action == platform.issuer + "/deep_link_return"
    assert f"form-action 'self' {platform.issuer}" in answer.headers["Content-Security-Policy"]
    returned = requests.post(action, data={"JWT": jwt}, timeout=10)
    assert returned.status_code == 200, returned.text
    return platform.deep_link_responses[-1]


def _linked_assignment(client, platform, quiz_questions=None):
    """A class from the platform's course, with a quiz added through deep linking; returns (assignment, item)."""
    follow(client, launch(client, platform, TEACHER))
    class_ = _class_of()
    quiz = fixed_quiz(quiz_questions or shipped_questions("single", 2), slug="lti-quiz", title="Linkage check")
    assignment = assign(class_, quiz)
    recorded = _deep_link(client, platform, {"assignment": assignment.id})
    items = recorded["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert len(items) == 1
    return assignment, items[0]


def _launch_item(client, platform, member, item):
    """Launch the resource link the platform made from a deep-linked item."""
    return launch(
        client,
        platform,
        member,
        resource_link_id=item["resource_link_id"],
        custom=item.get("custom"),
        lineitem_url=item.get("lineitem_url"),
    )


def test_deep_linking_a_quiz_returns_a_signed_item_with_its_line_item(client, platform):
    assignment, item = _linked_assignment(client, platform)
    assert item["type"] == "ltiResourceLink" and item["title"] == assignment.title
    assert item["url"] == "http://localhost/lti/launch"
    assert item["custom"] == {"studyapp_assignment": str(assignment.id)}
    assert (
        item["lineItem"]["scoreMaximum"] == 2
        and item["lineItem"]["resourceId"] == f"studyapp-assignment-{assignment.id}"
    )


def test_deep_linking_a_reading_lands_students_on_it(client, platform, signed_in):
    follow(client, launch(client, platform, TEACHER))
    recorded = _deep_link(client, platform, {"reading": "passage/memo-in-sum"})
    (item,) = recorded["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert item["custom"] == {"studyapp_reading": "passage/memo-in-sum"}
    page = follow(student := signed_in(), _launch_item(student, platform, LEARNER, item))
    assert page.status_code == 200 and page.request.path == "/read/passages/memo-in-sum"


def test_a_student_cannot_deep_link(client, platform):
    answer = launch(client, platform, LEARNER, message_type="LtiDeepLinkingRequest")
    assert answer.status_code == 403 and "Only a course's instructors" in unescape(answer.get_data(as_text=True))


def _submit_through_the_app(client, attempt: Attempt):
    answer = client.post(f"/attempts/{attempt.id}/submit")
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]


def test_a_graded_attempt_sends_its_score_to_the_line_item(client, platform, signed_in):
    assignment, item = _linked_assignment(client, platform)
    student = signed_in()
    landed = follow(student, _launch_item(student, platform, LEARNER, item))
    assert landed.status_code == 200 and "Linkage check" in landed.get_data(as_text=True)
    assert landed.request.path == f"/lti/assignments/{assignment.id}"
    learner = db.session.scalar(select(Membership).where(Membership.role == STUDENT)).user
    attempt = take(learner, assignment, {1: True, 2: False}, submit=False)
    _submit_through_the_app(student, attempt)
    scores = platform.lineitem_scores(item["lineitem_url"])
    assert len(scores) == 1
    (score,) = scores
    assert score["userId"] == LEARNER.sub
    assert (score["scoreGiven"], score["scoreMaximum"]) == (1.0, 2.0)
    assert (score["activityProgress"], score["gradingProgress"]) == ("Completed", "FullyGraded")
    row = db.session.scalar(select(LtiScore))
    assert row.sent_at is not None and row.last_error is None


def test_a_platform_that_is_down_loses_no_score_and_gets_it_once(client, platform, signed_in, runner):
    assignment, item = _linked_assignment(client, platform)
    student = signed_in()
    follow(student, _launch_item(student, platform, LEARNER, item))
    learner = db.session.scalar(select(Membership).where(Membership.role == STUDENT)).user
    attempt = take(learner, assignment, {1: True, 2: True}, submit=False)
    platform.down = True
    _submit_through_the_app(student, attempt)  # the student's submission is not held up by the platform
    assert db.session.get(Attempt, attempt.id).state == "submitted"
    db.session.expire_all()
    waiting = db.session.scalar(select(LtiScore))
    assert waiting.sent_at is None and waiting.tries == 1 and "503" in waiting.last_error
    assert platform.lineitem_scores(item["lineitem_url"]) == []
    # the instructor sees what has not been sent
    class_ = _class_of()
    status = client.get(f"/lti/classes/{class_.id}")
    assert "1 grade waiting to be sent" in status.get_data(as_text=True)
    platform.down = False
    early = runner.invoke(args=["lti", "sync"])  # its retry is not due yet (backoff)
    assert early.exit_code == 0 and "0 sent" in early.output and "1 waiting" in early.output, early.output
    result = runner.invoke(args=["lti", "sync", "--all"])
    assert result.exit_code == 0, result.output
    assert "1 sent" in result.output
    again = runner.invoke(args=["lti", "sync", "--all"])
    assert "0 sent" in again.output
    scores = platform.lineitem_scores(item["lineitem_url"])
    assert [s["scoreGiven"] for s in scores] == [2.0]
    assert "Every grade has been accepted" in client.get(f"/lti/classes/{class_.id}").get_data(as_text=True)


def test_the_background_pass_sends_a_waiting_grade_once_it_is_due(app, client, platform, signed_in):
    """No cron and no button: a worker's background pass (studyapp.ops.jobs) sends the grade that waited
    while the platform was down, once its backoff has passed, and only once."""
    assignment, item = _linked_assignment(client, platform)
    student = signed_in()
    follow(student, _launch_item(student, platform, LEARNER, item))
    learner = db.session.scalar(select(Membership).where(Membership.role == STUDENT)).user
    attempt = take(learner, assignment, {1: True, 2: True}, submit=False)
    platform.down = True
    _submit_through_the_app(student, attempt)
    platform.down = False
    db.session.close()
    assert jobs.run_once(app).scores_sent == 0  # its retry is not due yet
    assert platform.lineitem_scores(item["lineitem_url"]) == []
    db.session.execute(update(LtiScore).values(next_try_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert jobs.run_once(app).scores_sent == 1
    assert jobs.run_once(app).scores_sent == 0
    assert [s["scoreGiven"] for s in platform.lineitem_scores(item["lineitem_url"])] == [2.0]


def test_a_line_item_is_created_when_the_link_has_none(client, platform, signed_in):
    follow(client, launch(client, platform, TEACHER))
    class_ = _class_of()
    quiz = fixed_quiz(shipped_questions("single", 2), slug="by-hand", title="Placed by hand")
    assignment = assign(class_, quiz)  # assigned here, linked in the platform by hand: no line item came with it
    before = set(platform.lineitems)
    student = signed_in()
    landed = follow(
        student,
        launch(
            student, platform, LEARNER, resource_link_id="hand-made", custom={"studyapp_assignment": str(assignment.id)}
        ),
    )
    assert landed.status_code == 200
    learner = db.session.scalar(select(Membership).where(Membership.role == STUDENT)).user
    _submit_through_the_app(student, take(learner, assignment, {1: True, 2: True}, submit=False))
    link = db.session.scalar(select(LtiResourceLink).where(LtiResourceLink.resource_link_id == "hand-made"))
    assert link.lineitem_url and link.lineitem_url not in before
    created = platform.lineitems[link.lineitem_url]
    assert created["resourceLinkId"] == "hand-made" and created["label"] == "Placed by hand"
    assert [s["scoreGiven"] for s in platform.lineitem_scores(link.lineitem_url)] == [2.0]


def test_a_link_to_another_courses_assignment_is_refused(client, platform, signed_in):
    assignment, _item = _linked_assignment(client, platform)
    other = signed_in()
    answer = launch(
        other,
        platform,
        TEACHER,
        context_id="course-copy",
        resource_link_id="copied-link",
        custom={"studyapp_assignment": str(assignment.id)},
    )
    assert answer.status_code == 403 and "another course" in unescape(answer.get_data(as_text=True))


def test_roster_sync_adds_learners_and_removes_those_who_left(client, platform, signed_in):
    follow(client, launch(client, platform, TEACHER))
    class_ = _class_of()
    staying = Member(sub="s-1", name="Staying Student", email="s1@school.example", roles=[ROLE_LEARNER])
    leaving = Member(sub="s-2", name="Leaving Student", email="s2@school.example", roles=[ROLE_LEARNER])
    platform.add_member("course-1", TEACHER)
    platform.add_member("course-1", staying)
    platform.add_member("course-1", leaving)
    answer = client.post(f"/lti/classes/{class_.id}/roster")
    assert answer.status_code == 302
    db.session.expire_all()
    names = {m.user.display_name for m in class_.memberships if m.role == STUDENT}
    assert names == {"Staying Student", "Leaving Student"}
    platform.members["course-1"] = [TEACHER, staying]
    client.post(f"/lti/classes/{class_.id}/roster")
    db.session.expire_all()
    names = {m.user.display_name for m in db.session.get(type(class_), class_.id).memberships if m.role == STUDENT}
    assert names == {"Staying Student"}


def test_roster_sync_when_the_platform_is_down_changes_nothing(client, platform):
    follow(client, launch(client, platform, TEACHER))
    class_ = _class_of()
    platform.add_member("course-1", LEARNER)
    platform.down = True
    answer = client.post(f"/lti/classes/{class_.id}/roster")
    assert answer.status_code == 302
    page = client.get(answer.location).get_data(as_text=True)
    assert "did not give the member list" in page
    assert [m.role for m in db.session.get(type(class_), class_.id).memberships] == ["instructor"]


def test_only_the_class_instructors_see_its_platform_page(client, platform, signed_in):
    follow(client, launch(client, platform, TEACHER))
    class_ = _class_of()
    student = signed_in()
    follow(student, launch(student, platform, LEARNER))
    assert student.get(f"/lti/classes/{class_.id}").status_code == 404
    assert student.post(f"/lti/classes/{class_.id}/send").status_code == 404
    assert client.get(f"/lti/classes/{class_.id}").status_code == 200
    assert f'href="/lti/classes/{class_.id}"' in client.get(f"/classes/{class_.id}").get_data(as_text=True)
    assert db.session.scalar(select(Quiz.id)) is not None


def test_an_essay_waiting_for_a_person_is_sent_as_pending_then_graded(client, platform, signed_in):
    essay = shipped_questions("essay", 1, points=None)
    assignment, item = _linked_assignment(client, platform, essay + shipped_questions("single", 1))
    student = signed_in()
    follow(student, _launch_item(student, platform, LEARNER, item))
    learner = db.session.scalar(select(Membership).where(Membership.role == STUDENT)).user
    attempt = take(learner, assignment, {1: {"text": "Haig reads linkage into it."}, 2: True}, submit=False)
    _submit_through_the_app(student, attempt)
    (pending,) = platform.lineitem_scores(item["lineitem_url"])
    assert (pending["activityProgress"], pending["gradingProgress"]) == ("Submitted", "PendingManual")
    assert "scoreGiven" not in pending  # nothing fully graded yet: no score to show as final
    graded = client.post(f"/manage/attempts/{attempt.id}/grade/1", data={"score": "1", "comment": "Yes."})
    assert graded.status_code == 302
    pending_then_final = platform.lineitem_scores(item["lineitem_url"])
    assert [s["gradingProgress"] for s in pending_then_final] == ["PendingManual", "FullyGraded"]
    final = pending_then_final[-1]
    assert final["activityProgress"] == "Completed" and final["scoreGiven"] == db.session.get(Attempt, attempt.id).score


def test_scores_go_out_in_the_background_by_default(app, client, platform, signed_in):
    from studyapp.lti import outbox

    assignment, item = _linked_assignment(client, platform)
    student = signed_in()
    follow(student, _launch_item(student, platform, LEARNER, item))
    learner = db.session.scalar(select(Membership).where(Membership.role == STUDENT)).user
    attempt = take(learner, assignment, {1: True, 2: True}, submit=False)
    app.config["LTI_SEND_SCORES"] = "thread"
    _submit_through_the_app(student, attempt)
    outbox.wait_for_senders()
    assert [s["scoreGiven"] for s in platform.lineitem_scores(item["lineitem_url"])] == [2.0]
    db.session.expire_all()
    assert db.session.scalar(select(LtiScore)).sent_at is not None


def test_the_roster_command_syncs_a_class(client, platform, runner):
    follow(client, launch(client, platform, TEACHER))
    class_ = _class_of()
    platform.add_member("course-1", LEARNER)
    result = runner.invoke(args=["lti", "roster", str(class_.id)])
    assert result.exit_code == 0 and "1 joined" in result.output, result.output
    missing = runner.invoke(args=["lti", "roster", "999999"])
    assert missing.exit_code != 0 and "No class 999999" in missing.output


def test_a_regrade_sends_the_new_grade(client, platform, signed_in):
    from studyapp.domain import events
    from studyapp.extensions import finish

    assignment, item = _linked_assignment(client, platform)
    student = signed_in()
    follow(student, _launch_item(student, platform, LEARNER, item))
    learner = db.session.scalar(select(Membership).where(Membership.role == STUDENT)).user
    attempt = take(learner, assignment, {1: True, 2: False}, submit=False)
    _submit_through_the_app(student, attempt)
    assert [s["scoreGiven"] for s in platform.lineitem_scores(item["lineitem_url"])] == [1.0]
    # what a regrade after a corrected key leaves (studyapp.domain.attempts.regrade), then its event
    attempt = db.session.get(Attempt, attempt.id)
    second = next(i for i in attempt.items if i.position == 2)
    second.score = second.max_score
    attempt.score = sum(i.score for i in attempt.items)
    db.session.flush()
    events.attempts_regraded.send(None, items=[(attempt.id, 2)], now=None)
    finish(True)  # the unit of work commits; the score goes out after it
    assert [s["scoreGiven"] for s in platform.lineitem_scores(item["lineitem_url"])] == [1.0, 2.0]
