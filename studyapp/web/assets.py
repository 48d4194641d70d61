"""Static files under fingerprinted URLs: `?v=` a hash of the file, cached for a year, a new URL when it changes.

`url_for('static', filename=...)` (and each blueprint's static endpoint) adds the fingerprint, so every
page names the exact bytes it was made with; a response to a URL whose fingerprint is the file's current
one may be kept by the browser for a year without asking again. A URL without it, or with an old one,
is served as before and revalidated. In a classroom this means one download of the styles and scripts
per term, and a changed file reaches every browser at once.
"""

from __future__ import annotations

import hashlib
import os

from flask import Flask, request
from werkzeug.security import safe_join
from werkzeug.wrappers import Response

#: What a response to a fingerprinted URL may be cached for: a year, and never revalidated.
IMMUTABLE = "public, max-age=31536000, immutable"


def is_static(endpoint: str | None) -> bool:
    """Whether an endpoint serves static files (the app's or a blueprint's)."""
    return endpoint is not None and (endpoint == "static" or endpoint.endswith(".static"))


#: (folder, filename) -> (path, mtime_ns, size, fingerprint) of the files named so far; `safe_join` and
#: the hash run once per file and change, so naming a file costs one `stat`.
_STAMPS: dict[tuple[str, str], tuple[str, int, int, str]] = {}


def fingerprint(folder: str | None, filename: str) -> str | None:
    """The fingerprint of `filename` under `folder`: its bytes hashed (again only when it changes on disk)."""
    if not folder:
        return None
    known = _STAMPS.get((folder, filename))
    path = known[0] if known else safe_join(folder, filename)
    if path is None:
        return None
    try:
        stat = os.stat(path)
    except OSError:
        return None
    if known and known[1] == stat.st_mtime_ns and known[2] == stat.st_size:
        return known[3]
    with open(path, "rb") as handle:
        stamp = hashlib.blake2b(handle.read(), digest_size=6).hexdigest()
    if len(_STAMPS) >= 4096:  # a bound, whatever names are asked for
        _STAMPS.clear()
    _STAMPS[(folder, filename)] = (path, stat.st_mtime_ns, stat.st_size, stamp)
    return stamp


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
