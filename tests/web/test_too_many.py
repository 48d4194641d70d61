"""Every 429 says how long to wait, in words that fit the wait."""

from __future__ import annotations

import pytest

from studyapp.web.errors import wait


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (1, "1 second"),
        (45, "45 seconds"),
        (120, "120 seconds"),
        (121, "2 minutes"),
        (301, "5 minutes"),
        (3601, "60 minutes"),
        (7200, "120 minutes"),
        (7300, "2 hours"),
        (86_400, "24 hours"),
    ],
)
def test_a_wait_in_words(seconds, words):
    assert wait(seconds) == words


def test_a_limited_join_page_says_how_long_to_wait(app, client):
    statuses = [client.get("/join/NOSUCHCODE").status_code for _ in range(61)]
    assert statuses[:60] == [404] * 60 and statuses[60] == 429
    text = client.get("/join/NOSUCHCODE").get_data(as_text=True)
    assert "Try again in" in text and "a few minutes" not in text
