"""HTML the quiz templates cannot build alone: cloze prompts with their inputs in place."""

from __future__ import annotations

from urllib.parse import quote

from markupsafe import Markup, escape

from studyapp.core.markdown import render
from studyapp.core.qformat import Question, fill_blanks

TOKEN = "CLOZEBLANK{}END"


def cloze_prompt(question: Question, position: int, answers: dict[str, str], *, disabled: bool = False) -> Markup:
    """Render a cloze prompt with a labelled text input where each `{{...}}` blank was."""
    count = len(question.blanks)
    html = render(fill_blanks(question.prompt, lambda blank: TOKEN.format(blank.id)))
    for blank in question.blanks:
        value = answers.get(blank.id, "")
        field = (
            f'<input type="text" class="blank" name="q{position}-{blank.id}" id="q{position}-{blank.id}"'
            f' value="{escape(value)}" aria-label="Blank {blank.id} of {count}" autocomplete="off"'
            f' spellcheck="false" maxlength="200"{" disabled" if disabled else ""}>'
        )
        html = html.replace(TOKEN.format(blank.id), field, 1)
    return Markup(html)


def text_fragment(words: str) -> str:
    """A URL text fragment (`#:~:text=`) for `words`: long ones as start,end so the URL stays short."""

    def encode(text: str) -> str:
        return quote(text, safe="").replace("-", "%2D")  # "-" and "," have a meaning in the syntax

    parts = words.split()
    if len(parts) > 12:
        return encode(" ".join(parts[:5])) + "," + encode(" ".join(parts[-5:]))
    return encode(words)
