"""Helpers of the reading tests: where the content is, edits to a copy of it, and a page's text.

The fixtures that load the content (`loaded`, tests/web/conftest.py) or copy it (`content_copy`, tests/conftest.py)
live in the conftest files."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).parents[2]
CONTENT = ROOT / "content"
SECOND_DOCUMENT = ROOT / "tests" / "fixtures" / "content-two-docs" / "town-bell-notice"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


class _TextOf(HTMLParser):
    """Collect the text inside the element with a given id, skipping elements marked `apparatus`."""

    VOID = frozenset(
        {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
    )

    def __init__(self, element_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.element_id = element_id
        self.depth = 0  # depth inside the wanted element (0: outside)
        self.skip = 0  # depth inside an apparatus element
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        attrs = dict(attrs)
        if self.depth:
            self.depth += 1
            if self.skip:
                self.skip += 1
            elif "apparatus" in (attrs.get("class") or "").split():
                self.skip = 1
        elif attrs.get("id") == self.element_id:
            self.depth = 1

    def handle_endtag(self, tag):
        if tag in self.VOID or not self.depth:
            return
        self.depth -= 1
        if self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if self.depth and not self.skip:
            self.parts.append(data)


def text_of(html: str, element_id: str) -> str:
    """The text a reader sees inside `#element_id`, apparatus (labels, back links) left out."""
    parser = _TextOf(element_id)
    parser.feed(html)
    return "".join(parser.parts)


def words(text: str) -> list[str]:
    return re.sub(r"\s+", " ", text).split()
