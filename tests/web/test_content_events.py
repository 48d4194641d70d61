"""`content_loaded`: sent once per load or import that is carried out, never for one that is refused.

Caches of the readings, banks and quizzes will subscribe to it, so a load must announce itself
exactly once (`flask demo` loads three parts and still sends one signal), and a refused load,
which changes nothing, must stay silent. A command refused halfway leaves the database as it was.
"""

from __future__ import annotations

import io
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest
from blinker import Signal
from sqlalchemy import func, select

from studyapp.authoring.views import pack
from studyapp.domain import events
from studyapp.domain.content import LoadReport
from studyapp.domain.library import ContentProblems, load_shipped_content
from studyapp.domain.questions import ImportReport
from studyapp.extensions import db
from studyapp.models import Document, Passage, Question, QuestionBank, QuestionVersion, Quiz, Role, User
from tests.web.reading_support import edit

CONTENT = Path(__file__).resolve().parents[2] / "content"

GOOD = """## events-tnf-next-week
type: short
themes: arms-control
difficulty: 1
passages: memo-tnf

What did Dobrynin suggest as the start of TNF talks, in his own words as Haig quotes them?

### Answers
- Why not next week?
- next week

### Explanation
"Why not next week?"
"""

#: A quiz naming a question no bank holds: the quizzes fail after the readings and banks are flushed.
BROKEN_QUIZ = "---\nid: broken\ntitle: Broken\nquestions: [no-such-question]\n---\n"


@contextmanager
def received(signal: Signal):
    """Collect (sender, keyword arguments) of every `signal` sent inside the block."""
    calls: list[tuple[object, dict]] = []

    def receiver(sender, **kwargs):
        calls.append((sender, kwargs))

    with signal.connected_to(receiver):
        yield calls


def counts() -> dict[str, int]:
    models = (Document, Passage, QuestionBank, Question, QuestionVersion, Quiz, User)
    return {m.__tablename__: db.session.scalar(select(func.count()).select_from(m)) for m in models}


def full_copy(tmp_path: Path) -> Path:
    """A copy of the shipped content with its question banks and quizzes."""
    return Path(shutil.copytree(CONTENT, tmp_path / "content"))


# --- loads --------------------------------------------------------------------------------------


def test_content_load_sends_it_once(runner, app):
    with received(events.content_loaded) as calls:
        result = runner.invoke(args=["content", "load"])
    assert result.exit_code == 0, result.output
    ((sender, kwargs),) = calls  # one signal for the readings, the banks and the quizzes together
    assert sender is None
    assert isinstance(kwargs["readings"], LoadReport) and kwargs["readings"].counts["passages"] == 22
    assert kwargs["questions"].created and kwargs["quizzes"].created

    with received(events.content_loaded) as again:  # nothing differs: still a load, still one signal
        assert runner.invoke(args=["content", "load"]).exit_code == 0
    ((_, kwargs),) = again
    assert not kwargs["readings"].changed
    assert not kwargs["questions"].created and not kwargs["questions"].changed
    assert not kwargs["quizzes"].created and not kwargs["quizzes"].changed


def test_load_shipped_content_sends_one_signal_for_all_three_parts(app):
    with received(events.content_loaded) as calls:
        loaded = load_shipped_content(app.config["CONTENT_DIR"])
    questions, quizzes = loaded.questions, loaded.quizzes
    ((sender, kwargs),) = calls
    assert sender is None
    assert isinstance(kwargs["readings"], LoadReport) and kwargs["readings"].counts["passages"] == 22
    assert kwargs["questions"] is questions and kwargs["quizzes"] is quizzes
    assert questions.created and quizzes.created


def test_demo_sends_it_once(runner):
    with received(events.content_loaded) as calls:
        result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert len(calls) == 1 and calls[0][0] is None


def test_invalid_readings_send_nothing(runner, app, content_copy):
    edit(content_copy / "passages" / "05-memo-in-sum.md", "themes: [", "themes: [no-such-theme, ")
    with received(events.content_loaded) as calls:
        result = runner.invoke(args=["content", "load", "--content-dir", str(content_copy)])
    assert result.exit_code == 1 and "Nothing was loaded." in result.output
    assert calls == []
    assert counts()["passages"] == 0


def test_content_failing_after_the_readings_sends_nothing_and_loads_nothing(app, tmp_path):
    copy = full_copy(tmp_path)
    (copy / "quizzes" / "broken.md").write_text(BROKEN_QUIZ, encoding="utf-8")
    with received(events.content_loaded) as calls, pytest.raises(ContentProblems) as refused:
        load_shipped_content(copy)
    assert any("no-such-question" in str(problem) for problem in refused.value.problems)
    assert calls == []


def test_demo_refused_halfway_leaves_the_database_unchanged(app, runner, tmp_path):
    copy = full_copy(tmp_path)
    (copy / "quizzes" / "broken.md").write_text(BROKEN_QUIZ, encoding="utf-8")
    app.config["CONTENT_DIR"] = str(copy)
    before = counts()
    with received(events.content_loaded) as calls:
        result = runner.invoke(args=["demo"])
    assert result.exit_code == 1
    assert "no-such-question" in result.output and "nothing was loaded" in result.output
    assert calls == []
    # The readings and the banks were flushed before the quizzes failed: all of it is undone.
    assert counts() == before
    assert before["documents"] == 0 and before["users"] == 0


# --- imports ------------------------------------------------------------------------------------


@pytest.mark.content
def test_a_question_import_sends_it_once_and_a_dry_run_or_a_refused_one_not_at_all(runner, tmp_path):
    bank = tmp_path / "events.md"
    bank.write_text(GOOD, encoding="utf-8")
    with received(events.content_loaded) as dry:
        assert runner.invoke(args=["questions", "import", "--dry-run", str(bank)]).exit_code == 0
    assert dry == []

    with received(events.content_loaded) as calls:
        result = runner.invoke(args=["questions", "import", str(bank)])
    assert result.exit_code == 0, result.output
    ((sender, kwargs),) = calls
    assert isinstance(sender, ImportReport) and sender.created == ["events-tnf-next-week"]
    assert kwargs == {"readings": None, "questions": sender, "quizzes": None}

    before = counts()
    bank.write_text(GOOD.replace("difficulty: 1", "difficulty: 4"), encoding="utf-8")
    with received(events.content_loaded) as refused:
        assert runner.invoke(args=["questions", "import", str(bank)]).exit_code == 1
    assert refused == []
    assert counts() == before


@pytest.mark.content
def test_a_quiz_import_sends_it_once(runner):
    with received(events.content_loaded) as calls:
        result = runner.invoke(args=["quizzes", "import", str(CONTENT / "quizzes")])
    assert result.exit_code == 0, result.output
    ((sender, kwargs),) = calls
    assert isinstance(sender, ImportReport) and kwargs["quizzes"] is sender and kwargs["questions"] is None


@pytest.mark.content
def test_an_upload_sends_it_once_when_confirmed(client, make_user, login):
    login(make_user(Role.INSTRUCTOR))
    with received(events.content_loaded) as preview:
        response = client.post(
            "/authoring/upload",
            data={"file": (io.BytesIO(GOOD.encode()), "events.md")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    assert preview == []
    with received(events.content_loaded) as calls:
        done = client.post("/authoring/upload/confirm", data={"draft": pack(GOOD.encode()), "filename": "events.md"})
    assert done.status_code == 302
    ((sender, kwargs),) = calls
    assert sender.created == ["events-tnf-next-week"] and kwargs["questions"] is sender
