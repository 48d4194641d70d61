"""From a real LTI 1.3 platform into the app in Chromium: add a quiz by deep linking, take it as a student,
see the score arrive at the platform; with the platform down while grading, the score arrives once later;
and a frame that cannot keep the app's cookies opens it in a new window."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import select

from studyapp.extensions import db
from studyapp.models import Attempt, LtiPlatform, LtiScore, Quiz
from tests.browser.conftest import assert_accessible
from tests.browser.test_quiz import answer, answers_for
from tests.lti.conftest import register
from tests.lti.platform import ROLE_INSTRUCTOR, ROLE_LEARNER, Member, Platform
from tests.web.test_classes_support import shipped_questions


@pytest.fixture
def lms(live_server):
    """A platform registered with the live app (removed again afterwards: the live database is shared)."""
    platform = Platform()
    platform.configure_tool(
        login_url=live_server.url + "/lti/login",
        launch_url=live_server.url + "/lti/launch",
        jwks_url=live_server.url + "/lti/jwks",
    )
    platform.start()
    with live_server.app.app_context():
        # the platform's pages are also reached as localhost (the frame test): its second origin
        row = register(
            platform, live_server.app.config["SECRET_KEY"], platform.issuer.replace("127.0.0.1", "localhost")
        )
        platform_id = row.id
    yield platform
    platform.stop()
    with live_server.app.app_context():
        db.session.delete(db.session.get(LtiPlatform, platform_id))
        db.session.commit()


def _two_question_quiz(live_server) -> tuple[int, str]:
    title = f"Linkage check {uuid.uuid4().hex[:6]}"
    with live_server.app.app_context():
        questions = shipped_questions("single", 2)
        quiz = Quiz(
            slug=f"lti-{uuid.uuid4().hex[:10]}",
            title=title,
            question_ids=[q.id for q in questions],
            shuffle_questions=False,
            shuffle_choices=False,
        )
        db.session.add(quiz)
        db.session.commit()
        return quiz.id, title


def _members(lms: Platform, course: str) -> tuple[Member, Member]:
    tag = uuid.uuid4().hex[:8]
    teacher = Member(sub=f"t-{tag}", name="Ada Teacher", email=f"ada-{tag}@school.example", roles=[ROLE_INSTRUCTOR])
    student = Member(sub=f"s-{tag}", name="Lee Learner", email=f"lee-{tag}@school.example", roles=[ROLE_LEARNER])
    lms.add_member(course, teacher)
    lms.add_member(course, student)
    return teacher, student


def _add_quiz_by_deep_linking(browser, lms: Platform, course: str, teacher: Member, quiz_id: int) -> dict:
    """The instructor adds the quiz from the platform's "add external tool": returns the link the platform made."""
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{lms.issuer}/course/{course}?sub={teacher.sub}&message_type=LtiDeepLinkingRequest&resource_link_id=dl")
    page.click("#launch")
    page.wait_for_url(re.compile(r"/lti/deep-link\?"))
    assert_accessible(page)
    page.get_by_role("link", name="Choose a quiz and its settings").click()
    page.wait_for_url(re.compile(r"/assignments/new\?"))
    page.get_by_label("Quiz").select_option(str(quiz_id))
    page.get_by_role("button", name="Assign the quiz").click()
    page.get_by_role("heading", name="Content added").wait_for()  # posted back to the platform by the script
    context.close()
    (item,) = lms.deep_link_responses[-1]["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    return item


def _take_the_quiz(
    page, live_server, lms: Platform, course: str, student: Member, item: dict, *, then_down: bool = False
) -> int:
    """Launch the quiz's link from the course page and take it (with the platform down once in, if asked)."""
    page.goto(f"{lms.issuer}/course/{course}?sub={student.sub}&resource_link_id={item['resource_link_id']}")
    page.click("#launch")
    page.wait_for_url(re.compile(r"/lti/assignments/\d+$"))
    assert_accessible(page)
    lms.down = then_down
    page.get_by_role("button", name=re.compile(r"^Start ")).click()
    page.wait_for_url(re.compile(r"/attempts/\d+$"))
    attempt_id = int(page.url.rsplit("/", 1)[1])
    for position, response in answers_for(live_server, attempt_id).items():
        answer(page, position, response)
    page.get_by_role("button", name="Finish attempt…").click()
    page.wait_for_url(re.compile(r"/submit$"))
    page.get_by_role("button", name="Submit now").click()
    page.wait_for_url(re.compile(r"/result$"))
    return attempt_id


def test_launch_take_the_quiz_and_the_score_arrives_at_the_platform(browser, page, live_server, lms):
    course = f"course-{uuid.uuid4().hex[:6]}"
    teacher, student = _members(lms, course)
    quiz_id, _title = _two_question_quiz(live_server)
    item = _add_quiz_by_deep_linking(browser, lms, course, teacher, quiz_id)
    assert item["lineItem"]["scoreMaximum"] == 2
    _take_the_quiz(page, live_server, lms, course, student, item)
    scores = lms.lineitem_scores(item["lineitem_url"])
    assert [(s["userId"], s["scoreGiven"], s["scoreMaximum"], s["gradingProgress"]) for s in scores] == [
        (student.sub, 2.0, 2.0, "FullyGraded")
    ]


def test_a_platform_down_while_grading_gets_the_score_once_when_back(browser, page, live_server, lms):
    course = f"course-{uuid.uuid4().hex[:6]}"
    teacher, student = _members(lms, course)
    quiz_id, _title = _two_question_quiz(live_server)
    item = _add_quiz_by_deep_linking(browser, lms, course, teacher, quiz_id)
    attempt_id = _take_the_quiz(page, live_server, lms, course, student, item, then_down=True)
    assert page.get_by_text("Score:").is_visible()  # the student's result is not held up by the platform
    assert lms.lineitem_scores(item["lineitem_url"]) == []
    with live_server.app.app_context():
        assert db.session.get(Attempt, attempt_id).state == "submitted"
        waiting = db.session.scalars(select(LtiScore).where(LtiScore.sent_at.is_(None))).all()
        assert len(waiting) == 1 and "503" in waiting[0].last_error
    lms.down = False
    # the instructor sends what waits, from the class's platform page
    context = browser.new_context()
    teacher_page = context.new_page()
    teacher_page.goto(f"{lms.issuer}/course/{course}?sub={teacher.sub}&resource_link_id={item['resource_link_id']}")
    teacher_page.click("#launch")
    teacher_page.wait_for_url(re.compile(r"/classes/\d+/gradebook"))
    class_id = re.search(r"/classes/(\d+)/", teacher_page.url).group(1)
    teacher_page.goto(f"{live_server.url}/lti/classes/{class_id}")
    assert teacher_page.get_by_text("1 grade waiting to be sent").is_visible()
    assert_accessible(teacher_page)
    teacher_page.get_by_role("button", name="Send them now").click()
    teacher_page.get_by_text("Every grade has been accepted").wait_for()
    assert teacher_page.get_by_role("button", name="Send them now").count() == 0
    context.close()
    scores = lms.lineitem_scores(item["lineitem_url"])
    assert [(s["userId"], s["scoreGiven"]) for s in scores] == [(student.sub, 2.0)]


def test_a_frame_that_blocks_the_apps_cookies_opens_it_in_a_new_window(browser, live_server, lms):
    """The course page is on localhost and the app on 127.0.0.1: two sites, so the app's cookies in the frame
    are third-party ones, which Chromium does not keep for a site-lax frame. The app says so and opens a window."""
    course = f"course-{uuid.uuid4().hex[:6]}"
    _teacher, student = _members(lms, course)
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    course_page = lms.issuer.replace("127.0.0.1", "localhost")
    page.goto(f"{course_page}/course/{course}?sub={student.sub}&frame=1")
    frame = page.frame_locator("#tool")
    opener = frame.get_by_role("link", name="Open studyapp in a new window")
    opener.wait_for()
    assert frame.locator("#lti-blocked").is_visible()
    with context.expect_page() as opened:
        opener.click()
    window = opened.value
    window.wait_for_load_state()
    window.wait_for_url(re.compile(r"^" + re.escape(live_server.url) + r"/"))
    assert window.get_by_role("button", name="Sign out").count() == 1
    assert_accessible(window)
    context.close()
