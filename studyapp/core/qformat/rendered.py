"""The Markdown texts of a question, and their HTML rendered once, to store with a question version."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .. import markdown
from .model import Question

#: Raised when the texts of a question or how they are stored change: HTML stored under another
#: version is not used (pages render the texts again).
RENDERED_VERSION = 1


@dataclass(frozen=True, slots=True)
class Text:
    """One Markdown text of a question.

    `name` is unique within the question, `at` finds where the text starts in the source
    (`Question.positions["markdown:" + at]`) and `label` names it in messages.
    """

    name: str
    at: str
    label: str
    text: str
    inline: bool = False


def markdown_texts(q: Question) -> list[Text]:
    """Return every text of `q` that pages show as Markdown, `inline` for those shown inside a line."""
    texts = [Text("prompt", "prompt", "prompt", q.prompt)]
    for n, choice in enumerate(q.choices):
        texts.append(Text(f"choices:{n}", f"choices:{n}", f"choice {choice.id}", choice.text, inline=True))
        texts.append(
            Text(f"choices:{n}:feedback", f"choices:{n}:feedback", f"feedback of choice {choice.id}", choice.feedback)
        )
    for n, sentence in enumerate(q.evidence):
        at = f"evidence:{n}:feedback"
        texts.append(Text(at, at, f"feedback of evidence sentence {n + 1}", sentence.feedback))
    texts.extend(Text(f"order:{n}", f"order:{n}", f"item {n + 1}", item, inline=True) for n, item in enumerate(q.items))
    for n, pair in enumerate(q.pairs):
        texts.append(Text(f"pairs:{n}:left", f"pairs:{n}", f"pair {pair.id}", pair.left, inline=True))
        texts.append(Text(f"pairs:{n}:right", f"pairs:{n}", f"pair {pair.id}", pair.right, inline=True))
    texts.extend(
        Text(f"distractors:{n}", f"distractors:{n}", f"extra option {n + 1}", text, inline=True)
        for n, text in enumerate(q.distractors)
    )
    texts.extend(Text(name, name, name, getattr(q, name)) for name in ("hint", "explanation", "rubric"))
    return [text for text in texts if text.text]


def render_question(q: Question) -> dict[str, Any]:
    """Render every Markdown text of `q` (sanitized, or escaped when over the limits): the data to store."""
    return {
        "version": RENDERED_VERSION,
        "html": {text.name: markdown.render(text.text, inline=text.inline, kept=False) for text in markdown_texts(q)},
    }


def stored_html(q: Question, rendered: Mapping[str, Any] | None) -> list[tuple[str, bool, str]]:
    """Return (text, inline, html) for each text of `q` whose HTML `rendered` holds (from `render_question`)."""
    if not rendered or rendered.get("version") != RENDERED_VERSION or not isinstance(rendered.get("html"), dict):
        return []
    html = rendered["html"]
    return [
        (text.text, text.inline, html[text.name]) for text in markdown_texts(q) if isinstance(html.get(text.name), str)
    ]
