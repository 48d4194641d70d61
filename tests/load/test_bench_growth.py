"""`bench/growth.py`: the growth benchmark runs end to end at tiny sizes and says how each cost grows.

Nothing here asserts speed: only that every measure prints its line with a time at each size and a
named growth, and that `--json` writes the same figures, so the script cannot rot between full runs.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from bench.growth import Growth, classify

ROOT = Path(__file__).resolve().parents[2]
TIME = r"\d+(\.\d+)? (ms|s)"
GROWTH = r": (about constant|sublinear|about linear|superlinear) \(exponent -?\d+\.\d\d\)$"


def test_a_tiny_run_prints_a_line_per_measure(tmp_path):
    figures = tmp_path / "growth.json"
    completed = subprocess.run(
        [
            sys.executable,
            "bench/growth.py",
            "--quick",
            "--students=3,30",
            "--answers=10,20",
            "--questions=10,100",
            "--runs=1",
            f"--cache-dir={tmp_path / 'seeds'}",
            f"--json={figures}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-4000:]
    lines = completed.stdout.splitlines()
    assert len(lines) == 4, completed.stdout
    expected = (
        rf"gradebook  3 students: {TIME} · 30: {TIME} \(×10 size → ×\d+(\.\d)? time\){GROWTH}",
        rf"dashboard  10 answers: {TIME} · 20: {TIME} \(×2 size → ×\d+(\.\d)? time\){GROWTH}",
        rf"parse\+validate  10 questions: {TIME} · 100: {TIME} \(×10 size → ×\d+(\.\d)? time\){GROWTH}",
        r"responses export: skipped with --quick \(bench/exports\.py --growth\)",
    )
    for line, pattern in zip(lines, expected):
        assert re.fullmatch(pattern, line), line
    written = json.loads(figures.read_text(encoding="utf-8"))
    assert [m["sizes"] for m in written["measures"]] == [[3, 30], [10, 20], [10, 100]]
    for measure in written["measures"]:
        assert all(seconds > 0 for seconds in measure["median_cpu_seconds"]), measure
        assert measure["growth"] == classify(measure["exponent"])


def test_growth_is_named_from_the_exponent_of_the_two_largest_sizes():
    growth = Growth("gradebook", "students")
    for size, seconds in ((30, 0.0121), (300, 0.095), (3_000, 1.02)):
        growth.add(size, [seconds])
    assert growth.line() == (
        "gradebook  30 students: 12.1 ms · 300: 95.0 ms (×10 size → ×7.9 time) · 3,000: 1.02 s (×10.7)"
        ": about linear (exponent 1.03)"
    )
    assert [classify(e) for e in (0.1, 0.5, 1.0, 1.5)] == ["about constant", "sublinear", "about linear", "superlinear"]
