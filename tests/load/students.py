"""Simulated students, run as a separate process by test_load_fault.py (standard library only).

Each student signs in, starts the quiz, autosaves every answer (twice per question in the full
form: a first choice, then a change of mind), submits and opens the result, all over loopback
HTTP. A request that fails at the connection (a killed worker), times out, or answers 502/503 is
retried with the same body. The outcome is printed as one line `RESULT {json}`; progress lines
`PROGRESS done total` let the parent pick its moment to kill a worker.

    python -m tests.load.students --base http://127.0.0.1:8000 --quiz 5 --password PW --saves 2 emails...
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from http.cookies import SimpleCookie

CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
OPTION = re.compile(r'<input type="(?:radio|checkbox)" name="q(\d+)" value="([^"]+)"')
RETRY_STATUSES = (502, 503, 504)
MAX_TRIES = 8


def launch(
    base: str, quiz_id: int, password: str, saves: int, expected: int, emails: list[str], cwd
) -> subprocess.Popen:
    """Run the students in a process of their own (as `main` below), its output piped to the caller."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.load.students",
            "--base",
            base,
            "--quiz",
            str(quiz_id),
            "--password",
            password,
            "--saves",
            str(saves),
            "--expected-requests",
            str(expected),
            *emails,
        ],
        cwd=cwd,
        stdout=subprocess.PIPE,
        text=True,
    )


class Student:
    def __init__(self, base: str, email: str, stats: Stats) -> None:
        parts = urllib.parse.urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.email = email
        self.cookies: dict[str, str] = {}
        self.token = ""
        self.stats = stats

    def request(self, method: str, path: str, fields: dict | None = None, *, expect=(200, 302)):
        """Send one request, retrying on a dropped connection or a gateway error; return (status, headers, body)."""
        body = urllib.parse.urlencode(fields or {}, doseq=True).encode() if fields is not None else None
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), "Connection": "close"}
        if method == "POST":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.token
        for attempt in range(1, MAX_TRIES + 1):
            started = time.monotonic()
            try:
                conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read().decode("utf-8", "replace")
                status = response.status
                conn.close()
            except (OSError, http.client.HTTPException) as exc:
                self.stats.add(error=type(exc).__name__, retried=attempt < MAX_TRIES)
                time.sleep(0.2 * attempt)
                continue
            self.stats.add(status=status, seconds=time.monotonic() - started, retry_success=attempt > 1)
            if status in RETRY_STATUSES:
                self.stats.add(retried=True)
                time.sleep(0.2 * attempt)
                continue
            for header in response.headers.get_all("Set-Cookie") or []:
                cookie = SimpleCookie(header)
                for key, morsel in cookie.items():
                    if (morsel["expires"] and "1970" in morsel["expires"]) or morsel.get("max-age") == "0":
                        self.cookies.pop(key, None)
                    else:
                        self.cookies[key] = morsel.value
            if status not in expect:
                raise RuntimeError(f"{self.email}: {method} {path} answered {status}: {data[:300]}")
            return status, response.headers, data, attempt
        raise RuntimeError(f"{self.email}: {method} {path} failed {MAX_TRIES} times")

    def run(self, quiz_id: int, password: str, saves_per_question: int) -> dict:
        _, _, page, _ = self.request("GET", "/login")
        self.token = CSRF.search(page).group(1)
        status, headers, _, _ = self.request(
            "POST", "/login", {"email": self.email, "password": password, "csrf_token": self.token}, expect=(302,)
        )
        _, _, page, _ = self.request("GET", "/quizzes")
        self.token = CSRF.search(page).group(1)  # sign-in started a new session, with a new token
        _, headers, _, _ = self.request("POST", f"/quizzes/{quiz_id}/start", {}, expect=(302,))
        attempt_id = int(headers["Location"].rstrip("/").rsplit("/", 1)[1])
        _, _, page, _ = self.request("GET", f"/attempts/{attempt_id}")
        options: dict[int, list[str]] = {}
        for position, value in OPTION.findall(page):
            options.setdefault(int(position), []).append(value)
        seq = 0
        stored: dict[int, tuple[int, str]] = {}  # position -> (seq, value) acknowledged as stored
        for position in sorted(options):
            for k in range(saves_per_question):
                seq += 1
                value = options[position][(k + position) % len(options[position])]
                status, _, body, tries = self.request(
                    "POST",
                    f"/attempts/{attempt_id}/save",
                    {"position": position, "seq": seq, f"q{position}": value},
                    expect=(200, 409),
                )
                if status == 200 or tries > 1:  # a 409 on a retry: the first try was stored before the failure
                    stored[position] = (seq, value)
                    self.stats.add(acknowledged=True)
                else:
                    raise RuntimeError(f"{self.email}: a fresh save was refused: {body[:200]}")
        _, headers, _, _ = self.request("POST", f"/attempts/{attempt_id}/submit", {}, expect=(302,))
        assert headers["Location"].endswith(f"/attempts/{attempt_id}/result"), headers["Location"]
        _, _, page, _ = self.request("GET", f"/attempts/{attempt_id}/result")
        return {
            "email": self.email,
            "attempt": attempt_id,
            "stored": {str(p): v for p, v in stored.items()},
            "questions": len(options),
            "result_page": "Your score" in page or "score" in page.lower(),
            # Shown once, by the submission that did it (lost with its answer if the instance died just then).
            "saw_submitted": "Your attempt is submitted." in page,
        }


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.statuses: Counter = Counter()
        self.errors: Counter = Counter()
        self.latencies: list[float] = []
        self.retries = 0
        self.retry_successes = 0
        self.acknowledged = 0
        self.done = 0

    def add(self, *, status=None, seconds=None, error=None, retried=False, retry_success=False, acknowledged=False):
        with self.lock:
            if status is not None:
                self.statuses[status] += 1
                self.latencies.append(seconds)
                self.done += 1
            if error:
                self.errors[error] += 1
            self.retries += bool(retried)
            self.retry_successes += bool(retry_success and status is not None and status < 500)
            self.acknowledged += bool(acknowledged)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--quiz", type=int, required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--saves", type=int, default=1)
    parser.add_argument("--expected-requests", type=int, default=0)
    parser.add_argument("emails", nargs="+")
    args = parser.parse_args(argv)
    stats = Stats()
    results, failures = [], []
    lock = threading.Lock()
    start_line = threading.Barrier(len(args.emails))

    def one(email):
        student = Student(args.base, email, stats)
        try:
            start_line.wait(timeout=60)
            outcome = student.run(args.quiz, args.password, args.saves)
            with lock:
                results.append(outcome)
        except Exception as exc:
            with lock:
                failures.append(f"{email}: {exc!r}")

    threads = [threading.Thread(target=one, args=(email,)) for email in args.emails]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        time.sleep(0.25)
        print(f"PROGRESS {stats.done} {args.expected_requests}", flush=True)
    elapsed = time.monotonic() - started
    latencies = sorted(stats.latencies)

    def pct(p):
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 1) if latencies else None

    print(
        "RESULT "
        + json.dumps(
            {
                "results": results,
                "failures": failures,
                "statuses": dict(stats.statuses),
                "errors": dict(stats.errors),
                "retries": stats.retries,
                "retry_successes": stats.retry_successes,
                "acknowledged": stats.acknowledged,
                "requests": stats.done,
                "seconds": round(elapsed, 2),
                "per_second": round(stats.done / elapsed, 1),
                "p50_ms": pct(0.50),
                "p95_ms": pct(0.95),
                "p99_ms": pct(0.99),
                "max_ms": pct(1.0),
            }
        ),
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
