"""One formatter per kind of value, as Jinja filters: templates never format numbers by string surgery."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Install the filters on the app."""
