"""Sign up, log in, log out, change password, and the admin's user list."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from studyapp.auth.forms import ChangePasswordForm, CreateUserForm, LoginForm, SignupForm
from studyapp.domain import accounts as services
from studyapp.domain import classes as classes
from studyapp.extensions import limiter
from studyapp.models import Role
from studyapp.web.access import admin_required, safe_next

bp = Blueprint("auth", __name__, template_folder="templates")


def _account_key() -> str:
    return "login-account:" + services.normalize_email(request.form.get("email", ""))


def _login_failed(_response) -> bool:
    return bool(g.get("login_failed"))


def _limit(name: str):
    return current_app.config[name]


def _start_session(user) -> None:
    """Drop whatever the old session held, then sign the user in."""
    session.clear()
    session.permanent = True
    login_user(user)


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(lambda: _limit("SIGNUP_LIMIT"), methods=["POST"])
def signup():
    """Create a student account and sign it in."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = SignupForm()
    if request.method == "GET" and request.args.get("join_code"):
        form.join_code.data = request.args["join_code"][:32]
    if form.validate_on_submit():
        try:
            user = classes.sign_up(
                email=form.email.data,
                display_name=form.display_name.data,
                password=form.password.data,
                join_code=form.join_code.data or "",
            )
        except classes.JoinError as exc:
            form.join_code.errors.append(exc.message)
        except services.AccountError as exc:
            form.email.errors.append(exc.message)
        else:
            _start_session(user)
            flash(f"Welcome, {user.display_name}. Your account is ready.", "success")
            return redirect(url_for("main.index"))
    return render_template("auth/signup.html", form=form), 200 if not form.errors else 422


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: _limit("LOGIN_LIMIT_ADDRESS"), methods=["POST"], deduct_when=_login_failed)
@limiter.limit(
    lambda: _limit("LOGIN_LIMIT_ACCOUNT"), key_func=_account_key, methods=["POST"], deduct_when=_login_failed
)
def login():
    """Sign in with email and password; one message for every failure."""
    form = LoginForm()
    next_url = safe_next(request.args.get("next"))
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            g.login_failed = True
            form.form_errors.append("That email and password do not match an account.")
        else:
            _start_session(user)
            return redirect(next_url or url_for("main.index"))
    status = 401 if g.get("login_failed") else 200
    return render_template("auth/login.html", form=form, next_url=next_url), status


@bp.post("/logout")
@login_required
def logout():
    """End this session and invalidate every cookie issued to this account."""
    current_user.revoke_sessions()
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("main.index"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """Show the account and change its password."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current.data, form.password.data)
        except services.AccountError as exc:
            form.current.errors.append(exc.message)
        else:
            _start_session(current_user._get_current_object())
            flash("Your password is changed. Other sessions are signed out.", "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form), 200 if not form.errors else 422


@bp.route("/admin/users", methods=["GET", "POST"])
@admin_required
def users():
    """List accounts and create instructors (or other admins)."""
    form = CreateUserForm()
    if form.validate_on_submit():
        try:
            user = services.create_user(
                email=form.email.data,
                display_name=form.display_name.data,
                password=form.password.data,
                role=Role(form.role.data),
            )
        except services.AccountError as exc:
            form.email.errors.append(exc.message)
        else:
            flash(f"Created {user.role.value} account {user.email}.", "success")
            return redirect(url_for("auth.users"))
    return render_template("auth/users.html", form=form, users=services.list_users()), 200 if not form.errors else 422
