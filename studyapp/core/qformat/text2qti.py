"""Read text2qti's plain-text quiz format (as its README defines it) into Questions.

text2qti has no themes, passages or difficulty: they come from `% [tag:…]`, `% [passage:…]`,
`% [difficulty:n]` comment lines straight above a question, or from the import's defaults.
docs/interchange.md says what maps to what.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .answers import read_number
from .gift import Draft, ImportDefaults, Importer, ImportResult, Metadata, one_line
from .model import Choice, choice_id
from .source import decode

#: (name, pattern) of the lines that start something, in the order they are tried.
STARTS = (
    ("question", r"\d+\."),
    ("correct_choice", r"\*[a-zA-Z]\)"),
    ("choice", r"[a-zA-Z]\)"),
    ("correct_multi", r"\[\*\]"),
    ("multi", r"\[ ?\]"),
    ("short", r"\*"),
    ("feedback", r"\.\.\."),
    ("correct_feedback", r"\+"),
    ("incorrect_feedback", r"-"),
    ("solution", r"!"),
    ("essay", r"___+"),
    ("upload", r"\^\^\^+"),
    ("numerical", r"="),
    ("question_title", r"[Tt]itle:"),
    ("question_points", r"[Pp]oints:"),
    ("text_title", r"[Tt]ext [Tt]itle:"),
    ("text", r"[Tt]ext:"),
    ("quiz_title", r"[Qq]uiz [Tt]itle:"),
    ("quiz_description", r"[Qq]uiz [Dd]escription:"),
    ("start_group", r"GROUP"),
    ("end_group", r"END_GROUP"),
    ("pick", r"[Pp]ick:"),
    ("solutions_pick", r"[Ss]olutions pick:"),
    ("points_per_question", r"[Pp]oints per question:"),
    ("start_code", r"```+\s*\S.*"),
    ("end_code", r"```+"),
    (
        "quiz_option",
        r"(?:[Ss]huffle answers|[Ss]how correct answers|[Oo]ne question at a time|[Cc]an't go back"
        r"|[Ff]eedback is solution|[Ss]olutions sample groups|[Ss]olutions randomize groups):",
    ),
)
NO_CONTENT = {"essay", "upload", "start_group", "end_group", "start_code", "end_code"}
SINGLE_LINE = {"question_points", "pick", "solutions_pick", "points_per_question", "numerical", "short", "quiz_option"}
TITLES = {"question_title", "text_title", "quiz_title"}
START_RE = re.compile(
    "|".join(
        rf"(?P<{name}>{pattern}\s*)$" if name in NO_CONTENT else rf"(?P<{name}>{pattern}[ \t]+(?=\S))"
        for name, pattern in STARTS
    )
)
MISSING_CONTENT_RE = re.compile(
    "|".join(rf"(?P<{name}>{pattern}[ \t]*$)" for name, pattern in STARTS if name not in NO_CONTENT)
)
MISSING_SPACE_RE = re.compile(
    "|".join(rf"(?P<{name}>{pattern}(?=\S))" for name, pattern in STARTS if name not in NO_CONTENT)
)
CHOICE_KINDS = {"correct_choice": "mctf", "choice": "mctf", "correct_multi": "multans", "multi": "multans"}
KIND_NAMES = {
    "mctf": "multiple-choice ('a)')",
    "multans": "multiple-answers ('[*]')",
    "short": "short-answer ('*')",
    "numerical": "numerical ('=')",
    "essay": "essay ('____')",
    "upload": "file-upload ('^^^^')",
}
#: A choice is one line of our format: its paragraphs are kept apart by line breaks.
PARAGRAPH_BREAK = "<br><br>"
#: text2qti's LaTeX math (`$…$`, not `\$`) and siunitx macros, which it turns into images of the formula.
MATH_RE = re.compile(r"(?<![\\$])\$(?=\S)(?:[^$\n]|\\\$)+?(?<=[^\s\\])\$(?!\$)|\\(?:SI|si|num)\{")
NUMERIC_FORMS = "write '= 1973', '= 1.4142 +- 0.0001', '= 5 +- 10%' or '= [1970, 1975]'"


def parse_text2qti(
    data: str | bytes,
    filename: str = "<string>",
    defaults: ImportDefaults | None = None,
) -> ImportResult:
    """Read a text2qti quiz file into Questions; problems, and warnings for what has no equivalent."""
    decoded = decode(data, filename)
    if decoded[1] is not None:
        return ImportResult(errors=[decoded[1]])
    reader = _Text2qtiReader(filename, defaults)
    reader.read(decoded[0])
    return reader.done()


@dataclass
class _Choice:
    text: str
    correct: bool
    line: int
    feedback: str = ""


@dataclass
class _Question:
    """A question being read: its text, then whatever answers and feedback follow it."""

    line: int
    text: str
    title: str = ""
    points: tuple[str, int, int] | None = None
    meta: Metadata = field(default_factory=Metadata)
    kind: str | None = None
    choices: list[_Choice] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)
    numeric: dict[str, float] | None = None
    feedback: str = ""
    correct_feedback: tuple[str, int] | None = None
    incorrect_feedback: tuple[str, int] | None = None
    solution: tuple[str, int] | None = None
    broken: bool = False


class _Text2qtiReader(Importer):
    comment = "%"
    format_name = "text2qti"

    def read(self, text: str) -> None:
        self.lines = text.split("\n")
        self.question: _Question | None = None
        self.pending: dict[str, tuple[str, int, int]] = {}
        self.meta = Metadata()
        self.group: tuple[int, tuple[str, int, int] | None] | None = None
        index = 0
        while index < len(self.lines):
            index = self._line(index)
        self._close_question()
        if self.group is not None:
            self.error(self.group[0], 1, "question group never ended: close it with a line 'END_GROUP'")
        if self.pending:
            self._pending_unused()
        self.unused(self.meta)

    # -- one top-level line --------------------------------------------------------------------

    def _line(self, index: int) -> int:
        """Read the element that starts at line `index`; return the index of the next one."""
        line = self.lines[index]
        number = index + 1
        match = START_RE.match(line)
        if match is None:
            if line.startswith("%"):
                self.read_tags(line[1:], number, 2, self.meta)
            elif line.startswith("COMMENT"):
                return self._comment_block(index)
            elif line.startswith("END_COMMENT"):
                self.error(number, 1, "'END_COMMENT' without a 'COMMENT' line before it")
            elif line.strip():
                self._unknown(line, number)
            return index + 1
        action = match.lastgroup
        assert action is not None, "every alternative of START_RE is a named group"
        content = line[match.end() :].strip()
        end = index + 1
        if action not in NO_CONTENT and action not in SINGLE_LINE:
            content, end = self._continued(index, match, action)
        getattr(self, f"_on_{action}")(content, number, match.end() + 1)
        return end

    def _continued(self, index: int, match: re.Match[str], action: str) -> tuple[str, int]:
        """Gather the indented lines that continue an element (and its blank lines, unless a title)."""
        first = self.lines[index][match.end() :].strip()
        parts = [first]
        indent = (
            None
            if match.group(action).rstrip().endswith(":")
            else " " * len(self.lines[index][: match.end()].expandtabs(4))
        )
        end = index + 1
        while end < len(self.lines):
            line = self.lines[end].expandtabs(4)
            if not line.strip():
                if action in TITLES:
                    break
                parts.append("")
            else:
                if indent is None:
                    if not line.startswith(" "):
                        break
                    indent = " " * (len(line) - len(line.lstrip(" ")))
                    if len(indent) < 2:
                        self.error(end + 1, 1, "a continued line must be indented by at least 2 spaces or a tab")
                if not line.startswith(indent):
                    break
                parts.append(line[len(indent) :].rstrip())
            end += 1
        while parts and not parts[-1]:
            parts.pop()
        return "\n".join(parts), end

    def _comment_block(self, index: int) -> int:
        if self.lines[index].strip() != "COMMENT":
            self.error(index + 1, 1, "unexpected text after 'COMMENT' (it stands alone on its line)")
        end = index + 1
        while end < len(self.lines) and not self.lines[end].startswith("END_COMMENT"):
            end += 1
        if end == len(self.lines):
            self.error(index + 1, 1, "'COMMENT' without an 'END_COMMENT' line after it")
            return end
        if self.lines[end].strip() != "END_COMMENT":
            self.error(end + 1, 1, "unexpected text after 'END_COMMENT' (it stands alone on its line)")
        return end + 1

    def _unknown(self, line: str, number: int) -> None:
        match = MISSING_CONTENT_RE.match(line)
        if match:
            self.error(number, 1, f"nothing after '{match.group().strip()}'")
            return
        match = MISSING_SPACE_RE.match(line)
        if match:
            self.error(number, 1, f"missing space after '{match.group().strip()}'")
            return
        shown = line.strip() if len(line.strip()) <= 60 else line.strip()[:59] + "…"
        self.error(
            number,
            1,
            f"unexpected text (a wrapped line must be indented like the text it continues): '{shown}'",
        )

    # -- quiz-level lines ------------------------------------------------------------------------

    def _before_questions(self, what: str, number: int) -> bool:
        if self.question is not None or self.ids or self.count:
            self.error(number, 1, f"{what} must come before the questions")
            return False
        return True

    def _on_quiz_title(self, content: str, number: int, column: int) -> None:
        if self._before_questions("the quiz title", number):
            self.result.title = " ".join(content.split())

    def _on_quiz_description(self, content: str, number: int, column: int) -> None:
        if self._before_questions("the quiz description", number):
            self.result.description = content

    def _on_quiz_option(self, content: str, number: int, column: int) -> None:
        option = self.lines[number - 1].split(":", 1)[0].strip()
        self.warn(
            number, 1, f"quiz option '{option}' belongs to a quiz, not a bank: ignored (set it in a quiz definition)"
        )

    def _on_text_title(self, content: str, number: int, column: int) -> None:
        self._close_question()
        self.warn(number, 1, "a text region has no equivalent in a bank: not imported")

    def _on_text(self, content: str, number: int, column: int) -> None:
        self._close_question()
        self.warn(number, 1, "a text region has no equivalent in a bank: not imported")

    def _on_start_group(self, content: str, number: int, column: int) -> None:
        self._close_question()
        if self.group is not None:
            self.error(number, 1, f"question groups cannot be nested (the group of line {self.group[0]} is open)")
            return
        self.group = (number, None)
        self.warn(
            number,
            1,
            "a question group has no equivalent in a bank: its questions are imported one by one "
            "(a quiz's draw rule picks questions at random)",
        )

    def _on_end_group(self, content: str, number: int, column: int) -> None:
        self._close_question()
        if self.group is None:
            self.error(number, 1, "'END_GROUP' without a 'GROUP' line before it")
        self.group = None

    def _on_pick(self, content: str, number: int, column: int) -> None:
        if self._in_group("pick:", number):
            self.warn(number, 1, f"'pick: {content}' is not kept: a bank keeps every question (draw them in a quiz)")

    def _on_solutions_pick(self, content: str, number: int, column: int) -> None:
        if self._in_group("solutions pick:", number):
            self.warn(number, 1, f"'solutions pick: {content}' is not kept: this app prints no solutions")

    def _on_points_per_question(self, content: str, number: int, column: int) -> None:
        if self._in_group("points per question:", number) and self.group is not None:
            self.group = (self.group[0], (content, number, column))

    def _in_group(self, what: str, number: int) -> bool:
        if self.group is None:
            self.error(number, 1, f"'{what}' outside a question group")
            return False
        if self.question is not None:
            self.error(number, 1, f"'{what}' must come at the start of its group, before the questions")
            return False
        return True

    def _on_start_code(self, content: str, number: int, column: int) -> None:
        self.error(
            number,
            1,
            "executable code blocks are not run on import: run text2qti's code first and import the questions "
            "it prints",
        )

    def _on_end_code(self, content: str, number: int, column: int) -> None:
        self.error(number, 1, "a code block at the top level: indent it inside a question, choice or feedback")

    # -- questions -------------------------------------------------------------------------------

    def _on_question_title(self, content: str, number: int, column: int) -> None:
        if "title" in self.pending:
            self.error(number, 1, "'Title:' given twice for the next question")
        elif "points" in self.pending:
            self.error(number, 1, "'Title:' must come before 'Points:'")
        else:
            self.pending["title"] = (" ".join(content.split()), number, column)

    def _on_question_points(self, content: str, number: int, column: int) -> None:
        if "points" in self.pending:
            self.error(number, 1, "'Points:' given twice for the next question")
        else:
            self.pending["points"] = (content, number, column)

    def _on_question(self, content: str, number: int, column: int) -> None:
        self._close_question()
        question = _Question(line=number, text=content, meta=self.meta)
        self.meta = Metadata()
        if "title" in self.pending:
            question.title = self.pending["title"][0]
        points = self.pending.get("points")
        if points is None and self.group is not None:
            points = self.group[1]
        question.points = points
        self.pending = {}
        self.question = question

    def _pending_unused(self) -> None:
        first = min(self.pending.values(), key=lambda value: value[1])
        self.error(first[1], 1, "'Title:' or 'Points:' is not followed by a question")
        self.pending = {}

    def _current(self, what: str, number: int) -> _Question | None:
        """The question an answer or feedback line belongs to; an error if there is none."""
        if self.pending:
            self._pending_unused()
        if self.question is None:
            self.error(
                number,
                1,
                f"{what} has no question above it: a question starts with a number and a period ('1.  What …?')",
            )
            return None
        return self.question

    def _kind(self, question: _Question, kind: str, number: int) -> bool:
        if question.kind is None:
            question.kind = kind
            return True
        if question.kind != kind:
            self.error(
                number, 1, f"a {KIND_NAMES[question.kind]} question cannot also have a {KIND_NAMES[kind]} answer"
            )
        else:
            self.error(number, 1, f"{KIND_NAMES[kind]} answer given twice")
        question.broken = True
        return False

    def _add_choice(self, content: str, number: int, action: str) -> None:
        mark = self.lines[number - 1].split(None, 1)[0]
        question = self._current(f"choice '{mark}'", number)
        kind = CHOICE_KINDS[action]
        if question is None or (question.kind != kind and not self._kind(question, kind, number)):
            return
        paragraphs = [one_line(paragraph) for paragraph in re.split(r"\n[ \t]*\n", content) if paragraph.strip()]
        question.choices.append(_Choice(PARAGRAPH_BREAK.join(paragraphs), action.startswith("correct"), number))

    def _on_correct_choice(self, content: str, number: int, column: int) -> None:
        self._add_choice(content, number, "correct_choice")

    def _on_choice(self, content: str, number: int, column: int) -> None:
        self._add_choice(content, number, "choice")

    def _on_correct_multi(self, content: str, number: int, column: int) -> None:
        self._add_choice(content, number, "correct_multi")

    def _on_multi(self, content: str, number: int, column: int) -> None:
        self._add_choice(content, number, "multi")

    def _on_short(self, content: str, number: int, column: int) -> None:
        question = self._current("short answer '*'", number)
        if question is None:
            return
        if question.kind != "short" and not self._kind(question, "short", number):
            return
        question.answers.append(content)

    def _on_numerical(self, content: str, number: int, column: int) -> None:
        question = self._current("numerical answer '='", number)
        if question is None or not self._kind(question, "numerical", number):
            return
        question.numeric = self._number(content, number, column)
        if question.numeric is None:
            question.broken = True

    def _on_essay(self, content: str, number: int, column: int) -> None:
        question = self._current("essay response '____'", number)
        if question is not None:
            self._kind(question, "essay", number)

    def _on_upload(self, content: str, number: int, column: int) -> None:
        question = self._current("file-upload response '^^^^'", number)
        if question is not None:
            self._kind(question, "upload", number)

    def _on_feedback(self, content: str, number: int, column: int) -> None:
        question = self._current("feedback '...'", number)
        if question is None:
            return
        if question.choices:
            if question.kind == "short":
                self.error(number, 1, "feedback cannot be given for one short answer, only for the question")
                question.broken = True
            elif question.choices[-1].feedback:
                self.error(number, 1, "feedback given twice for one choice")
                question.broken = True
            else:
                question.choices[-1].feedback = content
        elif question.kind is not None:
            self.error(number, 1, "the question's feedback '...' goes straight after its text, before its answers")
            question.broken = True
        elif question.feedback:
            self.error(number, 1, "feedback '...' given twice for one question")
            question.broken = True
        else:
            question.feedback = content

    def _on_correct_feedback(self, content: str, number: int, column: int) -> None:
        self._question_feedback("correct_feedback", "+", content, number)

    def _on_incorrect_feedback(self, content: str, number: int, column: int) -> None:
        self._question_feedback("incorrect_feedback", "-", content, number)

    def _on_solution(self, content: str, number: int, column: int) -> None:
        self._question_feedback("solution", "!", content, number)

    def _question_feedback(self, name: str, mark: str, content: str, number: int) -> None:
        question = self._current(f"'{mark}' feedback", number)
        if question is None:
            return
        if question.kind is not None:
            self.error(number, 1, f"'{mark}' goes straight after the question's text, before its answers")
            question.broken = True
        elif getattr(question, name) is not None:
            self.error(number, 1, f"'{mark}' given twice for one question")
            question.broken = True
        else:
            setattr(question, name, (content, number))

    def _number(self, text: str, number: int, column: int) -> dict[str, float] | None:
        """Read `v`, `v +- margin`, `v +- p%` or `[min, max]` (text2qti's numerical answers)."""
        text = text.strip()

        def value(part: str) -> float | None:
            part = part.strip()
            return read_number(part.replace("_", "")) if re.fullmatch(r"[^_]+(?:_[0-9]+)*", part) else None

        if text.startswith("["):
            low, comma, high = text[1:-1].partition(",") if text.endswith("]") else ("", "", "")
            low_value, high_value = value(low), value(high)
            if not comma or low_value is None or high_value is None:
                self.error(
                    number, column, f"numeric answer must be a number or a range: found '{text}' ({NUMERIC_FORMS})"
                )
                return None
            if low_value > high_value:
                self.error(number, column, f"the range '{text}' starts above its end")
                return None
            return {"minimum": low_value, "maximum": high_value}
        if "+-" in text:
            answer_text, _, margin_text = text.partition("+-")
            margin_text = margin_text.strip()
            percent = margin_text.endswith("%")
            answer, margin = value(answer_text), value(margin_text.rstrip("%"))
            if answer is None or margin is None:
                self.error(number, column, f"numeric answer must be a number, found '{text}' ({NUMERIC_FORMS})")
                return None
            if margin < 0:
                self.error(number, column, f"the margin of '{text}' must be 0 or more")
                return None
            return {"answer": answer, "tolerance": abs(answer) * margin / 100 if percent else margin}
        answer = value(text)
        if answer is None:
            self.error(number, column, f"numeric answer must be a number, found '{text}' ({NUMERIC_FORMS})")
            return None
        return {"answer": answer, "tolerance": 0.0}

    # -- a question is complete ------------------------------------------------------------------

    def _close_question(self) -> None:
        question, self.question = self.question, None
        if question is None or question.broken:
            if question is not None:
                self.count += 1
            return
        line = question.line
        if question.kind is None:
            self.count += 1
            self.error(
                line,
                1,
                "question has no answers: add choices 'a)' / '*b)', '[ ]' / '[*]', short answers '*', "
                "a numerical answer '=' or an essay line '____'",
            )
            return
        if question.kind == "upload":
            self.count += 1
            self.warn(line, 1, "a file-upload question has no equivalent: not imported")
            return
        draft = Draft(
            line=line,
            type="",
            prompt=question.text,
            title=question.title,
            explanation=question.feedback,
            points=question.points,
            meta=question.meta,
        )
        if question.solution is not None:
            solution, solution_line = question.solution
            if question.kind == "essay":
                draft.rubric = solution
            elif not draft.explanation:
                draft.explanation = solution
            else:
                self.warn(
                    solution_line,
                    1,
                    "the solution '!' is not imported: the question's '...' feedback is its explanation",
                )
        if not getattr(self, f"_spec_{question.kind}")(question, draft):
            self.count += 1
            return
        self._question_level_feedback(question, draft)
        texts = [
            question.text,
            question.feedback,
            *(c.text for c in question.choices),
            *(c.feedback for c in question.choices),
        ]
        if any(MATH_RE.search(text) for text in texts):
            self.warn(
                line,
                1,
                "LaTeX math ('$…$') and siunitx macros are kept as text here, where text2qti shows images of the "
                "formulas",
            )
        self.finish(draft)

    def _spec_mctf(self, question: _Question, draft: Draft) -> bool:
        choices = question.choices
        right = sum(choice.correct for choice in choices)
        labels = sorted(choice.text.lower() for choice in choices)
        if (
            len(choices) == 2
            and labels == ["false", "true"]
            and all(choice.text in ("true", "True", "false", "False") for choice in choices)
        ):
            if right != 1:
                self.error(question.line, 1, "a true/false question has one correct choice, marked '*'")
                return False
            true, false = sorted(choices, key=lambda choice: choice.text.lower() != "true")
            draft.type = "truefalse"
            draft.spec["choices"] = (
                Choice("a", "True", true.correct, true.feedback),
                Choice("b", "False", false.correct, false.feedback),
            )
            return True
        if right == 0:
            self.error(question.line, 1, "no correct choice: mark it with '*', e.g. '*c)'")
            return False
        if right > 1:
            self.error(
                question.line,
                1,
                f"{right} choices are marked correct: a multiple-choice question has one "
                "(use '[*]' and '[ ]' for a multiple-answers question)",
            )
            return False
        draft.type = "single"
        draft.spec["choices"] = self._choices(choices)
        return True

    def _spec_multans(self, question: _Question, draft: Draft) -> bool:
        if not any(choice.correct for choice in question.choices):
            self.error(question.line, 1, "no correct choice: mark the right ones '[*]'")
            return False
        draft.type = "multiple"
        draft.spec["choices"] = self._choices(question.choices)
        return True

    @staticmethod
    def _choices(choices: list[_Choice]) -> tuple[Choice, ...]:
        return tuple(Choice(choice_id(n), c.text, c.correct, c.feedback) for n, c in enumerate(choices))

    def _spec_short(self, question: _Question, draft: Draft) -> bool:
        draft.type = "short"
        draft.spec["answers"] = tuple(question.answers)
        return True

    def _spec_numerical(self, question: _Question, draft: Draft) -> bool:
        draft.type = "numeric"
        assert question.numeric is not None, "a question whose numeric answer did not read is broken, never built"
        draft.spec.update(question.numeric)
        return True

    def _spec_essay(self, question: _Question, draft: Draft) -> bool:
        draft.type = "essay"
        return True

    def _question_level_feedback(self, question: _Question, draft: Draft) -> None:
        """Give '+' and '-' feedback to the right and wrong choices; elsewhere it has no equivalent."""
        for given, correct in ((question.correct_feedback, True), (question.incorrect_feedback, False)):
            if given is None:
                continue
            text, number = given
            mark = "+" if correct else "-"
            if "choices" not in draft.spec:
                self.warn(number, 1, f"'{mark}' feedback has no equivalent for {draft.type} questions: not imported")
                continue
            draft.spec["choices"] = tuple(
                Choice(c.id, c.text, c.correct, "\n\n".join(filter(None, (c.feedback, text))))
                if c.correct == correct
                else c
                for c in draft.spec["choices"]
            )
            if draft.type == "multiple":
                which = "right" if correct else "wrong"
                self.warn(number, 1, f"'{mark}' feedback is shown here as the feedback of each {which} choice")
