"""Class forms: the class, joining, the roster, co-instructors and assignments."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateTimeLocalField, EmailField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from studyapp.core.moments import DEFAULT_ZONE, NonexistentTime, moment_text, to_local, to_utc, zone, zone_names

#: "" means "as the quiz says" in every override field.
DEFAULT = ""
AS_THE_QUIZ = SelectChoice(DEFAULT, "As the quiz says")
YES_NO = [AS_THE_QUIZ, SelectChoice("yes", "Yes"), SelectChoice("no", "No")]
GRADING = [
    AS_THE_QUIZ,
    SelectChoice("highest", "Highest attempt"),
    SelectChoice("latest", "Latest attempt"),
    SelectChoice("average", "Average of the attempts"),
]
REVIEW = [
    AS_THE_QUIZ,
    SelectChoice("after_submit", "Right after submitting"),
    SelectChoice("after_close", "After the closing time"),
    SelectChoice("never", "Never"),
]
LAYOUT = [
    AS_THE_QUIZ,
    SelectChoice("one_page", "All questions on one page"),
    SelectChoice("one_per_page", "One question per page"),
]


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class ClassForm(FlaskForm):
    name = StringField("Class name", validators=[DataRequired(), Length(max=200)])
    term = StringField("Term", validators=[Optional(), Length(max=100)])
    sections = TextAreaField("Sections", validators=[Optional(), Length(max=5000)])


def zone_choices() -> list[SelectChoice]:
    """Every zone one may choose, by its IANA name."""
    return [SelectChoice(name, name) for name in zone_names()]


class EditClassForm(FlaskForm):
    name = StringField("Class name", validators=[DataRequired(), Length(max=200)])
    term = StringField("Term", validators=[Optional(), Length(max=100)])
    #: Validated against the zone database's names (a name not in the list is refused).
    time_zone = SelectField("Time zone", choices=zone_choices, default=DEFAULT_ZONE, validate_choice=True)


class SectionForm(FlaskForm):
    section = StringField("New section", validators=[DataRequired(), Length(max=100)])


class JoinForm(FlaskForm):
    code = StringField("Join code", validators=[DataRequired(), Length(max=32)])


class CoInstructorForm(FlaskForm):
    email = EmailField("Instructor's email", validators=[DataRequired(), Email(), Length(max=254)])


class RosterUploadForm(FlaskForm):
    roster = FileField("Roster file (CSV)", validators=[FileRequired("Choose a CSV file to upload.")])


class RosterConfirmForm(FlaskForm):
    #: The checked file's text, sent back with the confirmation and checked again.
    roster_text = HiddenField(validators=[DataRequired()])


class AssignmentForm(FlaskForm):
    """An assignment's dates, typed on the clock of `zone` (the zone that applies: see
    `studyapp.web.formatting.zone_name_for`), and its overrides of the quiz's settings."""

    def __init__(self, *args, time_zone: ZoneInfo | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.zone = time_zone or zone(DEFAULT_ZONE)
        self.opens_at.label.text = f"Opens ({self.zone.key})"
        self.closes_at.label.text = f"Closes ({self.zone.key})"

    quiz = SelectField("Quiz", coerce=int, validate_choice=True)
    opens_at = DateTimeLocalField("Opens", format="%Y-%m-%dT%H:%M", validators=[Optional()])
    closes_at = DateTimeLocalField("Closes", format="%Y-%m-%dT%H:%M", validators=[Optional()])
    time_limit_minutes = IntegerField("Time limit in minutes", validators=[Optional(), NumberRange(0, 600)])
    max_attempts = IntegerField("Attempts allowed", validators=[Optional(), NumberRange(1, 100)])
    grading = SelectField("Grade from", choices=GRADING)
    review = SelectField("Students see their answers and scores", choices=REVIEW)
    layout = SelectField("Layout", choices=LAYOUT)
    shuffle_questions = SelectField("Shuffle the questions", choices=YES_NO)
    shuffle_choices = SelectField("Shuffle the choices", choices=YES_NO)

    def validate_opens_at(self, field) -> None:
        self._exists(field)

    def validate_closes_at(self, field) -> None:
        self._exists(field)

    def _exists(self, field) -> None:
        """Refuse a time the zone skips (summer time starting); an ambiguous one is its first occurrence."""
        if field.data is not None:
            try:
                to_utc(field.data, self.zone)
            except NonexistentTime as exc:
                raise ValidationError(str(exc)) from exc

    def values(self) -> dict:
        """The assignment's columns: dates in UTC, None wherever the quiz's own setting applies."""

        def when(field):
            return to_utc(field.data, self.zone) if field.data else None

        def flag(field):
            return None if field.data == DEFAULT else field.data == "yes"

        return {
            "opens_at": when(self.opens_at),
            "closes_at": when(self.closes_at),
            "time_limit_minutes": self.time_limit_minutes.data,
            "max_attempts": self.max_attempts.data,
            "grading": self.grading.data or None,
            "review": self.review.data or None,
            "layout": self.layout.data or None,
            "shuffle_questions": flag(self.shuffle_questions),
            "shuffle_choices": flag(self.shuffle_choices),
        }

    def fill(self, assignment) -> None:
        """Show an assignment's current values."""
        self.quiz.data = assignment.quiz_id
        for name in ("opens_at", "closes_at"):
            value = getattr(assignment, name)
            getattr(self, name).data = to_local(value, self.zone) if value else None
        self.time_limit_minutes.data = assignment.time_limit_minutes
        self.max_attempts.data = assignment.max_attempts
        for name in ("grading", "review", "layout"):
            getattr(self, name).data = getattr(assignment, name) or DEFAULT
        for name in ("shuffle_questions", "shuffle_choices"):
            value = getattr(assignment, name)
            getattr(self, name).data = DEFAULT if value is None else ("yes" if value else "no")


def _label(choices: list[SelectChoice], value) -> str:
    return next((choice.label for choice in choices if choice.value == value), str(value))


def as_the_quiz(settings, where: ZoneInfo) -> dict[str, str]:
    """What "As the quiz says" means for each field of `AssignmentForm`, given a quiz's own settings
    (`studyapp.domain.quizzes.settings_for(quiz)`): "25 minutes", "Highest attempt", "No closing time"."""
    minutes, attempts = settings.time_limit_minutes, settings.max_attempts
    return {
        "opens_at": moment_text(settings.opens_at, where) if settings.opens_at else "No opening time",
        "closes_at": moment_text(settings.closes_at, where) if settings.closes_at else "No closing time",
        "time_limit_minutes": f"{minutes} minute{'' if minutes == 1 else 's'}" if minutes else "No time limit",
        "max_attempts": f"{attempts} attempt{'' if attempts == 1 else 's'}" if attempts else "Unlimited attempts",
        "grading": _label(GRADING, settings.grading),
        "review": _label(REVIEW, settings.review),
        "layout": _label(LAYOUT, settings.layout),
        "shuffle_questions": "Yes" if settings.shuffle_questions else "No",
        "shuffle_choices": "Yes" if settings.shuffle_choices else "No",
    }
