"""Time and peak memory of each class export for 1,000 students x 50 assignments.

Run: .venv/bin/python bench/exports.py [--students N] [--assignments N] [--questions N] [--cells]

Each export runs in a child process of its own, so each one's maximum resident set size
(getrusage) is its own: the export's stream is consumed into a null sink, timed once without
tracemalloc, then run again under tracemalloc for the peak of Python allocations. Targets:
under 2 s and under 200 MB each; the exit status is 1 when one is missed.

The responses export has one row per student x assignment x question: 10 questions per
assignment by default (the shipped theme quizzes draw 8 to 10), so 500,000 rows. It is written
as the service writes it (`responses_csv` / `responses_xlsx`, fed one group per attempt);
`--cells` adds the same rows through the general writers (`responses_rows` into `csv_stream` /
`xlsx_stream`), for comparison. The database path, and how the cost grows with the class, is
measured by bench/exports_db.py (`--growth`).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from studyapp.core.exports import (
    EXCUSED,
    GradebookAssignment,
    GradebookStudent,
    ResponseAnswer,
    ResponseAttempt,
    canvas_gradebook,
    csv_stream,
    response_records,
    response_text,
    responses_csv,
    responses_rows,
    responses_xlsx,
    xlsx_stream,
)
from studyapp.core.grading import item_ids, right_ids
from studyapp.core.qformat.model import Choice, Pair, Question

EXPORTS = ("gradebook.csv", "gradebook.xlsx", "responses.csv", "responses.xlsx")
#: The responses through the general writers (`responses_rows` into `csv_stream` / `xlsx_stream`), with --cells.
CELLS_EXPORTS = ("responses-cells.csv", "responses-cells.xlsx")
TIME_TARGET_S = 2.0
MEMORY_TARGET_MB = 200.0
THEMES = (
    "linkage",
    "afghanistan",
    "detente",
    "arms-control",
    "middle-east",
    "cold-war-origins",
    "cuba-nicaragua",
    "summit",
    "tone-and-intent",
    "carter-legacy",
    "sourcing",
)
SECTIONS = ("Section 1", "Section 2", "Section 3", "Section 4")


def sample_questions() -> list[tuple[Question, list[dict]]]:
    """A few questions of several types, each with the responses students typically give."""
    base = dict(prompt="...", explanation="...", themes=("linkage",), passages=("memo-linkage",), difficulty=2)
    single = Question(
        id="q-single",
        type="single",
        choices=(
            Choice("a", "Brezhnev's, from his letter", False),
            Choice("b", "Dobrynin's, as Haig reports them", True),
            Choice("c", "Haig's own judgement", False),
            Choice("d", "The Executive Secretariat's summary", False),
        ),
        **base,
    )
    multiple = Question(
        id="q-multiple",
        type="multiple",
        choices=(
            Choice("a", "Afghanistan", True),
            Choice("b", "Cuba", True),
            Choice("c", "Poland", False),
            Choice("d", "Nicaragua", False),
        ),
        **base,
    )
    ordering = Question(
        id="q-ordering",
        type="ordering",
        items=("The 1973 meeting at Casa Pacifica", "The party congress", "Reagan's letter", "Dobrynin's visit"),
        **base,
    )
    matching = Question(
        id="q-matching",
        type="matching",
        pairs=(
            Pair("a", "Haig", "Secretary of State"),
            Pair("b", "Dobrynin", "Ambassador"),
            Pair("c", "Brezhnev", "General Secretary"),
        ),
        **base,
    )
    short = Question(id="q-short", type="short", answers=("linkage",), **base)
    essay = Question(id="q-essay", type="essay", rubric="...", **base)
    items, rights = item_ids(ordering), right_ids(matching)
    return [
        (single, [{"choice": "b"}, {"choice": "a"}, {"choice": "c"}]),
        (multiple, [{"choices": ["a", "b"]}, {"choices": ["a", "c"]}]),
        (ordering, [{"order": list(items)}, {"order": [items[1], items[0], items[2], items[3]]}]),
        (
            matching,
            [{"matches": dict(zip("abc", rights))}, {"matches": {"a": rights[1], "b": rights[0], "c": rights[2]}}],
        ),
        (short, [{"text": "linkage"}, {"text": "détente"}, {"text": '=HYPERLINK("http://x")'}]),
        (essay, [{"text": 'Haig reads the letter as a sign of "nervousness", and says so,\nbut hedges.'}]),
    ]


def class_data(students: int, assignments: int):
    rng = random.Random(58)
    works = [
        GradebookAssignment(1000 + i, f"Quiz {i + 1}: {THEMES[i % len(THEMES)]}", 10.0) for i in range(assignments)
    ]
    people = []
    for i in range(students):
        scores: dict[int, float | str | None] = {}
        for work in works:
            draw = rng.random()
            if draw < 0.85:
                scores[work.id] = round(rng.uniform(0, 10), 2)
            elif draw < 0.90:
                scores[work.id] = EXCUSED
        people.append(
            GradebookStudent(
                i + 1,
                f"Student {i + 1:04d} Lastname",
                f"student{i + 1:04d}@example.edu",
                SECTIONS[i % len(SECTIONS)],
                scores,
            )
        )
    return people, works


def response_groups(people, works, questions_per_assignment: int):
    """Yield one group per student x assignment (an attempt) of one answer per question, built lazily as the
    query would: an answer given before is the same `ResponseAnswer`, as the service shares them."""
    pool = sample_questions()
    rendered = [[response_text(q, r) for r in responses] for q, responses in pool]
    shared: dict[tuple[str, tuple[str, ...], str], ResponseAnswer] = {}
    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    for s_index, person in enumerate(people):
        for a_index, work in enumerate(works):
            submitted = start + timedelta(minutes=a_index * 1440 + s_index)
            attempt = ResponseAttempt("History 101", person.section, work.title, person.name, 1, submitted)
            answers = []
            for k in range(questions_per_assignment):
                kind = (a_index + k) % len(pool)
                question = pool[kind][0]
                texts = rendered[kind]
                score = None if question.type == "essay" and s_index % 3 else float((s_index + k) % 2)
                key = (f"{question.id}-{k}", (THEMES[k % len(THEMES)], THEMES[a_index % len(THEMES)]))
                text = texts[(s_index + k) % len(texts)]
                answer = shared.get((*key, text))
                if answer is None:
                    answer = shared[(*key, text)] = ResponseAnswer(*key, text)
                answers.append((answer, score, 1.0))
            yield attempt, answers


def stream_for(name: str, people, works, questions: int):
    if name.startswith("gradebook"):
        header, rows = canvas_gradebook(people, works)
        sheet = "Gradebook"
    elif name.startswith("responses-cells"):  # the general writers, fed each row's cells
        header, rows = responses_rows(response_records(response_groups(people, works, questions)))
        sheet = "Responses"
    else:  # as the service writes the responses
        groups = response_groups(people, works, questions)
        return responses_csv(groups) if name.endswith(".csv") else responses_xlsx("Responses", groups)
    return csv_stream(header, rows) if name.endswith(".csv") else xlsx_stream(sheet, header, rows)


def consume(chunks) -> tuple[int, int]:
    """Drain a stream into nothing; return (bytes, chunks)."""
    size = count = 0
    for chunk in chunks:
        size += len(chunk)
        count += 1
    return size, count


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run_one(name: str, args) -> dict:
    people, works = class_data(args.students, args.assignments)
    baseline = maxrss_mb()
    began, cpu_began = time.perf_counter(), time.process_time()
    size, count = consume(stream_for(name, people, works, args.questions))
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu_began
    after = maxrss_mb()
    tracemalloc.start()
    consume(stream_for(name, people, works, args.questions))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rows = args.students if name.startswith("gradebook") else args.students * args.assignments * args.questions
    return {
        "name": name,
        "rows": rows,
        "bytes": size,
        "chunks": count,
        "seconds": seconds,
        "cpu": cpu,
        "tracemalloc_peak_mb": peak / 2**20,
        "maxrss_mb": after,
        "maxrss_before_mb": baseline,
    }


def rows_only_seconds(args) -> float:
    """How long the responses' rows take to make, without writing them anywhere."""
    people, works = class_data(args.students, args.assignments)
    began = time.perf_counter()
    for _, answers in response_groups(people, works, args.questions):
        for _ in answers:
            pass
    return time.perf_counter() - began


def render_rate() -> float:
    """Responses rendered to text per second (the service renders each stored response once)."""
    pool = sample_questions()
    pairs = [(q, r) for q, responses in pool for r in responses]
    began = time.perf_counter()
    n = 0
    while time.perf_counter() - began < 0.5:
        for question, response in pairs:
            response_text(question, response)
        n += len(pairs)
    return n / (time.perf_counter() - began)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--assignments", type=int, default=50)
    parser.add_argument("--questions", type=int, default=10, help="questions per assignment (default 10)")
    parser.add_argument(
        "--cells", action="store_true", help="also write the responses through the general writers, for comparison"
    )
    parser.add_argument("--one", choices=EXPORTS + CELLS_EXPORTS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args)))
        return 0

    print(
        f"class: {args.students} students x {args.assignments} assignments; responses: "
        f"{args.questions} questions per assignment = {args.students * args.assignments * args.questions:,} rows"
    )
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(
        f"{'export':<22}{'rows':>10}{'size MB':>9}{'time s':>8}{'cpu s':>7}{'rows/s':>10}"
        f"{'tracemalloc MB':>16}{'maxrss MB':>11}  target"
    )
    failed = False
    for name in EXPORTS + (CELLS_EXPORTS if args.cells else ()):
        command = [
            sys.executable,
            __file__,
            "--one",
            name,
            "--students",
            str(args.students),
            "--assignments",
            str(args.assignments),
            "--questions",
            str(args.questions),
        ]
        result = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
        ok = result["seconds"] < TIME_TARGET_S and result["maxrss_mb"] < MEMORY_TARGET_MB
        failed |= not ok
        print(
            f"{name:<22}{result['rows']:>10,}{result['bytes'] / 2**20:>9.1f}{result['seconds']:>8.2f}"
            f"{result['cpu']:>7.2f}{result['rows'] / result['seconds']:>10,.0f}"
            f"{result['tracemalloc_peak_mb']:>16.2f}{result['maxrss_mb']:>11.1f}  {'ok' if ok else 'MISSED'}"
        )
    print(
        f"(maxrss is the whole process, data included; before the export it was about "
        f"{result['maxrss_before_mb']:.0f} MB)"
    )
    print(f"of which making the synthetic response rows alone (no writer): {rows_only_seconds(args):.2f} s")
    print(f"response_text: {render_rate():,.0f} responses rendered per second")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
