"""The one Markdown renderer: Markdown in, sanitized HTML out."""

from __future__ import annotations

import pytest

from studyapp.core.markdown import render

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<svg onload=alert(1)><circle/></svg>",
    "<iframe src=https://evil.example></iframe>",
    "<a href='https://ok.example' onclick='alert(1)'>x</a>",
    "<div style='background:url(javascript:alert(1))'>unclosed",
    "<style>body{display:none}</style>",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_is_inert(text):
    html = render(text).lower()
    for needle in (
        "<script",
        "onerror",
        "onload",
        "onclick",
        "javascript:",
        "data:text",
        "<svg",
        "<iframe",
        "<style",
        "style=",
    ):
        assert needle not in html


def test_markdown_is_rendered():
    html = render("A *quote* and a [link](https://history.state.gov/).\n\n- one\n- two")
    assert "<em>quote</em>" in html
    assert '<a href="https://history.state.gov/" rel="noopener noreferrer nofollow">link</a>' in html
    assert "<li>one</li>" in html


def test_inline_rendering_drops_the_paragraph():
    assert render("just *this*", inline=True) == "just <em>this</em>"
