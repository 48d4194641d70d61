"""Rate limits shared by gunicorn's workers through Redis: failed sign-ins to one account, each on a new
connection (so spread over the workers), are refused after the limit whichever worker answers."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

from studyapp import create_app
from studyapp.extensions import db
from tests.conftest import TEST_PASSWORD, base_config, migrate_to_head
from tests.load.test_load_fault import ROOT, WORKERS, children, free_port
from tests.security.test_rate_limits import REDIS_URL, _redis


def _sign_in_failure(base: str, email: str) -> int:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login", timeout=30).read().decode()
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"email": email, "password": "not the password", "csrf_token": token}).encode()
    try:
        return opener.open(urllib.request.Request(f"{base}/login", data=data), timeout=30).status
    except urllib.error.HTTPError as exc:
        exc.close()
        return exc.code


def test_sign_in_limit_is_shared_by_every_worker(tmp_path):
    redis_client = _redis()
    url = f"sqlite:///{tmp_path / 'limits.sqlite3'}"
    migrate_to_head(url)
    app = create_app(base_config(url))
    with app.app_context():
        from studyapp.domain.accounts import create_user

        create_user(email="shared@studyapp.example", display_name="Shared", password=TEST_PASSWORD)
        db.session.commit()
        allowed = int(app.config["LOGIN_LIMIT_PAIR"].split()[0])
        db.session.remove()
        db.engine.dispose()
    prefix = f"studyapp-test-{uuid.uuid4().hex[:12]}"
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": uuid.uuid4().hex,
        "REDIS_URL": REDIS_URL,
        "STUDYAPP_RATELIMIT_KEY_PREFIX": prefix,
    }
    server = subprocess.Popen(
        [
            os.path.join(os.path.dirname(sys.executable), "gunicorn"),
            "-w",
            str(WORKERS),
            "-b",
            f"127.0.0.1:{port}",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2):
                    if len(children(server.pid)) == WORKERS:
                        break
            except OSError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.3)
        statuses = [_sign_in_failure(base, "shared@studyapp.example") for _ in range(allowed + 3)]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
        keys = list(redis_client.scan_iter(f"*{prefix}*"))
        if keys:
            redis_client.delete(*keys)
        redis_client.close()
    assert statuses == [401] * allowed + [429] * 3, statuses
    print(
        f"Rate limit (gunicorn -w {WORKERS}, Redis): {len(statuses)} failed sign-ins on new connections: "
        f"{statuses}; the limit held across workers ({len(keys)} Redis keys under {prefix}, deleted)"
    )
