"""Load and fault: the app under gunicorn (3 workers) on PostgreSQL and on SQLite in WAL mode; simulated
students, in a separate process on loopback, each take a 20-question quiz with autosaves and submit,
all at once; one worker is killed with SIGKILL in the middle. Afterwards every acknowledged answer is in
the database, every attempt was submitted exactly once, no request got a 500, and every retried request
succeeded. The counts are printed.

CI runs 200 students with one save per question (5,400 requests per engine); LOAD_SAVES=2 is the
full form (9,400), LOAD_STUDENTS a smaller or larger class.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from studyapp import create_app
from studyapp.extensions import db
from tests.conftest import (
    TEST_PASSWORD,
    base_config,
    load_shipped_content,
    migrate_to_head,
    require_postgres,
    scratch_postgres_database,
)
from tests.load.students import launch

ROOT = Path(__file__).resolve().parents[2]
STUDENTS = int(os.environ.get("LOAD_STUDENTS", "200"))
SAVES = int(os.environ.get("LOAD_SAVES", "1"))
QUESTIONS = 20
WORKERS = 3


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (gunicorn's workers), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


def prepare(url: str) -> tuple[int, list[str]]:
    """Migrate, load the shipped content, add the students and a fixed quiz of 20 choice questions."""
    from studyapp.domain.passwords import hash_password
    from studyapp.models import Question, Quiz, Role, User

    migrate_to_head(url)
    load_shipped_content(url)
    app = create_app(base_config(url))
    with app.app_context():
        questions = db.session.scalars(sa.select(Question).order_by(Question.id)).all()
        chosen = [q for q in questions if q.current_version.type in ("single", "truefalse", "multiple")][:QUESTIONS]
        assert len(chosen) == QUESTIONS
        quiz = Quiz(
            slug="load-test",
            title="Load test",
            question_ids=[q.id for q in chosen],
            shuffle_questions=False,
            shuffle_choices=True,
        )
        db.session.add(quiz)
        password_hash = hash_password(TEST_PASSWORD)  # one hash for all: signing in still verifies it each time
        emails = [f"load{n:04d}@studyapp.example" for n in range(STUDENTS)]
        db.session.add_all(
            User(email=e, display_name=f"Load {n}", password_hash=password_hash, role=Role.STUDENT)
            for n, e in enumerate(emails)
        )
        db.session.flush()
        quiz_id = quiz.id
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return quiz_id, emails


def run_load(url: str, engine_name: str, tmp_path: Path) -> dict:
    quiz_id, emails = prepare(url)
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": uuid.uuid4().hex,
        "STUDYAPP_ENV": "development",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("REDIS_URL", None)
    log = open(tmp_path / f"gunicorn-{engine_name}.log", "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-w",
            str(WORKERS),
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as reply:
                    if reply.status == 200 and len(children(server.pid)) == WORKERS:
                        break
            except OSError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.3)
        workers_before = children(server.pid)
        expected = STUDENTS * (6 + QUESTIONS * SAVES)
        client = launch(base, quiz_id, TEST_PASSWORD, SAVES, expected, emails, ROOT)
        killed = None
        result = None
        for line in client.stdout:
            if line.startswith("PROGRESS") and killed is None:
                done = int(line.split()[1])
                if done >= expected * 0.35:
                    killed = workers_before[len(workers_before) // 2]
                    os.kill(killed, signal.SIGKILL)
                    killed_at = done
            elif line.startswith("RESULT "):
                result = json.loads(line[len("RESULT ") :])
        client.stdout.close()
        assert client.wait(timeout=600) == 0
        assert result is not None, "the students' process printed no result"
        assert killed is not None, "the run ended before a worker could be killed"
        time.sleep(1)
        workers_after = children(server.pid)
        assert killed not in workers_after and len(workers_after) == WORKERS, "gunicorn replaced the killed worker"
        result.update(
            killed=killed,
            killed_at=killed_at,
            expected=expected,
            workers_before=workers_before,
            workers_after=workers_after,
        )
        return result
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


def verify(url: str, result: dict) -> dict:
    """Check the database against what the students were told: every acknowledged answer, one submission each."""
    from studyapp.domain.attempts import public_id
    from studyapp.domain.questions import question_of
    from studyapp.models import Attempt, AttemptItem, User

    app = create_app(base_config(url))
    counts = {"attempts": 0, "answers checked": 0}
    with app.app_context():
        by_user = {}
        for attempt, email in db.session.execute(sa.select(Attempt, User.email).join(User, User.id == Attempt.user_id)):
            by_user.setdefault(email, []).append(attempt)
        for outcome in result["results"]:
            attempts = by_user.get(outcome["email"], [])
            assert len(attempts) == 1, f"{outcome['email']} has {len(attempts)} attempts"
            attempt = attempts[0]
            assert attempt.id == outcome["attempt"]
            assert attempt.state == "submitted" and attempt.submitted_at is not None and attempt.score is not None
            counts["attempts"] += 1
            items = {
                item.position: item
                for item in db.session.scalars(sa.select(AttemptItem).where(AttemptItem.attempt_id == attempt.id))
            }
            assert len(items) == QUESTIONS
            for position, (seq, value) in outcome["stored"].items():
                item = items[int(position)]
                assert item.response_seq == seq, (
                    f"attempt {attempt.id} q{position}: stored seq {item.response_seq}, acknowledged {seq}"
                )
                question = question_of(item.version)
                shown = {public_id(attempt.seed, question.id, option.id): option.id for option in question.choices}
                stored = item.response
                expected = {"choice": shown[value]} if question.type != "multiple" else {"choices": [shown[value]]}
                assert stored == expected, f"attempt {attempt.id} q{position}: {stored} != {expected}"
                assert item.saved_at <= attempt.submitted_at
                counts["answers checked"] += 1
        db.session.remove()
        db.engine.dispose()
    return counts


@pytest.mark.parametrize("engine_name", ["sqlite", "postgresql"])
def test_students_under_load_survive_a_killed_worker(engine_name, tmp_path):
    if engine_name == "postgresql":
        require_postgres()
        context = scratch_postgres_database("studyapp_load")
    else:
        from contextlib import nullcontext

        context = nullcontext(f"sqlite:///{tmp_path / 'load.sqlite3'}")
    with context as url:
        result = run_load(url, engine_name, tmp_path)
        counts = verify(url, result)
    statuses = {int(k): v for k, v in result["statuses"].items()}
    print(
        f"Load ({engine_name}, gunicorn -w {WORKERS}): {STUDENTS} students x {QUESTIONS} questions x {SAVES} "
        f"save(s): {result['requests']} requests in {result['seconds']} s ({result['per_second']}/s), "
        f"p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms, max {result['max_ms']} ms"
    )
    print(
        f"  worker {result['killed']} killed with SIGKILL after {result['killed_at']} requests; "
        f"workers {result['workers_before']} -> {result['workers_after']}"
    )
    print(
        f"  statuses {dict(sorted(statuses.items()))}; connection errors {result['errors']}; "
        f"{result['retries']} retries, {result['retry_successes']} retried requests then succeeded"
    )
    print(
        f"  {result['acknowledged']} saves acknowledged; the last acknowledged answer of each of "
        f"{counts['answers checked']} questions found in the database (sequence number and choice); "
        f"{counts['attempts']} attempts, each submitted exactly once; failures: {result['failures']}"
    )
    assert_nothing_lost(result, counts)


def assert_nothing_lost(result: dict, counts: dict) -> None:
    """Every student finished, no answer was a 500, every save was acknowledged and the last of each question
    found stored (`verify`), every attempt submitted once, and a retried request succeeded."""
    statuses = {int(k): v for k, v in result["statuses"].items()}
    assert not result["failures"], result["failures"][:5]
    assert len(result["results"]) == STUDENTS
    assert statuses.get(500, 0) == 0, f"{statuses.get(500)} answers were 500"
    assert result["acknowledged"] == STUDENTS * QUESTIONS * SAVES
    # Sequence numbers only grow, so the last acknowledged save of a question, found stored, covers the earlier ones.
    assert counts["answers checked"] == STUDENTS * QUESTIONS
    assert counts["attempts"] == STUDENTS
    if result["retries"]:
        assert result["retry_successes"] >= 1
