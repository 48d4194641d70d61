"""Account forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from studyapp.core.moments import zone_names
from studyapp.domain.passwords import MAX_LENGTH, MIN_LENGTH, TOO_SHORT, password_problem
from studyapp.models import Role


def not_guessable(form, field) -> None:
    """Refuse a password that is common, built from the account's email or name or the site's name, or a
    run of repeated or consecutive characters (NIST SP 800-63B, 5.1.1.2); the message names the rule.

    The email and name come from the form's own fields (sign-up, the admin's form) or, when changing a
    password, from the account the form was made for.
    """
    if not field.data:
        return
    email = form.email.data if "email" in form else getattr(form, "account_email", "")
    name = form.display_name.data if "display_name" in form else getattr(form, "account_name", "")
    problem = password_problem(field.data, email=email or "", name=name or "")
    if problem and problem != TOO_SHORT:  # the length is Length's to report
        raise ValidationError(problem)


PASSWORD_RULES = [DataRequired(), Length(min=MIN_LENGTH, max=MAX_LENGTH, message=TOO_SHORT), not_guessable]


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
    def __init__(self, *args, account_email: str = "", account_name: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.account_email = account_email
        self.account_name = account_name

    current = PasswordField("Current password", validators=[DataRequired(), Length(max=256)])
    password = PasswordField("New password", validators=PASSWORD_RULES)
    confirm = PasswordField(
        "Repeat the new password", validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")]
    )


#: The choice of no zone of one's own.
NO_ZONE = ""


def zone_choices() -> list[SelectChoice]:
    """No zone of one's own, then every zone one may choose, by its IANA name."""
    return [SelectChoice(NO_ZONE, "None chosen: a class's own zone on its pages, else UTC")] + [
        SelectChoice(name, name) for name in zone_names()
    ]


class TimeZoneForm(FlaskForm):
    #: Validated against the zone database's names (a name not in the list is refused).
    time_zone = SelectField("Your time zone", choices=zone_choices, validate_choice=True)


class CreateUserForm(FlaskForm):
    display_name = StringField("Name", validators=[DataRequired(), Length(max=100)])
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField(
        "Role",
        choices=[SelectChoice(role.value, role.value.title()) for role in (Role.INSTRUCTOR, Role.ADMIN, Role.STUDENT)],
        default=Role.INSTRUCTOR.value,
    )
    password = PasswordField("Initial password", validators=PASSWORD_RULES)


def stripped(value):
    """Drop the spaces around a typed value (an email pasted with a trailing space is still the email)."""
    return value.strip() if isinstance(value, str) else value


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email", filters=[stripped], validators=[DataRequired(), Email(), Length(max=254)])


class ResetWithCodeForm(FlaskForm):
    email = EmailField("Email", filters=[stripped], validators=[DataRequired(), Email(), Length(max=254)])
    code = StringField("Reset code", validators=[DataRequired(), Length(max=40)])
    password = PasswordField("New password", validators=PASSWORD_RULES)
    confirm = PasswordField(
        "Repeat the new password", validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")]
    )


class ResetWithLinkForm(FlaskForm):
    def __init__(self, *args, account_email: str = "", account_name: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.account_email = account_email
        self.account_name = account_name

    password = PasswordField("New password", validators=PASSWORD_RULES)
    confirm = PasswordField(
        "Repeat the new password", validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")]
    )


class IssueResetCodeForm(FlaskForm):
    """The button that issues a reset code: its CSRF token is its only field."""
