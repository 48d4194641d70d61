"""Static files under fingerprinted URLs: `?v=` a hash of the file, cached for a year, a new URL when it changes.

`url_for('static', filename=...)` (and each blueprint's static endpoint) adds the fingerprint, so every
page names the exact bytes it was made with; a response to a URL whose fingerprint is the file's current
one may be kept by the browser for a year without asking again. A URL without it, or with an old one,
is served as before and revalidated. In a classroom this means one download of the styles and scripts
per term, and a changed file reaches every browser at once.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Flask, request
from werkzeug.security import safe_join
from werkzeug.wrappers import Response

#: What a response to a fingerprinted URL may be cached for: a year, and never revalidated.
IMMUTABLE = "public, max-age=31536000, immutable"


def is_static(endpoint: str | None) -> bool:
    """Whether an endpoint serves static files (the app's or a blueprint's)."""
    return endpoint is not None and (endpoint == "static" or endpoint.endswith(".static"))


@lru_cache(maxsize=1024)
def _digest(path: str, mtime_ns: int, size: int) -> str:
    return hashlib.blake2b(Path(path).read_bytes(), digest_size=6).hexdigest()


def fingerprint(folder: str | None, filename: str) -> str | None:
    """The fingerprint of `filename` under `folder`: its bytes hashed (kept until it changes on disk)."""
    path = safe_join(folder, filename) if folder else None
    if path is None:
        return None
    try:
        stat = Path(path).stat()
    except OSError:
        return None
    return _digest(path, stat.st_mtime_ns, stat.st_size)


def _folder(app: Flask, endpoint: str) -> str | None:
    if endpoint == "static":
        return app.static_folder
    blueprint = app.blueprints.get(endpoint.rsplit(".", 1)[0])
    return blueprint.static_folder if blueprint else None


def register(app: Flask) -> None:
    """Fingerprint static URLs and let browsers keep what a fingerprinted URL serves."""

    @app.url_defaults
    def add_fingerprint(endpoint: str, values: dict) -> None:
        if is_static(endpoint) and "filename" in values and "v" not in values:
            stamp = fingerprint(_folder(app, endpoint), values["filename"])
            if stamp:
                values["v"] = stamp

    @app.after_request
    def cache_fingerprinted(response: Response) -> Response:
        endpoint = request.endpoint
        if not is_static(endpoint) or response.status_code != 200 or not request.view_args:
            return response
        assert endpoint is not None  # is_static
        given = request.args.get("v")
        if given and given == fingerprint(_folder(app, endpoint), request.view_args.get("filename", "")):
            response.headers["Cache-Control"] = IMMUTABLE
        return response
