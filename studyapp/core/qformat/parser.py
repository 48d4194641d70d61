"""Read a question bank (see docs/question-format.md) into Questions, collecting every problem."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .answers import NUMBER, normalize_answer, read_number
from .model import (
    DIFFICULTIES,
    MATCH_MODES,
    MAX_ID_LENGTH,
    MAX_SOURCE_ID_LENGTH,
    TYPES,
    Blank,
    Choice,
    EvidenceSentence,
    Pair,
    Problem,
    Question,
    choice_id,
    is_slug,
    list_items,
)
from .source import decode

FIELD_RE = re.compile(r"([A-Za-z][A-Za-z0-9_-]*)[ \t]*:[ \t]*(.*?)[ \t]*\Z")
RANGE_RE = re.compile(rf"({NUMBER})[ \t]*\.\.[ \t]*({NUMBER})\Z")
CHECKBOX_RE = re.compile(r"- \[([ xX])\](.*)\Z")
FEEDBACK_RE = re.compile(r"[ \t]+>(?: ?)(.*)\Z")
NUMBERED_RE = re.compile(r"(\d+)\.(?:[ \t]+(.*))?\Z")

FIELDS = {
    "type": "every question",
    "themes": "every question",
    "passages": "every question",
    "difficulty": "every question",
    "points": "every question",
    "match": "short and cloze",
    "answer": "numeric",
    "tolerance": "numeric",
    "range": "numeric",
    "evidence-passage": "evidence",
    "tags": "every question",
    "source-id": "every question",
}
REQUIRED_FIELDS = {
    "type": "one of " + ", ".join(TYPES),
    "themes": "one or more theme ids",
    "passages": "one or more passage ids",
    "difficulty": "1, 2 or 3",
}
FIELD_TYPES = {
    "match": ("short", "cloze"),
    "answer": ("numeric",),
    "tolerance": ("numeric",),
    "range": ("numeric",),
    "evidence-passage": ("evidence",),
}
#: section name -> the types that take it (None: every type)
SECTIONS = {
    "choices": ("single", "multiple", "truefalse"),
    "answers": ("short",),
    "order": ("ordering",),
    "pairs": ("matching",),
    "rubric": ("essay",),
    "evidence": ("evidence",),
    "hint": None,
    "explanation": None,
}
#: type -> the answer section it needs
ANSWER_SECTION = {
    "single": "choices",
    "multiple": "choices",
    "truefalse": "choices",
    "short": "answers",
    "ordering": "order",
    "matching": "pairs",
    "essay": "rubric",
    "evidence": "evidence",
}
TEXT_IN_FIELDS = (
    "expected fields ('key: value', e.g. 'type: single') straight after the question heading, "
    "then a blank line, then the prompt"
)
TEXT_AFTER_FIELDS = "expected a field 'key: value' or a blank line before the prompt"
CHOICE_ITEM = "'- [x] text' or '- [ ] text'"
EVIDENCE_ITEM = "'- sentence' (or '- [ ] sentence' for feedback on a wrong one)"
SECTION_TITLES = {name: name.capitalize() for name in SECTIONS}
DIFFICULTY_VALUES = {str(level) for level in DIFFICULTIES}
MIN_ORDER_ITEMS = 3
MIN_PAIRS = 3


@dataclass
class ParseResult:
    """What `parse` found: the valid questions, every problem, and the bank's title and description."""

    questions: list[Question] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    title: str = ""
    description: str = ""


def parse(text: str | bytes, filename: str = "<string>") -> ParseResult:
    """Parse a question bank; a question with any problem is left out of `questions`."""
    decoded = decode(text, filename)
    if decoded[1] is not None:
        return ParseResult(errors=[decoded[1]])
    lines = decoded[0].split("\n")
    levels = {number: _heading_level(line) for number, line in enumerate(lines) if line.startswith("##")}
    starts = [number for number, level in levels.items() if level == 2]
    sections = {number for number, level in levels.items() if level == 3}
    result = ParseResult()
    result.title, result.description = _preamble(lines[: starts[0] if starts else len(lines)])
    if not starts:
        result.errors.append(
            Problem(filename, 1, 1, "no questions found: a question starts with a line '## <question-id>'")
        )
        return result
    first_line_of: dict[str, int] = {}
    for start, end in zip(starts, starts[1:] + [len(lines)]):
        reader = _QuestionReader(filename, lines, start, end, sections)
        question = reader.read()
        qid = reader.qid
        if qid and qid in first_line_of:
            reader.error(start, 4, f"duplicate question id '{qid}' (first used on line {first_line_of[qid]})")
            question = None
        elif qid:
            first_line_of[qid] = start + 1
        result.errors.extend(reader.problems)
        if question is not None:
            result.questions.append(question)
    result.errors.sort(key=lambda problem: (problem.line, problem.column))
    return result


def _heading_level(line: str) -> int:
    """Return 2 for a `## ` line, 3 for a `### ` line, 0 otherwise (deeper headings are text)."""
    if line.startswith("###"):
        return 3 if len(line) == 3 or line[3] in " \t" else 0
    if line.startswith("##"):
        return 2 if len(line) == 2 or line[2] in " \t" else 0
    return 0


def _preamble(lines: list[str]) -> tuple[str, str]:
    """Return the bank's `# title` and the description that follows it."""
    body = _block(lines)
    first, _, rest = body.partition("\n")
    if first.startswith("# "):
        return first[2:].strip(), _block(rest.split("\n"))
    return "", body


def _block(lines: list[str]) -> str:
    """Join lines as Markdown text: trailing spaces and surrounding blank lines dropped."""
    stripped = [line.rstrip() for line in lines]
    start, end = 0, len(stripped)
    while start < end and not stripped[start]:
        start += 1
    while end > start and not stripped[end - 1]:
        end -= 1
    return "\n".join(stripped[start:end])


def _a(word: str) -> str:
    """Return `word` with its indefinite article ("an essay", "a single")."""
    return f"an {word}" if word[0] in "aeiou" else f"a {word}"


def _suggest(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word.lower(), list(options), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


class _QuestionReader:
    """Read the lines of one question (from its `##` heading up to the next one)."""

    def __init__(self, filename: str, lines: list[str], start: int, end: int, section_lines: set[int]) -> None:
        self.filename = filename
        self.lines = lines
        #: indexes of the file's `###` lines
        self.section_lines = section_lines
        self.start = start
        self.end = end
        self.problems: list[Problem] = []
        self.qid = ""
        self.fields: dict[str, tuple[str, int, int]] = {}
        self.sections: dict[str, tuple[int, list[int]]] = {}
        self.prompt_lines: list[int] = []
        self.passages: tuple[str, ...] = ()
        #: Text was found among the fields (reported once; it was probably the prompt).
        self.text_in_fields = False
        #: where each Markdown text starts: "prompt", "explanation", "choices:0", "choices:0:feedback", ...
        #: -> (0-based line index, 1-based column)
        self.text_at: dict[str, tuple[int, int]] = {}
        #: (section, line index of an item) -> line index of its first feedback line
        self.feedback_at: dict[tuple[str, int], int] = {}

    def error(self, index: int, column: int, message: str) -> None:
        """Record a problem at 0-based line `index` and 1-based `column`."""
        self.problems.append(Problem(self.filename, index + 1, column, message))

    # -- structure ------------------------------------------------------------------------

    def read(self) -> Question | None:
        self._read_heading()
        index = self._read_fields(self.start + 1)
        prompt_start = index
        while index < self.end and index not in self.section_lines:
            index += 1
        self.prompt_lines = list(range(prompt_start, index))
        self._read_sections(index)
        qtype = self._read_type()
        common = self._read_common()
        prompt = _block([self.lines[i] for i in self.prompt_lines])
        if not prompt and not self.text_in_fields:
            self.error(self.start, 1, "question has no prompt: write it after the fields and a blank line")
        self._check_fields_for(qtype)
        self._check_sections_for(qtype)
        explanation = self._text_section("explanation")
        if "explanation" not in self.sections:
            self.error(
                self.start, 1, "missing '### Explanation' section (required: say where the answer is in the text)"
            )
        elif not explanation:
            self.error(self.sections["explanation"][0], 1, "empty '### Explanation' section")
        specific = getattr(self, f"_read_{qtype}")() if qtype else {}
        if self.problems or qtype is None or common is None:
            return None
        self._note_text("prompt", self.prompt_lines)
        for name in ("explanation", "hint", "rubric"):
            if name in self.sections:
                self._note_text(name, self.sections[name][1])
        positions = {key: (index + 1, column, value) for key, (value, index, column) in self.fields.items()}
        positions.update({f"markdown:{key}": (index + 1, column, "") for key, (index, column) in self.text_at.items()})
        return Question(
            id=self.qid,
            type=qtype,
            prompt=prompt,
            explanation=explanation,
            hint=self._text_section("hint"),
            file=self.filename,
            line=self.start + 1,
            positions=positions,
            **common,
            **specific,
        )

    def _note_text(self, key: str, indexes: list[int]) -> None:
        """Remember where the text joined from the lines `indexes` starts (its first line not blank)."""
        first = next((index for index in indexes if self.lines[index].strip()), None)
        if first is not None:
            self.text_at[key] = (first, 1)

    def _note_item(self, key: str, name: str, index: int, column: int) -> None:
        """Remember where an item's text starts, and where its feedback does (if it has some)."""
        self.text_at[key] = (index, column)
        if (name, index) in self.feedback_at:
            self.text_at[f"{key}:feedback"] = (self.feedback_at[name, index], 1)

    def _read_heading(self) -> None:
        text = self.lines[self.start][2:].strip()
        if not text:
            self.error(self.start, 1, "question heading has no id: write '## <question-id>'")
        elif not is_slug(text):
            column = self.lines[self.start].index(text[0]) + 1
            if len(text) > MAX_ID_LENGTH:
                self.error(self.start, column, f"question id is {len(text)} characters; the limit is {MAX_ID_LENGTH}")
            else:
                self.error(
                    self.start,
                    column,
                    f"bad question id '{text}': use lowercase letters, digits and hyphens, "
                    "starting with a letter or digit (e.g. 'linkage-whose-words')",
                )
        else:
            self.qid = text

    def _read_fields(self, index: int) -> int:
        """Read `key: value` lines up to the first blank line; return the index after them."""
        while index < self.end and self.lines[index].strip() and index not in self.section_lines:
            line = self.lines[index]
            match = FIELD_RE.match(line)
            if match is None:
                if not self.text_in_fields:
                    self.error(index, 1, TEXT_IN_FIELDS if index == self.start + 1 else TEXT_AFTER_FIELDS)
                self.text_in_fields = True
            else:
                key, value = match.group(1), match.group(2)
                column = match.start(2) + 1
                if key not in FIELDS:
                    self.error(
                        index,
                        1,
                        f"unknown field '{key}'{_suggest(key, FIELDS)}; fields are: {', '.join(FIELDS)}",
                    )
                elif key in self.fields:
                    self.error(index, 1, f"field '{key}' given twice (first on line {self.fields[key][1] + 1})")
                else:
                    self.fields[key] = (value, index, column)
            index += 1
        while index < self.end and not self.lines[index].strip():
            index += 1
        return index

    def _read_sections(self, index: int) -> None:
        while index < self.end:
            heading = index
            title = self.lines[heading][3:].strip()
            index += 1
            body = []
            while index < self.end and index not in self.section_lines:
                body.append(index)
                index += 1
            name = title.lower()
            if name not in SECTIONS:
                self.error(
                    heading,
                    1,
                    f"unknown section '### {title}'{_suggest(name, SECTIONS)}; sections are: "
                    + ", ".join(SECTION_TITLES.values()),
                )
            elif name in self.sections:
                first = self.sections[name][0] + 1
                self.error(heading, 1, f"section '### {SECTION_TITLES[name]}' given twice (first on line {first})")
            else:
                self.sections[name] = (heading, body)

    # -- fields ---------------------------------------------------------------------------

    def _read_type(self) -> str | None:
        if "type" not in self.fields:
            return None
        value, index, column = self.fields["type"]
        if value not in TYPES:
            self.error(index, column, f"unknown type '{value}'{_suggest(value, TYPES)}; types are: {', '.join(TYPES)}")
            return None
        return value

    def _read_common(self) -> dict[str, Any] | None:
        for key, expected in REQUIRED_FIELDS.items():
            if key not in self.fields:
                self.error(self.start, 1, f"missing field '{key}' ({expected})")
        themes = self._id_list("themes", "theme")
        self.passages = passages = self._id_list("passages", "passage")
        difficulty = None
        if "difficulty" in self.fields:
            value, index, column = self.fields["difficulty"]
            if value in DIFFICULTY_VALUES:
                difficulty = int(value)
            else:
                self.error(index, column, f"difficulty must be 1, 2 or 3, found '{value}'")
        points = 1.0
        if "points" in self.fields:
            value, index, column = self.fields["points"]
            number = read_number(value)
            if number is None or number <= 0:
                self.error(index, column, f"points must be a positive number (e.g. 1 or 0.5), found '{value}'")
            else:
                points = number
        tags = self._tags()
        source_id = ""
        if "source-id" in self.fields:
            value, index, column = self.fields["source-id"]
            if not value or len(value) > MAX_SOURCE_ID_LENGTH:
                self.error(index, column, f"source-id must be 1 to {MAX_SOURCE_ID_LENGTH} characters")
            else:
                source_id = value
        if not themes or not passages or difficulty is None:
            return None
        return {
            "themes": themes,
            "passages": passages,
            "difficulty": difficulty,
            "points": points,
            "tags": tags,
            "source_id": source_id,
        }

    def _tags(self) -> tuple[str, ...]:
        """Read the comma-separated `tags` (free text, kept from an imported question)."""
        if "tags" not in self.fields:
            return ()
        value, index, column = self.fields["tags"]
        tags: list[str] = []
        for offset, item in list_items(value):
            if not item:
                self.error(index, column + offset, "empty item in 'tags' (two commas, or a comma at an end)")
            elif item in tags:
                self.error(index, column + offset, f"tag '{item}' listed twice")
            else:
                tags.append(item)
        return tuple(tags)

    def _id_list(self, key: str, what: str) -> tuple[str, ...]:
        """Read a comma-separated list of ids, recording where each one is."""
        if key not in self.fields:
            return ()
        value, index, column = self.fields[key]
        if not value:
            self.error(index, column, f"'{key}' is empty: give one or more {what} ids, separated by commas")
            return ()
        ids = []
        for offset, item in list_items(value):
            item_column = column + offset
            if not item:
                self.error(index, item_column, f"empty item in '{key}' (two commas, or a comma at an end)")
            elif not is_slug(item):
                self.error(index, item_column, f"bad {what} id '{item}': use lowercase letters, digits and hyphens")
            elif item in ids:
                self.error(index, item_column, f"{what} '{item}' listed twice")
            else:
                ids.append(item)
        return tuple(ids)

    def _check_fields_for(self, qtype: str | None) -> None:
        if qtype is None:
            return
        for key, types in FIELD_TYPES.items():
            if key in self.fields and qtype not in types:
                _, index, _ = self.fields[key]
                self.error(index, 1, f"field '{key}' is for {FIELDS[key]} questions, not {qtype}")

    def _check_sections_for(self, qtype: str | None) -> None:
        if qtype is None:
            return
        for name, (heading, _) in self.sections.items():
            types = SECTIONS[name]
            if types is not None and qtype not in types:
                self.error(
                    heading,
                    1,
                    f"{_a(qtype)} question has no '### {SECTION_TITLES[name]}' section (it is for {', '.join(types)})",
                )
        needed = ANSWER_SECTION.get(qtype)
        if needed and needed not in self.sections:
            title = SECTION_TITLES[needed]
            self.error(self.start, 1, f"missing '### {title}' section (required for {qtype} questions)")

    # -- sections -------------------------------------------------------------------------

    def _section_error(self, name: str, message: str) -> None:
        """Report a problem with a section as a whole, unless one of its lines was reported already."""
        heading, body = self.sections[name]
        reported = {problem.line for problem in self.problems}
        if not any(index + 1 in reported for index in body):
            self.error(heading, 1, message)

    def _text_section(self, name: str) -> str:
        if name not in self.sections:
            return ""
        return _block([self.lines[i] for i in self.sections[name][1]])

    def _list_items(self, name: str, feedback_allowed: bool = True) -> list[tuple[int, str, str]]:
        """Return the items of a list section as (line index, item line, feedback text)."""
        items: list[tuple[int, str, list[str]]] = []
        for index in self.sections[name][1] if name in self.sections else ():
            line = self.lines[index]
            if not line.strip():
                continue
            feedback = FEEDBACK_RE.match(line)
            if feedback is None:
                items.append((index, line.rstrip(), []))
            elif not feedback_allowed:
                self.error(index, 1, f"feedback lines ('  > ...') are not allowed in '### {SECTION_TITLES[name]}'")
            elif not items:
                self.error(index, 1, "feedback line ('  > ...') with no item above it")
            else:
                self.feedback_at.setdefault((name, items[-1][0]), index)
                items[-1][2].append(feedback.group(1))
        return [(index, line, _block(feedback)) for index, line, feedback in items]

    def _read_choices(self, name: str, checkbox_required: bool) -> list[tuple[int, str, bool | None, str]]:
        """Read `- [x] text` items (or `- text`, when the box is optional) with their feedback."""
        choices: list[tuple[int, str, bool | None, str]] = []
        texts: dict[str, int] = {}
        for index, line, feedback in self._list_items(name):
            box = CHECKBOX_RE.match(line)
            if box is not None:
                text, correct = box.group(2).strip(), box.group(1) != " "
                column = box.start(2) + 1
            elif not checkbox_required and line.startswith("- "):
                text, correct, column = line[2:].strip(), None, 3
            else:
                expected = CHOICE_ITEM if checkbox_required else EVIDENCE_ITEM
                self.error(index, 1, f"expected a list item {expected}, or feedback '  > text' under one")
                continue
            if not text:
                self.error(index, column, "empty item: write its text after the box" if box else "empty item")
                continue
            if text in texts:
                self.error(index, column, f"same text as the item on line {texts[text] + 1}")
                continue
            texts[text] = index
            self._note_item(f"{name}:{len(choices)}", name, index, column)
            choices.append((index, text, correct, feedback))
        return choices

    def _simple_items(self, name: str, label: str) -> list[tuple[int, str]]:
        """Read `- text` items without feedback."""
        items = []
        for index, line, _ in self._list_items(name, feedback_allowed=False):
            if not line.startswith("- "):
                self.error(index, 1, f"expected a list item '- {label}'")
            elif not line[2:].strip():
                self.error(index, 3, f"empty {label}")
            else:
                items.append((index, line[2:].strip()))
        return items

    # -- types ----------------------------------------------------------------------------

    def _read_choice_question(self, qtype: str) -> dict[str, Any]:
        found = self._read_choices("choices", checkbox_required=True)
        if "choices" not in self.sections:
            return {}
        choices = tuple(
            Choice(choice_id(n), text, bool(correct), feedback) for n, (_, text, correct, feedback) in enumerate(found)
        )
        right = sum(choice.correct for choice in choices)
        if len(choices) < 2:
            self._section_error("choices", f"{_a(qtype)} question needs at least 2 choices, found {len(choices)}")
        elif right == 0:
            self._section_error("choices", "no correct choice: mark the right one '- [x]'")
        elif qtype != "multiple" and right > 1:
            hint = " (use type: multiple)" if qtype == "single" else ""
            self._section_error(
                "choices", f"{_a(qtype)} question has exactly one correct choice, found {right} marked '- [x]'{hint}"
            )
        return {"choices": choices}

    def _read_single(self) -> dict[str, Any]:
        return self._read_choice_question("single")

    def _read_multiple(self) -> dict[str, Any]:
        return self._read_choice_question("multiple")

    def _read_truefalse(self) -> dict[str, Any]:
        specific = self._read_choice_question("truefalse")
        labels = [choice.text for choice in specific.get("choices", ())]
        if "choices" in self.sections and labels != ["True", "False"]:
            self._section_error(
                "choices",
                "a truefalse question has exactly two choices, '- [ ] True' then '- [ ] False', "
                f"found {', '.join(repr(label) for label in labels) or 'none'}",
            )
        return specific

    def _read_match(self) -> str:
        if "match" not in self.fields:
            return "normalized"
        value, index, column = self.fields["match"]
        if value not in MATCH_MODES:
            self.error(index, column, f"match must be 'normalized' or 'exact', found '{value}'")
        return value

    def _check_answer(self, index: int, column: int, answer: str, match: str) -> None:
        if match == "normalized" and not normalize_answer(answer):
            self.error(
                index, column, f"answer '{answer}' is only punctuation: nothing is left to compare once normalized"
            )

    def _read_short(self) -> dict[str, Any]:
        match = self._read_match()
        answers = self._simple_items("answers", "accepted answer")
        for index, answer in answers:
            self._check_answer(index, 3, answer, match)
        if "answers" in self.sections and not answers:
            self._section_error("answers", "a short question needs at least one answer '- accepted answer'")
        return {"answers": tuple(answer for _, answer in answers), "match": match}

    def _read_numeric(self) -> dict[str, Any]:
        specific: dict[str, Any] = {}
        for key in ("answer", "tolerance"):
            if key in self.fields:
                value, index, column = self.fields[key]
                number = read_number(value)
                if number is None:
                    self.error(index, column, f"{key} must be a number (e.g. 1973 or 0.5), found '{value}'")
                elif key == "tolerance" and number < 0:
                    self.error(index, column, f"tolerance must be 0 or more, found '{value}'")
                else:
                    specific[key] = number
        if "range" in self.fields:
            value, index, column = self.fields["range"]
            match = RANGE_RE.match(value)
            low = high = None
            if match is not None:
                low, high = read_number(match.group(1)), read_number(match.group(2))
            if match is None or low is None or high is None:
                self.error(index, column, f"range must be 'low..high' (e.g. 1970..1975), found '{value}'")
            elif low > high:
                self.error(index, column, f"range starts above its end: {match.group(1)} > {match.group(2)}")
            else:
                specific["minimum"], specific["maximum"] = low, high
        if "answer" in self.fields and "range" in self.fields:
            self.error(
                self.fields["range"][1], 1, "give either 'answer' (with an optional 'tolerance') or 'range', not both"
            )
        elif "tolerance" in self.fields and "answer" not in self.fields:
            self.error(self.fields["tolerance"][1], 1, "'tolerance' needs an 'answer' field")
        elif "answer" not in self.fields and "range" not in self.fields:
            self.error(self.start, 1, "a numeric question needs 'answer: <number>' or 'range: <low>..<high>'")
        return specific

    def _read_ordering(self) -> dict[str, Any]:
        items: list[str] = []
        expected = 1
        for index, line, _ in self._list_items("order", feedback_allowed=False):
            numbered = NUMBERED_RE.match(line)
            if numbered is None:
                self.error(index, 1, f"expected a numbered item '{expected}. text'")
                continue
            number, text = int(numbered.group(1)), (numbered.group(2) or "").strip()
            if number != expected:
                self.error(
                    index,
                    1,
                    f"expected item number {expected}, found {number} (number the items 1, 2, 3... in the right order)",
                )
            expected = number + 1
            if not text:
                self.error(index, 1, "empty item")
            elif text in items:
                self.error(index, 1, f"item '{text}' listed twice")
            else:
                self._note_item(f"order:{len(items)}", "order", index, numbered.start(2) + 1)
                items.append(text)
        if "order" in self.sections and len(items) < MIN_ORDER_ITEMS:
            self._section_error(
                "order", f"an ordering question needs at least {MIN_ORDER_ITEMS} items, found {len(items)}"
            )
        return {"items": tuple(items)}

    def _read_matching(self) -> dict[str, Any]:
        pairs: list[Pair] = []
        distractors: list[str] = []
        lefts: set[str] = set()
        rights: set[str] = set()
        for index, line, _ in self._list_items("pairs", feedback_allowed=False):
            if not line.startswith("- ") or "=>" not in line:
                self.error(
                    index, 1, "expected a pair '- left => right' (or '- => right' for an extra right-hand option)"
                )
                continue
            left, _, right = line[2:].partition("=>")
            left, right = left.strip(), right.strip()
            if not right:
                self.error(index, 1, "nothing after '=>': write the right-hand side of the pair")
            elif right in rights:
                self.error(index, 1, f"right-hand side '{right}' given twice")
            elif left in lefts:
                self.error(index, 1, f"left-hand side '{left}' given twice")
            else:
                rights.add(right)
                if left:
                    lefts.add(left)
                    self._note_item(f"pairs:{len(pairs)}", "pairs", index, 3)
                    pairs.append(Pair(choice_id(len(pairs)), left, right))
                else:
                    self._note_item(f"distractors:{len(distractors)}", "pairs", index, 3)
                    distractors.append(right)
        if "pairs" in self.sections and len(pairs) < MIN_PAIRS:
            self._section_error(
                "pairs", f"a matching question needs at least {MIN_PAIRS} pairs '- left => right', found {len(pairs)}"
            )
        return {"pairs": tuple(pairs), "distractors": tuple(distractors)}

    def _read_cloze(self) -> dict[str, Any]:
        match = self._read_match()
        blanks: list[Blank] = []
        malformed = False
        for index in self.prompt_lines:
            line = self.lines[index]
            position = line.find("{{")
            while position != -1:
                close = line.find("}}", position + 2)
                inner = line[position + 2 : close] if close != -1 else ""
                if close == -1 or "{{" in inner:
                    self.error(index, position + 1, "blank '{{' is not closed by '}}' on the same line")
                    malformed = True
                    break
                answers = tuple(answer.strip() for answer in inner.split("|"))
                if not all(answers):
                    malformed = True
                    self.error(
                        index,
                        position + 1,
                        "empty blank or empty answer in '{{...}}': write '{{answer|another accepted answer}}'",
                    )
                else:
                    for answer in answers:
                        self._check_answer(index, position + 1, answer, match)
                    blanks.append(Blank(str(len(blanks) + 1), answers))
                position = line.find("{{", close + 2)
        if not blanks and not malformed:
            self.error(self.start, 1, "a cloze question needs at least one blank '{{answer}}' in its prompt")
        return {"blanks": tuple(blanks), "match": match}

    def _read_essay(self) -> dict[str, Any]:
        rubric = self._text_section("rubric")
        if "rubric" in self.sections and not rubric:
            self.error(self.sections["rubric"][0], 1, "empty '### Rubric' section: list what the grader scores")
        return {"rubric": rubric}

    def _read_evidence(self) -> dict[str, Any]:
        passage = self.passages[0] if self.passages else ""
        if "evidence-passage" in self.fields:
            passage, index, column = self.fields["evidence-passage"]
            if not is_slug(passage):
                self.error(index, column, f"bad passage id '{passage}': use lowercase letters, digits and hyphens")
            elif passage not in self.passages:
                self.error(index, column, f"evidence-passage '{passage}' is not among the question's passages")
        sentences = tuple(
            EvidenceSentence(text, correct is not False, feedback, line=index + 1)
            for index, text, correct, feedback in self._read_choices("evidence", checkbox_required=False)
        )
        if "evidence" in self.sections and not any(s.correct for s in sentences):
            self._section_error("evidence", "an evidence question needs at least one supporting sentence '- sentence'")
        return {"evidence_passage": passage, "evidence": sentences}
