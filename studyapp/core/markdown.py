"""The one place that turns Markdown into HTML, always sanitized with nh3."""

from __future__ import annotations

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
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "dfn": {"id"},
    "span": {"class", "lang"},
    "div": {"class"},
    "td": {"align"},
    "th": {"align", "scope"},
    "ol": {"start"},
    "h2": {"id"},
    "h3": {"id"},
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


@lru_cache(maxsize=16384)
def render(text: str, *, inline: bool = False) -> str:
    """Render Markdown to sanitized HTML; `inline` drops the wrapping paragraph.

    Pure, so results are cached: a question or passage is rendered once per process.
    """
    md = _markdown.Markdown(extensions=list(EXTENSIONS), output_format="html")
    html = md.convert(text or "")
    if inline and html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return sanitize(html)
