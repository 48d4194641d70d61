"""Where the peers' own samples are (../shared/interop, never copied here), and how a page shows a text.

The samples are other projects' test data: they are read from the shared folder next to the
repository, or from `STUDYAPP_INTEROP_DIR`. Without them the tests skip, saying where they
looked; with `REQUIRE_INTEROP=1` (CI) a missing folder is a failure instead.
"""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from studyapp.core import markdown

DEFAULT_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "interop"
#: Typographic punctuation the app's renderer prints for plain quotes, dashes and dots (Python-Markdown's
#: smarty), read back as the characters typed: the same text, set as pages set it.
TYPOGRAPHY = str.maketrans(
    {"“": '"', "”": '"', "‘": "'", "’": "'", "–": "--", "—": "---", "…": "...", "«": "<<", "»": ">>"}
)
BLOCKS = frozenset({"p", "div", "br", "li", "ul", "ol", "pre", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"})


def corpus(name: str) -> Path:
    """The folder of one corpus; skip (or, under REQUIRE_INTEROP=1, fail) when it is not there."""
    folder = Path(os.environ.get("STUDYAPP_INTEROP_DIR") or DEFAULT_DIR) / name
    if not folder.is_dir():
        message = (
            f"the interop samples are not at {folder}: put the shared folder next to the repository "
            "or set STUDYAPP_INTEROP_DIR"
        )
        if os.environ.get("REQUIRE_INTEROP") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return folder


class _Visible(HTMLParser):
    """The text of HTML as a browser lays it out: lines at blocks and breaks, spaces collapsed outside <pre>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCKS:
            self.parts.append("\n")
        self.pre += tag == "pre"

    def handle_endtag(self, tag: str) -> None:
        if tag in BLOCKS:
            self.parts.append("\n")
        self.pre -= tag == "pre"

    def handle_data(self, data: str) -> None:
        self.parts.append(data if self.pre else re.sub(r"\s+", " ", data))


def visible(html: str) -> str:
    """What a reader sees of `html`: its lines, each trimmed, without blank ones, typography undone."""
    parser = _Visible()
    parser.feed(html)
    parser.close()
    lines = (re.sub(r"[ \t\xa0]+", " ", line).strip() for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line).translate(TYPOGRAPHY)


def shown(text: str, *, inline: bool = False) -> str:
    """What the app's pages show of one of its Markdown texts."""
    return visible(markdown.render(text, inline=inline, kept=False))
