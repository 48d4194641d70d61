"""Measure one endpoint at one concurrency: wrk with bench/lua/plan.lua, or the Python driver."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from bench import client
from bench.client import Line

LUA = Path(__file__).resolve().parent / "lua" / "plan.lua"
#: wrk gives up on a response after this long (and counts a timeout): far above any latency we accept.
TIMEOUT_S = 30


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run(
    port: int,
    lines: list[Line],
    *,
    connections: int,
    duration: float,
    expect: int,
    once: bool,
    work_dir: Path,
    name: str,
) -> dict:
    """Load the server with `lines` and return requests, rps, p50/p95/p99 (ms), errors and the tool used."""
    if once or not wrk_available():
        result = client.drive(
            port, lines, connections=connections, duration=duration if not once else 600, expect=expect, once=once
        )
        return {**result, "tool": "python"}
    return {
        **run_wrk(port, lines, connections=connections, duration=duration, expect=expect, work_dir=work_dir, name=name),
        "tool": "wrk",
    }


def run_wrk(
    port: int, lines: list[Line], *, connections: int, duration: float, expect: int, work_dir: Path, name: str
) -> dict:
    plan = work_dir / f"plan-{name}.tsv"
    plan.write_text("".join(line.tsv() + "\n" for line in lines), encoding="utf-8")
    threads = max(1, min(2, connections, os.cpu_count() or 1))
    env = {**os.environ, "BENCH_PLAN": str(plan), "BENCH_EXPECT": str(expect), "BENCH_THREADS": str(threads)}
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        f"--timeout={TIMEOUT_S}s",
        "-s",
        str(LUA),
        f"http://127.0.0.1:{port}",
    ]
    completed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=duration + TIMEOUT_S + 60)
    found = [line for line in completed.stdout.splitlines() if line.startswith("BENCH_JSON ")]
    if completed.returncode != 0 or not found:
        raise RuntimeError(f"wrk failed ({completed.returncode}):\n{completed.stdout}\n{completed.stderr}")
    raw = json.loads(found[-1][len("BENCH_JSON ") :])
    seconds = raw["duration_us"] / 1e6
    errors = raw["connect"] + raw["read"] + raw["write"] + raw["timeout"] + raw["unexpected"]
    return {
        "requests": raw["requests"],
        "seconds": seconds,
        "errors": errors,
        "rps": raw["requests"] / seconds if seconds else 0.0,
        "p50_ms": raw["p50_us"] / 1000,
        "p95_ms": raw["p95_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "stale_saves": raw["stale"],
        "error_kinds": {
            kind: count
            for kind, count in (
                ("connect", raw["connect"]),
                ("read", raw["read"]),
                ("write", raw["write"]),
                ("timeout", raw["timeout"]),
                *((f"status {code}", n) for code, n in sorted(raw["unexpected_statuses"].items())),
            )
            if count
        },
        "wrk": raw,
    }
