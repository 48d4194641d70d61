"""Profile one endpoint in-process: the CPU time of each request, and where it goes.

    .venv/bin/python bench/profiling.py --db /tmp/bench.sqlite3 --seed      # build a full seed once (SQLite)
    .venv/bin/python bench/profiling.py --db /tmp/bench.sqlite3 quiz_page --requests 200 [--top 40]

The app runs with production settings (`STUDYAPP_ENV=production`), through Flask's test client over
https://localhost (so the secure session cookie is sent), signed in as the seeded students in turn.
It prints the mean CPU milliseconds per request and the profile (cProfile, sorted by cumulative time;
`--sort tottime` for time spent in each function itself). This is how the fixes recorded in
bench/results/fixes.md were found.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import databases, plans  # noqa: E402
from bench.seed import PASSWORD, Seeded, SeedPlan, seed  # noqa: E402

ENDPOINTS = ("reading", "quiz_page", "autosave", "submission", "dashboard", "gradebook", "export")
BASE = "https://localhost"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("endpoint", nargs="?", choices=ENDPOINTS)
    parser.add_argument("--db", type=Path, required=True, help="the SQLite file (with --seed: to create)")
    parser.add_argument("--seed", action="store_true", help="migrate and seed the file (the full plan)")
    parser.add_argument("--smoke", action="store_true", help="with --seed: the tiny plan")
    parser.add_argument("--url", help="profile against this database URL (a copy of the seed) instead of --db")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--time-only", action="store_true", help="no profiler: only the CPU time per request")
    parser.add_argument(
        "--sampling",
        action="store_true",
        help="pyinstrument (a sampling profiler: install it into .venv) instead of cProfile",
    )
    args = parser.parse_args(argv)
    manifest = args.db.with_suffix(".json")
    uri = f"sqlite:///{args.db}"
    if args.seed:
        if args.db.exists():
            args.db.unlink()
        databases.migrate(uri)
        from studyapp import create_app

        seeded = seed(create_app(databases.app_config(uri)), SeedPlan.smoke(8) if args.smoke else SeedPlan(papers=12))
        manifest.write_text(json.dumps(seeded.__dict__, default=str))
        print(f"seeded {args.db} in {seeded.seconds:.0f} s: {seeded.counts}")
    if not args.endpoint:
        return 0
    seeded = Seeded(**json.loads(manifest.read_text()))
    os.environ["STUDYAPP_ENV"] = "production"
    from studyapp import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.url or uri, "SECRET_KEY": "profile", "RATELIMIT_ENABLED": False})
    requests = _requests(app, seeded, args.endpoint, args.requests)
    statements = _count_statements(app)
    if args.sampling:
        from pyinstrument import Profiler

        profile = Profiler(interval=0.0005)
    else:
        profile = cProfile.Profile()
    cpu = 0.0
    statuses: dict[int, int] = {}
    for client, method, path, headers, body in requests:
        started = time.process_time()
        if not args.time_only:
            profile.start() if args.sampling else profile.enable()
        response = client.open(
            path,
            method=method,
            headers=headers,
            data=body,
            base_url=BASE,
            content_type="application/x-www-form-urlencoded" if method == "POST" else None,
        )
        response.get_data()
        if not args.time_only:
            profile.stop() if args.sampling else profile.disable()
        cpu += time.process_time() - started
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    overhead = "" if args.time_only else " (with the profiler's overhead)"
    print(
        f"{args.endpoint}: {len(requests)} requests, {1000 * cpu / len(requests):.2f} ms CPU each{overhead}, "
        f"statuses {statuses}, {statements[0] / len(requests):.1f} SQL statements each"
    )
    if args.sampling:
        print(profile.output_text(unicode=True, color=False, show_all=False, short_mode=False))
    elif not args.time_only:
        pstats.Stats(profile).sort_stats(args.sort).print_stats(args.top)
    return 0


def _count_statements(app) -> list[int]:
    """A counter of the SQL statements the app runs from now on."""
    import sqlalchemy as sa

    from studyapp.extensions import db

    counter = [0]
    with app.app_context():
        engine = db.engine

    @sa.event.listens_for(engine, "before_cursor_execute")
    def count(*_args):
        counter[0] += 1

    return counter


def _requests(app, seeded: Seeded, endpoint: str, count: int) -> list[tuple]:
    """`count` requests of the endpoint, from signed-in test clients (first one request each, untimed)."""
    from bench.client import CSRF_META

    students = seeded.student_emails
    clients = {}

    def client_for(email: str):
        if email not in clients:
            client = app.test_client()
            page = client.get("/login", base_url=BASE).get_data(as_text=True)
            token = CSRF_META.search(page).group(1)
            response = client.post(
                "/login",
                base_url=BASE,
                headers={"Referer": f"{BASE}/login"},
                data={"email": email, "password": PASSWORD, "csrf_token": token},
            )
            assert response.status_code == 302, response.status_code
            page = client.get("/quizzes", base_url=BASE).get_data(as_text=True)
            clients[email] = (client, CSRF_META.search(page).group(1))
        return clients[email]

    chosen = students[: min(len(students), 25)]
    made = []
    if endpoint in ("gradebook", "export"):
        client, _ = client_for(seeded.head_email)
        path = (
            f"/classes/{seeded.course_id}/gradebook"
            if endpoint == "gradebook"
            else f"/classes/{seeded.course_id}/export/gradebook.csv"
        )
        return [(client, "GET", path, {}, None) for _ in range(count)]
    if endpoint == "autosave":
        bodies = plans.autosave_bodies(app, [seeded.exam_attempts[e][0] for e in chosen])
    seq = (int(time.time()) % 10_000_000) * 100
    for n in range(count):
        email = chosen[n % len(chosen)]
        client, csrf = client_for(email)
        attempts = seeded.exam_attempts[email]
        if endpoint == "reading":
            made.append(
                (client, "GET", f"/read/passages/{seeded.passage_slugs[n % len(seeded.passage_slugs)]}", {}, None)
            )
        elif endpoint == "quiz_page":
            made.append((client, "GET", f"/attempts/{attempts[0]}", {}, None))
        elif endpoint == "dashboard":
            made.append((client, "GET", "/progress", {}, None))
        elif endpoint == "autosave":
            seq += 1
            mine = bodies[attempts[0]]
            body = mine[(n // len(chosen)) % len(mine)].replace("@SEQ@", str(seq))
            made.append(
                (
                    client,
                    "POST",
                    f"/attempts/{attempts[0]}/save",
                    {"X-CSRFToken": csrf, "Referer": f"{BASE}/attempts/{attempts[0]}"},
                    body,
                )
            )
        elif endpoint == "submission":
            paper = 1 + n // len(chosen)
            if paper >= len(attempts):
                break
            made.append(
                (
                    client,
                    "POST",
                    f"/attempts/{attempts[paper]}/submit",
                    {"X-CSRFToken": csrf, "Referer": f"{BASE}/attempts/{attempts[paper]}"},
                    None,
                )
            )
    return made


if __name__ == "__main__":
    sys.exit(main())
