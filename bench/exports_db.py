"""Time and peak memory of each class export, read from a database: 1,000 students x 50 assignments.

Run: .venv/bin/python bench/exports_db.py [--students N] [--assignments N] [--questions N] [--keep PATH]
     .venv/bin/python bench/exports_db.py --growth [--keep DIR [--reuse]]

Builds a scratch SQLite database (migrated, with the shipped content) holding one class, its
students in four sections, one fixed ten-question quiz per assignment, and one attempt per
student and assignment with realistic answers (most submitted, some in progress, some not
started, essays waiting for grading, a few excused). Then each export runs in a child process
of its own, exactly as the download view and `flask export` run it (the gradebook's rows
streamed with `yield_per`, the answers read 500 attempts at a time, cells written in batches),
its stream drained into nothing: the time, the
process's maximum resident set size (data, code and the database cache included) and the peak
of Python allocations (tracemalloc, on a second run) are printed. The gradebook page's data
(`classes.gradebook.gradebook`, without the HTML) is timed too, for information. Targets: each
export under 2 s and 200 MB.

`--growth` measures how the responses export's cost grows with the class: it builds a class of
100 and one of 1,000 students (about 48,000 and 480,000 answer rows), times each format on
each, prints rows per second and peak memory, then the ratio of times against the ratio of
sizes (linear when ten times the rows take about ten times as long and no more memory). The
target there is GROWTH_RATE_TARGET rows per second for the CSV.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

EXPORTS = ("gradebook.csv", "gradebook.xlsx", "responses.csv", "responses.xlsx")
TIME_TARGET_S = 2.0
MEMORY_TARGET_MB = 200.0
SECTIONS = ("Section 1", "Section 2", "Section 3", "Section 4")
BATCH = 20_000
#: Students of the two classes `--growth` compares: about 48,000 and 480,000 answer rows.
GROWTH_STUDENTS = (100, 1000)
GROWTH_RATE_TARGET = 100_000


def app_for(path: Path):
    from studyapp import create_app

    return create_app(
        {"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "RATELIMIT_STORAGE_URI": "memory://"}
    )


def build(path: Path, students: int, assignments: int, questions: int) -> int:
    """Fill a new database at `path`; return the class's id."""
    from flask_migrate import upgrade
    from sqlalchemy import insert, select

    from studyapp.core import grading
    from studyapp.domain import classes as classes
    from studyapp.domain.library import load_shipped_content
    from studyapp.domain.questions import evidence_quotes, question_of
    from studyapp.extensions import db
    from studyapp.models import (
        Assignment,
        Attempt,
        AttemptItem,
        Excusal,
        Membership,
        Question,
        Quiz,
        Role,
        Section,
        User,
    )

    rng = random.Random(58)
    app = app_for(path)
    with app.app_context():
        upgrade()
        load_shipped_content(app.config["CONTENT_DIR"])
        owner = User(
            email="owner@example.edu", display_name="Bench Instructor", password_hash="!", role=Role.INSTRUCTOR
        )
        db.session.add(owner)
        db.session.flush()
        class_ = classes.create_class(owner, name="HIST 210: The Cold War", term="Bench", sections=SECTIONS)
        db.session.flush()
        sections = [s.id for s in db.session.scalars(select(Section).where(Section.class_id == class_.id))]

        pool = db.session.scalars(select(Question).order_by(Question.id)).all()
        parsed = {q.id: question_of(q.current_version) for q in pool}
        quotes = evidence_quotes(list(parsed.values()))
        answers = {}  # question id -> [(response, score fraction or None, status)]
        for q in pool:
            question = parsed[q.id]
            quote = quotes.get(question.evidence_passage)
            right = grading.correct_response(question, quote=quote)
            if right is None:  # an essay: typed, waiting for a person
                answers[q.id] = [
                    (
                        {
                            "text": 'Haig reads the letter as a sign of "nervousness"; Brezhnev '
                            "blames the new administration. " * 3
                        },
                        None,
                        "ungraded",
                    )
                ]
                continue
            blank = grading.blank_response(question)
            answers[q.id] = [(right, 1.0, "correct"), (right, 1.0, "correct"), (blank, 0.0, "unanswered")]
            if "choice" in right:
                wrong = next((c.id for c in question.choices if c.id != right["choice"]), None)
                if wrong:
                    answers[q.id].append(({"choice": wrong}, 0.0, "incorrect"))
            if "text" in right:
                answers[q.id].append(({"text": '=HYPERLINK("http://x")'}, 0.0, "incorrect"))

        quiz_rows, assignment_rows = [], []
        for n in range(assignments):
            chosen = [pool[(n * questions + k) % len(pool)] for k in range(questions)]
            quiz = Quiz(
                slug=f"bench-{n + 1}",
                title=f"Quiz {n + 1}",
                owner_id=owner.id,
                question_ids=[q.id for q in chosen],
                shuffle_questions=False,
                shuffle_choices=False,
            )
            db.session.add(quiz)
            quiz_rows.append((quiz, chosen))
        db.session.flush()
        for n, (quiz, chosen) in enumerate(quiz_rows):
            assignment = Assignment(
                class_id=class_.id,
                quiz_id=quiz.id,
                position=n + 1,
                closes_at=datetime(2027, 3, 1, tzinfo=UTC) + timedelta(days=7 * n),
            )
            db.session.add(assignment)
            assignment_rows.append((assignment, chosen))
        db.session.flush()

        users = [
            {
                "email": f"student{i:05d}@example.edu",
                "display_name": f"Student {i:05d} Lastname",
                "password_hash": "!no-password",
                "role": Role.STUDENT,
                "session_token": f"t{i}",
                "created_at": datetime.now(UTC),
            }
            for i in range(students)
        ]
        db.session.execute(insert(User), users)
        ids = db.session.scalars(select(User.id).where(User.email.like("student%")).order_by(User.id)).all()
        db.session.execute(
            insert(Membership),
            [
                {
                    "class_id": class_.id,
                    "user_id": uid,
                    "role": "student",
                    "section_id": sections[i % len(sections)],
                    "joined_at": datetime.now(UTC),
                }
                for i, uid in enumerate(ids)
            ],
        )
        db.session.execute(
            insert(Excusal),
            [
                {
                    "assignment_id": assignment_rows[i % assignments][0].id,
                    "user_id": uid,
                    "excused_at": datetime.now(UTC),
                }
                for i, uid in enumerate(ids)
                if i % 50 == 7
            ],
        )
        db.session.commit()

        start = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
        attempt_id = 0
        attempts, items = [], []

        def flush() -> None:
            if attempts:
                db.session.execute(insert(Attempt), attempts)
                attempts.clear()
            if items:
                db.session.execute(insert(AttemptItem), items)
                items.clear()

        for s_index, uid in enumerate(ids):
            for a_index, (assignment, chosen) in enumerate(assignment_rows):
                draw = rng.random()
                if draw < 0.04:
                    continue  # not started
                attempt_id += 1
                submitted = draw >= 0.08
                began = start + timedelta(days=7 * a_index, minutes=s_index % 600)
                total = max_total = 0.0
                for position, question in enumerate(chosen, 1):
                    response, fraction, status = rng.choice(answers[question.id])
                    points = question.current_version.points
                    score = None if fraction is None or not submitted else fraction * points
                    total += score or 0.0
                    max_total += points
                    items.append(
                        {
                            "attempt_id": attempt_id,
                            "position": position,
                            "question_version_id": question.current_version.id,
                            "response": response,
                            "response_seq": position,
                            "saved_at": began,
                            "score": score,
                            "max_score": points,
                            "status": status if submitted else None,
                            "comment": "",
                        }
                    )
                attempts.append(
                    {
                        "id": attempt_id,
                        "quiz_id": assignment.quiz_id,
                        "user_id": uid,
                        "assignment_id": assignment.id,
                        "practice": False,
                        "seed": f"{attempt_id:016x}",
                        "state": "submitted" if submitted else "in_progress",
                        "started_at": began,
                        "submitted_at": began + timedelta(minutes=20) if submitted else None,
                        "auto_submitted": False,
                        "score": total if submitted else None,
                        "max_score": max_total,
                    }
                )
                if len(items) >= BATCH:
                    flush()
        flush()
        db.session.commit()
        class_id = class_.id
        db.engine.dispose()
    return class_id


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run_one(name: str, path: Path, class_id: int) -> dict:
    from studyapp.domain import exports, gradebook
    from studyapp.extensions import db
    from studyapp.models import Class

    app = app_for(path)
    with app.app_context():
        class_ = db.session.get(Class, class_id)
        if name == "gradebook page":
            began, cpu = time.perf_counter(), time.process_time()
            book = gradebook.gradebook(class_)
            gradebook.sort_rows(book, f"a{book.columns[0].assignment.id}", True)
            return {
                "name": name,
                "rows": len(book.rows),
                "bytes": 0,
                "seconds": time.perf_counter() - began,
                "cpu": time.process_time() - cpu,
                "tracemalloc_peak_mb": 0.0,
                "maxrss_mb": maxrss_mb(),
            }
        kind, fmt = name.split(".")
        baseline = maxrss_mb()
        began, cpu = time.perf_counter(), time.process_time()
        size = rows = 0
        for chunk in exports.export(class_, kind, fmt).chunks:
            size += len(chunk)
            if fmt == "csv":
                rows += chunk.count(b"\r\n")
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
        after = maxrss_mb()
        db.session.rollback()
        tracemalloc.start()
        for _ in exports.export(class_, kind, fmt).chunks:
            pass
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return {
            "name": name,
            "rows": rows,
            "bytes": size,
            "seconds": seconds,
            "cpu": cpu,
            "tracemalloc_peak_mb": peak / 2**20,
            "maxrss_mb": after,
            "maxrss_before_mb": baseline,
        }


def run_child(name: str, path: Path, class_id: int) -> dict:
    """Run one export in a child process of its own (so its maximum resident set size is its own)."""
    command = [sys.executable, __file__, "--one", name, "--db", str(path), "--class-id", str(class_id)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"{name} failed: {last[:300]}")
    return json.loads(done.stdout)


def growth(args) -> int:
    """Time the responses export at about 48,000 and 480,000 rows and say how its cost grows."""
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="studyapp-bench-") as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        results: dict[str, list[dict]] = {"responses.csv": [], "responses.xlsx": []}
        for students in GROWTH_STUDENTS:
            path = folder / f"growth-{students}.sqlite3"
            if not (args.reuse and path.exists()):
                path.unlink(missing_ok=True)
                began = time.perf_counter()
                build(path, students, args.assignments, args.questions)
                print(f"({students:,} students: database built in {time.perf_counter() - began:.1f} s)")
            answers = 0
            for name, found in results.items():  # the CSV first: its lines count the rows of both
                result = run_child(name, path, 1)
                answers = answers or result["rows"] - 1  # less the header
                result["answers"] = answers
                found.append(result)
                print(
                    f"{name:<15}{answers:>9,} rows: {result['seconds']:.2f} s, "
                    f"{answers / result['seconds']:>9,.0f} rows/s (CPU {result['cpu']:.2f} s), "
                    f"peak {result['maxrss_mb']:.0f} MB "
                    f"(+{result['maxrss_mb'] - result['maxrss_before_mb']:.0f} MB during the export; "
                    f"Python allocations {result['tracemalloc_peak_mb']:.1f} MB)"
                )
    failed = False
    for name, (small, large) in results.items():
        rows, seconds = large["answers"] / small["answers"], large["seconds"] / small["seconds"]
        exponent = math.log(seconds) / math.log(rows)
        if exponent < 0.9:  # the start (questions parsed, statements compiled) weighs on the small class
            shape = "linear, after a fixed start"
        elif exponent < 1.15:
            shape = "linear"
        else:
            shape = "worse than linear" if exponent < 1.5 else "much worse than linear"
        memory = large["tracemalloc_peak_mb"] / small["tracemalloc_peak_mb"]
        cpu = large["cpu"] / small["cpu"]
        print(
            f"{name}: ×{rows:.1f} rows → ×{seconds:.1f} time: {shape} (time ~ rows^{exponent:.2f}; "
            f"×{cpu:.1f} CPU time); ×{memory:.1f} peak Python allocations"
        )
        rate = large["answers"] / large["seconds"]
        if name.endswith(".csv") and rate < GROWTH_RATE_TARGET:
            print(f"{name}: {rate:,.0f} rows/s at the larger size: MISSED the {GROWTH_RATE_TARGET:,} rows/s target")
            failed = True
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--assignments", type=int, default=50)
    parser.add_argument("--questions", type=int, default=10, help="questions per assignment (default 10)")
    parser.add_argument(
        "--keep", type=Path, help="build the database at this path (with --growth: in this folder) and keep it"
    )
    parser.add_argument("--reuse", action="store_true", help="with --keep: use the database already there")
    parser.add_argument(
        "--growth",
        action="store_true",
        help="time the responses export at about 48,000 and 480,000 rows and say how its cost grows",
    )
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--class-id", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.db, args.class_id)))
        return 0
    if args.growth:
        return growth(args)

    with tempfile.TemporaryDirectory(prefix="studyapp-bench-") as scratch:
        path = args.keep or Path(scratch) / "bench.sqlite3"
        began = time.perf_counter()
        if args.reuse and path.exists():
            class_id = 1
        else:
            if path.exists():
                path.unlink()
            class_id = build(path, args.students, args.assignments, args.questions)
        print(
            f"class: {args.students:,} students x {args.assignments} assignments x {args.questions} questions; "
            f"database ready in {time.perf_counter() - began:.1f} s ({path.stat().st_size / 2**20:.0f} MB)"
        )
        print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
        print(
            f"{'export':<16}{'rows':>10}{'size MB':>9}{'time s':>8}{'cpu s':>7}{'tracemalloc MB':>16}"
            f"{'maxrss MB':>11}  target"
        )
        failed = False
        for name in (*EXPORTS, "gradebook page"):
            try:
                result = run_child(name, path, class_id)
            except RuntimeError as error:
                failed |= name != "gradebook page"
                print(f"{name:<16}{error}")
                continue
            ok = result["seconds"] < TIME_TARGET_S and result["maxrss_mb"] < MEMORY_TARGET_MB
            if name == "gradebook page":  # no target: the page is meant for 300 x 30 (--students 300 --assignments 30)
                verdict = "info"
            else:
                failed |= not ok
                verdict = "ok" if ok else "MISSED"
            print(
                f"{name:<16}{result['rows']:>10,}{result['bytes'] / 2**20:>9.1f}{result['seconds']:>8.2f}"
                f"{result['cpu']:>7.2f}{result['tracemalloc_peak_mb']:>16.2f}{result['maxrss_mb']:>11.1f}  {verdict}"
            )
        print("(rows: CSV lines written, header rows included; maxrss is the whole child process)")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
