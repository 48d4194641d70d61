"""Load studyapp as a year group would on the morning of an exam, beside a bare Flask app; report and compare.

Run it with `bench/run` (which installs wrk first if it is missing); `bench/run --help` lists the options.

1. Seed a scratch SQLite file (bench/seed.py) and copy it into a scratch PostgreSQL database.
2. For each database: serve studyapp with production settings (`STUDYAPP_ENV=production`) under
   gunicorn, and the bare Flask app (bench/bare.py) under the identical command; sign every student and
   the head of department in through the login form; warm every endpoint up.
3. At each concurrency level: measure the bare app, then each endpoint of studyapp, so each ratio
   compares two measurements taken a minute apart at most on the same, possibly busy, machine.
4. Print the table and write bench/results/<name>.json and .md (and, with --readme, the README's
   Performance section). The exit status is 0 when the run completed, whether or not targets were met
   (--strict makes missed targets exit 1).

The servers' cookies are production's (`Secure`); the load sends them by hand over loopback HTTP.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import client, databases, floor, measure, plans, report, servers  # noqa: E402
from bench.client import floor_login, login_all  # noqa: E402
from bench.seed import PASSWORD, SeedPlan, seed  # noqa: E402

RESULTS = ROOT / "bench" / "results"
WORKERS = 4
WORKER_CLASS = "sync"
#: The longest a slow endpoint is measured for, in seconds.
MAX_DURATION = 30


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/run", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="the CI check: tiny seed, 2 workers, one concurrency level, two seconds per measurement",
    )
    parser.add_argument("--levels", default=None, help="concurrency levels, comma-separated (default 8,32,64)")
    parser.add_argument("--duration", type=float, default=None, help="seconds per measurement (default 5)")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help=f"gunicorn workers, the same for both apps (default {WORKERS}; 2 with --smoke)",
    )
    parser.add_argument("--databases", default="postgresql,sqlite", help="postgresql, sqlite or both")
    parser.add_argument(
        "--endpoints", default=",".join(plans.APP_ENDPOINTS), help="the studyapp endpoints to measure (default: all)"
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the results")
    parser.add_argument("--name", default="latest", help="results file name, without extension")
    parser.add_argument("--label", default=None, help="a title for the results (default: the name)")
    parser.add_argument("--readme", action="store_true", help="rewrite the README's Performance section")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    args.levels = [int(c) for c in (args.levels or ("4" if args.smoke else "8,32,64")).split(",")]
    args.duration = args.duration or (2.0 if args.smoke else 5.0)
    args.workers = args.workers or (2 if args.smoke else WORKERS)
    args.databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    args.endpoints = [e.strip() for e in args.endpoints.split(",") if e.strip()]
    unknown = set(args.databases) - {"postgresql", "sqlite"} or set(args.endpoints) - set(plans.APP_ENDPOINTS)
    if unknown:
        parser.error(f"unknown: {', '.join(sorted(unknown))}")
    return args


def log(message: str) -> None:
    print(message, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    started, clock = datetime.now(UTC), time.perf_counter()
    notes = []
    if "postgresql" in args.databases:
        reason = databases.postgres_unavailable(databases.PG_URL)
        if reason:
            if os.environ.get("REQUIRE_POSTGRES") == "1":
                log(
                    "bench: PostgreSQL is required (REQUIRE_POSTGRES=1) but unreachable at "
                    f"{databases.PG_URL}: {reason}"
                )
                return 2
            log(f"bench: PostgreSQL unreachable at {databases.PG_URL} ({reason}); measuring SQLite only")
            notes.append(f"PostgreSQL was unreachable ({reason}): SQLite only.")
            args.databases = [d for d in args.databases if d != "postgresql"]
    if not measure.wrk_available():
        log("bench: wrk not found (bench/run installs it); every endpoint is loaded by the Python driver")
        notes.append("wrk was not installed: every endpoint was loaded by the Python driver.")
    plan = (SeedPlan.smoke if args.smoke else SeedPlan)(papers=1 + len(args.levels))

    from studyapp import create_app

    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="studyapp-bench-") as tmp:
        work = Path(tmp)
        sqlite_uri = f"sqlite:///{work / 'bench.sqlite3'}"
        databases.migrate(sqlite_uri)
        seed_app = create_app(databases.app_config(sqlite_uri))
        seeded = seed(seed_app, plan, log=log)
        log(f"bench: seeded SQLite in {seeded.seconds:.0f} s: {seeded.counts}")
        bodies = plans.autosave_bodies(seed_app, [ids[0] for ids in seeded.exam_attempts.values()])
        uris = {"sqlite": sqlite_uri}
        pg_version = None
        if "postgresql" in args.databases:
            pg_uri = stack.enter_context(databases.scratch_postgres("studyapp_bench", url=databases.PG_URL))
            databases.migrate(pg_uri)
            copy_started = time.perf_counter()
            rows = databases.copy_rows(sqlite_uri, pg_uri)
            log(f"bench: copied {rows:,} rows into PostgreSQL in {time.perf_counter() - copy_started:.0f} s")
            uris["postgresql"] = pg_uri
            pg_version = _pg_version(pg_uri)
        results = {
            "label": args.label or args.name,
            "started_at": started.isoformat(timespec="seconds"),
            "machine": report.machine(pg_version),
            "databases": [d for d in ("postgresql", "sqlite") if d in args.databases],
            "settings": {
                "command": (
                    f"gunicorn --workers {args.workers} --worker-class {WORKER_CLASS} --bind 127.0.0.1:<port> "
                    f"{servers.APP_MODULE} (and {servers.BARE_MODULE}, {servers.FLOOR_MODULE})"
                ),
                "workers": args.workers,
                "worker_class": WORKER_CLASS,
                "levels": args.levels,
                "duration_s": args.duration,
                "smoke": args.smoke,
                "load": "wrk (submissions: the Python driver)" if measure.wrk_available() else "the Python driver",
                "seed": plan.summary(),
                "seed_counts": seeded.counts,
                "seed_seconds": round(seeded.seconds, 1),
            },
            "runs": [],
            "notes": notes,
        }
        counter = {"saves": 0}
        for database in results["databases"]:
            results["runs"] += _measure_database(database, uris[database], seeded, bodies, args, work, counter)
            results["verified"] = results.get("verified", {}) | {database: _verify(uris[database], seeded, args)}
        cores = results["machine"]["cores"] or 1
        results["targets"] = report.targets(results["runs"], args.levels)
        level = report.P95_CONNECTIONS if report.P95_CONNECTIONS in args.levels else args.levels[-1]
        results["capacity"] = report.capacity(results["runs"], cores, level)
        results["targets"] += report.capacity_targets(results["capacity"])
        results["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        results["elapsed_s"] = time.perf_counter() - clock
    json_path, md_path = report.write(results, args.out, args.name)
    log("")
    log(report.markdown(results))
    log(f"bench: wrote {json_path} and {md_path}")
    if args.readme:
        report.update_readme(ROOT / "README.md", results)
        log("bench: updated the README's Performance section")
    missed = [t for t in results["targets"] if not t["met"]]
    return 1 if args.strict and missed else 0


def _pg_version(uri: str) -> str:
    import sqlalchemy as sa

    engine = sa.create_engine(uri)
    with engine.connect() as conn:
        version = conn.execute(sa.text("SHOW server_version")).scalar()
    engine.dispose()
    return f"PostgreSQL {version}"


def _measure_database(database: str, uri: str, seeded, bodies, args, work: Path, counter: dict) -> list[dict]:
    """Serve studyapp, the bare app and the floor on this database and measure every endpoint at every level."""
    env = {"STUDYAPP_ENV": "production", "DATABASE_URL": uri, "SECRET_KEY": secrets.token_hex(32)}
    env.pop("REDIS_URL", None)
    floor_ids = floor.prepare(uri, len(seeded.student_emails))
    runs = []
    app_server = servers.spawn(
        database,
        servers.APP_MODULE,
        env,
        workers=args.workers,
        worker_class=WORKER_CLASS,
        log_dir=work,
        ready_path="/healthz",
    )
    try:
        bare_server = servers.spawn(
            f"bare-{database}", servers.BARE_MODULE, env, workers=args.workers, worker_class=WORKER_CLASS, log_dir=work
        )
        floor_server = servers.spawn(
            f"floor-{database}",
            servers.FLOOR_MODULE,
            env,
            workers=args.workers,
            worker_class=WORKER_CLASS,
            log_dir=work,
            ready_path="/healthz",
        )
        try:
            servers.wait_ready(app_server)
            servers.wait_ready(bare_server)
            servers.wait_ready(floor_server)
            signing_in = time.perf_counter()
            sessions = login_all(app_server.port, [seeded.head_email, *seeded.student_emails], PASSWORD)
            floor_sessions = floor_login(floor_server.port, floor_ids)
            log(f"bench: {database}: {len(sessions)} accounts signed in in {time.perf_counter() - signing_in:.0f} s")
            server_of = {"bare": bare_server, "floor_page": floor_server, "floor_write": floor_server}

            def lines_for(endpoint: str, level_index: int) -> list:
                if endpoint == "bare":
                    return plans.bare()
                if endpoint in plans.FLOOR_ENDPOINTS:
                    return getattr(plans, endpoint)(floor_sessions)
                if endpoint == "autosave":
                    counter["saves"] += 1
                    return plans.autosave(seeded, sessions, bodies, seq=1000 + 1_000_000 * counter["saves"])
                if endpoint == "submission":
                    return plans.submission(seeded, sessions, paper=1 + level_index)
                return getattr(plans, endpoint)(seeded, sessions)

            drain_cpu = {}  # what the drain's own requests cost each server, taken off each measurement
            for server in (bare_server, floor_server, app_server):
                before = server.cpu_seconds()
                server.drain()
                drain_cpu[server.name] = server.cpu_seconds() - before
            warm_rps = {}
            cores = min(args.workers, os.cpu_count() or 1)
            for endpoint in ["bare", *plans.FLOOR_ENDPOINTS, *args.endpoints]:
                if endpoint == "submission":  # each submission is real: none is spent on warming up
                    continue
                server = server_of.get(endpoint, app_server)
                lines = lines_for(endpoint, -1)
                expect = plans.ENDPOINTS[endpoint].expect
                # one request at a time first: its latency is the endpoint's service time
                single = client.drive(server.port, lines[:1], connections=1, duration=120, once=True, expect=expect)
                if args.smoke:  # only let every worker compile its templates and fill its caches
                    client.drive(
                        server.port,
                        lines[: 4 * args.workers],
                        connections=args.workers,
                        duration=120,
                        once=True,
                        expect=expect,
                    )
                    continue
                warm = measure.run(
                    server.port,
                    lines,
                    connections=4,
                    duration=max(1.0, 3 * single["seconds"]),
                    expect=expect,
                    once=False,
                    work_dir=work,
                    name=f"warm-{endpoint}",
                )
                server.drain()
                estimate = cores / single["seconds"] if single["seconds"] else 0.0
                warm_rps[endpoint] = warm["rps"] if warm["requests"] >= 8 else estimate
            for index, connections in enumerate(args.levels):
                bare = None
                floors: dict[str, float | None] = {}
                for endpoint in ["bare", *plans.FLOOR_ENDPOINTS, *args.endpoints]:
                    spec = plans.ENDPOINTS[endpoint]
                    if connections not in spec.levels(args.levels):
                        continue
                    server = server_of.get(endpoint, app_server)
                    lines = lines_for(endpoint, index)
                    load_before = os.getloadavg()[0]
                    duration = _duration(args.duration, connections, warm_rps.get(endpoint))
                    cpu_before = server.cpu_seconds()
                    result = measure.run(
                        server.port,
                        lines,
                        connections=connections,
                        duration=duration,
                        expect=spec.expect,
                        once=spec.once,
                        work_dir=work,
                        name=f"{database}-{endpoint}-{connections}",
                    )
                    result.pop("wrk", None)  # its counts are in error_kinds
                    drain = server.drain()  # the requests still queued when the load stopped used CPU too
                    cpu = server.cpu_seconds() - cpu_before - drain_cpu.get(server.name, 0.0)
                    run = {
                        "database": database,
                        "endpoint": endpoint,
                        "connections": connections,
                        "duration_s": round(duration, 1),
                        **result,
                        "load_average": round(load_before, 2),
                        "drain_s": round(drain, 2),
                        "cpu_ms": 1000 * cpu / result["requests"] if result["requests"] else None,
                    }
                    if endpoint == "bare":
                        bare = run["rps"]
                    else:
                        run["bare_rps"] = bare
                        run["ratio"] = run["rps"] / bare if bare else None
                    if endpoint in plans.FLOOR_ENDPOINTS:
                        floors[endpoint] = run["cpu_ms"]
                    elif endpoint in plans.FLOOR_OF:
                        floor_cpu = floors.get(plans.FLOOR_OF[endpoint])
                        run["floor_cpu_ms"] = floor_cpu
                        run["floor_ratio"] = floor_cpu / run["cpu_ms"] if floor_cpu and run["cpu_ms"] else None
                    runs.append(run)
                    ratio = "" if endpoint == "bare" else f"  ratio {run['ratio']:.3f}"
                    if run.get("floor_ratio") is not None:
                        ratio += f"  floor {run['floor_ratio']:.2f}"
                    if run["cpu_ms"] is not None:
                        ratio += f"  cpu {run['cpu_ms']:.2f} ms"
                    log(
                        f"bench: {database:10} {endpoint:10} c={connections:<3} {run['rps']:8.1f} req/s  "
                        f"p50 {run['p50_ms']:7.1f}  p95 {run['p95_ms']:7.1f}  p99 {run['p99_ms']:7.1f} ms  "
                        f"errors {run['errors']}{_kinds(run)}{ratio}  [{run['tool']}, load {load_before:.1f}]"
                    )
        finally:
            bare_server.stop()
            floor_server.stop()
    finally:
        app_server.stop()
    return runs


def _kinds(run: dict) -> str:
    kinds = {
        **run.get("error_kinds", {}),
        **({"stale saves refused": run["stale_saves"]} if run.get("stale_saves") else {}),
    }
    return f" ({', '.join(f'{kind}: {count}' for kind, count in kinds.items())})" if kinds else ""


def _duration(base: float, connections: int, rps: float | None) -> float:
    """Long enough for a slow endpoint's queue to turn over a few times: a request waits connections / rps
    seconds when the server is saturated, and one that has not finished when wrk stops is not counted."""
    if not rps:
        return base
    return min(MAX_DURATION, max(base, 4 * connections / rps))


def _verify(uri: str, seeded, args) -> dict:
    """Count the exam attempts the submission runs closed: each request must have submitted one."""
    import sqlalchemy as sa

    if "submission" not in args.endpoints:
        return {}
    ids = [attempt for attempts in seeded.exam_attempts.values() for attempt in attempts[1:]]
    engine = sa.create_engine(uri)
    with engine.connect() as conn:
        submitted = conn.execute(
            sa.text(
                f"SELECT count(*) FROM attempts WHERE state = 'submitted' AND id IN ({','.join(str(i) for i in ids)})"
            )
        ).scalar()
        open_a = conn.execute(
            sa.text(
                "SELECT count(*) FROM attempts WHERE state = 'in_progress' AND id IN "
                f"({','.join(str(a[0]) for a in seeded.exam_attempts.values())})"
            )
        ).scalar()
    engine.dispose()
    return {"exam_attempts_submitted": submitted, "paper_a_still_open": open_a}


if __name__ == "__main__":
    sys.exit(main())
