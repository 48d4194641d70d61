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


# --- limits and the escaped fallback ---------------------------------------------------------------


def test_a_renderer_error_shows_the_text_escaped(monkeypatch):
    import markdown as python_markdown

    from studyapp.core import markdown

    def recurse(self, text):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(python_markdown.Markdown, "convert", recurse)
    text = "term unique to this test\n:   <b>definition</b>"
    assert markdown._render.__wrapped__(text, False) == (
        "<pre>term unique to this test\n:   &lt;b&gt;definition&lt;/b&gt;</pre>"
    )
    assert markdown._render.__wrapped__(text, True) == ("term unique to this test\n:   &lt;b&gt;definition&lt;/b&gt;")


@pytest.mark.parametrize("text", HOSTILE)
def test_the_fallback_is_inert(text):
    from studyapp.core.markdown import fallback

    for html in (fallback(text + "[" * 10), fallback(text, inline=True)):
        assert "<script" not in html and "<img" not in html and "<svg" not in html and "<iframe" not in html


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("[" * 7, 1, "'[' open at once"),
        ("fine\n\n" + "- " * 7 + "x", 3, "nested 7 deep"),
        ("> " * 7 + "x", 1, "nested 7 deep"),
        ("a\n" + "".join("    " * n + ":   b\n" for n in range(8)), 8, "nested 7 deep"),
        ("|a" * 201, 1, "table cells"),
        ("a\n" * 3 + "*a" * 401, 4, "emphasis"),
        ("x" * 8001, 1, "8,001 characters"),
        ("a\n" * 251, 251, "lines"),
        ("*[A]: a\n" * 6, 6, "abbreviation"),
    ],
)
def test_problems_name_the_line_that_goes_over(text, line, words):
    from studyapp.core.markdown import problems

    found = problems(text)
    assert found and found[0].line == line and words in found[0].message, found


def test_fenced_code_costs_little_and_an_unclosed_fence_is_no_fence():
    from studyapp.core.markdown import problems

    code = "```python\n" + "        x[i] = *args\n" * 100 + "```"
    assert problems(code) == []
    assert problems("```python\n" + "- " * 7 + "x") != []  # never closed: read as Markdown
    assert problems("   ```\n" + "- " * 7 + "x\n   ```") != []  # not at the margin: no fence to the renderer


def test_shipped_texts_are_within_the_limits():
    from pathlib import Path

    from studyapp.core import qformat

    root = Path(__file__).resolve().parents[2] / "content"
    questions = [
        q for path in sorted((root / "questions").glob("*.md")) for q in qformat.parse(path.read_bytes()).questions
    ]
    assert questions
    assert [str(p) for p in qformat.validate(questions) if "duplicate" not in p.message] == []


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("## The memorandum {#main}", "<h2>The memorandum</h2>"),
        ("### Linkage {#csrf_token}", "<h3>Linkage</h3>"),
        ('<dfn id="main">détente</dfn>', "<dfn>détente</dfn>"),
        ('<h2 id="content">Title</h2>', "<h2>Title</h2>"),
        (
            '<p><span id="x" lang="ru">y</span><a id="top" href="https://example.org">z</a></p>',
            '<span lang="ru">y</span>',
        ),
        ("Text[^1]\n\n[^1]: A note.", "A note."),
    ],
)
def test_no_author_chosen_element_id_survives(text, kept):
    html = render(text)
    assert " id=" not in html, html
    assert kept in html, html


def test_stored_html_with_ids_is_cleaned_when_kept():
    from studyapp.core import markdown

    markdown.remember([("## Kept {#main}", False, '<h2 id="main">Kept</h2>')])
    assert markdown.render("## Kept {#main}") == "<h2>Kept</h2>"
