"""HTTP from the load's side: signing students in, and a small load generator for what wrk cannot do.

Sessions: each account signs in through the real login form (argon2 and all), then opens one page so
that its session holds a CSRF token; the cookie and the token are what wrk and the driver send. The
cookie is production's (`Secure`): it is sent by hand, over plain HTTP on loopback.

The driver (`drive`) is asyncio on raw HTTP/1.1 sockets, keep-alive when the server allows it. Each
connection takes the next request of a shared plan; each request's latency runs from writing its
first byte to reading its last, as wrk measures it. With `once`, every line is sent exactly once
and the run ends when the plan is used up: that is how submissions are measured, each one real.
"""

from __future__ import annotations

import asyncio
import http.client
import math
import re
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

AGENT = "studyapp-bench"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


@dataclass(frozen=True)
class Session:
    email: str
    cookie: str
    csrf: str


class LoginFailed(RuntimeError):
    pass


def _cookies(response: http.client.HTTPResponse, jar: dict[str, str]) -> None:
    for header in response.headers.get_all("Set-Cookie") or ():
        name, _, rest = header.partition("=")
        value = rest.split(";", 1)[0]
        if value:
            jar[name.strip()] = value
        else:
            jar.pop(name.strip(), None)


def _request(port: int, method: str, path: str, jar: dict[str, str], body: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"User-Agent": AGENT, "Accept": "text/html"}
    if jar:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
    data = None
    if body is not None:
        data = urllib.parse.urlencode(body)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=data, headers=headers)
    response = conn.getresponse()
    text = response.read().decode("utf-8", "replace")
    _cookies(response, jar)
    conn.close()
    return response.status, response.headers, text


def login(port: int, email: str, password: str, landing: str = "/quizzes") -> Session:
    """Sign in through the login form; return the session cookie and its CSRF token."""
    jar: dict[str, str] = {}
    status, _, page = _request(port, "GET", "/login", jar)
    match = CSRF_META.search(page)
    if status != 200 or not match:
        raise LoginFailed(f"GET /login answered {status} without a CSRF token")
    status, _, _ = _request(
        port, "POST", "/login", jar, {"email": email, "password": password, "csrf_token": match.group(1)}
    )
    if status != 302:
        raise LoginFailed(f"signing in {email} answered {status}, not a redirect")
    status, _, page = _request(port, "GET", landing, jar)
    match = CSRF_META.search(page)
    if status != 200 or not match:
        raise LoginFailed(f"GET {landing} as {email} answered {status} without a CSRF token")
    return Session(email, "; ".join(f"{k}={v}" for k, v in jar.items()), match.group(1))


def login_all(port: int, emails: list[str], password: str, *, parallel: int = 4) -> dict[str, Session]:
    """Sign every account in, a few at a time (each sign-in is an argon2 verification)."""
    with ThreadPoolExecutor(parallel) as pool:
        sessions = list(pool.map(lambda email: login(port, email, password), emails))
    return {s.email: s for s in sessions}


def floor_login(port: int, user_ids: list[int]) -> list[Session]:
    """Sessions on the floor app (bench/floor.py): signed in as each user, with the page's CSRF token."""
    sessions = []
    for user_id in user_ids:
        jar: dict[str, str] = {}
        status, _, _ = _request(port, "GET", f"/signin/{user_id}", jar)
        page_status, _, page = _request(port, "GET", "/page", jar)
        match = CSRF_META.search(page)
        if status != 200 or page_status != 200 or not match:
            raise LoginFailed(f"the floor's session for user {user_id} answered {status}, then {page_status}")
        sessions.append(Session(f"floor-{user_id}", "; ".join(f"{k}={v}" for k, v in jar.items()), match.group(1)))
    return sessions


# --- the driver ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One request of a plan, as bench/lua/plan.lua reads it too."""

    group: int
    method: str
    path: str
    cookie: str = ""
    csrf: str = ""
    body: str = ""
    #: The group's sequence number before its first save; "@SEQ@" in the body takes the next one.
    seq: int | None = None

    def tsv(self) -> str:
        return "\t".join(
            [
                str(self.group),
                self.method,
                self.path,
                self.cookie,
                self.csrf,
                self.body,
                "" if self.seq is None else str(self.seq),
            ]
        )


def _raw(line: Line, seqs: dict[int, int]) -> bytes:
    body = line.body
    if line.seq is not None:
        seqs[line.group] = seqs.get(line.group, line.seq) + 1
        body = body.replace("@SEQ@", str(seqs[line.group]))
    head = [f"{line.method} {line.path} HTTP/1.1", "Host: 127.0.0.1", f"User-Agent: {AGENT}"]
    if line.cookie:
        head.append(f"Cookie: {line.cookie}")
    if line.csrf:
        head.append(f"X-CSRFToken: {line.csrf}")
    if line.method == "POST":
        head += [
            "Content-Type: application/x-www-form-urlencoded",
            "Accept: application/json",
            f"Content-Length: {len(body.encode())}",
        ]
    else:
        head.append("Accept: text/html")
    return ("\r\n".join(head) + "\r\n\r\n" + (body if line.method == "POST" else "")).encode()


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response; return its status and whether the connection may be kept."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    version, status = lines[0].split(" ", 2)[:2]
    headers = {}
    for raw in lines[1:]:
        if ":" in raw:
            name, value = raw.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    else:
        await reader.read()
        return int(status), False
    keep = headers.get("connection", "").lower() != "close" and version == "HTTP/1.1"
    return int(status), keep


async def _drive(port: int, lines: list[Line], connections: int, duration: float, expect: int, once: bool) -> dict:
    seqs: dict[int, int] = {}
    latencies: list[float] = []
    counts = {"unexpected": 0, "failed": 0}
    position = 0
    first_start = last_end = None
    stop_at = time.perf_counter() + duration

    def next_line() -> Line | None:
        nonlocal position
        if once and position >= len(lines):
            return None
        line = lines[position % len(lines)]
        position += 1
        return line

    async def connection() -> None:
        nonlocal first_start, last_end
        reader = writer = None
        while time.perf_counter() < stop_at:
            line = next_line()
            if line is None:
                break
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                started = time.perf_counter()
                first_start = started if first_start is None else min(first_start, started)
                writer.write(_raw(line, seqs))
                await writer.drain()
                status, keep = await _read_response(reader)
                ended = time.perf_counter()
            except (OSError, asyncio.IncompleteReadError, ValueError):
                counts["failed"] += 1
                if writer is not None:
                    writer.close()
                reader = writer = None
                continue
            latencies.append(ended - started)
            last_end = ended if last_end is None else max(last_end, ended)
            if status != expect:
                counts["unexpected"] += 1
            if not keep:
                writer.close()
                reader = writer = None
        if writer is not None:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(connections)))
    elapsed = (last_end - first_start) if latencies else 0.0
    return summarize(latencies, elapsed, counts["unexpected"] + counts["failed"])


def drive(
    port: int, lines: list[Line], *, connections: int, duration: float, expect: int = 200, once: bool = False
) -> dict:
    """Send the plan's requests over `connections` connections for `duration` seconds (or once each)."""
    return asyncio.run(_drive(port, lines, connections, duration, expect, once))


def percentile(ordered: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not ordered:
        return 0.0
    rank = max(1, min(len(ordered), math.ceil(p / 100 * len(ordered))))
    return ordered[rank - 1]


def summarize(latencies: list[float], elapsed: float, errors: int) -> dict:
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "seconds": elapsed,
        "errors": errors,
        "rps": len(ordered) / elapsed if elapsed else 0.0,
        "p50_ms": 1000 * percentile(ordered, 50),
        "p95_ms": 1000 * percentile(ordered, 95),
        "p99_ms": 1000 * percentile(ordered, 99),
    }
