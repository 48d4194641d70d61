"""Fixtures of the web tests (the copy of the readings to change, `content_copy`, is in tests/conftest.py)."""

from __future__ import annotations

import pytest

from studyapp.domain.content import load_content
from studyapp.extensions import db


@pytest.fixture
def loaded(app):
    """The shipped content, loaded into the test database."""
    load_content(app.config["CONTENT_DIR"])
    db.session.commit()
    return app
