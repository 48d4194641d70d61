"""`bench/run --smoke`: the benchmark runs end to end and writes well-formed results, so it cannot rot.

It seeds a tiny year group on SQLite and PostgreSQL, serves studyapp and the bare Flask app under
gunicorn, loads every endpoint for a second at one concurrency level and writes JSON and Markdown.
Nothing here asserts speed: only that every endpoint answered as it should (no errors, each
submission real) and that the results have the shape the README and bench/results rely on.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench import databases, plans, report

ROOT = Path(__file__).resolve().parents[2]
REQUIRE_POSTGRES = os.environ.get("REQUIRE_POSTGRES") == "1"


@pytest.fixture(scope="module")
def smoke(tmp_path_factory) -> tuple[dict, Path]:
    out = tmp_path_factory.mktemp("bench")
    completed = subprocess.run(
        [str(ROOT / "bench" / "run"), "--smoke", "--out", str(out)],
        cwd=ROOT,
        env={**os.environ, "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-4000:]
    return json.loads((out / "latest.json").read_text(encoding="utf-8")), out


def test_the_smoke_run_measures_every_endpoint_on_both_databases(smoke):
    results, _ = smoke
    expected = ["sqlite"]
    reason = databases.postgres_unavailable()
    if reason is None or REQUIRE_POSTGRES:
        expected.insert(0, "postgresql")
    assert results["databases"] == expected, results.get("notes")
    level = results["settings"]["levels"]
    assert len(level) == 1
    measured = {(r["database"], r["endpoint"], r["connections"]) for r in results["runs"]}
    endpoints = ("bare", *plans.FLOOR_ENDPOINTS, *plans.APP_ENDPOINTS)
    assert measured == {(d, e, level[0]) for d in expected for e in endpoints}


def test_every_request_answered_as_it_should(smoke):
    results, _ = smoke
    for run in results["runs"]:
        assert run["requests"] > 0, run
        assert run["errors"] == 0, (run["database"], run["endpoint"], run.get("error_kinds"))
        assert run.get("stale_saves", 0) <= run["requests"] // 100, run  # only a rare reordering in flight
        for key in ("rps", "p50_ms", "p95_ms", "p99_ms"):
            assert isinstance(run[key], (int, float)) and run[key] >= 0, (key, run)
        if run["endpoint"] != "bare":
            assert run["ratio"] == pytest.approx(run["rps"] / run["bare_rps"]), run
        assert run["cpu_ms"] > 0, run  # the workers' CPU time, read from /proc
        if run["endpoint"] in plans.FLOOR_OF:
            floor = next(
                r
                for r in results["runs"]
                if (r["database"], r["endpoint"], r["connections"])
                == (run["database"], plans.FLOOR_OF[run["endpoint"]], run["connections"])
            )
            assert run["floor_ratio"] == pytest.approx(floor["cpu_ms"] / run["cpu_ms"]), run


def test_each_submission_submitted_one_attempt(smoke):
    results, _ = smoke
    for database in results["databases"]:
        sent = sum(
            r["requests"] for r in results["runs"] if r["database"] == database and r["endpoint"] == "submission"
        )
        assert results["verified"][database]["exam_attempts_submitted"] == sent
        assert results["verified"][database]["paper_a_still_open"] > 0


def test_the_results_carry_targets_capacity_and_a_markdown_table(smoke):
    results, out = smoke
    assert results["machine"]["cores"] >= 1
    kinds = {(t["kind"], t["endpoint"]) for t in results["targets"]}
    assert {("floor", endpoint) for endpoint in report.FLOOR_TARGETS} <= kinds
    assert {t["database"] for t in results["targets"] if t["kind"] == "students_per_core"} == set(results["databases"])
    for database in results["databases"]:
        assert results["capacity"][database]["students_per_core"] > 0
    text = (out / "latest.md").read_text(encoding="utf-8")
    assert report.TABLE_HEADER in text and "floor: a signed-in page" in text
    assert "per CPU core" in text
    section = report.readme_section(results)
    assert section.startswith(report.README_HEADING + "\n")
