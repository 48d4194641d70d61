"""Forms of the authoring pages: the question editor, banks, uploads and the quiz builder."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FieldList,
    FloatField,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from studyapp.core.markdown import LIMITS
from studyapp.core.numbers import plain_number
from studyapp.core.qformat import DIFFICULTIES, TYPES, is_slug
from studyapp.core.qformat.gift import DEFAULT_DIFFICULTY
from studyapp.core.qformat.quizdef import GRADINGS, LAYOUTS, REVIEWS, SLOT_POINTS

#: The editor holds one question: far below the 1 MB a bank file may reach.
MAX_SOURCE_CHARS = 100_000
MAX_RULES = 10
GRADING_LABELS = {"highest": "The highest attempt", "latest": "The latest attempt", "average": "The average of all"}
REVIEW_LABELS = {
    "after_submit": "Right after submitting",
    "after_close": "After the quiz closes",
    "never": "Never",
}
LAYOUT_LABELS = {"one_page": "All questions on one page", "one_per_page": "One question per page"}


class QuestionForm(FlaskForm):
    """One question in the Markdown format; `base` is the version the author started from."""

    source = TextAreaField(
        "Question in Markdown",
        validators=[
            DataRequired(message="Write the question first."),
            Length(max=MAX_SOURCE_CHARS, message=f"A question is limited to {MAX_SOURCE_CHARS:,} characters."),
        ],
    )
    bank = SelectField("Bank", choices=[], validate_choice=False)
    base = HiddenField()


class BankForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("Description (Markdown, optional)", validators=[Optional(), Length(max=5000)])


UPLOAD_FORMATS = [("md", "Our Markdown format (.md)"), ("gift", "Moodle GIFT (.gift)"), ("text2qti", "text2qti (.txt)")]


#: What a foreign file's question gets when neither its tags nor the form name a theme or passage.
NOT_FILED = "Not filed yet (file it later in the bank)"
MAX_TAG_LINES = 50


def tag_theme_pairs(text: str) -> list[tuple[str, str]]:
    """Read `tag = theme-id` lines (blank lines skipped); ValueError names the first line that is not one."""
    pairs = []
    for number, line in enumerate((text or "").splitlines(), 1):
        if not line.strip():
            continue
        tag, equals, theme = line.rpartition("=")
        if not equals or not tag.strip() or not is_slug(theme.strip()):
            raise ValueError(f"Line {number}: write a tag, '=' and a theme's id, e.g. 'Week 3 = linkage'.")
        pairs.append((tag.strip(), theme.strip()))
    return pairs


class UploadForm(FlaskForm):
    file = FileField("Bank file (UTF-8, at most 1 MB)", validators=[FileRequired("Choose a file.")])
    format = SelectField("Format", choices=[SelectChoice(v, label) for v, label in UPLOAD_FORMATS], default="md")
    default_theme = SelectField("Theme for questions whose tags name none", choices=[], default="")
    default_passage = SelectField("Passage for questions that name none", choices=[], default="")
    default_difficulty = SelectField(
        "Difficulty for questions that give none",
        default="",
        choices=[SelectChoice("", f"Not given: {DEFAULT_DIFFICULTY}, with a warning")]
        + [SelectChoice(str(n), str(n)) for n in (1, 2, 3)],
    )
    tag_themes = TextAreaField(
        "Tags to file under a theme (optional)",
        validators=[Optional(), Length(max=5000)],
        render_kw={"rows": 3},
    )
    retire_missing = BooleanField("Retire the questions of this bank that the file no longer holds")

    def validate_tag_themes(self, field: TextAreaField) -> None:
        try:
            pairs = tag_theme_pairs(field.data or "")
        except ValueError as error:
            raise ValidationError(str(error)) from error
        if len(pairs) > MAX_TAG_LINES:
            raise ValidationError(f"At most {MAX_TAG_LINES} tags.")
        known = {choice.value for choice in self.default_theme.choices if choice.value}
        unknown = [theme for _, theme in pairs if theme not in known]
        if unknown:
            raise ValidationError(f"No theme has the id '{unknown[0]}'.")

    def defaults(self) -> dict:
        """The defaults as plain data (they matter only for GIFT and text2qti files)."""
        return {
            "format": self.format.data,
            "theme": self.default_theme.data or "",
            "passage": self.default_passage.data or "",
            "difficulty": self.default_difficulty.data or "",
            "tag_themes": self.tag_themes.data or "",
        }


class ConfirmUploadForm(FlaskForm):
    """The upload again, to import after its preview: checked again from scratch, never trusted."""

    draft = HiddenField(validators=[DataRequired()])
    filename = HiddenField(validators=[DataRequired(), Length(max=255)])
    retire_missing = HiddenField()
    format = HiddenField()
    theme = HiddenField()
    passage = HiddenField()
    difficulty = HiddenField()
    tag_themes = HiddenField()


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PointsField(FloatField):
    """A number of points, shown as written ("1", "2.5"; never "1.0")."""

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return plain_number(self.data) if self.data is not None else ""


class DrawRuleForm(Form):
    """One draw rule; a rule with no count is left out."""

    themes = SelectMultipleField("Themes (any of)", choices=[])
    types = SelectMultipleField("Types (any of)", choices=[SelectChoice(t, t) for t in TYPES])
    difficulty = MultiCheckboxField("Difficulty", choices=[SelectChoice(d, str(d)) for d in DIFFICULTIES], coerce=int)
    count = IntegerField("How many questions", validators=[Optional(), NumberRange(min=1, max=200)])
    points = PointsField(
        "Points for each (empty: 1)",
        validators=[Optional(), NumberRange(min=0.01, max=1_000_000, message="Give a number from 0.01 to 1,000,000.")],
        render_kw={"inputmode": "decimal"},
    )


class QuizForm(FlaskForm):
    """A quiz: a fixed list of question ids or draw rules, and the settings attempts run under."""

    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    slug = StringField("Id", validators=[Optional(), Length(max=100)])
    description = TextAreaField(
        "Introduction (Markdown, shown before the quiz starts)",
        validators=[
            Optional(),
            Length(
                max=LIMITS.chars,
                message=f"An introduction is limited to {LIMITS.chars:,} characters, as any Markdown text is.",
            ),
        ],
    )
    mode = RadioField(
        "Questions",
        choices=[SelectChoice("fixed", "A fixed list of questions"), SelectChoice("draw", "Drawn at random by rules")],
        default="fixed",
    )
    questions = TextAreaField("Question ids, one per line, in order", validators=[Optional(), Length(max=20_000)])
    rules = FieldList(FormField(DrawRuleForm), min_entries=3, max_entries=MAX_RULES)
    shuffle_questions = BooleanField("Shuffle the questions", default=True)
    shuffle_choices = BooleanField("Shuffle the choices", default=True)
    time_limit_minutes = IntegerField(
        "Time limit in minutes (empty: none)", validators=[Optional(), NumberRange(min=1, max=600)]
    )
    max_attempts = IntegerField(
        "Attempts allowed (empty: unlimited)", validators=[Optional(), NumberRange(min=1, max=100)]
    )
    grading = SelectField("Which attempt counts", choices=[SelectChoice(g, GRADING_LABELS[g]) for g in GRADINGS])
    review = SelectField(
        "Students see their answers and the explanations", choices=[SelectChoice(r, REVIEW_LABELS[r]) for r in REVIEWS]
    )
    layout = SelectField("Layout", choices=[SelectChoice(lay, LAYOUT_LABELS[lay]) for lay in LAYOUTS])
    opens_at = DateTimeLocalField("Opens (UTC, optional)", format="%Y-%m-%dT%H:%M", validators=[Optional()])
    closes_at = DateTimeLocalField("Closes (UTC, optional)", format="%Y-%m-%dT%H:%M", validators=[Optional()])

    def question_keys(self) -> list[str]:
        """The ids typed in the list, in order (commas and spaces also separate them)."""
        return [part for part in (self.questions.data or "").replace(",", " ").split() if part]

    def validate_slug(self, field) -> None:
        if field.data and not is_slug(field.data.strip()):
            raise ValidationError("Use lowercase letters, digits and hyphens, e.g. 'linkage-check'.")

    def validate_questions(self, field) -> None:
        if self.mode.data != "fixed":
            return
        keys = self.question_keys()
        if not keys:
            raise ValidationError("List at least one question id.")
        bad = [key for key in keys if not is_slug(key)]
        if bad:
            raise ValidationError(f"Not a question id: {', '.join(bad[:5])}.")
        twice = sorted({key for key in keys if keys.count(key) > 1})
        if twice:
            raise ValidationError(f"Listed twice: {', '.join(twice[:5])}.")

    def validate_closes_at(self, field) -> None:
        if field.data and self.opens_at.data and field.data <= self.opens_at.data:
            raise ValidationError("The quiz must close after it opens.")

    def drawn_rules(self) -> list[dict]:
        """The rules with a count, as plain data."""
        return [
            {
                "themes": rule.themes.data or [],
                "types": rule.types.data or [],
                "difficulty": rule.difficulty.data or [],
                "count": rule.count.data,
                "points": rule.points.data if rule.points.data is not None else SLOT_POINTS,
            }
            for rule in self.rules
            if rule.count.data
        ]

    def utc(self, field) -> datetime | None:
        """A datetime-local value, read as UTC."""
        return field.data.replace(tzinfo=UTC) if field.data else None


_HEAD = """## new-question
type: {type}
themes: linkage
passages: memo-linkage
difficulty: 2{fields}

"""
_EXPLANATION = """

### Explanation
Say where the answer is: quote the words of the passage that settle it.
"""
_BODIES = {
    "single": (
        "",
        "Write the question here.\n\n### Choices\n- [x] The right answer\n  > Feedback shown at review"
        " (optional).\n- [ ] A wrong answer\n- [ ] Another wrong answer",
    ),
    "multiple": (
        "",
        "Write the question here. (Select all that apply.)\n\n### Choices\n- [x] A right answer\n"
        "- [x] Another right answer\n- [ ] A wrong answer",
    ),
    "truefalse": ("", "True or false: write the statement here.\n\n### Choices\n- [x] True\n- [ ] False"),
    "short": (
        "\nmatch: normalized",
        "Write the question here.\n\n### Answers\n- the accepted answer\n- another accepted spelling",
    ),
    "numeric": ("\nanswer: 1981\ntolerance: 0", "Write the question here: the answer is a number."),
    "ordering": ("", "Put these in order, earliest first.\n\n### Order\n1. The first\n2. The second\n3. The third"),
    "matching": (
        "",
        "Match each item with its partner.\n\n### Pairs\n- First => its partner\n"
        "- Second => its partner too\n- Third => a third partner\n- => a partner that matches nothing",
    ),
    "cloze": ("", "Fill in the blank: Haig replied that linkage was a {{fact of life}}."),
    "essay": ("", "Write the essay question here.\n\n### Rubric\n- What a full answer does.\n- What it quotes."),
    "evidence": (
        "\nevidence-passage: memo-linkage",
        "Which sentence states Haig's own reply on linkage?\n\n### Evidence\n- I replied that linkage was a"
        " fact of life, and that we could not sit by while the Soviets and Cubans continued to pump arms"
        " into Nicaragua as if these Russian activities were of no importance to us.",
    ),
}
#: A valid question of each type to start from: the editor opens with one.
STARTERS = {
    kind: _HEAD.format(type=kind, fields=fields) + body + _EXPLANATION for kind, (fields, body) in _BODIES.items()
}
