"""The administrator's LTI page: the platforms registered with this tool, the addresses to give them, and the
tool's signing keys."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for

from studyapp.domain.lti import keys, platforms
from studyapp.lti.forms import PlatformForm
from studyapp.lti.views import bp, tool_url
from studyapp.web.access import admin_required

#: The tool's addresses an LMS asks for when the tool is added there: (label, endpoint).
TOOL_ADDRESSES = (
    ("OIDC login initiation URL", "lti.login"),
    ("Redirect URI (target link URI)", "lti.launch"),
    ("Deep linking URL", "lti.launch"),
    ("Public keyset (JWKS) URL", "lti.jwks"),
)

#: The field a `PlatformError` is about, by the label its message starts with (the rest go above the form).
ERROR_FIELDS = {
    "Name": "name",
    "Issuer": "issuer",
    "Client ID": "client_id",
    "Authorization (login) URL": "auth_login_url",
    "Access token URL": "auth_token_url",
    "Public keyset URL": "key_set_url",
    "Deployment IDs": "deployment_ids",
    "Frame origins": "frame_origins",
}


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def _allow_http() -> bool:
    return bool(current_app.config["LTI_ALLOW_HTTP"])


def _show_error(form: PlatformForm, error: platforms.PlatformError) -> None:
    """Put a refused registration's message beside the field it names, or above the form."""
    label, _, _ = error.message.partition(":")
    name = ERROR_FIELDS.get(label)
    if name is None:
        form.form_errors.append(error.message)
    else:
        form[name].errors.append(error.message)


def _platforms_page(form: PlatformForm):
    return render_template(
        "lti/platforms.html",
        form=form,
        platforms=platforms.all_platforms(),
        addresses=[(label, tool_url(endpoint)) for label, endpoint in TOOL_ADDRESSES],
        public_url=bool(current_app.config.get("PUBLIC_URL")),
        keys=keys.active(),
    ), 200 if not form.errors else 422


@bp.route("/platforms", methods=["GET", "POST"], endpoint="platforms")  # the function's name is the module's
@admin_required
def platforms_page():
    """List the registered platforms and register another (the tool's signing key is made with the first)."""
    form = PlatformForm()
    if form.validate_on_submit():
        try:
            platform = platforms.register(form.values(), allow_http=_allow_http())
        except platforms.PlatformError as error:
            _show_error(form, error)
        else:
            keys.signing_key(_secret())
            flash(f"Registered {platform.name}: its launches are accepted from now on.", "success")
            return redirect(url_for("lti.platforms"))
    return _platforms_page(form)


@bp.route("/platforms/<int:platform_id>", methods=["GET", "POST"])
@admin_required
def edit_platform(platform_id: int):
    """Change a platform's registration."""
    platform = platforms.get_or_404(platform_id)
    form = PlatformForm.of(platform)
    if form.validate_on_submit():
        try:
            platforms.update(platform, form.values(), allow_http=_allow_http())
        except platforms.PlatformError as error:
            _show_error(form, error)
        else:
            flash(f"Saved the registration of {platform.name}.", "success")
            return redirect(url_for("lti.platforms"))
    return render_template("lti/platform_form.html", form=form, platform=platform), 200 if not form.errors else 422


@bp.route("/platforms/<int:platform_id>/delete", methods=["GET", "POST"])
@admin_required
def delete_platform(platform_id: int):
    """Ask, then remove a platform's registration (its launches stop; the accounts and classes it made stay)."""
    platform = platforms.get_or_404(platform_id)
    if request.method != "POST":  # GET or HEAD: only the question
        return render_template("lti/confirm_delete.html", platform=platform)
    name = platform.name
    platforms.delete(platform)
    flash(f"Removed the registration of {name}: its launches are refused from now on.", "success")
    return redirect(url_for("lti.platforms"))


@bp.post("/keys/rotate")
@admin_required
def rotate_key():
    """Start signing with a new key; the older ones stay published until retired."""
    key = keys.rotate(_secret())
    flash(
        f"The tool signs with the new key {key.kid} from now on. Once the platforms have fetched the key set "
        "again (a day is plenty), stop publishing the older keys.",
        "success",
    )
    return redirect(url_for("lti.platforms", _anchor="keys"))


@bp.post("/keys/retire")
@admin_required
def retire_keys():
    """Stop publishing every key but the one that signs."""
    count = keys.retire_old()
    flash(f"{count} older key(s) no longer published." if count else "Only the signing key is published.", "success")
    return redirect(url_for("lti.platforms", _anchor="keys"))
