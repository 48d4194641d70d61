"""Account forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from studyapp.domain.passwords import MAX_LENGTH, MIN_LENGTH, TOO_COMMON, TOO_SHORT, password_problem
from studyapp.models import Role


def not_common(_form, field) -> None:
    """Refuse a password from the shipped list of common passwords (NIST SP 800-63B, 5.1.1.2)."""
    if field.data and password_problem(field.data) == TOO_COMMON:
        raise ValidationError(TOO_COMMON)


PASSWORD_RULES = [DataRequired(), Length(min=MIN_LENGTH, max=MAX_LENGTH, message=TOO_SHORT), not_common]


class SignupForm(FlaskForm):
    display_name = StringField("Your name", validators=[DataRequired(), Length(max=100)])
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField("Password", validators=PASSWORD_RULES)
    confirm = PasswordField(
        "Repeat the password", validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")]
    )
    join_code = StringField("Class join code (optional)", validators=[Optional(), Length(max=32)])


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])


class ChangePasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=256)])
    password = PasswordField("New password", validators=PASSWORD_RULES)
    confirm = PasswordField(
        "Repeat the new password", validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")]
    )


class CreateUserForm(FlaskForm):
    display_name = StringField("Name", validators=[DataRequired(), Length(max=100)])
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField(
        "Role",
        choices=[SelectChoice(role.value, role.value.title()) for role in (Role.INSTRUCTOR, Role.ADMIN, Role.STUDENT)],
        default=Role.INSTRUCTOR.value,
    )
    password = PasswordField("Initial password", validators=PASSWORD_RULES)
