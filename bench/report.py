"""The benchmark's results: targets, students per core, the JSON record, the Markdown table, the README section."""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

from bench.plans import ENDPOINTS, FLOOR_OF, INSTRUCTOR_CONNECTIONS, STUDENT_FACING

#: CPU per request of the floor (a signed-in page, or a one-row write: bench/floor.py) over the endpoint's,
#: in the same run: 1.0 is as cheap as the naive signed-in page; 0.05 is twenty floor pages.
FLOOR_TARGETS = {
    "reading": 1.0,
    "quiz_page": 0.6,
    "autosave": 0.8,
    "submission": 0.3,
    "dashboard": 0.5,
    "gradebook": 0.05,
}
#: Students taking a quiz at once per CPU core, at least.
CAPACITY_TARGET = 10_000
#: The p95 every student-facing endpoint must stay under at P95_CONNECTIONS.
P95_TARGET_MS = 50.0
P95_CONNECTIONS = 32
#: One page view or save per student every this many seconds, while taking a quiz.
SECONDS_PER_REQUEST = 30
DATABASE_LABELS = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
README_HEADING = "## Performance"


def machine(pg_version: str | None) -> dict:
    """What the numbers were measured on."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    wrk = None
    if shutil.which("wrk"):
        out = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
        wrk = (out.stdout or out.stderr).splitlines()[0].strip() if (out.stdout or out.stderr) else "wrk"
    import gunicorn

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": memory_gb,
        "os": platform.platform(),
        "python": platform.python_version(),
        "gunicorn": gunicorn.__version__,
        "wrk": wrk,
        "postgresql": pg_version,
        "sqlite": sqlite3.sqlite_version,
    }


def targets(runs: list[dict], levels: list[int]) -> list[dict]:
    """Every target checked against every run it applies to."""
    checks = []
    for run in runs:
        if run["endpoint"] in FLOOR_TARGETS and run.get("floor_ratio") is not None:
            target = FLOOR_TARGETS[run["endpoint"]]
            checks.append(
                dict(
                    database=run["database"],
                    endpoint=run["endpoint"],
                    connections=run["connections"],
                    kind="floor",
                    target=target,
                    value=run["floor_ratio"],
                    met=run["floor_ratio"] >= target,
                )
            )
        if run["endpoint"] in STUDENT_FACING and run["connections"] == P95_CONNECTIONS:
            checks.append(
                dict(
                    database=run["database"],
                    endpoint=run["endpoint"],
                    connections=run["connections"],
                    kind="p95_ms",
                    target=P95_TARGET_MS,
                    value=run["p95_ms"],
                    met=run["p95_ms"] < P95_TARGET_MS,
                )
            )
    return checks


def capacity(runs: list[dict], cores: int, connections: int) -> dict:
    """Students per core taking a quiz at once, from the quiz page and autosave rates at `connections`.

    Each student sends one request every SECONDS_PER_REQUEST seconds, half page views and half saves,
    so the server's mixed rate is the harmonic mean of the two, and students = rate x 30 s.
    """
    found = {}
    for database in {r["database"] for r in runs}:
        rates = {r["endpoint"]: r["rps"] for r in runs if r["database"] == database and r["connections"] == connections}
        page, save = rates.get("quiz_page"), rates.get("autosave")
        if not page or not save:
            continue
        mixed = 1 / (0.5 / page + 0.5 / save)
        found[database] = {
            "connections": connections,
            "quiz_page_rps": page,
            "autosave_rps": save,
            "mixed_rps": mixed,
            "students": mixed * SECONDS_PER_REQUEST,
            "students_per_core": mixed * SECONDS_PER_REQUEST / cores,
        }
    return found


def write(results: dict, out_dir: Path, name: str) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out_dir / f"{name}.json", out_dir / f"{name}.md"
    json_path.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    md_path.write_text(markdown(results), encoding="utf-8")
    return json_path, md_path


def _n(value: float | None, places: int = 1) -> str:
    return "—" if value is None else f"{value:,.{places}f}"


def machine_line(results: dict) -> str:
    m = results["machine"]
    parts = [
        f"{m['cores']} cores ({m['cpu'] or 'unknown CPU'})",
        f"{m['memory_gb']} GB RAM" if m["memory_gb"] else "",
        f"Python {m['python']}",
        f"gunicorn {m['gunicorn']}",
        f"PostgreSQL {m['postgresql'].split()[1]}" if m.get("postgresql") else "",
        f"SQLite {m['sqlite']}",
        m["wrk"].split(" Copyright")[0] if m.get("wrk") else "",
        m["os"],
    ]
    return ", ".join(p for p in parts if p)


def settings_line(results: dict) -> str:
    s = results["settings"]
    return (
        f"`{s['command']}` with `STUDYAPP_ENV=production`; at least {s['duration_s']:g} s per measurement "
        f"(longer for slow pages) at {', '.join(str(c) for c in s['levels'])} connections, the instructor pages at "
        f"up to {INSTRUCTOR_CONNECTIONS}; load from {s['load']} on the same machine."
    )


def capacity_targets(capacity: dict) -> list[dict]:
    """The students-per-core target, for each database measured."""
    return [
        dict(
            database=database,
            endpoint="quiz_page+autosave",
            connections=c["connections"],
            kind="students_per_core",
            target=CAPACITY_TARGET,
            value=c["students_per_core"],
            met=c["students_per_core"] >= CAPACITY_TARGET,
        )
        for database, c in sorted(capacity.items())
    ]


TABLE_HEADER = (
    "| endpoint | conns | req/s | p50 ms | p95 ms | p99 ms | errors | CPU ms/req | ratio to floor | ratio to bare "
    "| target |"
)


def table(runs: list[dict], database: str, levels: list[int] | None = None) -> str:
    """One database's runs: endpoint, connections, req/s, latency percentiles, errors, the worker CPU per
    request and its ratio to the floor's, and the throughput ratio to bare Flask."""
    rows = [TABLE_HEADER, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for run in runs:
        if run["database"] != database or (levels and run["connections"] not in levels):
            continue
        endpoint = run["endpoint"]
        target = ""
        if endpoint in FLOOR_TARGETS and run.get("floor_ratio") is not None:
            met = run["floor_ratio"] >= FLOOR_TARGETS[endpoint]
            target = f"floor ≥ {FLOOR_TARGETS[endpoint]:g} {'✓' if met else '✗'}"
        if endpoint in STUDENT_FACING and run["connections"] == P95_CONNECTIONS:
            met = run["p95_ms"] < P95_TARGET_MS
            target += f"{'; ' if target else ''}p95 < {P95_TARGET_MS:g} ms {'✓' if met else '✗'}"
        ratio = "1" if endpoint == "bare" else _n(run.get("ratio"), 3)
        floor = "1" if endpoint.startswith("floor_") else _n(run.get("floor_ratio"), 2) if endpoint in FLOOR_OF else ""
        rows.append(
            f"| {ENDPOINTS[endpoint].label} | {run['connections']} | {_n(run['rps'])} | {_n(run['p50_ms'])} "
            f"| {_n(run['p95_ms'])} | {_n(run['p99_ms'])} | {_errors(run)} | {_n(run.get('cpu_ms'), 2)} | {floor} "
            f"| {ratio} | {target} |"
        )
    return "\n".join(rows)


def _errors(run: dict) -> str:
    """Errors, and the stale saves refused as they should be (two saves of one answer in flight at once)."""
    stale = run.get("stale_saves")
    return f"{run['errors']} ({stale} stale saves refused)" if stale else str(run["errors"])


def capacity_lines(results: dict) -> list[str]:
    lines = []
    for database, c in sorted(results["capacity"].items()):
        lines.append(
            f"- {DATABASE_LABELS[database]}: quiz page {_n(c['quiz_page_rps'], 0)} req/s and autosave "
            f"{_n(c['autosave_rps'], 0)} req/s at {c['connections']} connections → {_n(c['students'], 0)} students "
            f"taking a quiz at once, **{_n(c['students_per_core'], 0)} per CPU core** (one page view or save per "
            f"student every {SECONDS_PER_REQUEST} s, half of each)."
        )
    return lines


def summary_lines(results: dict) -> list[str]:
    missed = [t for t in results["targets"] if not t["met"]]
    if not missed:
        return [f"Every target met ({len(results['targets'])} checks)."]
    lines = [f"{len(missed)} of {len(results['targets'])} target checks missed:"]
    for t in missed:
        if t["kind"] == "p95_ms":
            value, goal = f"{t['value']:.1f} ms", f"< {t['target']:g} ms"
        elif t["kind"] == "students_per_core":
            value, goal = f"{t['value']:,.0f}", f"≥ {t['target']:,}"
        else:
            value, goal = f"{t['value']:.3f}", f"≥ {t['target']:g}"
        lines.append(
            f"- {DATABASE_LABELS[t['database']]}, {t['endpoint']} at {t['connections']} connections: "
            f"{t['kind']} {value} (target {goal})"
        )
    return lines


def markdown(results: dict) -> str:
    parts = [
        f"# Benchmark: {results['label']}",
        "",
        f"Run {results['started_at']} in {results['elapsed_s']:.0f} s. Machine: {machine_line(results)}.",
        "",
        settings_line(results),
        "",
        f"Seed: {_seed_line(results)}.",
        "",
    ]
    for database in results["databases"]:
        parts += [f"## {DATABASE_LABELS[database]}", "", table(results["runs"], database), ""]
    parts += [
        "## Students per CPU core",
        "",
        *capacity_lines(results),
        "",
        "## Targets",
        "",
        *summary_lines(results),
        "",
    ]
    if results.get("notes"):
        parts += ["## Notes", "", *[f"- {note}" for note in results["notes"]], ""]
    return "\n".join(parts)


def _seed_line(results: dict) -> str:
    s, c = results["settings"]["seed"], results["settings"].get("seed_counts", {})
    return (
        f"{s['students']} students in {s['classes']} classes (and all of them in one course), {s['quizzes']} "
        f"quizzes of {s['questions_per_quiz']} questions taken over a term ({c.get('attempts', 0):,} attempts, "
        f"{c.get('attempt_items', 0):,} answers, {c.get('review_cards', 0):,} review cards), exam papers of "
        f"{s['exam_questions']} questions open for every student"
    )


def readme_section(results: dict) -> str:
    """The README's "## Performance" section: the table at P95_CONNECTIONS for every database."""
    parts = [
        README_HEADING,
        "",
        "`bench/run` seeds a year group (300 students in 10 classes, 20 quizzes of 30 questions, a term of "
        "attempts, an exam morning) on PostgreSQL and on SQLite, serves studyapp, a bare Flask app and the "
        "*floor* (bench/floor.py: a signed-in page and a one-row write built the naive way from the same "
        "libraries) under the same gunicorn command, loads them with wrk (submissions with a small Python driver, each "
        "submission real) and writes `bench/results/latest.json` and `latest.md`. It installs wrk if "
        f"needed; this run took {results['elapsed_s'] / 60:.0f} minutes. `bench/run --smoke` is the short "
        "version CI runs.",
        "",
        f"Latest run ({results['started_at'][:10]}), on {machine_line(results)}. {settings_line(results)} "
        "CPU ms/req is the gunicorn workers' CPU time (from /proc) per request; the ratio to the floor is the "
        "floor's CPU per request over the endpoint's (pages against the floor page, saves and submissions "
        "against the floor write), measured in the same run just before; the ratio to bare is throughput.",
        "",
    ]
    shown = sorted(
        (
            run
            for run in results["runs"]
            if run["connections"] == P95_CONNECTIONS
            or (ENDPOINTS[run["endpoint"]].max_connections == run["connections"] != P95_CONNECTIONS)
        ),
        key=lambda run: run["connections"] != P95_CONNECTIONS,
    )
    for database in results["databases"]:
        parts += [
            f"{DATABASE_LABELS[database]}, {P95_CONNECTIONS} connections (the instructor pages at "
            f"{INSTRUCTOR_CONNECTIONS}):",
            "",
            table(shown, database),
            "",
        ]
    missed = sum(not t["met"] for t in results["targets"])
    parts += [
        *capacity_lines(results),
        "",
        f"{missed} of {len(results['targets'])} target checks missed (✗ above; every level and every check in "
        "`bench/results/latest.md`). What was profiled and fixed, with before and after figures, is in "
        "`bench/results/fixes.md`.",
        "",
    ]
    return "\n".join(parts)


def update_readme(readme: Path, results: dict) -> None:
    """Replace the README's Performance section (up to the next `## ` heading), or add it at the end."""
    text = readme.read_text(encoding="utf-8")
    section = readme_section(results)
    pattern = re.compile(rf"^{re.escape(README_HEADING)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section + "\n", text, count=1).rstrip("\n") + "\n"
    else:
        text = text.rstrip("\n") + "\n\n" + section
    readme.write_text(text, encoding="utf-8")
