"""Class forms: the class, joining, the roster, co-instructors and assignments."""

from __future__ import annotations

from datetime import UTC

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateTimeLocalField, EmailField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

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


class EditClassForm(FlaskForm):
    name = StringField("Class name", validators=[DataRequired(), Length(max=200)])
    term = StringField("Term", validators=[Optional(), Length(max=100)])


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
    quiz = SelectField("Quiz", coerce=int, validate_choice=True)
    opens_at = DateTimeLocalField("Opens (UTC)", format="%Y-%m-%dT%H:%M", validators=[Optional()])
    closes_at = DateTimeLocalField("Closes (UTC)", format="%Y-%m-%dT%H:%M", validators=[Optional()])
    time_limit_minutes = IntegerField("Time limit in minutes", validators=[Optional(), NumberRange(0, 600)])
    max_attempts = IntegerField("Attempts allowed", validators=[Optional(), NumberRange(1, 100)])
    grading = SelectField("Grade from", choices=GRADING)
    review = SelectField("Students see their answers and scores", choices=REVIEW)
    layout = SelectField("Layout", choices=LAYOUT)
    shuffle_questions = SelectField("Shuffle the questions", choices=YES_NO)
    shuffle_choices = SelectField("Shuffle the choices", choices=YES_NO)

    def values(self) -> dict:
        """The assignment's columns: dates in UTC, None wherever the quiz's own setting applies."""

        def when(field):
            return field.data.replace(tzinfo=UTC) if field.data else None

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
            getattr(self, name).data = value.astimezone(UTC).replace(tzinfo=None) if value else None
        self.time_limit_minutes.data = assignment.time_limit_minutes
        self.max_attempts.data = assignment.max_attempts
        for name in ("grading", "review", "layout"):
            getattr(self, name).data = getattr(assignment, name) or DEFAULT
        for name in ("shuffle_questions", "shuffle_choices"):
            value = getattr(assignment, name)
            getattr(self, name).data = DEFAULT if value is None else ("yes" if value else "no")
