"""The controls a student answers a question with, as HTML: one fieldset per question, for each type.

Built in Python rather than in a Jinja macro because an attempt page shows every question with every
option (a matching question is a select of each option for each left-hand item), and a macro's
per-element overhead made these controls the largest cost of the page. The question texts are
Markdown rendered once per process (`core.markdown` keeps each text's HTML); what is built here per
request is only what belongs to the attempt: the position, the option order and ids, and the saved
answer. Names and ids are those `web/answers.py` reads. No key, no feedback: only what `ItemView` holds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from markupsafe import Markup, escape

from studyapp.core.markdown import render
from studyapp.core.numbers import points
from studyapp.domain.attempts import ItemView
from studyapp.web.render import cloze_prompt


def question_controls(view: ItemView[Any], disabled: bool = False) -> Markup:
    """Render one question of a page: its number and worth, its prompt and the inputs for its type."""
    question = view.question
    position = escape(view.position)
    worth = points(question.points)
    off = " disabled" if disabled else ""
    parts = [
        f'<fieldset class="question" id="q{position}" data-position="{position}" data-type="{escape(question.type)}">\n'
        f'  <legend><span class="qnum">Question {position}</span> <span class="qmeta">{escape(worth)} '
        f"point{'' if worth == '1' else 's'}</span></legend>\n"
    ]
    if question.type != "cloze":
        parts.append(f'  <div class="prompt">{render(question.prompt)}</div>\n')
    build = _CONTROLS.get(question.type)
    if build is not None:
        parts.append(build(view, f"q{position}", view.response, off))
    if question.hint:
        parts.append(f'  <details class="hint-box"><summary>Hint</summary>{render(question.hint)}</details>\n')
    parts.append('  <p class="save-status" data-status aria-live="polite"></p>\n</fieldset>\n')
    return Markup("".join(parts))


def _single(view: ItemView[Any], name: str, response: Mapping[str, Any], off: str) -> str:
    choice = response.get("choice")
    options = "".join(
        f'    <label class="option"><input type="radio" name="{name}" value="{escape(oid)}"'
        f"{' checked' if choice == oid else ''}{off}> <span>{render(text, inline=True)}</span></label>\n"
        for oid, text in view.options
    )
    return f'  <div class="options">\n{options}  </div>\n'


def _multiple(view: ItemView[Any], name: str, response: Mapping[str, Any], off: str) -> str:
    chosen = response.get("choices") or response.get("sentences") or []
    evidence = view.question.type == "evidence"
    hint = "Select every sentence of the passage that supports the claim." if evidence else "Select all that apply."
    options = "".join(
        f'    <label class="option"><input type="checkbox" name="{name}" value="{escape(oid)}"'
        f"{' checked' if oid in chosen else ''}{off}> "
        f"<span>{escape(text) if evidence else render(text, inline=True)}</span></label>\n"
        for oid, text in view.options
    )
    return (
        f'  <p class="hint">{hint}</p>\n  <div class="options{" sentences" if evidence else ""}">\n{options}  </div>\n'
    )


def _text_input(
    label: str, key: str, before: str, after: str
) -> Callable[[ItemView[Any], str, Mapping[str, Any], str], str]:
    """A one-line answer's controls: a label, then an input holding the response's saved `key`, with the
    attributes `before` and `after` its id, name and value."""

    def build(view: ItemView[Any], name: str, response: Mapping[str, Any], off: str) -> str:
        return (
            f'  <label class="field-label" for="{name}-input">{label}</label>\n'
            f'  <input type="text"{before} id="{name}-input" name="{name}" value="{escape(response.get(key, ""))}"'
            f"{after}{off}>\n"
        )

    return build


_short = _text_input("Your answer", "text", "", ' maxlength="500" autocomplete="off"')
_numeric = _text_input(
    "Your answer (a number)", "value", ' inputmode="decimal"', ' maxlength="40" autocomplete="off" class="numeric"'
)


def _essay(view: ItemView[Any], name: str, response: Mapping[str, Any], off: str) -> str:
    return (
        f'  <label class="field-label" for="{name}-input">Your answer</label>\n'
        f'  <textarea id="{name}-input" name="{name}" rows="10" maxlength="10000" class="essay"{off}>'
        f"{escape(response.get('text', ''))}</textarea>\n"
    )


def _cloze(view: ItemView[Any], name: str, response: Mapping[str, Any], off: str) -> str:
    blanks = response.get("blanks") or {}
    prompt = cloze_prompt(view.question, view.position, blanks, disabled=bool(off))
    return f'  <div class="prompt cloze">{prompt}</div>\n'


def _ordering(view: ItemView[Any], name: str, response: Mapping[str, Any], off: str) -> str:
    order = response.get("order") or []
    count = len(view.options)
    items = []
    for index, (oid, text) in enumerate(view.options, 1):
        place = order.index(oid) + 1 if oid in order else index
        places = "".join(
            f'<option value="{n}"{" selected" if n == place else ""}>{n}</option>' for n in range(1, count + 1)
        )
        public = escape(oid)
        items.append(
            f'    <li class="order-item" data-id="{public}">\n'
            f'      <label class="place"><span class="visually-hidden">Place of “{_plain(text)}”</span>\n'
            f'        <select name="{name}-{public}"{off}>\n          {places}\n        </select>\n      </label>\n'
            f'      <span class="order-text">{render(text, inline=True)}</span>\n    </li>\n'
        )
    return (
        '  <p class="hint">Give each item its place, 1 being the first.</p>\n'
        f'  <ol class="ordering" data-ordering>\n{"".join(items)}  </ol>\n'
    )


def _matching(view: ItemView[Any], name: str, response: Mapping[str, Any], off: str) -> str:
    matches = response.get("matches") or {}
    options = [(oid, f'<option value="{escape(oid)}"', f">{_plain(text)}</option>") for oid, text in view.options]
    rows = []
    for lid, ltext in view.lefts:
        field = f"{name}-{escape(lid)}"
        chosen = matches.get(lid)
        choices = "".join(f"{start}{' selected' if chosen == oid else ''}{end}" for oid, start, end in options)
        rows.append(
            f'      <tr><th scope="row"><label for="{field}">{render(ltext, inline=True)}</label></th>\n'
            f'        <td><select id="{field}" name="{field}"{off}>\n'
            f'          <option value="">Choose…</option>\n          {choices}\n        </select></td></tr>\n'
        )
    return (
        '  <table class="matching">\n'
        '    <caption class="visually-hidden">Match each item on the left with one on the right</caption>\n'
        f"    <tbody>\n{''.join(rows)}    </tbody>\n  </table>\n"
    )


@lru_cache(maxsize=16384)
def _plain(text: str) -> Markup:
    """An option's text with its markup stripped, for places that take no HTML (a select's options, a label
    read aloud); escaped. Pure, so kept: the same texts come back on every page of the question."""
    return escape(Markup(text).striptags())


#: The controls of each question type; a type missing here shows its prompt alone.
_CONTROLS: dict[str, Callable[[ItemView[Any], str, Mapping[str, Any], str], str]] = {
    "single": _single,
    "truefalse": _single,
    "multiple": _multiple,
    "evidence": _multiple,
    "short": _short,
    "numeric": _numeric,
    "essay": _essay,
    "cloze": _cloze,
    "ordering": _ordering,
    "matching": _matching,
}
