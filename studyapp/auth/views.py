"""Sign up, log in, log out, change password, account recovery, and the admin's user list."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import timedelta
from email.message import EmailMessage

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, logout_user
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.wrappers import Response

from studyapp.auth.forms import (
    ChangePasswordForm,
    CreateUserForm,
    ForgotPasswordForm,
    IssueResetCodeForm,
    LoginForm,
    ResetWithCodeForm,
    ResetWithLinkForm,
    SignupForm,
    TimeZoneForm,
)
from studyapp.domain import accounts as services
from studyapp.domain import classes as classes
from studyapp.domain import recovery
from studyapp.extensions import limiter
from studyapp.models import Role
from studyapp.models.base import utcnow
from studyapp.web import mail
from studyapp.web.access import SIGNED_IN_AT, admin_required, safe_next, start_session

bp = Blueprint("auth", __name__, template_folder="templates")

#: A browser that has signed in to an account keeps this cookie (signed, sent to /login only), so that
#: other people's failed sign-ins never hold back the account's owner on a browser they have used before.
DEVICE_COOKIE = "signin_device"
#: How many accounts one browser remembers (a shared classroom computer signs in many).
DEVICE_ACCOUNTS = 20
#: The session key holding when the user signed in (seconds since the epoch).
SIGNED_UP = (
    "Your account is ready: sign in with your email and password. If this email already had an account, "
    "nothing was changed; sign in with that account's password (and enter any code on the Classes page)."
)


def _now() -> float:
    return time.time()


def _email() -> str:
    return services.normalize_email(request.form.get("email", ""))


def _account_key() -> str:
    """Failures for one account, from every browser that has not signed in to it before."""
    return "login-account:" + _email()


def _pair_key() -> str:
    """Failures for one account from one address (this person, or the people behind their router)."""
    return f"login-pair:{get_remote_address()}:{_email()}"


def _device_key() -> str:
    """Failures for one account from one browser that has signed in to it before."""
    device = _device()
    return f"login-device:{device['d'] if device else ''}:{_email()}"


def _login_failed(_response) -> bool:
    return bool(g.get("login_failed"))


def _password_failed(_response) -> bool:
    return bool(g.get("current_password_failed"))


def _limit(name: str):
    return current_app.config[name]


def _device_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(str(current_app.secret_key), salt="signin-device")


def _account_tag(email: str) -> str:
    """Name an account in the device cookie without writing its email there."""
    key = str(current_app.secret_key).encode()
    return hmac.new(key, b"signin-device:" + email.encode(), hashlib.sha256).hexdigest()[:24]


def _device() -> dict | None:
    """The browser's signed device cookie ({"d": token, "a": [account tags]}), or None."""
    if "device" not in g:
        value = request.cookies.get(DEVICE_COOKIE)
        device = None
        if value:
            try:
                loaded = _device_serializer().loads(value)
            except BadSignature:
                loaded = None
            if isinstance(loaded, dict) and isinstance(loaded.get("d"), str) and isinstance(loaded.get("a"), list):
                device = loaded
        g.device = device
    return g.device


def _known_browser() -> bool:
    """Whether this browser has signed in to the account named in the form before."""
    device = _device()
    return device is not None and _account_tag(_email()) in device["a"]


def _unknown_browser() -> bool:
    return not _known_browser()


def _remember_browser(response: Response, email: str) -> None:
    """Mark this browser as one the account has signed in from."""
    device = _device() or {"d": secrets.token_urlsafe(16), "a": []}
    tag = _account_tag(email)
    accounts = [tag] + [other for other in device["a"] if other != tag]
    response.set_cookie(
        DEVICE_COOKIE,
        _device_serializer().dumps({"d": device["d"], "a": accounts[:DEVICE_ACCOUNTS]}),
        max_age=int(timedelta(days=current_app.config["SIGNIN_DEVICE_DAYS"]).total_seconds()),
        path=url_for("auth.login"),
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )


def _start_session(user) -> None:
    """Drop whatever the old session held, then sign the user in."""
    start_session(user, _now())


@bp.before_app_request
def _end_expired_session() -> None:
    """A session lasts PERMANENT_SESSION_LIFETIME from sign-in, however often its cookie is sent again."""
    if "_user_id" not in session:
        return
    started = session.get(SIGNED_IN_AT)
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    now = _now()
    # A minute's grace before the start allows for clocks that differ between servers.
    if not isinstance(started, int) or not started - 60 <= now < started + lifetime:
        logout_user()
        session.clear()


def _signup_class() -> int | None:
    """The class a sign-up's code opens (a join code or a personal invitation code), or None without a valid one."""
    if "signup_class" not in g:
        try:
            class_, _ = classes.resolve_code(request.form.get("join_code", "")[:32])
        except classes.JoinError:
            g.signup_class = None
        else:
            g.signup_class = class_.id
    return g.signup_class


def _signup_class_key() -> str:
    return f"signup-class:{_signup_class()}:{get_remote_address()}"


@bp.route("/signup", methods=["GET", "POST"])
# Sign-ups with a valid code count per class and address, so that a class behind one school address joins
# together; any other sign-up counts per address (docs/classes.md, "Joining from one school address").
@limiter.limit(lambda: _limit("SIGNUP_LIMIT"), methods=["POST"], exempt_when=lambda: _signup_class() is not None)
@limiter.limit(
    lambda: _limit("SIGNUP_LIMIT_WITH_CODE"),
    key_func=_signup_class_key,
    methods=["POST"],
    exempt_when=lambda: _signup_class() is None,
)
def signup():
    """Create a student account, then send its owner to sign in (the same answer for a taken email)."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = SignupForm()
    if request.method == "GET" and request.args.get("join_code"):
        form.join_code.data = request.args["join_code"][:32]
    if form.validate_on_submit():
        try:
            classes.sign_up(
                email=form.email.data,
                display_name=form.display_name.data,
                password=form.password.data,
                join_code=form.join_code.data or "",
            )
        except classes.JoinError as exc:
            form.join_code.errors.append(exc.message)
        except services.EmailTaken:
            # The same answer as a new account, after the same work, and nothing changed: sign-up never
            # tells whether an email has an account. Its owner signs in with their own password.
            services.spend_sign_up_time(form.password.data)
            flash(SIGNED_UP, "success")
            return redirect(url_for("auth.login"))
        except services.AccountError as exc:
            form.email.errors.append(exc.message)
        else:
            flash(SIGNED_UP, "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/signup.html", form=form), 200 if not form.errors else 422


@bp.route("/login", methods=["GET", "POST"])
# Only failures count. A browser that has signed in to the account before is held back only by its own
# failures; any other is held back by failures for that account from its address, by failures for the
# account from everywhere, and by failures from its address. Each limit has several windows, so a
# guesser waits longer and longer.
@limiter.limit(
    lambda: _limit("LOGIN_LIMIT_DEVICE"),
    key_func=_device_key,
    methods=["POST"],
    deduct_when=_login_failed,
    exempt_when=_unknown_browser,
)
@limiter.limit(
    lambda: _limit("LOGIN_LIMIT_PAIR"),
    key_func=_pair_key,
    methods=["POST"],
    deduct_when=_login_failed,
    exempt_when=_known_browser,
)
@limiter.limit(
    lambda: _limit("LOGIN_LIMIT_ACCOUNT"),
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_login_failed,
    exempt_when=_known_browser,
)
@limiter.limit(
    lambda: _limit("LOGIN_LIMIT_ADDRESS"), methods=["POST"], deduct_when=_login_failed, exempt_when=_known_browser
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
            response = redirect(next_url or url_for("main.index"))
            _remember_browser(response, user.email)
            return response
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
    response = redirect(url_for("main.index"))
    # A shared classroom computer keeps nothing of this person's: the quiz pages the offline worker
    # cached and the answers kept on the device for a lost connection (docs/quizzes.md) go with the session.
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


def _password_check_key() -> str:
    """Count wrong current passwords per account, whatever the session or address."""
    return f"account-password:{getattr(current_user, 'id', None) or get_remote_address()}"


@bp.route("/account", methods=["GET", "POST"])
@login_required
@limiter.limit(
    lambda: _limit("ACCOUNT_PASSWORD_LIMIT"),
    key_func=_password_check_key,
    methods=["POST"],
    deduct_when=_password_failed,
)
def account():
    """Show the account; change its password or its time zone."""
    form = ChangePasswordForm(account_email=current_user.email, account_name=current_user.display_name)
    zone_form = TimeZoneForm(prefix="zone", data={"time_zone": current_user.time_zone or ""})
    if zone_form.time_zone.name in request.form:  # the time zone's form was sent, not the password's
        if zone_form.validate_on_submit():
            services.set_time_zone(current_user, zone_form.time_zone.data or None)
            flash("Your time zone is saved: pages show times on its clock.", "success")
            return redirect(url_for("auth.account"))
    elif form.validate_on_submit():
        try:
            services.change_password(current_user, form.current.data, form.password.data)
        except services.AccountError as exc:
            g.current_password_failed = True
            form.current.errors.append(exc.message)
        else:
            _start_session(current_user._get_current_object())
            flash("Your password is changed. Other sessions are signed out.", "success")
            return redirect(url_for("auth.account"))
    status = 422 if form.errors or zone_form.errors else 200
    return render_template("auth/account.html", form=form, zone_form=zone_form, now=utcnow()), status


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


# --- account recovery ------------------------------------------------------------------------------------------

#: The answer to every accepted request for a reset link, whether or not the email has an account.
LINK_SENT = "If an account has this email, a link is on its way; it works for {lifetime}."
PASSWORD_RESET = "Your new password is set, and every session of the account is signed out. Sign in with it."


def _code_lifetime() -> timedelta:
    return timedelta(hours=current_app.config["RESET_CODE_HOURS"])


def _link_lifetime() -> timedelta:
    return timedelta(minutes=current_app.config["RESET_LINK_MINUTES"])


def _reset_failed(_response) -> bool:
    return bool(g.get("reset_failed"))


def _reset_email_key() -> str:
    """Failed redemptions for one email, from every address."""
    return "reset-email:" + _email()


def _forgot_email_key() -> str:
    """Reset links asked for one email, from every address."""
    return "forgot-email:" + _email()


def _issuer_key() -> str:
    """Reset codes issued by one instructor or administrator."""
    return f"reset-issue:{getattr(current_user, 'id', None) or get_remote_address()}"


def _reset_link_mail(issued: recovery.Issued, lifetime: timedelta) -> EmailMessage:
    """The mail that carries a reset link."""
    body = render_template(
        "auth/reset_link_mail.txt",
        email=issued.user.email,
        link=mail.link("auth.reset_link", token=issued.secret),
        lifetime=recovery.lifetime_phrase(lifetime),
        forgot=mail.link("auth.forgot"),
    )
    return mail.message(issued.user.email, "Reset your studyapp password", body)


def _password_was_reset() -> Response:
    flash(PASSWORD_RESET, "success")
    return redirect(url_for("auth.login"))


@bp.route("/forgot", methods=["GET", "POST"])
# Every request counts: each may send a mail. Per email too, so that nobody fills someone's mailbox.
@limiter.limit(lambda: _limit("FORGOT_LIMIT_EMAIL"), key_func=_forgot_email_key, methods=["POST"])
@limiter.limit(lambda: _limit("FORGOT_LIMIT_ADDRESS"), methods=["POST"])
def forgot():
    """Ask for a reset link by mail (one answer for every email), or learn whom to ask for a reset code."""
    mail_on = mail.mail_enabled()
    lifetime = _link_lifetime()
    form = ForgotPasswordForm()
    if mail_on and form.validate_on_submit():
        issued = recovery.request_reset_link(form.email.data, lifetime=lifetime)
        if issued is not None:
            mail.send_after_commit(_reset_link_mail(issued, lifetime))
        flash(LINK_SENT.format(lifetime=recovery.lifetime_phrase(lifetime)), "info")
        return redirect(url_for("auth.login"))
    return render_template(
        "auth/forgot.html", form=form, mail_on=mail_on, lifetime=recovery.lifetime_phrase(lifetime)
    ), 200 if not form.errors else 422


@bp.route("/reset", methods=["GET", "POST"])
# Only failures count, per email (from everywhere) and per address, as for sign-in.
@limiter.limit(
    lambda: _limit("RESET_LIMIT_EMAIL"), key_func=_reset_email_key, methods=["POST"], deduct_when=_reset_failed
)
@limiter.limit(lambda: _limit("RESET_LIMIT_ADDRESS"), methods=["POST"], deduct_when=_reset_failed)
def reset():
    """Set a new password with the account's email and a reset code an instructor or administrator issued."""
    lifetime = _code_lifetime()
    form = ResetWithCodeForm()
    if form.validate_on_submit():
        try:
            recovery.redeem(form.email.data, form.code.data, form.password.data, lifetime=lifetime)
        except recovery.PasswordRefused as exc:
            form.password.errors.append(exc.message)
        except recovery.ResetRefused as exc:
            g.reset_failed = True
            form.form_errors.append(exc.message)
        else:
            return _password_was_reset()
    elif request.method == "POST":
        # A malformed request counts as a failed one; only a password the rules refuse does not.
        g.reset_failed = not set(form.errors) <= {"password", "confirm"}
    return render_template(
        "auth/reset.html", form=form, lifetime=recovery.lifetime_phrase(lifetime)
    ), 200 if not form.errors else 422


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: _limit("RESET_LIMIT_ADDRESS"), methods=["POST"], deduct_when=_reset_failed)
def reset_link(token: str):
    """Set a new password through a mailed reset link; opening the link changes nothing."""
    lifetime = _link_lifetime()
    try:
        user = recovery.link_holder(token, lifetime=lifetime)
    except recovery.ResetRefused as exc:
        g.reset_failed = request.method == "POST"
        return render_template("auth/reset_link.html", form=None, refused=exc.message), 404
    form = ResetWithLinkForm(account_email=user.email, account_name=user.display_name)
    if form.validate_on_submit():
        try:
            recovery.redeem_link(token, form.password.data, lifetime=lifetime)
        except recovery.PasswordRefused as exc:
            form.password.errors.append(exc.message)
        except recovery.ResetRefused as exc:  # used by another request in the meantime
            g.reset_failed = True
            return render_template("auth/reset_link.html", form=None, refused=exc.message), 404
        else:
            return _password_was_reset()
    return render_template(
        "auth/reset_link.html", form=form, email=user.email, refused=None
    ), 200 if not form.errors else 422


@bp.post("/users/<int:user_id>/reset-code")
@login_required
@limiter.limit(lambda: _limit("RESET_ISSUE_LIMIT"), key_func=_issuer_key)
def issue_reset_code(user_id: int):
    """Issue a one-time reset code for an account and show it once: an administrator for anyone, an
    instructor for a student of a class they teach (anyone else: 404).

    The page answers the POST itself rather than redirecting: the code is kept nowhere, not even in the
    session, so it cannot be shown again (issuing again replaces it).
    """
    user = recovery.get_resettable_user_or_404(user_id, current_user)
    back = safe_next(request.form.get("next")) or url_for("main.index")
    if not IssueResetCodeForm().validate_on_submit():
        return redirect(back)
    lifetime = _code_lifetime()
    issued = recovery.issue_reset_code(current_user, user, lifetime=lifetime)
    return render_template(
        "auth/reset_code.html",
        issued=issued,
        back=back,
        lifetime=recovery.lifetime_phrase(lifetime),
        reset_url=url_for("auth.reset", _external=True),
    )
