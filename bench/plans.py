"""The requests of each measured endpoint, as plans of lines (bench/client.Line) for wrk or the driver.

Students are taken in turn, so consecutive requests come from different students, as on the morning of
an exam; a group is one student (one attempt), so a student's saves are numbered in order.
"""

from __future__ import annotations

import random
import urllib.parse
from dataclasses import dataclass

from bench.client import Line, Session
from bench.seed import Seeded, wrong_answer

#: Whom each endpoint serves: the p95 target applies to the student-facing ones.
STUDENT_FACING = ("reading", "quiz_page", "autosave", "submission", "dashboard")
#: The most connections an instructor page is measured at: a year group has a dozen instructors, not 64.
INSTRUCTOR_CONNECTIONS = 8


@dataclass(frozen=True)
class Endpoint:
    key: str
    label: str
    #: The status every response must have (anything else counts as an error).
    expect: int = 200
    #: Each line is sent once (submissions), with the Python driver.
    once: bool = False
    #: Measured only at concurrency levels up to this (instructor pages: a class has a few instructors).
    max_connections: int | None = None

    def levels(self, levels: list[int]) -> list[int]:
        """The levels of a run this endpoint is measured at (at least the lowest)."""
        if self.max_connections is None:
            return levels
        return [c for c in levels if c <= self.max_connections] or levels[:1]


ENDPOINTS = {
    "bare": Endpoint("bare", "bare Flask: GET / (a short string)"),
    "floor_page": Endpoint("floor_page", "floor: a signed-in page (user row, CSRF token, layout): GET /page"),
    "floor_write": Endpoint("floor_write", "floor: a CSRF-checked POST updating one row: POST /write"),
    "reading": Endpoint("reading", "reading page: GET /read/passages/<slug>"),
    "quiz_page": Endpoint("quiz_page", "quiz page of an attempt (10 questions): GET /attempts/<id>"),
    "autosave": Endpoint("autosave", "autosave: POST /attempts/<id>/save"),
    "submission": Endpoint("submission", "submission: POST /attempts/<id>/submit", expect=302, once=True),
    "dashboard": Endpoint("dashboard", "student dashboard: GET /progress"),
    "gradebook": Endpoint(
        "gradebook",
        "gradebook, 300 students x 20 quizzes: GET /classes/<id>/gradebook",
        max_connections=INSTRUCTOR_CONNECTIONS,
    ),
    "export": Endpoint(
        "export",
        "CSV export of that gradebook: GET /classes/<id>/export/gradebook.csv",
        max_connections=INSTRUCTOR_CONNECTIONS,
    ),
}
APP_ENDPOINTS = ("reading", "quiz_page", "autosave", "submission", "dashboard", "gradebook", "export")
#: The floor measurements, made beside the bare app's at every level.
FLOOR_ENDPOINTS = ("floor_page", "floor_write")
#: The floor each endpoint of studyapp is compared with: a signed-in page, or a write.
FLOOR_OF = {
    "reading": "floor_page",
    "quiz_page": "floor_page",
    "dashboard": "floor_page",
    "gradebook": "floor_page",
    "export": "floor_page",
    "autosave": "floor_write",
    "submission": "floor_write",
}


def _sessions(seeded: Seeded, sessions: dict[str, Session]) -> list[Session]:
    return [sessions[email] for email in seeded.student_emails]


def bare() -> list[Line]:
    return [Line(0, "GET", "/")]


def floor_page(sessions: list[Session]) -> list[Line]:
    return [Line(n, "GET", "/page", s.cookie) for n, s in enumerate(sessions)]


def floor_write(sessions: list[Session]) -> list[Line]:
    return [Line(n, "POST", "/write", s.cookie, s.csrf, "") for n, s in enumerate(sessions)]


def reading(seeded: Seeded, sessions: dict[str, Session]) -> list[Line]:
    slugs = seeded.passage_slugs
    return [
        Line(n, "GET", f"/read/passages/{slugs[n % len(slugs)]}", s.cookie)
        for n, s in enumerate(_sessions(seeded, sessions))
    ]


def quiz_page(seeded: Seeded, sessions: dict[str, Session]) -> list[Line]:
    return [
        Line(n, "GET", f"/attempts/{seeded.exam_attempts[s.email][0]}", s.cookie)
        for n, s in enumerate(_sessions(seeded, sessions))
    ]


def dashboard(seeded: Seeded, sessions: dict[str, Session]) -> list[Line]:
    return [Line(n, "GET", "/progress", s.cookie) for n, s in enumerate(_sessions(seeded, sessions))]


def gradebook(seeded: Seeded, sessions: dict[str, Session]) -> list[Line]:
    head = sessions[seeded.head_email]
    return [Line(0, "GET", f"/classes/{seeded.course_id}/gradebook", head.cookie)]


def export(seeded: Seeded, sessions: dict[str, Session]) -> list[Line]:
    head = sessions[seeded.head_email]
    return [Line(0, "GET", f"/classes/{seeded.course_id}/export/gradebook.csv", head.cookie)]


def submission(seeded: Seeded, sessions: dict[str, Session], paper: int) -> list[Line]:
    """Every student submits their attempt at exam paper `paper` (1, 2, ...: one paper per run)."""
    return [
        Line(n, "POST", f"/attempts/{seeded.exam_attempts[s.email][paper]}/submit", s.cookie, s.csrf)
        for n, s in enumerate(_sessions(seeded, sessions))
    ]


def autosave(seeded: Seeded, sessions: dict[str, Session], bodies: dict[int, list[str]], seq: int) -> list[Line]:
    """Each student saves each question of paper A in turn, alternating between two answers.

    `bodies` (from `autosave_bodies`) holds each attempt's form bodies; `seq` is where this run's
    numbering starts, above every number an earlier run used.
    """
    students = _sessions(seeded, sessions)
    rounds = max(len(b) for b in bodies.values())
    lines = []
    for k in range(rounds):
        for n, s in enumerate(students):
            attempt = seeded.exam_attempts[s.email][0]
            mine = bodies[attempt]
            lines.append(Line(n, "POST", f"/attempts/{attempt}/save", s.cookie, s.csrf, mine[k % len(mine)], seq))
    return lines


def autosave_bodies(app, attempt_ids: list[int]) -> dict[int, list[str]]:
    """The form bodies the quiz page's script would send for each question of each attempt: the key's
    answer, then a wrong one, in the page's own option ids (read from the database the app serves)."""
    from studyapp.core import grading
    from studyapp.domain import attempts as services
    from studyapp.domain import questions as question_views
    from studyapp.domain import quizzes as quiz_rules
    from studyapp.extensions import db
    from studyapp.models import Attempt

    rng = random.Random(11)
    bodies: dict[int, list[str]] = {}
    with app.app_context():
        for attempt_id in attempt_ids:
            attempt = db.session.get(Attempt, attempt_id)
            _quiz, settings = quiz_rules.attempt_settings(attempt)
            rights, wrongs = [], []
            for view in services.item_views(attempt, settings):
                question = view.question
                correct = grading.correct_response(question, quote=view.quote)
                if correct is None:
                    continue
                options = tuple(o.id for o in grading.presentation(question, "", False, quote=view.quote).options)
                to_public = lambda option, q=question, seed=attempt.seed: question_views.public_id(seed, q.id, option)
                for answers, response in (
                    (rights, correct),
                    (wrongs, wrong_answer(question.type, correct, options, rng)),
                ):
                    fields = form_fields(
                        question.type, view.position, services.to_public_response(question, response, to_public)
                    )
                    answers.append(
                        urllib.parse.urlencode([("position", view.position), ("seq", "@SEQ@"), *fields], safe="@")
                    )
            bodies[attempt_id] = rights + wrongs
        db.session.remove()
    return bodies


def form_fields(kind: str, position: int, response: dict) -> list[tuple[str, str]]:
    """The fields the quiz page posts for a response (in the page's ids): see studyapp.web.answers."""
    name = f"q{position}"
    if kind in ("single", "truefalse"):
        return [(name, response["choice"])]
    if kind in ("multiple", "evidence"):
        return [(name, value) for value in response["choices" if kind == "multiple" else "sentences"]]
    if kind in ("short", "essay"):
        return [(name, response["text"])]
    if kind == "numeric":
        return [(name, str(response["value"]))]
    if kind == "cloze":
        return [(f"{name}-{blank}", text) for blank, text in response["blanks"].items()]
    if kind == "matching":
        return [(f"{name}-{left}", right) for left, right in response["matches"].items()]
    if kind == "ordering":
        return [(f"{name}-{item}", str(place)) for place, item in enumerate(response["order"], 1)]
    raise ValueError(f"no form for a {kind} question")
