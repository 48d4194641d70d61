"""Static files under fingerprinted URLs: cached for a year, and a new URL as soon as the file changes."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from flask import url_for

from studyapp.web.assets import IMMUTABLE

STATIC = Path(__file__).resolve().parents[2] / "studyapp" / "static"


def digest(path: Path) -> str:
    return hashlib.blake2b(path.read_bytes(), digest_size=6).hexdigest()


def test_pages_name_their_styles_by_fingerprint_and_a_browser_keeps_them(client, student):
    page = client.get("/read/").get_data(as_text=True)
    href = re.search(r'<link rel="stylesheet" href="(/static/css/app\.css\?v=([0-9a-f]+))"', page)
    assert href is not None, "the layout's stylesheet carries its fingerprint"
    assert href.group(2) == digest(STATIC / "css" / "app.css")
    with client.get(href.group(1)) as response:
        assert response.status_code == 200 and response.headers["Cache-Control"] == IMMUTABLE  # signed in, too


def test_a_blueprints_static_files_are_fingerprinted_too(app, client, instructor):
    with app.test_request_context():
        url = url_for("classes.static", filename="classes.css")
    assert re.fullmatch(r"/classes/static/classes\.css\?v=[0-9a-f]{12}", url), url
    with client.get(url) as response:
        assert response.headers["Cache-Control"] == IMMUTABLE


def test_an_old_or_missing_fingerprint_is_served_but_revalidated(client):
    for url in ("/static/css/app.css?v=000000000000", "/static/css/app.css"):
        with client.get(url) as response:
            assert response.status_code == 200, url
            assert "immutable" not in response.headers.get("Cache-Control", ""), url


def test_a_changed_file_gets_a_new_url_at_once(app, client, tmp_path):
    app.static_folder = str(tmp_path)
    style = tmp_path / "changing.css"
    style.write_text("main { color: #222; }")
    with app.test_request_context():
        before = url_for("static", filename="changing.css")
    style.write_text("main { color: #111; margin: 0; }")
    with app.test_request_context():
        after = url_for("static", filename="changing.css")
        missing = url_for("static", filename="no-such.css")
    assert before != after and after.endswith(digest(style))
    assert missing == "/static/no-such.css"  # nothing to fingerprint
    with client.get(after) as response:
        assert response.get_data(as_text=True) == "main { color: #111; margin: 0; }"
        assert response.headers["Cache-Control"] == IMMUTABLE
    with client.get(before) as response:
        assert "immutable" not in response.headers.get("Cache-Control", "")  # the old URL is not frozen
