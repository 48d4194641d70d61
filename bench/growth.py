"""How cost grows with size: one line per measure, saying how its time grows as the data grows tenfold.

    .venv/bin/python bench/growth.py [--quick] [--json PATH] [--runs N] [--cache-dir DIR] [--no-cache]
                                     [--students 30,300] [--answers 10,100] [--questions 100,1000]

A target at one size ("under 2 s for 10,000 questions") says nothing of the next size up; a cost
that grows faster than the data does is the one that hurts as schools grow. Each measure here runs
at sizes ten times apart, in this process, timed on its CPU time (`time.process_time`: wall time
also counts whatever else the machine runs), the median of several runs after one untimed run that
fills the caches. The growth exponent log(t2/t1) / log(n2/n1) of the two largest sizes (where fixed
costs weigh least) names the growth: under 0.3 about constant, up to 0.8 sublinear, up to 1.2 about
linear, above that superlinear.

The measures and their data:

- The gradebook (`domain.gradebook.gradebook`) of the year group's course at 30, 300 and 3,000
  students x 20 assignments. Each size is a fresh SQLite file seeded by bench/seed.py
  (`SeedPlan(students=N, quizzes=20, classes=N/30, questions=10)`: retakes, skips, excusals and
  essays at the seed's usual rates; 10 questions a quiz, as the shipped theme quizzes draw 8 to 10,
  so the largest file holds some 660,000 answers; no exam papers, which are not the course's).
  The seed writes the attempts in bulk and rebuilds the points read model after them.
- A student's dashboard (`domain.mastery.dashboard`) with 10, 100 and 1,000 past answers: a class
  of 30 students seeded with 1, 10 and 100 quizzes of 10 questions (one essay each), each taken
  exactly once by everyone (no retakes, skips or excusals), so every student has exactly that many
  answers, in submitted attempts (graded, but for a tenth of the essays), with their misses in the
  review queue.
- Parsing and validating 1,000 and 10,000 questions: the banks of bench/parse_questions.py,
  generated in memory and parsed from bytes.
- The responses export at about 48,000 and 480,000 rows, measured from a database by the export
  benchmark's own `--growth` (bench/exports_db.py, or bench/exports.py should it offer one) in a
  child process, its growth lines repeated here.

Both database measures run with production settings (`STUDYAPP_ENV=production`) inside an app
context; the session is expired before each run, so each run reads its rows from the database.
Seeding 3,000 students takes minutes: the seeded files are kept in the temp directory, named after
the plan and the code, migrations and content that build them, so a second run starts at once
(`--no-cache` builds them afresh). `--quick` measures small sizes only (30 and 300 students, 10 and 100 answers,
100 and 1,000 questions, no export), for a smoke test; `--students`, `--answers` and `--questions`
choose other sizes.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import logging
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.seed import SeedPlan  # noqa: E402

GRADEBOOK_STUDENTS = (30, 300, 3_000)
GRADEBOOK_ASSIGNMENTS = 20
DASHBOARD_ANSWERS = (10, 100, 1_000)
QUESTIONS_PER_QUIZ = 10
CLASS_SIZE = 30
QUESTION_COUNTS = (1_000, 10_000)
QUICK = {"gradebook": (30, 300), "dashboard": (10, 100), "questions": (100, 1_000)}
RUNS = 5
#: Growth exponent thresholds and their names.
CLASSES = ((0.3, "about constant"), (0.8, "sublinear"), (1.2, "about linear"), (math.inf, "superlinear"))
CACHE = Path(tempfile.gettempdir()) / "studyapp-growth"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- measuring and describing ----------------------------------------------------------------------------


@dataclass
class Growth:
    """One measure at several sizes: the median CPU seconds at each."""

    name: str
    unit: str
    sizes: list[int] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    runs: list[list[float]] = field(default_factory=list)

    def add(self, size: int, runs: list[float]) -> None:
        self.sizes.append(size)
        self.runs.append(runs)
        self.seconds.append(statistics.median(runs))

    def exponent(self) -> float | None:
        """The growth exponent between the two largest sizes."""
        if len(self.sizes) < 2:
            return None
        (n1, n2), (t1, t2) = self.sizes[-2:], self.seconds[-2:]
        if t1 <= 0 or t2 <= 0:
            return None
        return math.log(t2 / t1) / math.log(n2 / n1)

    def line(self) -> str:
        parts = [f"{self.name}  {self.sizes[0]:,} {self.unit}: {duration(self.seconds[0])}"]
        previous_ratio = None
        for k in range(1, len(self.sizes)):
            size_ratio = self.sizes[k] / self.sizes[k - 1]
            time_ratio = self.seconds[k] / self.seconds[k - 1] if self.seconds[k - 1] > 0 else math.inf
            ratios = (
                f"×{ratio(time_ratio)}"
                if size_ratio == previous_ratio
                else f"×{ratio(size_ratio)} size → ×{ratio(time_ratio)} time"
            )
            parts.append(f"{self.sizes[k]:,}: {duration(self.seconds[k])} ({ratios})")
            previous_ratio = size_ratio
        exponent = self.exponent()
        verdict = "" if exponent is None else f": {classify(exponent)} (exponent {exponent:.2f})"
        return " · ".join(parts) + verdict

    def as_json(self) -> dict:
        exponent = self.exponent()
        return {
            "name": self.name,
            "unit": self.unit,
            "sizes": self.sizes,
            "median_cpu_seconds": self.seconds,
            "runs_cpu_seconds": self.runs,
            "exponent": exponent,
            "growth": None if exponent is None else classify(exponent),
        }


def classify(exponent: float) -> str:
    return next(name for limit, name in CLASSES if exponent < limit)


def duration(seconds: float) -> str:
    """Three significant figures: 12.1 ms, 95.0 ms, 1.02 s."""
    value, unit = (seconds, "s") if seconds >= 1 else (seconds * 1000, "ms")
    digits = 2 if value < 10 else 1 if value < 100 else 0
    return f"{value:.{digits}f} {unit}"


def ratio(value: float) -> str:
    if value == int(value) and value < 1000:
        return f"{int(value)}"
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def cpu_runs(run, runs: int, before=None) -> list[float]:
    """CPU seconds of `runs` calls of `run` after one untimed call; `before` (untimed) precedes each."""
    timed = []
    for n in range(runs + 1):
        if before:
            before()
        gc.collect()
        started = time.process_time()
        run()
        elapsed = time.process_time() - started
        if n:
            timed.append(elapsed)
    return timed


# --- seeded databases --------------------------------------------------------------------------------------


def _fingerprint() -> str:
    """What a seeded file depends on besides its plan: the seed, the app's code (its services build the
    rows, the points read model among them), the migrations and the shipped content."""
    digest = hashlib.sha256()
    code = sorted((ROOT / "studyapp").rglob("*.py")) + sorted((ROOT / "migrations").rglob("*.py"))
    for path in (ROOT / "bench" / "seed.py", *code):
        digest.update(path.read_bytes())
    for path in sorted((ROOT / "content").rglob("*")):
        if path.is_file():
            stat = path.stat()
            digest.update(f"{path.relative_to(ROOT)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:12]


def seeded_database(plan: SeedPlan, cache: Path = CACHE, *, reuse: bool = True) -> tuple[str, dict]:
    """The URI of a SQLite file seeded with `plan` and the seed's manifest (ids and emails), kept in the
    directory `cache` and taken from it when there and `reuse` is true."""
    from bench import databases
    from bench.seed import seed

    cache.mkdir(parents=True, exist_ok=True)
    code, key = _fingerprint(), hashlib.sha256(repr(plan).encode()).hexdigest()[:12]
    path, manifest = cache / f"seed-{code}-{key}.sqlite3", cache / f"seed-{code}-{key}.json"
    if reuse and path.exists() and manifest.exists():
        return f"sqlite:///{path}", json.loads(manifest.read_text())
    for stale in cache.glob("seed-*"):  # built by other code: never to be read again
        if not stale.name.startswith(f"seed-{code}-"):
            stale.unlink(missing_ok=True)
    building = path.with_suffix(f".building-{os.getpid()}")
    building.unlink(missing_ok=True)
    uri = f"sqlite:///{building}"
    log(f"growth: seeding {plan.students:,} students x {plan.quizzes} quizzes of {plan.questions} questions")
    logging.disable(logging.INFO)  # the migrations' log of every revision
    try:
        databases.migrate(uri)
    finally:
        logging.disable(logging.NOTSET)
    from studyapp import create_app
    from studyapp.extensions import db

    app = create_app(databases.app_config(uri))
    seeded = seed(app, plan, log=log)
    with app.app_context():
        db.engine.dispose()
    log(f"growth: seeded in {seeded.seconds:.0f} s: {seeded.counts}")
    manifest.write_text(json.dumps(seeded.__dict__, default=str))
    building.replace(path)
    return f"sqlite:///{path}", seeded.__dict__


@contextmanager
def production_app(uri: str):
    """An app on `uri` with production settings, inside its app context."""
    from studyapp import create_app
    from studyapp.extensions import db

    saved = os.environ.get("STUDYAPP_ENV")
    os.environ["STUDYAPP_ENV"] = "production"
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "growth", "RATELIMIT_ENABLED": False})
    finally:
        if saved is None:
            os.environ.pop("STUDYAPP_ENV", None)
        else:
            os.environ["STUDYAPP_ENV"] = saved
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def gradebook_plan(students: int) -> SeedPlan:
    return SeedPlan(
        students=students,
        classes=max(1, students // CLASS_SIZE),
        quizzes=GRADEBOOK_ASSIGNMENTS,
        questions=QUESTIONS_PER_QUIZ,
        papers=0,
    )


def dashboard_plan(answers: int) -> SeedPlan:
    quizzes, extra = divmod(answers, QUESTIONS_PER_QUIZ)
    if extra or not quizzes:
        raise ValueError(f"{answers} answers is not a whole number of quizzes of {QUESTIONS_PER_QUIZ}")
    return SeedPlan(
        students=CLASS_SIZE,
        classes=1,
        quizzes=quizzes,
        questions=QUESTIONS_PER_QUIZ,
        papers=0,
        retake_rate=0.0,
        skip_rate=0.0,
        excuse_rate=0.0,
    )


def measure_gradebook(sizes, runs: int, cache: Path = CACHE, *, reuse: bool = True) -> Growth:
    from studyapp.domain.gradebook import gradebook
    from studyapp.extensions import db
    from studyapp.models import Class

    growth = Growth("gradebook", "students")
    for students in sizes:
        uri, seeded = seeded_database(gradebook_plan(students), cache, reuse=reuse)
        with production_app(uri):
            course = db.session.get(Class, seeded["course_id"])
            rows = len(gradebook(course).rows)
            if rows != students:
                raise SystemExit(f"the gradebook of {students} students has {rows} rows")
            growth.add(students, cpu_runs(partial(gradebook, course), runs, before=db.session.expire_all))
        log(f"growth: gradebook of {students:,} students: {duration(growth.seconds[-1])}")
    return growth


def measure_dashboard(sizes, runs: int, cache: Path = CACHE, *, reuse: bool = True) -> Growth:
    from sqlalchemy import func, select

    from studyapp.domain.mastery import dashboard
    from studyapp.extensions import db
    from studyapp.models import Attempt, AttemptItem, User
    from studyapp.models.attempts import SUBMITTED

    growth = Growth("dashboard", "answers")
    for answers in sizes:
        uri, seeded = seeded_database(dashboard_plan(answers), cache, reuse=reuse)
        with production_app(uri):
            student = db.session.scalar(select(User).where(User.email == seeded["student_emails"][0]))
            given = db.session.scalar(
                select(func.count())
                .select_from(AttemptItem)
                .join(Attempt, Attempt.id == AttemptItem.attempt_id)
                .where(Attempt.user_id == student.id, Attempt.state == SUBMITTED)
            )
            if given != answers:
                raise SystemExit(f"the dashboard's student has {given} answers, not {answers}")
            growth.add(answers, cpu_runs(partial(dashboard, student), runs, before=db.session.expire_all))
        log(f"growth: dashboard with {answers:,} answers: {duration(growth.seconds[-1])}")
    return growth


def measure_questions(sizes, runs: int) -> Growth:
    from bench.parse_questions import make_banks, parse_and_validate

    growth = Growth("parse+validate", "questions")
    for count in sizes:
        questions, banks = make_banks(count)
        parsed, errors, _ = parse_and_validate(banks)
        if errors or parsed != questions:
            raise SystemExit(f"{count} questions: {len(errors)} error(s); first: {errors[:1]}")
        del parsed
        growth.add(count, cpu_runs(partial(parse_and_validate, banks), runs))
        log(f"growth: {count:,} questions: {duration(growth.seconds[-1])}")
    return growth


# --- the export, measured by its own script ---------------------------------------------------------------


def export_script() -> Path | None:
    """The export benchmark that offers `--growth`, if one does yet."""
    for name in ("exports.py", "exports_db.py"):
        path = ROOT / "bench" / name
        if path.exists() and '"--growth"' in path.read_text(encoding="utf-8"):
            return path
    return None


def measure_export() -> dict:
    """Run the export's own growth measure in a child process (its memory and its imports stay its own).

    Its lines saying how time grows with the rows (those with an arrow) and any missed target are
    repeated here with each format's time, rows a second and memory at each size; the rest of what it
    prints goes to stderr and the JSON.
    """
    script = export_script()
    if script is None:
        return {"script": None, "lines": ["responses export: run bench/exports.py --growth"]}
    name = f"bench/{script.name}"
    log(f"growth: running {name} --growth")
    completed = subprocess.run(
        [sys.executable, name, "--growth"], cwd=ROOT, capture_output=True, text=True, timeout=3600
    )
    output = [line for line in completed.stdout.splitlines() if line.strip()]
    for line in output:
        log(f"{name}: {line}")
    lines = [line for line in output if "→" in line or "rows/s" in line or "MISSED" in line] or output
    if completed.returncode != 0:
        # A missed target is said in its output; anything else, by the last line of its stderr.
        tail = completed.stderr.strip().splitlines()
        reason = "a target missed" if any("MISSED" in line for line in output) else tail[-1] if tail else ""
        lines.append(
            f"responses export: {name} --growth exited with status {completed.returncode}"
            + (f" ({reason})" if reason else "")
        )
    return {"script": name, "returncode": completed.returncode, "output": output, "lines": lines}


def _sizes(text: str) -> tuple[int, ...]:
    sizes = tuple(int(part.replace("_", "")) for part in text.split(","))
    if len(sizes) < 2 or any(n <= 0 for n in sizes) or list(sizes) != sorted(set(sizes)):
        raise argparse.ArgumentTypeError("two or more increasing sizes, comma-separated")
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only, and no export")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--runs", type=int, help=f"timed runs per size (default {RUNS}, 3 with --quick)")
    parser.add_argument("--cache-dir", type=Path, default=CACHE, help=f"where seeded files are kept ({CACHE})")
    parser.add_argument("--no-cache", action="store_true", help="seed the databases afresh (into the cache)")
    parser.add_argument("--students", type=_sizes, help="the gradebook's sizes instead, e.g. 30,300")
    parser.add_argument("--answers", type=_sizes, help="the dashboard's sizes instead, e.g. 10,100")
    parser.add_argument("--questions", type=_sizes, help="the parser's sizes instead, e.g. 100,1000")
    args = parser.parse_args(argv)
    runs = args.runs or (3 if args.quick else RUNS)
    started = time.perf_counter()
    sizes = (
        dict(QUICK)
        if args.quick
        else {
            "gradebook": GRADEBOOK_STUDENTS,
            "dashboard": DASHBOARD_ANSWERS,
            "questions": QUESTION_COUNTS,
        }
    )
    for name, given in (("gradebook", args.students), ("dashboard", args.answers), ("questions", args.questions)):
        if given:
            sizes[name] = given
    measures = []
    for measure in (
        lambda: measure_gradebook(sizes["gradebook"], runs, args.cache_dir, reuse=not args.no_cache),
        lambda: measure_dashboard(sizes["dashboard"], runs, args.cache_dir, reuse=not args.no_cache),
        lambda: measure_questions(sizes["questions"], runs),
    ):
        growth = measure()
        print(growth.line(), flush=True)
        measures.append(growth)
    if args.quick:
        export = {"script": None, "lines": ["responses export: skipped with --quick (bench/exports.py --growth)"]}
    else:
        export = measure_export()
    for line in export["lines"]:
        print(line, flush=True)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "runs": runs,
                    "quick": args.quick,
                    "clock": "process_time (CPU seconds), median of the runs",
                    "measures": [m.as_json() for m in measures],
                    "export": export,
                    "seconds": time.perf_counter() - started,
                },
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
