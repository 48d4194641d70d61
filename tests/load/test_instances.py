"""Several instances behind nginx, as deploy/ sets them up: deploy/local-cluster starts two gunicorn
instances (deploy/gunicorn.conf.py, two workers each) and nginx (deploy/nginx/studyapp-proxy.conf) on one
PostgreSQL database and one Redis.

- Coherent: a session begun on one instance works on the other, and signing out on one ends it on both;
  failed sign-ins counted on one are counted on the other; a question edited on one is shown edited by
  the other (the parsed-question caches are keyed by immutable versions, so there is nothing to clear).
- Background work: an expired timed attempt nobody visits is submitted by the instances' own passes.
- A lost instance: 200 simulated students take a quiz through nginx with autosaves and submissions while
  instance 1 is killed outright (SIGKILL of its master and workers) and later restarted. Every answer
  the server acknowledged is stored, every attempt was submitted once, and every request that failed
  (counted and printed) succeeded when the student's page sent it again, through the other instance.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from studyapp import create_app
from studyapp.extensions import db
from studyapp.models.base import utcnow
from tests.conftest import REQUIRE_POSTGRES, TEST_PASSWORD, base_config, require_postgres, scratch_postgres_database
from tests.load.students import CSRF, Stats, Student, launch
from tests.load.test_load_fault import QUESTIONS, SAVES, STUDENTS, assert_nothing_lost, free_port, prepare, verify
from tests.security.test_rate_limits import REDIS_URL, _redis
from tests.web.test_authoring import GOOD

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "local-cluster"
INSTRUCTOR = "cluster-instructor@studyapp.example"
LATE_STUDENT = "cluster-late@studyapp.example"
GUESSED = "cluster-guessed@studyapp.example"


@dataclass
class Cluster:
    url: str
    env: dict
    base: str
    instances: list[str]
    directory: Path
    quiz_id: int
    timed_quiz_id: int
    emails: list[str]

    def run(self, *args: str) -> str:
        done = subprocess.run([str(SCRIPT), *args], env=self.env, cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"local-cluster {' '.join(args)}: {done.stdout}{done.stderr}"
        return done.stdout

    def access_log(self) -> list[tuple[float, int, str, str, str]]:
        """nginx's log: (time, status, upstream(s) tried, method, path) per request."""
        rows = []
        for line in (self.directory / "nginx-access.log").read_text().splitlines():
            stamp, status, upstream, _upstream_status, method, path = line.split(" ", 5)
            rows.append((float(stamp), int(status), upstream, method, path))
        return rows


def nginx_or_skip() -> None:
    if shutil.which("nginx") or Path("/usr/sbin/nginx").exists():
        return
    message = "nginx not found; `apt-get install -y nginx` to run the several-instances tests"
    if REQUIRE_POSTGRES:
        pytest.fail(message + " (REQUIRE_POSTGRES=1: .ci/run installs it)")
    pytest.skip(message)


def add_accounts(url: str) -> int:
    """An instructor, a student for the timed quiz, one whose password is guessed, and that timed quiz
    (ten minutes); its id."""
    from studyapp.domain.passwords import hash_password
    from studyapp.models import Question, Quiz, Role, User

    app = create_app(base_config(url))
    with app.app_context():
        password_hash = hash_password(TEST_PASSWORD)
        db.session.add(
            User(email=INSTRUCTOR, display_name="Instructor", password_hash=password_hash, role=Role.INSTRUCTOR)
        )
        for email in (LATE_STUDENT, GUESSED):
            db.session.add(User(email=email, display_name="Student", password_hash=password_hash, role=Role.STUDENT))
        first = db.session.scalars(sa.select(Question.id).order_by(Question.id).limit(3)).all()
        quiz = Quiz(slug="cluster-timed", title="Timed", question_ids=list(first), time_limit_minutes=10)
        db.session.add(quiz)
        db.session.commit()
        quiz_id = quiz.id
        db.session.remove()
        db.engine.dispose()
    return quiz_id


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    require_postgres()
    redis_client = _redis()
    nginx_or_skip()
    prefix = f"studyapp-cluster-{uuid.uuid4().hex[:12]}"
    with scratch_postgres_database("studyapp_cluster") as url:
        quiz_id, emails = prepare(url)
        timed_quiz_id = add_accounts(url)
        directory = tmp_path_factory.mktemp("cluster")
        nginx_port, *ports = (free_port() for _ in range(3))
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SECRET_KEY": uuid.uuid4().hex,
            "REDIS_URL": REDIS_URL,
            "STUDYAPP_RATELIMIT_KEY_PREFIX": prefix,
            "STUDYAPP_TRUSTED_PROXIES": "1",
            "STUDYAPP_WORKERS": "2",
            "STUDYAPP_BACKGROUND_INTERVAL": "1",
            "STUDYAPP_ENV": "development",
            "STUDYAPP_VENV_BIN": str(Path(sys.executable).parent),
            "CLUSTER_DIR": str(directory),
            "CLUSTER_PORT": str(nginx_port),
            "INSTANCE_PORTS": " ".join(map(str, ports)),
            "PYTHONUNBUFFERED": "1",
        }
        found = Cluster(
            url=url,
            env=env,
            base=f"http://127.0.0.1:{nginx_port}",
            instances=[f"http://127.0.0.1:{port}" for port in ports],
            directory=directory,
            quiz_id=quiz_id,
            timed_quiz_id=timed_quiz_id,
            emails=emails,
        )
        try:
            found.run("start")
            yield found
        finally:
            subprocess.run([str(SCRIPT), "stop"], env=env, cwd=ROOT, capture_output=True, timeout=120)
            keys = list(redis_client.scan_iter(f"*{prefix}*"))
            if keys:
                redis_client.delete(*keys)
            redis_client.close()


def browser(base: str, email: str) -> Student:
    """A browser (cookies and CSRF token) at `base`; `signed_in` signs it in."""
    return Student(base, email, Stats())


def signed_in(base: str, email: str) -> Student:
    student = browser(base, email)
    _, _, page, _ = student.request("GET", "/login")
    student.token = token_of(page)
    student.request("POST", "/login", {"email": email, "password": TEST_PASSWORD}, expect=(302,))
    _, _, page, _ = student.request("GET", "/")
    student.token = token_of(page)
    return student


def token_of(page: str) -> str:
    return CSRF.search(page).group(1)


def same_browser_at(other: Student, base: str) -> Student:
    """The same cookies and token, sent to another address."""
    moved = browser(base, other.email)
    moved.cookies, moved.token = dict(other.cookies), other.token
    return moved


def test_sessions_limits_and_questions_are_the_same_on_every_instance(cluster):
    one, two = cluster.instances
    teacher = signed_in(one, INSTRUCTOR)
    _, headers, _, _ = teacher.request(
        "POST", "/authoring/questions/new", {"source": GOOD, "action": "save"}, expect=(302,)
    )
    question_id = int(headers["Location"].rsplit("/", 1)[1])
    at_two = same_browser_at(teacher, two)
    _, _, page, _ = at_two.request("GET", f"/authoring/questions/{question_id}/student", expect=(200,))
    assert "What did Dobrynin ask about the start of TNF talks" in page, "instance 2 did not take the session"

    edited = GOOD.replace("What did Dobrynin ask about", "As the memorandum reports it, what did Dobrynin ask about")
    _, headers, _, _ = teacher.request(
        "POST",
        f"/authoring/questions/{question_id}/edit",
        {"source": edited, "base": "1", "action": "save"},
        expect=(302,),
    )
    assert headers["Location"].endswith(f"/authoring/questions/{question_id}"), headers["Location"]
    _, _, page, _ = at_two.request("GET", f"/authoring/questions/{question_id}/student", expect=(200,))
    assert "As the memorandum reports it, what did Dobrynin ask" in page, (
        "instance 2 still shows the question as it was before the edit on instance 1"
    )

    kept = same_browser_at(teacher, one)  # a copy of the cookie, kept from before the sign-out
    at_two.request("POST", "/logout", {}, expect=(302,))
    _, headers, _, _ = kept.request("GET", "/authoring/", expect=(302,))
    assert "/login" in headers["Location"], "signing out on instance 2 left the session alive on instance 1"

    allowed = 5  # LOGIN_LIMIT_PAIR: failures per account and address
    guesser = browser(one, GUESSED)
    _, _, page, _ = guesser.request("GET", "/login")
    guesser.token = token_of(page)
    for _ in range(allowed):
        guesser.request("POST", "/login", {"email": GUESSED, "password": "wrong password"}, expect=(401,))
    elsewhere = same_browser_at(guesser, two)
    status, _, _, _ = elsewhere.request("POST", "/login", {"email": GUESSED, "password": "wrong"}, expect=(429,))
    assert status == 429, "instance 2 did not count the failures made on instance 1"
    print(
        f"Two instances: a session from instance 1 used on instance 2, ended there and refused on 1; "
        f"question {question_id} edited on 1 shown edited by 2; {allowed} failed sign-ins on 1, then 429 on 2"
    )


def test_an_expired_attempt_nobody_visits_is_submitted_by_the_instances(cluster):
    student = signed_in(cluster.base, LATE_STUDENT)
    _, headers, _, _ = student.request("POST", f"/quizzes/{cluster.timed_quiz_id}/start", {}, expect=(302,))
    attempt_id = int(headers["Location"].rstrip("/").rsplit("/", 1)[1])
    engine = sa.create_engine(cluster.url)
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE attempts SET deadline_at = :at WHERE id = :id"),
                {"at": utcnow() - timedelta(minutes=5), "id": attempt_id},
            )
        started, give_up, row = time.monotonic(), time.monotonic() + 60, None
        while time.monotonic() < give_up:
            with engine.connect() as conn:
                row = conn.execute(
                    sa.text("SELECT state, auto_submitted FROM attempts WHERE id = :id"), {"id": attempt_id}
                ).one()
            if row.state == "submitted":
                break
            time.sleep(0.2)  # polling the database for the instances' work, with a deadline
    finally:
        engine.dispose()
    assert row is not None and row.state == "submitted" and row.auto_submitted, row
    print(f"An expired attempt was submitted by a background pass {time.monotonic() - started:.1f} s after it expired")


def test_students_keep_every_answer_when_an_instance_is_killed_and_restarted(cluster):
    expected = STUDENTS * (6 + QUESTIONS * SAVES)
    client = launch(cluster.base, cluster.quiz_id, TEST_PASSWORD, SAVES, expected, cluster.emails, ROOT)
    killed_at = restarted_at = None
    killed_time = restarted_time = 0.0
    result = None
    try:
        for line in client.stdout:
            if line.startswith("PROGRESS"):
                done = int(line.split()[1])
                if killed_at is None and done >= expected * 0.3:
                    cluster.run("kill", "1")
                    killed_at, killed_time = done, time.time()
                elif killed_at is not None and restarted_at is None and done >= expected * 0.6:
                    cluster.run("start-instance", "1")
                    restarted_at, restarted_time = done, time.time()
            elif line.startswith("RESULT "):
                result = json.loads(line[len("RESULT ") :])
    finally:
        client.stdout.close()
        assert client.wait(timeout=600) == 0
    assert result is not None, "the students' process printed no result"
    assert killed_at is not None and restarted_at is not None, "the run ended before the kill and the restart"

    # The restarted instance takes requests again once nginx retries it (fail_timeout, 10 s).
    one = cluster.instances[0].rsplit(":", 1)[1]
    give_up = time.monotonic() + 60
    probe = browser(cluster.base, "probe")
    while time.monotonic() < give_up:
        probe.request("GET", "/healthz", expect=(200,))
        last = cluster.access_log()[-1]
        if last[2].endswith(f":{one}"):
            break
    log = cluster.access_log()
    upstream = lambda row: row[2].rsplit(":", 1)[-1]  # the last instance tried
    before = Counter(upstream(r) for r in log if r[0] < killed_time and r[1] < 500)
    while_down = [r for r in log if killed_time + 0.5 < r[0] < restarted_time]
    assert before[one] > 0 and len(before) == 2, f"both instances served before the kill: {before}"
    assert while_down and all(not r[2].endswith(f":{one}") or r[1] >= 500 for r in while_down)
    served_by_two = sum(1 for r in while_down if r[1] < 500)
    assert log[-1][2].endswith(f":{one}"), "the restarted instance never served again"

    counts = verify(cluster.url, result)
    statuses = {int(k): v for k, v in result["statuses"].items()}
    failed = sum(v for k, v in statuses.items() if k >= 500) + sum(result["errors"].values())
    shown = sum(1 for outcome in result["results"] if outcome["saw_submitted"])
    print(
        f"Two instances behind nginx, {STUDENTS} students x {QUESTIONS} questions x {SAVES} save(s): "
        f"{result['requests']} answered requests in {result['seconds']} s ({result['per_second']}/s), "
        f"p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms"
    )
    print(
        f"  instance 1 killed (SIGKILL, master and workers) after {killed_at} requests, restarted after "
        f"{restarted_at}; in between instance 2 answered {served_by_two} requests; before the kill "
        f"{dict(before)} by port"
    )
    print(
        f"  failed requests: {failed} (statuses {dict(sorted(statuses.items()))}, connection errors "
        f"{result['errors']}), each sent again: {result['retries']} retries, {result['retry_successes']} succeeded"
    )
    print(
        f"  {result['acknowledged']} saves acknowledged, the last of each of {counts['answers checked']} questions "
        f"found stored; {counts['attempts']} attempts, each submitted once ({shown} students saw their "
        f"submission confirmed); failures: {result['failures']}"
    )
    assert_nothing_lost(result, counts)
