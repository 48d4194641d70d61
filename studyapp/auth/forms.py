"""Account forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length

from studyapp.models import Role

PASSWORD_RULES = [DataRequired(), Length(min=8, max=256, message="Use at least 8 characters (at most 256).")]


class SignupForm(FlaskForm):
    display_name = StringField("Your name", validators=[DataRequired(), Length(max=100)])
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField("Password", validators=PASSWORD_RULES)
    confirm = PasswordField(
        "Repeat the password", validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")]
    )


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
