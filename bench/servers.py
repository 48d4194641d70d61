"""Start and stop the servers under test: studyapp, the bare Flask app and the floor, under one gunicorn command."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
APP_MODULE = "wsgi:app"
BARE_MODULE = "bench.bare:app"
FLOOR_MODULE = "bench.floor:app"
#: The kernel's clock ticks per second, the unit of the CPU times in /proc/<pid>/stat.
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_command(module: str, port: int, workers: int, worker_class: str) -> list[str]:
    """The command both apps are served with: only the module differs."""
    return [
        GUNICORN,
        "--workers",
        str(workers),
        "--worker-class",
        worker_class,
        "--bind",
        f"127.0.0.1:{port}",
        "--chdir",
        str(ROOT),
        module,
    ]


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log: Path
    ready_path: str
    workers: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def drain(self, timeout: float = 300) -> float:
        """Wait until every worker is free again; return how long that took.

        When wrk stops, requests it sent may still be queued or running (a slow page at 64 connections
        leaves seconds of work): one request per worker, answered, means the queue ahead has drained,
        so the next measurement starts on an idle server.
        """
        started = time.perf_counter()

        def ask(_):
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
            conn.request("GET", self.ready_path)
            conn.getresponse().read()
            conn.close()

        with ThreadPoolExecutor(self.workers) as pool:
            list(pool.map(ask, range(self.workers)))
        return time.perf_counter() - started

    def cpu_seconds(self) -> float:
        """The CPU time (user and system) this gunicorn's master and workers have used so far.

        Read from /proc: steadier than wall time on a machine shared with the load generator. Workers
        are the master's children; none is restarted during a run (no max-requests), so the sum only grows.
        """
        total = 0.0
        for pid in [self.process.pid, *_children(self.process.pid)]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # a process that has just exited
                continue
            total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime
        return total

    def stop(self) -> None:
        """Stop this gunicorn (its master, which stops its workers); kill it if it will not go."""
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def spawn(
    name: str,
    module: str,
    env: dict[str, str],
    *,
    workers: int,
    worker_class: str,
    log_dir: Path,
    ready_path: str = "/",
) -> Server:
    """Start gunicorn serving `module` (see `wait_ready`)."""
    port = free_port()
    log = log_dir / f"gunicorn-{name}.log"
    with log.open("w") as handle:
        process = subprocess.Popen(
            gunicorn_command(module, port, workers, worker_class),
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Server(name, port, process, log, ready_path, workers)


def wait_ready(server: Server, timeout: float = 120) -> Server:
    """Wait until the server answers its ready path with 200; stop it and raise if it does not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"gunicorn for {server.name} exited with {server.process.returncode}:\n{server.log.read_text()[-3000:]}"
            )
        try:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            conn.request("GET", server.ready_path)
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(
        f"gunicorn for {server.name} did not answer {server.ready_path} within {timeout:.0f} s:\n"
        f"{server.log.read_text()[-3000:]}"
    )


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (gunicorn's workers)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(child) for child in task.read_text().split()]
        except OSError:
            continue
    return found
