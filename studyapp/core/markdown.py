"""The one place that turns Markdown into HTML, always sanitized with nh3.

Python-Markdown slows down badly (or recurses past Python's limit) on some inputs: long runs of
`[`, lists or quotes nested deep, many emphasis markers or table cells in one paragraph. Before
rendering, `problems` measures a text against `LIMITS`; a text over any limit, or one the renderer
fails on, is shown as escaped text instead (`fallback`). The question validator refuses such
texts with the same messages, each naming its line.
"""

from __future__ import annotations

import html as _html
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import markdown as _markdown
import nh3

#: Tags a rendered text may keep; everything else (script, style, iframe, svg...) is dropped.
ALLOWED_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "code",
        "dd",
        "del",
        "dfn",
        "div",
        "dl",
        "dt",
        "em",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "li",
        "mark",
        "ol",
        "p",
        "pre",
        "q",
        "s",
        "span",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
#: No `id` anywhere: an author's id (`## Title {#main}`, `<dfn id=...>`) could duplicate one of the
#: page's own (the skip link's target, a form field's label) or clobber a name scripts look up.
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "span": {"class", "lang"},
    "div": {"class"},
    "td": {"align"},
    "th": {"align", "scope"},
    "ol": {"start"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
EXTENSIONS = ("extra", "sane_lists", "smarty")


def sanitize(html: str) -> str:
    """Strip every tag, attribute and URL scheme not on the allow lists."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


@dataclass(frozen=True, slots=True)
class Limits:
    """How much Markdown one text may hold: together the bounds keep a rendering well under 100 ms."""

    chars: int = 8_000
    lines: int = 250
    #: lists, quotes and definitions open on one line
    nesting: int = 6
    #: `[` open at once in a paragraph (nested, or never closed)
    bracket_depth: int = 6
    #: `*[ABBR]: ...` definitions
    abbreviations: int = 5
    #: what the markup of the whole text may cost, each piece weighed by `COSTS`
    markup: int = 400


LIMITS = Limits()
#: What one piece of markup costs the renderer, roughly: a list item, quote or definition (each level
#: of nesting counts), a `[` (link), a footnote reference `[^` (on top of its `[`), a table cell `|`,
#: an emphasis marker, a code span's backticks, a `<` (tag, autolink), each use of an abbreviation
#: and each line fencing code (the code inside costs nothing).
COSTS = {
    "containers": 3,
    "brackets": 2,
    "footnote references": 6,
    "table cells": 2,
    "emphasis": 1,
    "code": 1,
    "tags": 1,
    "abbreviations": 1,
    "code blocks": 4,
}
#: Rendered HTML larger than this many times its text (plus a little) is not kept.
MAX_GROWTH = 40

FENCE_RE = re.compile(r"(`{3,}|~{3,})[ ]*\.?[\w#.+-]*[ ]*\Z")
#: One container at the start of a line: a quote, a list item or a definition.
CONTAINER_RE = re.compile(r"[ \t]*(?:>|[-*+][ \t]|\d{1,9}[.)][ \t]|:[ \t])")
INDENT_RE = re.compile(r"[ \t]*")
EMPHASIS_RE = re.compile(r"(?<=\S)[*_]+|[*_]+(?=\S)")
CODE_RE = re.compile(r"`+")
ABBREVIATION_RE = re.compile(r"\*\[([^\]]*)\]:")
#: A bracket, or an escaped character (which is no bracket).
BRACKET_RE = re.compile(r"\\.|[\[\]]")


@dataclass(frozen=True, slots=True)
class TooMuch:
    """Why a text is not rendered: `line` is 1-based within the text."""

    line: int
    message: str


def problems(text: str, limits: Limits = LIMITS) -> list[TooMuch]:
    """Return where `text` goes over `limits` (the first line of each kind), in line order."""
    found: dict[str, TooMuch] = {}
    if len(text) > limits.chars:
        found["chars"] = TooMuch(
            text.count("\n", 0, limits.chars) + 1,
            f"text is {len(text):,} characters; the limit is {limits.chars:,}: shorten it",
        )
    lines = text.split("\n")
    if len(lines) > limits.lines:
        found["lines"] = TooMuch(limits.lines + 1, f"text is {len(lines):,} lines; the limit is {limits.lines:,}")
    if len(text) > limits.chars or len(lines) > limits.lines:
        # The rest is refused already: looking at it would only take time.
        lines = text[: limits.chars].split("\n")[: limits.lines]
    abbreviations = [match.group(1) for line in lines if (match := ABBREVIATION_RE.match(line))]
    if len(abbreviations) > limits.abbreviations:
        found["abbreviations"] = TooMuch(
            _line_of(lines, lambda line: ABBREVIATION_RE.match(line) is not None, limits.abbreviations + 1),
            f"more than {limits.abbreviations} abbreviation definitions ('*[...]:')",
        )
    abbreviation_re = (
        re.compile("|".join(rf"\b{re.escape(name)}\b" for name in abbreviations if name)) if abbreviations else None
    )
    spent = dict.fromkeys(COSTS, 0)
    cost = 0
    open_brackets = 0
    for number, line in _outside_fences(lines):
        if not line.strip():
            open_brackets = 0  # a paragraph ends: its brackets are never read together with the next one's
            continue
        depth = _nesting(line)
        if depth > limits.nesting:
            found.setdefault(
                "nesting",
                TooMuch(number, f"lists, quotes or definitions nested {depth} deep; the limit is {limits.nesting}"),
            )
        brackets = 0
        for mark in BRACKET_RE.finditer(line):
            if mark.group() == "[":
                brackets += 1
                open_brackets += 1
                if open_brackets > limits.bracket_depth:
                    found.setdefault(
                        "bracket-depth",
                        TooMuch(
                            number,
                            f"more than {limits.bracket_depth} '[' open at once (nested, or never closed by ']'): "
                            "close them or write them as '\\['",
                        ),
                    )
            elif mark.group() == "]" and open_brackets:
                open_brackets -= 1
        counts = {
            "containers": depth,
            "brackets": brackets,
            "footnote references": line.count("[^"),
            "table cells": line.count("|"),
            "emphasis": len(EMPHASIS_RE.findall(line)),
            "code": len(CODE_RE.findall(line)),
            "tags": line.count("<"),
            "abbreviations": len(abbreviation_re.findall(line)) if abbreviation_re else 0,
            "code blocks": 1 if line == "```" else 0,
        }
        for kind, count in counts.items():
            spent[kind] += count
            cost += COSTS[kind] * count
        if cost > limits.markup and "markup" not in found:
            heaviest = sorted(spent, key=lambda kind: -COSTS[kind] * spent[kind])[:3]
            found["markup"] = TooMuch(
                number,
                "too much markup for one text by this line ("
                + ", ".join(f"{spent[kind]} {kind}" for kind in heaviest if spent[kind])
                + "): make it shorter or simpler, or write marks that are no markup with a '\\' before them",
            )
    return sorted(found.values(), key=lambda problem: problem.line)


def _line_of(lines: list[str], test: Callable[[str], bool], nth: int) -> int:
    """Return the 1-based number of the `nth` line that passes `test`."""
    seen = 0
    for number, line in enumerate(lines, 1):
        seen += test(line)
        if seen == nth:
            return number
    return len(lines)


def _outside_fences(lines: list[str]) -> Iterator[tuple[int, str]]:
    """Yield (1-based number, line) of the lines outside fenced code; a fence line comes as "```".

    A fence is what the renderer takes for one (a subset of it, so that nothing it reads as
    Markdown is skipped here): a line of three or more backticks or tildes at the margin, with at
    most a language, closed by the same line later on.
    """
    number = 0
    while number < len(lines):
        line = lines[number]
        opening = FENCE_RE.match(line)
        if opening:
            fence = opening.group(1)
            closing = next(
                (later for later in range(number + 1, len(lines)) if lines[later].rstrip(" ") == fence),
                None,
            )
            if closing is not None:
                yield number + 1, "```"
                yield closing + 1, "```"
                number = closing + 1
                continue
        yield number + 1, line
        number += 1


def _nesting(line: str) -> int:
    """Return how many containers (quotes, list items, definitions, indents of 4) open on `line`."""
    depth = 0
    position = 0
    while True:
        indent = INDENT_RE.match(line, position)
        columns = len(indent.group().expandtabs(4)) if indent else 0
        depth += columns // 4
        container = CONTAINER_RE.match(line, position)
        if container is None:
            return depth
        depth += 1
        position = container.end()


def fallback(text: str, *, inline: bool = False) -> str:
    """The text as it was written, escaped: what is shown when it cannot be rendered."""
    escaped = _html.escape(text or "")
    return escaped if inline else f"<pre>{escaped}</pre>"


#: Sanitized HTML stored with question versions, by (inline, text): used instead of rendering again.
_stored: OrderedDict[tuple[bool, str], str] = OrderedDict()
MAX_STORED = 16384
_storing = threading.Lock()


def remember(entries: Iterable[tuple[str, bool, str]]) -> None:
    """Keep HTML rendered earlier (text, inline, html), so that `render` returns it instead of rendering.

    The HTML is sanitized again when first kept: it comes from storage, and the allow lists may have
    changed since it was written.
    """
    for text, inline, html in entries:
        key = (inline, text)
        kept = _stored.get(key) or sanitize(html)
        with _storing:
            _stored[key] = kept
            _stored.move_to_end(key)
            while len(_stored) > MAX_STORED:
                _stored.popitem(last=False)


def render(text: str, *, inline: bool = False, kept: bool = True) -> str:
    """Render Markdown to sanitized HTML; `inline` drops the wrapping paragraph.

    A text over `LIMITS`, or one the renderer fails on, comes back escaped (`fallback`). HTML kept
    by `remember` is returned as it is, unless `kept` is False (to render what is about to be stored).
    """
    if kept:
        stored = _stored.get((inline, text or ""))
        if stored is not None:
            return stored
    return _render(text or "", inline)


@lru_cache(maxsize=16384)
def _render(text: str, inline: bool) -> str:
    """Pure, so results are cached: a question or passage is rendered once per process."""
    if len(text) > LIMITS.chars or problems(text):
        return fallback(text, inline=inline)
    try:
        md = _markdown.Markdown(extensions=list(EXTENSIONS), output_format="html")
        html = md.convert(text)
    except Exception:  # RecursionError above all: whatever the renderer trips on, the text is still shown
        return fallback(text, inline=inline)
    if len(html) > MAX_GROWTH * len(text) + 1000:
        return fallback(text, inline=inline)
    if inline and html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return sanitize(html)
