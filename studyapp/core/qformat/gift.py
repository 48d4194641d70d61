"""Moodle's GIFT format: read a file into Questions, write Questions as GIFT.

The grammar is Moodle's own (`question/format/gift/format.php`); docs/interchange.md says what
maps to what. This module also holds what every foreign reader shares — `ImportDefaults`,
`ImportResult` and `Importer`, which turns a reader's drafts into Questions that our own parser
accepts — and `export_form`, the nearest form of a question a foreign format can carry.
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from html.parser import HTMLParser
from pathlib import PurePath
from typing import Any, ClassVar

from ..slugs import slugify
from .answers import read_number
from .model import (
    BLANK_RE,
    DIFFICULTIES,
    MATCH_MODES,
    MAX_ID_LENGTH,
    MAX_SOURCE_ID_LENGTH,
    UNFILED,
    Blank,
    Choice,
    Pair,
    Problem,
    Question,
    choice_id,
    is_slug,
)
from .parser import ParseResult, parse
from .source import decode
from .validate import evidence_choices
from .writer import format_number, write_question

#: What to do with a question that comes without an explanation.
EXPLANATION_POLICIES = ("error", "warn")
#: The explanation given, with a warning, under `explanation_missing="warn"`.
MISSING_EXPLANATION = "No explanation came with this question when it was imported."
#: What the warnings about something left out say (a file holding nothing else is refused with it).
NO_EQUIVALENT = "has no equivalent"
#: The difficulty of an imported question that gives none, when the import names no default either.
DEFAULT_DIFFICULTY = 2
#: Tags whose values are Moodle's: only `\]` and `\\` are escapes in them.
MOODLE_TAGS = ("tag", "id")
#: The rubric of an imported essay that came with neither a rubric nor an explanation.
MISSING_RUBRIC = "No rubric came with this question when it was imported: grade against the explanation."
#: `[key:value]` in a comment; `\]` and `\\` escape inside the value, `\n` is a new line.
TAG_RE = re.compile(r"\[([a-z][a-z-]*):((?:\\.|[^\]\\])*)\]")
#: The parts of TAG_RE, matched one after the other so that a line is read in linear time.
TAG_KEY_RE = re.compile(r"\[([a-z][a-z-]*):")
TAG_VALUE_RE = re.compile(r"((?:\\.|[^\]\\])*)\]")
LIST_TAGS = {"tag": "themes", "passage": "passages"}
SINGLE_TAGS = ("id", "difficulty", "points", "match", "hint", "rubric", "type")
HEADING_RE = re.compile(r"^#{2,3}(?=[ \t]|$)", re.MULTILINE)
IMAGE_RE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
#: What Markdown (with the extensions pages use) reads as markup anywhere in a line.
TEXT_SPECIALS = re.compile(r"([\\`*_\[\]{}|])")
#: `&name;` and `&#n;`: Markdown shows an entity as its character, so a literal one is escaped.
ENTITY_RE = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
#: A line of `=` or `-` only: it would underline the line above as a heading.
SETEXT_RE = re.compile(r"[=-]+[ \t]*\Z")
ORDERED_RE = re.compile(r"[0-9]{1,9}[.)](?=[ \t]|\Z)")
#: Stands for a `<pre>` block while the text around it is tidied.
PRE_MARK = "\ue000"
PRE_RE = re.compile(f"{PRE_MARK}([0-9]+){PRE_MARK}")


def ordinal(n: int) -> str:
    """Return "1st", "2nd", "3rd", "4th"... (an ordering item's place, as a matching right-hand side)."""
    suffix = "th" if n % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# -- what every foreign reader shares -----------------------------------------------------------


@dataclass(frozen=True)
class ImportDefaults:
    """What an import gives the questions of a foreign file that do not say it themselves."""

    themes: tuple[str, ...] = ()
    passages: tuple[str, ...] = ()
    difficulty: int | None = None
    #: "error": a question without an explanation is not imported; "warn": it gets MISSING_EXPLANATION.
    explanation_missing: str = "warn"
    #: The theme ids the content knows: a `[tag:…]` naming one of them files the question under that
    #: theme, any other tag stays a tag. None (a tool without the content): every tag that is an id is a theme.
    known_themes: frozenset[str] | None = None
    #: (tag, theme id) pairs: tags to file under a theme of another name (`--tag-theme TAG=THEME`).
    tag_themes: tuple[tuple[str, str], ...] = ()


@dataclass
class ImportResult(ParseResult):
    """A ParseResult with the warnings of a foreign file: what was read but has no exact equivalent."""

    warnings: list[Problem] = field(default_factory=list)


@dataclass
class Metadata:
    """What `[key:value]` comments said about the next question: value, line and column of each."""

    single: dict[str, tuple[str, int, int]] = field(default_factory=dict)
    themes: list[tuple[str, int, int]] = field(default_factory=list)
    passages: list[tuple[str, int, int]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.single or self.themes or self.passages)

    def get(self, key: str) -> str | None:
        return self.single[key][0] if key in self.single else None


@dataclass
class Draft:
    """A question as a foreign reader understood it, before our own rules check it."""

    line: int
    type: str
    prompt: str
    column: int = 1
    title: str = ""
    explanation: str = ""
    #: text2qti's `!` solution, the rubric of an essay
    rubric: str = ""
    #: text2qti's `Points:` (value, line, column)
    points: tuple[str, int, int] | None = None
    #: the type-specific fields of Question: choices, answers, blanks, pairs...
    spec: dict[str, Any] = field(default_factory=dict)
    meta: Metadata = field(default_factory=Metadata)


def unescape_tag(value: str) -> str:
    """Read a `[key:value]` value: `\\]` is `]`, `\\\\` is a backslash, `\\n` a new line."""
    return re.sub(r"\\(.)", lambda m: {"n": "\n"}.get(m.group(1), m.group(1)), value)


def unescape_moodle(value: str) -> str:
    """Read the value of Moodle's `[tag:…]` or `[id:…]`: `\\]` is `]` and `\\\\` a backslash, nothing else."""
    return re.sub(r"\\([\]\\])", r"\1", value)


def escape_tag(value: str) -> str:
    """Write a value inside `[key:value]` on one comment line."""
    return value.replace("\\", "\\\\").replace("]", "\\]").replace("\n", "\\n")


def escape_moodle(value: str) -> str:
    """Write a value inside Moodle's `[tag:…]` or `[id:…]`."""
    return value.replace("\\", "\\\\").replace("]", "\\]")


def moodle_id(question: Question) -> str:
    """The `[id:…]` to write: the ID number the question came with when it still reads back as its id."""
    q = question
    if q.source_id and slugify(q.source_id, max_length=MAX_ID_LENGTH) == q.id:
        return escape_moodle(q.source_id)
    return q.id


def moodle_tags(question: Question) -> list[str]:
    """The `[tag:…]` values to write: the themes (a question not filed yet has none) and the tags kept."""
    names = [theme for theme in question.themes if theme != UNFILED] + list(question.tags)
    return [escape_moodle(name) for name in dict.fromkeys(names)]


def find_tags(text: str) -> Iterator[tuple[int, str, str]]:
    """Yield (offset, key, raw value) of each `[key:value]` in `text`: what TAG_RE finds, in linear time.

    A value runs to the first `]` not escaped. When one finds none, no later tag can close either
    (a later value starts after a `:`, so it reads the same escapes to the same end of the line):
    reading stops there instead of trying again from every later `[`.
    """
    position = 0
    while (key := TAG_KEY_RE.search(text, position)) is not None:
        value = TAG_VALUE_RE.match(text, key.end())
        if value is None:
            return
        yield key.start(), key.group(1), value.group(1)
        position = value.end()


def _escape_line_start(text: str) -> str:
    """Escape what would start a heading, quote, list, rule, fence, definition or setext line."""
    if SETEXT_RE.match(text):
        return "&#61;" + text[1:] if text.startswith("=") else "\\" + text
    if text.startswith(":") and text[1:2] in (" ", "\t", ""):
        return "&#58;" + text[1:]
    if text.startswith("~~~"):
        return "&#126;" + text[1:]
    if text[:1] in ("#", ">") or (text[:1] in ("-", "+") and text[1:2] in (" ", "\t", "")):
        return "\\" + text
    number = ORDERED_RE.match(text)
    if number:
        return text[: number.end() - 1] + "\\" + text[number.end() - 1 :]
    return text


def text_escape(text: str) -> str:
    """Escape text (no line breaks in it) so that Markdown shows every character as it is written."""
    text = TEXT_SPECIALS.sub(r"\\\1", text)
    text = ENTITY_RE.sub("&amp;", text)
    return text.replace("<", "&lt;")


class _HTMLToMarkdown(HTMLParser):
    """Turn the simple HTML of a question into Markdown that shows the same; note what cannot be kept.

    Text is escaped so that nothing in it reads as Markdown; `<br>` stays a line break, `<pre>` a
    block of code whose lines are kept, and the inline tags pages allow (`<sub>`, `<sup>`…) stay HTML.
    """

    BLOCKS: ClassVar[frozenset[str]] = frozenset(
        {"p", "div", "br", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr"}
    )
    MARKS: ClassVar[dict[str, str]] = {"strong": "**", "b": "**", "em": "*", "i": "*", "code": "`"}
    DROPPED: ClassVar[frozenset[str]] = frozenset(
        {"img", "audio", "video", "iframe", "object", "embed", "svg", "math", "script", "style"}
    )
    SILENT_CONTENT: ClassVar[frozenset[str]] = frozenset({"script", "style"})
    #: Inline tags kept as HTML, with the attributes the app's sanitizer keeps.
    INLINE: ClassVar[dict[str, frozenset[str]]] = {
        "sub": frozenset(),
        "sup": frozenset(),
        "mark": frozenset(),
        "s": frozenset(),
        "del": frozenset(),
        "q": frozenset(),
        "dfn": frozenset(),
        "abbr": frozenset({"title"}),
        "span": frozenset({"lang"}),
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.dropped: list[str] = []
        self.href: list[str | None] = []
        self.skip = 0
        #: the text of each `<pre>`, put back once the rest is tidied; None outside one
        self.pre: list[str] = []
        self.in_pre: list[str] | None = None
        self.line_start = True

    def _emit(self, text: str, *, starts_line: bool = False) -> None:
        self.parts.append(text)
        if text.strip(" \t"):
            self.line_start = starts_line or text.endswith("\n")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.in_pre is not None:
            if tag == "br":
                self.in_pre.append("\n")
            return
        if tag in self.DROPPED:
            self.dropped.append(tag)
            self.skip += tag in self.SILENT_CONTENT
        elif tag == "pre":
            self.in_pre = []
        elif tag in self.MARKS:
            self._emit(self.MARKS[tag])
        elif tag in self.INLINE:
            kept = "".join(f' {name}="{html.escape(value or "")}"' for name, value in attrs if name in self.INLINE[tag])
            self._emit(f"<{tag}{kept}>")
        elif tag == "li":
            self._emit("\n- ", starts_line=True)
        elif tag == "br":
            self._emit("<br>\n")
        elif tag in self.BLOCKS:
            self._emit("\n\n")
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            keep = href.startswith(("http://", "https://", "mailto:"))
            self.href.append(href if keep else None)
            if keep:
                self._emit("[")

    def handle_endtag(self, tag: str) -> None:
        if self.in_pre is not None:
            if tag == "pre":
                self._end_pre()
            return
        if tag in self.SILENT_CONTENT:
            self.skip = max(0, self.skip - 1)
        elif tag in self.MARKS:
            self._emit(self.MARKS[tag])
        elif tag in self.INLINE:
            self._emit(f"</{tag}>")
        elif tag in self.BLOCKS and tag not in ("br", "li"):
            self._emit("\n\n")
        elif tag == "a" and self.href:
            href = self.href.pop()
            if href:
                self._emit(f"]({href})")

    def _end_pre(self) -> None:
        assert self.in_pre is not None, "only inside <pre>"
        code = "".join(self.in_pre)
        code = code.removeprefix("\n").removesuffix("\n")
        self.in_pre = None
        self.pre.append(code)
        self._emit(f"\n\n{PRE_MARK}{len(self.pre) - 1}{PRE_MARK}\n\n")

    def handle_data(self, data: str) -> None:
        if self.in_pre is not None:
            self.in_pre.append(data)
            return
        if self.skip:
            return
        text = text_escape(" ".join(data.split("\n")))
        if self.line_start:
            stripped = text.lstrip(" \t")
            if stripped:
                text = text[: len(text) - len(stripped)] + _escape_line_start(stripped)
        self._emit(text)

    def markdown(self) -> str:
        if self.in_pre is not None:
            self._end_pre()
        text = "".join(self.parts)
        text = re.sub(r"[ \t]*\n[ \t]*", "\n", text)
        text = re.sub(r"\n{3,}", "\n\n", text)
        return PRE_RE.sub(lambda m: _fenced(self.pre[int(m.group(1))]), text)


def _fenced(code: str) -> str:
    """A fenced code block showing `code` line by line, its fence longer than any run of backticks in it."""
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}\n{code}\n{fence}"


def html_to_markdown(html_text: str) -> tuple[str, list[str]]:
    """Return the Markdown of an HTML text and the tags that were dropped (images, scripts...)."""
    converter = _HTMLToMarkdown()
    converter.feed(html_text)
    converter.close()
    return converter.markdown(), converter.dropped


def moodle_html(text: str) -> str:
    """The HTML Moodle shows for a text in its own ("auto") format: `text_to_html` of lib/weblib.php.

    HTML is kept; white space between two tags goes; a line break next to a tag is a space, any
    other one a `<br>`. There is no Markdown in it.
    """
    text = re.sub(r">\s+<", "><", text)
    text = re.sub(r"[\n\r]<", " <", text)
    text = re.sub(r">[\n\r]", "> ", text)
    return text.replace("\n", "<br>\n")


def plain_html(text: str) -> str:
    """The HTML Moodle shows for a text in its plain format: every character as it is, lines kept."""
    return html.escape(text, quote=False).replace("\n", "<br>\n")


def one_line(text: str) -> str:
    """Join a text's lines with spaces: choices, answers and pairs are one line in our format."""
    return re.sub(r"[ \t]*\n[ \t]*", " ", text).strip()


def block(text: str) -> str:
    """Tidy a multi-line text as our parser does: trailing spaces and surrounding blank lines go."""
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


class Importer:
    """Collect problems and warnings for one foreign file and turn its drafts into Questions.

    A subclass reads the file's own syntax into `Draft`s and calls `finish` for each: the draft
    gets its id, themes, passages, difficulty and explanation (from `[key:value]` comments or the
    defaults), is written as our Markdown and parsed back, so that an imported question obeys
    exactly the rules of our own format.
    """

    #: How a comment line starts in this format, for messages.
    comment = "//"
    format_name = "foreign"

    def __init__(self, filename: str, defaults: ImportDefaults | None = None) -> None:
        self.filename = filename
        self.defaults = defaults or ImportDefaults()
        self.result = ImportResult()
        self.count = 0
        self.ids: dict[str, int] = {}
        stem = (
            slugify(PurePath(filename).stem, max_length=MAX_ID_LENGTH)
            if filename and not filename.startswith("<")
            else ""
        )
        self.stem = stem or "question"

    # -- reporting -------------------------------------------------------------------------

    def error(self, line: int, column: int, message: str) -> None:
        self.result.errors.append(Problem(self.filename, line, column, message))

    def warn(self, line: int, column: int, message: str) -> None:
        self.result.warnings.append(Problem(self.filename, line, column, message))

    def done(self) -> ImportResult:
        self.result.errors.sort(key=lambda p: (p.line, p.column))
        self.result.warnings.sort(key=lambda p: (p.line, p.column))
        if not self.result.errors and not self.result.questions:
            skipped = next((w for w in self.result.warnings if NO_EQUIVALENT in w.message), None)
            if skipped is None:
                self.error(1, 1, f"no questions found in this {self.format_name} file")
            else:
                self.error(skipped.line, skipped.column, f"no question this app can import: {skipped.message}")
        return self.result

    # -- comments --------------------------------------------------------------------------

    def read_tags(self, text: str, line: int, column: int, meta: Metadata) -> None:
        """Read the `[key:value]` tags of one comment line into `meta`."""
        for start, key, raw in find_tags(text):
            value = (unescape_moodle(raw) if key in MOODLE_TAGS else unescape_tag(raw)).strip()
            at = column + start
            if key in LIST_TAGS:
                getattr(meta, LIST_TAGS[key]).append((value, line, at))
            elif key in SINGLE_TAGS:
                if key in meta.single:
                    first = meta.single[key][1]
                    self.error(line, at, f"'[{key}:…]' given twice for one question (first on line {first})")
                else:
                    meta.single[key] = (value, line, at)
            else:
                known = ", ".join(f"[{name}:…]" for name in (*LIST_TAGS, *SINGLE_TAGS))
                self.warn(line, at, f"unknown comment tag '[{key}:…]' ignored; the tags read are {known}")

    def unused(self, meta: Metadata) -> None:
        """Warn about tags that no question took."""
        if meta:
            where = min([*meta.single.values(), *meta.themes, *meta.passages], key=lambda v: (v[1], v[2]))
            self.warn(
                where[1],
                where[2],
                "these comment tags are not followed by a question (they must sit straight above it): ignored",
            )

    # -- finishing -------------------------------------------------------------------------

    def finish(self, draft: Draft) -> Question | None:
        """Check a draft against our rules; add the Question to the result, or report why not."""
        self.count += 1
        errors_before = len(self.result.errors)
        meta = draft.meta
        line, column = draft.line, draft.column
        qid, source_id = self._question_id(draft)
        unfiled: list[str] = []
        themes, tags, themes_at = self._themes(draft, unfiled)
        passages, passages_at = self._ids(draft, meta.passages, self.defaults.passages, "passage", unfiled)
        difficulty = self._difficulty(draft, unfiled)
        if unfiled:
            self.warn(line, column, "; ".join(unfiled))
        points = self._points(draft)
        match = "normalized"
        if "match" in meta.single:
            value, at_line, at_column = meta.single["match"]
            if value not in MATCH_MODES:
                self.error(at_line, at_column, f"match must be 'normalized' or 'exact', found '{value}'")
            elif draft.type not in ("short", "cloze"):
                self.warn(
                    at_line, at_column, f"'[match:{value}]' is for short-answer and missing-word questions: ignored"
                )
            else:
                match = value
        if "type" in meta.single:
            value, at_line, at_column = meta.single["type"]
            self.warn(
                at_line, at_column, f"'[type:{value}]' ignored: only a short-answer question takes '[type:cloze]'"
            )
        explanation = block(draft.explanation)
        if not explanation:
            if self.defaults.explanation_missing == "warn":
                explanation = MISSING_EXPLANATION
                self.warn(line, column, f"no explanation: '{MISSING_EXPLANATION}' is used instead")
            else:
                self.error(line, column, self._no_explanation())
        spec = dict(draft.spec)
        if draft.type == "essay":
            rubric = block(meta.get("rubric") or "") or block(draft.rubric)
            if not rubric and block(draft.explanation):
                rubric = explanation
                self.warn(
                    line, column, "an essay needs a rubric: none was given, so the explanation is used as its rubric"
                )
            elif not rubric:
                rubric = MISSING_RUBRIC
                self.warn(line, column, f"an essay needs a rubric: none was given, so '{MISSING_RUBRIC}' is used")
            spec["rubric"] = rubric
        elif meta.get("rubric"):
            at = meta.single["rubric"]
            self.warn(at[1], at[2], f"'[rubric:…]' is for essay questions, not {draft.type}: ignored")
        hint = block(meta.get("hint") or "")
        prompt = self._tidy(block(draft.prompt), line, column)
        explanation = self._tidy(explanation, line, column)
        hint = self._tidy(hint, line, column)
        if "rubric" in spec:
            spec["rubric"] = self._tidy(spec["rubric"], line, column)
        if "choices" in spec:
            spec["choices"] = tuple(
                dataclasses.replace(c, feedback=self._tidy(block(c.feedback), line, column, headings=False))
                for c in spec["choices"]
            )
        if len(self.result.errors) > errors_before or not (themes and passages and difficulty):
            return None
        question = Question(
            id=qid,
            type=draft.type,
            prompt=prompt,
            explanation=explanation,
            hint=hint,
            themes=themes,
            passages=passages,
            difficulty=difficulty,
            points=points,
            match=match,
            tags=tags,
            source_id=source_id,
            **spec,
        )
        parsed = parse(write_question(question), self.filename)
        if parsed.errors:
            for problem in parsed.errors:
                self.error(line, column, f"question '{qid}': {problem.message}")
            return None
        positions = {"themes": (*themes_at, ""), "passages": (*passages_at, "")}
        question = dataclasses.replace(parsed.questions[0], file=self.filename, line=line, positions=positions)
        self.result.questions.append(question)
        return question

    def _no_explanation(self) -> str:
        return "no explanation: every question needs one (it is shown at review)"

    def _question_id(self, draft: Draft) -> tuple[str, str]:
        """The question's id, and the id it came with when that is not one of ours (kept to be written back).

        `[id:…]` (Moodle's ID number: any text) is slugified when it is not an id already; else the
        title's slug; else `<file>-<n>`. An id taken by an earlier question of the file gets a number.
        """
        source_id = ""
        given = draft.meta.single.get("id")
        if given and given[0]:
            qid, line, column = given
            if not is_slug(qid):
                source_id = qid[:MAX_SOURCE_ID_LENGTH]
                qid = slugify(qid, max_length=MAX_ID_LENGTH) or f"{self.stem}-{self.count}"
                if len(given[0]) > MAX_SOURCE_ID_LENGTH:
                    self.warn(
                        line, column, f"ID number longer than {MAX_SOURCE_ID_LENGTH} characters: only the first kept"
                    )
                self.warn(
                    line,
                    column,
                    f"ID number '{given[0]}' is not an id here (lowercase letters, digits and hyphens): the "
                    f"question's id is '{qid}', and '{source_id}' is kept and written back on export",
                )
        else:
            qid, line, column = (
                slugify(draft.title, max_length=MAX_ID_LENGTH) or f"{self.stem}-{self.count}",
                draft.line,
                draft.column,
            )
        if qid in self.ids:
            taken, n = qid, 2
            while (qid := f"{taken[: MAX_ID_LENGTH - len(str(n)) - 1]}-{n}") in self.ids:
                n += 1
            self.warn(
                line,
                column,
                f"id '{taken}' is taken by the question on line {self.ids[taken]}: this one's id is '{qid}' "
                "(give each question its own '[id:…]' to keep ids stable across imports)",
            )
        self.ids[qid] = draft.line
        return qid, source_id

    def _themes(self, draft: Draft, unfiled: list[str]) -> tuple[tuple[str, ...], tuple[str, ...], tuple[int, int]]:
        """The question's themes and its tags, from its `[tag:…]` comments (Moodle's tags).

        A tag that is the id of a theme (letter case aside), or that `tag_themes` maps to one, files the
        question under that theme; every tag that is not exactly a theme's id stays a tag, with a warning
        when it names no theme. Without such a tag, the import's default themes; else not filed yet.
        """
        mapping = dict(self.defaults.tag_themes)
        known = self.defaults.known_themes
        themes: list[str] = []
        tags: list[str] = []
        orphans: list[str] = []
        for value, line, column in draft.meta.themes:
            if "," in value:
                kept = " ".join(value.replace(",", " ").split())
                self.warn(line, column, f"a tag cannot hold a comma here: '{value}' is kept as '{kept}'")
                value = kept
            if not value:
                continue
            theme = mapping.get(value)
            if theme is None and (value.casefold() in known if known is not None else is_slug(value)):
                theme = value.casefold()
            if theme is not None and theme not in themes:
                themes.append(theme)
            if value != theme and value not in tags:
                tags.append(value)
                if theme is None:
                    orphans.append(value)
        if orphans:
            _, line, column = draft.meta.themes[0]
            names = ", ".join(f"'{tag}'" for tag in orphans)
            plural = len(orphans) > 1
            self.warn(
                line,
                column,
                f"tag{'s' if plural else ''} {names} kept as the question's tag{'s' if plural else ''} (no theme has "
                f"{'those ids' if plural else 'that id'}): file the question under a theme in the bank, or map a tag "
                "to a theme when importing",
            )
        if themes:
            _, line, column = draft.meta.themes[0]
            return tuple(themes), tuple(tags), (line, column)
        found, at = self._ids(draft, [], self.defaults.themes, "theme", unfiled)
        return found, tuple(tags), at

    def _ids(
        self,
        draft: Draft,
        found: list[tuple[str, int, int]],
        default: tuple[str, ...],
        what: str,
        unfiled: list[str],
    ) -> tuple[tuple[str, ...], tuple[int, int]]:
        """Theme or passage ids: those the question names, else the import's defaults, else UNFILED."""
        ids: list[str] = []
        for value, line, column in found:
            if not is_slug(value):
                self.error(
                    line, column, f"bad {what} id '{value}' in '[{what}:…]': use lowercase letters, digits and hyphens"
                )
            elif value not in ids:
                ids.append(value)
        if found:
            return tuple(ids), (found[0][1], found[0][2])
        for value in default:
            if not is_slug(value):
                self.error(
                    draft.line,
                    draft.column,
                    f"bad default {what} id '{value}': use lowercase letters, digits and hyphens",
                )
            elif value not in ids:
                ids.append(value)
        if not ids and not default:
            unfiled.append(f"no {what}: not filed yet (until edited in the bank)")
            ids.append(UNFILED)
        return tuple(ids), (draft.line, draft.column)

    def _difficulty(self, draft: Draft, unfiled: list[str]) -> int | None:
        if "difficulty" in draft.meta.single:
            value, line, column = draft.meta.single["difficulty"]
            if value not in {str(level) for level in DIFFICULTIES}:
                self.error(line, column, f"difficulty must be 1, 2 or 3, found '{value}'")
                return None
            return int(value)
        if self.defaults.difficulty in DIFFICULTIES:
            return self.defaults.difficulty
        unfiled.append(f"no difficulty: {DEFAULT_DIFFICULTY} is used")
        return DEFAULT_DIFFICULTY

    def _points(self, draft: Draft) -> float:
        given = draft.points or draft.meta.single.get("points")
        if given is None:
            return 1.0
        value, line, column = given
        number = read_number(value)
        if number is None or number <= 0:
            self.error(line, column, f"points must be a positive number (e.g. 1 or 0.5), found '{value}'")
            return 1.0
        return number

    def _tidy(self, text: str, line: int, column: int, headings: bool = True) -> str:
        """Keep a text inside its question: `##`/`###` headings become `####`; warn about images.

        Feedback is written indented under its choice, where a heading is harmless (`headings=False`).
        """
        if headings and HEADING_RE.search(text):
            text = HEADING_RE.sub("####", text)
            self.warn(line, column, "headings '##' and '###' inside a text are written '####' here")
        if IMAGE_RE.search(text):
            self.warn(line, column, "images are not shown by this app: the image in this question will not appear")
        return text


# -- what every foreign writer shares -----------------------------------------------------------


@dataclass
class Exported:
    """A file written for another tool: its content, how many questions it holds, what changed or was left out."""

    data: str | bytes
    count: int
    warnings: list[str] = field(default_factory=list)


# -- the nearest form a foreign format can carry ------------------------------------------------


def export_form(
    question: Question,
    quotes: Mapping[str, str] | None,
    carries: Iterable[str],
) -> tuple[Question | None, str | None]:
    """Return the question as a format that `carries` these types can hold, and a warning if changed.

    `evidence` becomes `multiple` over the sentences of its passage (the same scoring); `ordering`
    becomes `matching`, each item to its place. A question that cannot be carried comes back None.
    """
    carries = set(carries)
    q = question
    if q.type in carries:
        return q, None
    if q.type == "evidence" and "multiple" in carries:
        quote = (quotes or {}).get(q.evidence_passage)
        if quote is None:
            return None, f"{q.id}: evidence question left out (the text of passage '{q.evidence_passage}' is not known)"
        choices = evidence_choices(q, quote)
        converted = dataclasses.replace(q, type="multiple", choices=choices, evidence_passage="", evidence=())
        return converted, (
            f"{q.id}: evidence question written as a multiple-answer question over the "
            f"{len(choices)} sentences of passage '{q.evidence_passage}'"
        )
    if q.type == "ordering" and "matching" in carries:
        pairs = tuple(Pair(choice_id(n), item, ordinal(n + 1)) for n, item in enumerate(q.items))
        converted = dataclasses.replace(q, type="matching", pairs=pairs, items=())
        return converted, (
            f"{q.id}: ordering question written as a matching question (each item to its place); "
            "it is scored per item there, not per pair of items"
        )
    return None, f"{q.id}: {q.type} question left out (this format has no {q.type} question)"


# -- reading GIFT -------------------------------------------------------------------------------

#: GIFT's escapes, and the private characters that stand for them while the structure is read.
ESCAPES = ":#={}~\\n"
PLACEHOLDERS = {char: chr(0x10FF00 + n) for n, char in enumerate(ESCAPES)}
RESTORE = {ord(mark): ("\n" if char == "n" else char) for char, mark in PLACEHOLDERS.items()}
FORMATS = ("markdown", "html", "plain", "moodle")
FORMAT_RE = re.compile(r"\s*\[(markdown|html|plain|moodle)\]")
WEIGHT_RE = re.compile(r"%(-?[0-9]+(?:\.[0-9]*)?)%")
TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}
CATEGORY = "$CATEGORY:"
ESCAPE_LIST = "\\: \\# \\= \\{ \\} \\~ \\\\ and \\n"


def parse_gift(data: str | bytes, filename: str = "<string>", defaults: ImportDefaults | None = None) -> ImportResult:
    """Read a GIFT file into Questions; problems, and warnings for what has no exact equivalent."""
    decoded = decode(data, filename)
    if decoded[1] is not None:
        return ImportResult(errors=[decoded[1]])
    reader = _GiftReader(filename, defaults)
    reader.read(decoded[0])
    return reader.done()


@dataclass
class _Piece:
    """An answer of a GIFT answer block: its mark (`=`, `~` or ""), its text and where the text starts."""

    mark: str
    text: str
    start: int


class _GiftReader(Importer):
    comment = "//"
    format_name = "GIFT"

    def read(self, text: str) -> None:
        block_lines: list[tuple[int, str]] = []
        for index, line in enumerate(text.split("\n") + [""]):
            if line.strip():
                block_lines.append((index, line))
            elif block_lines:
                self._block(block_lines)
                block_lines = []

    # -- one block of lines between blank lines ---------------------------------------------

    def _block(self, lines: list[tuple[int, str]]) -> None:
        meta = Metadata()
        body = []
        for index, line in lines:
            stripped = line.lstrip()
            if stripped.startswith("//"):
                self.read_tags(stripped[2:], index + 1, len(line) - len(stripped) + 3, meta)
            else:
                body.append((index, line))
        if not body:
            self.unused(meta)
            return
        read = self._escapes(body)
        if read is None:
            return
        text, where = read
        start = len(text) - len(text.lstrip())
        text, where = text.strip(), where[start:]
        self.where = where
        if text.startswith(CATEGORY):
            self._category(text[len(CATEGORY) :], where[0])
            self.unused(meta)
            return
        self._question(text, meta)

    def _escapes(self, body: list[tuple[int, str]]) -> tuple[str, list[tuple[int, int]]] | None:
        """Join the lines, each trimmed as Moodle trims them, replacing each escape by a placeholder;
        report unknown escapes. (Trimmed, an indented line is never a code block.)"""
        chars: list[str] = []
        where: list[tuple[int, int]] = []
        ok = True
        previous = (0, 0)
        for index, whole in body:
            lead = len(whole) - len(whole.lstrip())
            line = whole.strip()
            if chars:
                chars.append("\n")
                where.append((previous[0] + 1, previous[1] + 1))
            previous = (index, lead + len(line))
            i = 0
            while i < len(line):
                char = line[i]
                if char == "\\":
                    following = line[i + 1 : i + 2]
                    if following and following in ESCAPES:
                        chars.append(PLACEHOLDERS[following])
                        where.append((index + 1, lead + i + 1))
                        i += 2
                        continue
                    shown = f"'\\{following}'" if following else "'\\' at the end of a line"
                    self.error(
                        index + 1,
                        lead + i + 1,
                        f"unknown escape {shown}: GIFT escapes are {ESCAPE_LIST} (write a backslash as '\\\\')",
                    )
                    ok = False
                chars.append(char)
                where.append((index + 1, lead + i + 1))
                i += 1
        where.append(where[-1] if where else (body[0][0] + 1, 1))
        return ("".join(chars), where) if ok else None

    def at(self, position: int) -> tuple[int, int]:
        return self.where[min(position, len(self.where) - 1)]

    def _category(self, path: str, where: tuple[int, int]) -> None:
        path = path.translate(RESTORE).strip()
        segments = [s.replace("//", "/").strip() for s in re.split(r"(?<!/)/(?!/)", path)]
        names = [s for s in segments if s and not (s.startswith("$") and s.endswith("$")) and s != "top"]
        if not names:
            return
        if not self.result.title:
            self.result.title = names[-1]
        elif names[-1] != self.result.title:
            self.warn(
                *where,
                f"a second category '{names[-1]}': a file is imported as one bank (named after the file), "
                f"so its questions stay in the bank '{self.result.title}'",
            )

    # -- one question --------------------------------------------------------------------------

    def _question(self, text: str, meta: Metadata) -> None:
        line, column = self.at(0)
        title, rest = "", 0
        if text.startswith("::"):
            end = text.find("::", 2)
            if end == -1:
                rest = 2
            else:
                title = text[2:end].translate(RESTORE).strip()
                rest = end + 2
        braces = self._braces(text, rest)
        if braces is None:
            return
        if not braces:
            self.warn(
                line, column, "a description (text without an answer block '{…}') has no equivalent: not imported"
            )
            return
        open_, close = braces
        answer, answer_start = text[open_ + 1 : close], open_ + 1
        before, after = text[rest:open_], text[close + 1 :]
        fmt = "moodle"
        marker = FORMAT_RE.match(before)
        if marker:
            fmt, before, rest = marker.group(1), before[marker.end() :], rest + marker.end()
        general = answer.rfind("####")
        explanation = ""
        if general != -1:
            explanation = self._text(answer[general + 4 :].strip(), answer_start + general + 4, fmt, True)
            answer = answer[:general]
        stripped = answer.strip()
        answer_start += len(answer) - len(answer.lstrip())
        draft = Draft(line=line, column=column, type="", prompt="", title=title, explanation=explanation, meta=meta)
        # Moodle trims the question's text as a whole: its first and last line breaks are no line breaks.
        lead = len(before) - len(before.lstrip())
        before_text = self._text(before[lead:], rest + lead, fmt)
        after_text = self._text(after.rstrip(), close + 1, fmt)
        missing_word = bool(after.strip())
        blank = "_____" if missing_word else ""
        draft.prompt = before_text + blank + after_text
        kind = self._kind(stripped)
        read = getattr(self, f"_read_{kind}")(draft, stripped, answer_start, fmt)
        if read is False:
            return
        if kind == "short" and (missing_word or meta.get("type") == "cloze"):
            answers = draft.spec.pop("answers")
            for answer_text in answers:
                if any(mark in answer_text for mark in ("|", "{{", "}}")):
                    self.error(
                        line, column, f"a missing-word answer cannot contain '|', '{{{{' or '}}}}': '{answer_text}'"
                    )
                    return
            if "{{" in before_text + after_text or "}}" in before_text + after_text:
                self.error(line, column, "a missing-word question cannot have '{{' or '}}' in its text")
                return
            draft.type = "cloze"
            draft.prompt = before_text + "{{" + "|".join(answers) + "}}" + after_text
            draft.spec["blanks"] = (Blank("1", tuple(answers)),)
            if meta.get("type") == "cloze":
                meta.single.pop("type")
        self.finish(draft)

    def _braces(self, text: str, start: int) -> tuple[int, int] | tuple[()] | None:
        """Find the one answer block; None (with an error) when braces do not balance."""
        open_ = close = None
        for position in range(start, len(text)):
            char = text[position]
            if char == "{":
                if open_ is not None and close is None:
                    self.error(
                        *self.at(position),
                        f"unbalanced braces: '{{' inside the answer block opened at {self._where(open_)} "
                        "(write a literal brace as '\\{')",
                    )
                    return None
                if close is not None:
                    self.error(
                        *self.at(position),
                        "unbalanced braces: a second answer block '{…}' (a question has one; "
                        "write a literal brace as '\\{')",
                    )
                    return None
                open_ = position
            elif char == "}":
                if open_ is None or close is not None:
                    self.error(
                        *self.at(position),
                        "unbalanced braces: '}' with no '{' before it (write a literal brace as '\\}')",
                    )
                    return None
                close = position
        if open_ is None:
            return ()
        if close is None:
            self.error(
                *self.at(open_),
                "unbalanced braces: '{' is never closed by '}' (a blank line ends a question; "
                "write a literal brace as '\\{')",
            )
            return None
        return open_, close

    def _where(self, position: int) -> str:
        line, column = self.at(position)
        return f"line {line}, column {column}"

    @staticmethod
    def _kind(answer: str) -> str:
        """Moodle's order of tests: essay, numeric, choices, matching, true/false, short answer."""
        if not answer:
            return "essay"
        if answer.startswith("#"):
            return "numeric"
        if "~" in answer:
            return "choices"
        if "=" in answer and "->" in answer:
            return "matching"
        if answer.split("#", 1)[0].strip() in TRUE_FALSE:
            return "truefalse"
        return "short"

    # -- texts -------------------------------------------------------------------------------

    def _text(self, raw: str, start: int, fmt: str, own_format: bool = False) -> str:
        """The Markdown of a piece of GIFT text (escapes restored, its text format applied)."""
        if own_format:
            marker = FORMAT_RE.match(raw)
            if marker:
                fmt, raw, start = marker.group(1), raw[marker.end() :], start + marker.end()
        text = raw.translate(RESTORE)
        if fmt == "markdown":
            return text
        source = plain_html(text) if fmt == "plain" else moodle_html(text) if fmt == "moodle" else text
        converted, dropped = html_to_markdown(source)
        if dropped:
            tags = ", ".join(sorted({f"<{tag}>" for tag in dropped}))
            self.warn(*self.at(start), f"HTML {tags} has no equivalent here and is left out of the text")
        return converted

    @staticmethod
    def _typed(raw: str) -> str:
        """A typed answer as a student types it: no text format applies (Moodle compares it as it is)."""
        marker = FORMAT_RE.match(raw)
        return one_line((raw[marker.end() :] if marker else raw).translate(RESTORE))

    def _pieces(self, answer: str, start: int, marks: str) -> list[_Piece]:
        """Split an answer block at its marks, keeping where each piece starts."""
        pieces = [_Piece("", "", start)]
        for offset, char in enumerate(answer):
            if char in marks:
                pieces.append(_Piece(char, "", start + offset + 1))
            else:
                pieces[-1].text += char
        first = pieces[0]
        if not first.text.strip():
            pieces.pop(0)
        return pieces

    def _weight(self, piece: _Piece, default: float) -> float | None:
        """Read a `%n%` weight at the start of a piece (removing it); None after an error."""
        text = piece.text.lstrip()
        start = piece.start + len(piece.text) - len(text)
        match = WEIGHT_RE.match(text)
        if match is None:
            return default
        value = float(match.group(1))
        if value > 100:
            self.error(*self.at(start), f"weight over 100%: found '{match.group(0)}' (weights run from -100% to 100%)")
            return None
        if value < -100:
            self.error(
                *self.at(start), f"weight under -100%: found '{match.group(0)}' (weights run from -100% to 100%)"
            )
            return None
        piece.text, piece.start = text[match.end() :], start + match.end()
        return value

    def _answer_and_feedback(self, piece: _Piece, fmt: str, typed: bool = False) -> tuple[str, str, int]:
        text, _, feedback = piece.text.partition("#")
        feedback_start = piece.start + len(text) + 1
        if typed:
            answer = self._typed(text.strip())
        else:
            answer = one_line(self._text(text.strip(), piece.start + len(text) - len(text.lstrip()), fmt, True))
        return answer, self._text(feedback.strip(), feedback_start, fmt, True).strip() if feedback else "", piece.start

    # -- the answer blocks ---------------------------------------------------------------------

    def _read_essay(self, draft: Draft, answer: str, start: int, fmt: str) -> bool:
        draft.type = "essay"
        return True

    def _read_choices(self, draft: Draft, answer: str, start: int, fmt: str) -> bool:
        line, column = draft.line, draft.column
        pieces = self._pieces(answer, start, "~=")
        single = any(piece.mark == "=" for piece in pieces)
        choices: list[tuple[str, float, str, int]] = []
        for piece in pieces:
            if not piece.mark:
                self.warn(*self.at(piece.start), "text before the first '~' or '=' is read as a wrong choice")
            weight = self._weight(piece, 100.0 if piece.mark == "=" else 0.0)
            if weight is None:
                return False
            text, feedback, at = self._answer_and_feedback(piece, fmt)
            if not text:
                self.error(*self.at(at), f"empty answer after '{piece.mark or '{'}'")
                return False
            choices.append((text, weight, feedback, at))
        if single:
            right = [c for c in choices if c[1] == 100]
            if not right:
                self.error(line, column, "no right answer: mark it with '='")
                return False
            if len(right) > 1:
                self.error(
                    line,
                    column,
                    f"{len(right)} answers are worth 100%: a single-answer question has one right answer "
                    "(for a multiple-answer question, give the right answers positive weights such as '~%50%')",
                )
                return False
            for text, weight, _, at in choices:
                if 0 < weight < 100:
                    self.warn(
                        *self.at(at),
                        f"partial credit ({format_number(weight)}%) has no equivalent in a "
                        f"single-answer question: '{text}' counts as wrong",
                    )
                elif weight < 0:
                    self.warn(
                        *self.at(at),
                        f"negative weight ({format_number(weight)}%) has no equivalent in a "
                        f"single-answer question: '{text}' scores 0 like any wrong answer",
                    )
            draft.type = "single"
            draft.spec["choices"] = tuple(
                Choice(choice_id(n), text, weight == 100, feedback)
                for n, (text, weight, feedback, _) in enumerate(choices)
            )
            return True
        right = [c for c in choices if c[1] > 0]
        wrong = [c for c in choices if c[1] <= 0]
        if not right:
            self.error(line, column, "no right answer: give the right answers positive weights such as '~%50%'")
            return False
        exact = all(abs(c[1] - 100 / len(right)) < 0.01 for c in right) and all(
            abs(c[1] + 100 / len(wrong)) < 0.01 for c in wrong
        )
        if not exact:
            weights = ", ".join(f"{format_number(c[1])}%" for c in choices)
            self.warn(
                line,
                column,
                f"weights ({weights}) differ from how this app scores a multiple-answer question (each right "
                "choice ticked adds an equal share, each wrong one subtracts an equal share): imported as right "
                "and wrong choices",
            )
        draft.type = "multiple"
        draft.spec["choices"] = tuple(
            Choice(choice_id(n), text, weight > 0, feedback) for n, (text, weight, feedback, _) in enumerate(choices)
        )
        return True

    def _read_truefalse(self, draft: Draft, answer: str, start: int, fmt: str) -> bool:
        value, *feedback = answer.split("#", 2)
        offsets = [start + len(value) + 1]
        if feedback:
            offsets.append(offsets[0] + len(feedback[0]) + 1)
        texts = [self._text(f.strip(), at, fmt, True).strip() for f, at in zip(feedback, offsets)]
        wrong_feedback, right_feedback = (texts + ["", ""])[:2]
        truth = TRUE_FALSE[value.strip()]
        draft.type = "truefalse"
        draft.spec["choices"] = (
            Choice("a", "True", truth, right_feedback if truth else wrong_feedback),
            Choice("b", "False", not truth, wrong_feedback if truth else right_feedback),
        )
        return True

    def _read_short(self, draft: Draft, answer: str, start: int, fmt: str) -> bool:
        accepted = []
        for piece in self._pieces(answer, start, "="):
            weight = self._weight(piece, 100.0)
            if weight is None:
                return False
            text, feedback, at = self._answer_and_feedback(piece, fmt, typed=True)
            if not text:
                self.error(*self.at(at), "empty answer after '='")
                return False
            if weight == 100:
                accepted.append(text)
            else:
                self.warn(
                    *self.at(at),
                    f"answer '{text}' is worth {format_number(weight)}%: only answers worth 100% "
                    "are kept (a short answer here is right or wrong)",
                )
            if feedback:
                self.warn(
                    *self.at(at), f"feedback on the answer '{text}' has no equivalent for typed answers: not imported"
                )
            if "*" in text:
                self.warn(*self.at(at), f"'*' in '{text}' is Moodle's wildcard; here it only matches a literal '*'")
        if not accepted:
            self.error(draft.line, draft.column, "no answer worth 100%: write the accepted answers as '=answer'")
            return False
        draft.type = "short"
        draft.spec["answers"] = tuple(accepted)
        return True

    def _read_numeric(self, draft: Draft, answer: str, start: int, fmt: str) -> bool:
        body, body_start = answer[1:], start + 1
        wrong_at = body.find("~")
        if wrong_at != -1:
            wrong = body[wrong_at + 1 :].partition("#")[2].strip()
            if wrong:
                self.warn(
                    *self.at(body_start + wrong_at),
                    "feedback for wrong numbers ('~#…') has no equivalent: not imported",
                )
            body = body[:wrong_at]
        full: list[dict[str, float]] = []
        for piece in self._pieces(body, body_start, "="):
            weight = self._weight(piece, 100.0)
            if weight is None:
                return False
            value, _, feedback = piece.text.partition("#")
            value_text = value.translate(RESTORE).strip()
            at = piece.start + len(value) - len(value.lstrip())
            found = self._number_answer(value_text, at)
            if found is None:
                return False
            if feedback.strip():
                self.warn(*self.at(at), f"feedback on the answer '{value_text}' has no equivalent: not imported")
            if weight == 100:
                full.append(found)
            else:
                self.warn(
                    *self.at(at),
                    f"answer '{value_text}' is worth {format_number(weight)}%: only the answer "
                    "worth 100% is kept (a numeric answer here is right or wrong)",
                )
        if not full:
            self.error(
                draft.line, draft.column, "no answer worth 100%: write '{#1973}', '{#1973:2}' or '{#1970..1975}'"
            )
            return False
        if len(full) > 1:
            self.error(
                draft.line,
                draft.column,
                f"{len(full)} numeric answers are worth 100%: a numeric question here has one answer (with a "
                "tolerance) or one range",
            )
            return False
        draft.type = "numeric"
        draft.spec.update(full[0])
        return True

    def _number_answer(self, text: str, at: int) -> dict[str, float] | None:
        """Read `v`, `v:tolerance` or `min..max`."""
        if text.find("..") > 0:
            low, _, high = text.partition("..")
            values = {"minimum": low, "maximum": high}
        elif text.find(":") > 0:
            value, _, tolerance = text.partition(":")
            values = {"answer": value, "tolerance": tolerance}
        else:
            values = {"answer": text, "tolerance": "0"}
        numbers: dict[str, float] = {}
        for key, value in values.items():
            number = read_number(value)
            if number is None:
                self.error(
                    *self.at(at),
                    f"numeric answer must be a number, found '{value.strip()}' (write '{{#1973}}', '{{#1973:2}}' "
                    "or '{#1970..1975}')",
                )
                return None
            numbers[key] = number
        return numbers

    def _read_matching(self, draft: Draft, answer: str, start: int, fmt: str) -> bool:
        pairs: list[Pair] = []
        distractors: list[str] = []
        for piece in self._pieces(answer, start, "="):
            if "->" not in piece.text:
                self.error(
                    *self.at(piece.start),
                    f"expected '=left -> right' in a matching question, found "
                    f"'{piece.text.translate(RESTORE).strip()}'",
                )
                return False
            left, _, right = piece.text.partition("->")
            left_text = one_line(self._text(left.strip(), piece.start, fmt, True))
            # Moodle shows a right-hand side as plain text, in a menu; our own GIFT ([markdown]) writes Markdown there.
            right_text = one_line(self._text(right.strip(), piece.start, "markdown" if fmt == "markdown" else "plain"))
            if left_text:
                pairs.append(Pair(choice_id(len(pairs)), left_text, right_text))
            else:
                distractors.append(right_text)
        draft.type = "matching"
        draft.spec.update(pairs=tuple(pairs), distractors=tuple(distractors))
        return True


# -- writing GIFT -------------------------------------------------------------------------------

#: The types GIFT carries as they are (a cloze only with one blank).
GIFT_TYPES = ("single", "multiple", "truefalse", "short", "numeric", "matching", "cloze", "essay")


def escape(text: str) -> str:
    """Escape GIFT's special characters, and new lines as `\\n`, so a text stays on one line."""
    out = text.replace("\\", "\\\\")
    for char in ":#={}~":
        out = out.replace(char, "\\" + char)
    return out.replace("\n", "\\n")


def _piece(text: str) -> str:
    """Escape an answer or feedback; one that starts like a format marker or a weight is marked as Markdown."""
    escaped = escape(text)
    return "[markdown]" + escaped if FORMAT_RE.match(text) or text.startswith("%") else escaped


def _weight(value: float) -> str:
    return f"{value:.5f}".rstrip("0").rstrip(".")


#: The grades Moodle accepts (its `question_bank::fraction_options_full`): p/q for q ≤ 6, p/10, 1/q for
#: q ≤ 10 and 1/20, and their negatives. Any other grade in a GIFT file stops Moodle's whole import.
MOODLE_GRADES = frozenset(
    {Fraction(p, q) for q in range(1, 7) for p in range(q + 1)}
    | {Fraction(p, 10) for p in range(11)}
    | {Fraction(1, q) for q in range(1, 11)}
    | {Fraction(1, 20)}
)


def right_shares(count: int) -> list[Fraction] | None:
    """Grades Moodle accepts for `count` right choices, adding up to 1: equal shares when 1/count is one of
    them, else tenths and twentieths (up to 20 right choices); None when no such grades exist."""
    if Fraction(1, count) in MOODLE_GRADES:
        return [Fraction(1, count)] * count
    if count > 20:
        return None
    tenths = 20 - count
    return [Fraction(1, 10)] * tenths + [Fraction(1, 20)] * (count - tenths)


def wrong_share(count: int) -> Fraction:
    """The grade Moodle accepts nearest to 1/count, taken off for each of `count` wrong choices."""
    return min(MOODLE_GRADES - {Fraction(0)}, key=lambda grade: (abs(grade - Fraction(1, count)), grade))


def write_gift(
    questions: Iterable[Question],
    *,
    title: str = "",
    quotes: Mapping[str, str] | None = None,
) -> Exported:
    """Return GIFT for `questions`, with a warning for each question changed or left out.

    Themes are written as `[tag:…]` comments and ids as `[id:…]` (both read back by Moodle);
    passages, difficulty, points, hint and rubric as our own `[key:…]` comments.
    """
    parts = []
    warnings: list[str] = []
    count = 0
    if title:
        parts.append(f"$CATEGORY: $course$/top/{one_line(title).replace('/', '//')}")
    for question in questions:
        q, warning = export_form(question, quotes, GIFT_TYPES)
        if warning:
            warnings.append(warning)
        if q is None:
            continue
        notes: list[str] = []
        text, problem = _gift_question(q, notes)
        warnings.extend(f"{q.id}: {note}" for note in notes)
        if problem:
            warnings.append(f"{q.id}: {problem}")
            continue
        parts.append(text)
        count += 1
    return Exported("\n\n".join(parts) + "\n", count, warnings)


def _gift_question(q: Question, notes: list[str]) -> tuple[str, str | None]:
    comments = [f"// [id:{moodle_id(q)}]", "// " + " ".join(f"[tag:{tag}]" for tag in moodle_tags(q))]
    facts = [f"[passage:{passage}]" for passage in q.passages] + [f"[difficulty:{q.difficulty}]"]
    if q.points != 1:
        facts.append(f"[points:{format_number(q.points)}]")
    if q.type in ("short", "cloze") and q.match != "normalized":
        facts.append(f"[match:{q.match}]")
    comments.append("// " + " ".join(facts))
    if q.hint:
        comments.append(f"// [hint:{escape_tag(q.hint)}]")
    if q.type == "essay":
        comments.append(f"// [rubric:{escape_tag(q.rubric)}]")
    head = f"::{q.id}::[markdown]"
    explanation = f"####{escape(q.explanation)}"
    if q.type == "cloze":
        if len(q.blanks) != 1:
            return "", f"cloze question with {len(q.blanks)} blanks left out (GIFT has one blank per question)"
        match = BLANK_RE.search(q.prompt)
        assert match is not None, "a cloze question's one blank is in its prompt"
        before, after = q.prompt[: match.start()], q.prompt[match.end() :]
        if any("->" in answer for answer in q.blanks[0].answers):
            return "", "left out: GIFT cannot write '->' in a typed answer"
        if not after.strip():
            comments.append("// [type:cloze]")
        answers = " ".join(f"={_piece(answer)}" for answer in q.blanks[0].answers)
        return "\n".join(comments) + f"\n{head}{escape(before)}{{{answers} {explanation}}}{escape(after)}", None
    lines = _answer_lines(q, notes)
    if isinstance(lines, str):
        return "", lines
    if q.type == "truefalse":
        body = "{" + lines[0] + explanation + "}"
    elif q.type == "essay":
        body = "{" + explanation + "}"
    elif q.type == "numeric":
        body = "{#" + lines[0] + explanation + "}"
    else:
        body = "{\n" + "".join(f"\t{line}\n" for line in lines) + f"\t{explanation}\n}}"
    return "\n".join(comments) + f"\n{head}{escape(q.prompt)}{body}", None


def _answer_lines(q: Question, notes: list[str]) -> list[str] | str:
    """The answer lines of a question's block, or why it cannot be written; `notes` gets what differs."""
    if q.type == "single":
        return [
            f"{'=' if c.correct else '~'}{_piece(c.text)}{'#' + _piece(c.feedback) if c.feedback else ''}"
            for c in q.choices
        ]
    if q.type == "multiple":
        return _multiple_lines(q, notes)
    if q.type == "truefalse":
        true, false = q.choices
        right, wrong = (true, false) if true.correct else (false, true)
        feedback = ""
        if wrong.feedback or right.feedback:
            feedback = "#" + _piece(wrong.feedback) + ("#" + _piece(right.feedback) if right.feedback else "")
        return [("TRUE" if true.correct else "FALSE") + feedback]
    if q.type == "short":
        if any("->" in answer for answer in q.answers):
            return "left out: GIFT cannot write '->' in a typed answer (it would read as a matching question)"
        return [f"={_piece(answer)}" for answer in q.answers]
    if q.type == "numeric":
        if q.answer is not None:
            tolerance = f":{format_number(q.tolerance)}" if q.tolerance else ""
            return [f"{format_number(q.answer)}{tolerance}"]
        assert q.minimum is not None and q.maximum is not None, "a numeric question without an answer has a range"
        return [f"{format_number(q.minimum)}..{format_number(q.maximum)}"]
    if q.type == "matching":
        if any("->" in pair.left for pair in q.pairs):
            return "left out: GIFT cannot write '->' in the left-hand side of a pair"
        return [f"={_piece(p.left)} -> {escape(p.right)}" for p in q.pairs] + [
            f"= -> {escape(r)}" for r in q.distractors
        ]
    return []


def _multiple_lines(q: Question, notes: list[str]) -> list[str] | str:
    """A multiple-answer question's lines, with only grades Moodle accepts (`notes` says where scoring differs)."""
    right_count = sum(c.correct for c in q.choices)
    wrong_count = len(q.choices) - right_count
    shares = right_shares(right_count)
    if shares is None:
        return f"left out: Moodle has no grades for {right_count} right choices adding up to 100%"
    if len(set(shares)) > 1:
        notes.append(
            f"Moodle has no grade of 1/{right_count}: the first {shares.count(Fraction(1, 10))} right choices are "
            f"worth 10% and the others 5%, where here each is worth the same"
        )
    penalty = wrong_share(wrong_count) if wrong_count else Fraction(0)
    if wrong_count and penalty != Fraction(1, wrong_count):
        notes.append(
            f"Moodle has no grade of -1/{wrong_count}: each wrong choice takes off {_weight(float(penalty) * 100)}% "
            f"there, where here the {wrong_count} wrong choices together take off 100%"
        )
    right = iter(shares)
    lines = []
    for c in q.choices:
        grade = _weight(float(next(right)) * 100) if c.correct else "-" + _weight(float(penalty) * 100)
        lines.append(f"~%{grade}%{_piece(c.text)}{'#' + _piece(c.feedback) if c.feedback else ''}")
    return lines
