"""The LTI 1.3 tool's endpoints: OIDC login initiation, launch, the key set, the way in from a frame that
cannot keep cookies, deep linking and the landing pages.

The platform's browser posts to `login` and `launch` from another site, so those two are exempt from
CSRF tokens: the signed id_token, the state cookie and the single-use nonce stand in for them.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from itsdangerous import BadSignature, URLSafeTimedSerializer
from pylti1p3.contrib.flask import FlaskMessageLaunch, FlaskOIDCLogin, FlaskRequest
from pylti1p3.deep_link import DeepLink
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.exception import LtiException, OIDCException
from pylti1p3.lineitem import LineItem

from studyapp.domain import attempts, classes, content, quizzes
from studyapp.domain.lti import keys, launches, passback, platforms, roster, storage
from studyapp.extensions import csrf, db
from studyapp.lti import outbox
from studyapp.models import Assignment, Class, LtiPlatform
from studyapp.models.base import utcnow
from studyapp.web.access import start_session
from studyapp.web.boundary import refuse
from studyapp.web.security import FRAME_ORIGINS

bp = Blueprint("lti", __name__, url_prefix="/lti", template_folder="templates", static_folder="static")

NONCE_KEY = "lti1p3-nonce-"
DEEP_LINK_SALT = "studyapp-lti-deep-link"
#: How long the deep-linking picker may stay open before the platform's request is stale.
DEEP_LINK_MAX_AGE = 3600


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def tool_url(endpoint: str, **values: Any) -> str:
    """An absolute URL of this tool, on PUBLIC_URL when set (what the platform was given), else this request's host."""
    public = (current_app.config.get("PUBLIC_URL") or "").rstrip("/")
    if public:
        return public + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def _refused(message: str, status: int = 400) -> tuple[str, int]:
    """A launch this tool will not take: a page that says why (the request's changes roll back)."""
    return render_template("lti/refused.html", message=message), status


class _Launch(FlaskMessageLaunch):
    """pylti1p3's launch, keeping nothing of the launch in storage once verified (it is acted on at once)."""

    def save_launch_data(self) -> _Launch:
        return self


@bp.route("/login", methods=["GET", "POST"])
@csrf.exempt
def login():
    """Answer a platform's third-party login initiation: check the frame can keep cookies, then send the
    browser back to the platform's authorization endpoint with a fresh state (in a cookie) and nonce."""
    params = request.values
    if not params.get("iss") or not params.get("login_hint") or not params.get("target_link_uri"):
        return _refused(
            "This address is where a learning platform starts a launch (it must send iss, login_hint and "
            "target_link_uri). Open the tool from your course instead."
        )
    if params.get("checked") != "1":
        query = {k: v for k, v in params.items() if k != "checked"}
        return render_template("lti/cookie_check.html", continue_url=url_for(".login", checked="1", **query))
    if platforms.find(params["iss"], params.get("client_id")) is None:
        return _refused(
            f"No platform with the issuer {params['iss']} and client id {params.get('client_id') or '(none)'} is "
            "registered with this tool. An administrator registers it on the tool's LTI page.",
            403,
        )
    try:
        storage.prune()  # logins never finished leave their state behind: drop what has expired
        oidc = FlaskOIDCLogin(
            FlaskRequest(), platforms.ToolConfig(_secret()), launch_data_storage=storage.DatabaseStorage()
        )
        return oidc.redirect(tool_url(".launch"))
    except (OIDCException, LtiException) as error:
        return _refused(f"The login could not start: {error}")


@bp.post("/launch")
@csrf.exempt
def launch():
    """Verify a platform's launch, sign its person in and send them where the link points."""
    data_storage = storage.DatabaseStorage()
    message = _Launch(
        FlaskRequest(),
        platforms.ToolConfig(_secret()),
        launch_data_storage=data_storage,
        requests_session=passback.http_session(),
    )
    message.set_jwt_verify_options({"verify_aud": False, "require": ["exp", "iat"]})
    try:
        claims = dict(message.get_launch_data())
        client_id = message.get_client_id()
    except (LtiException, keys.KeyProblem) as error:
        return _refused(f"This launch could not be verified, so nothing was done: {error}", 403)
    platform = platforms.find(claims["iss"], client_id)
    if platform is None:  # pylti1p3 found it a moment ago
        return _refused("The platform is not registered.", 403)
    problem = _audience_problem(claims, platform)
    if problem:
        return _refused(problem, 403)
    if not data_storage.take(NONCE_KEY + str(claims.get("nonce"))):
        return _refused("This launch was used already (its nonce has been spent). Launch again from your course.", 403)
    try:
        landing = launches.accept(platform, claims)
    except launches.LaunchRefused as error:
        return _refused(error.message, error.status)
    _sign_in(landing.user, platform)
    target = _landing_url(landing, platform, claims)
    ticket = launches.issue_ticket(landing.user, platform, target)
    return redirect(url_for(".enter", ticket=ticket))


def _sign_in(user, platform: LtiPlatform) -> None:
    """Sign the launch's person in; this session's pages may then be framed by their platform (only)."""
    start_session(user, time.time())
    session[FRAME_ORIGINS] = platforms.frame_origins(platform)


@bp.before_request
def _framed_by_platforms() -> None:
    """The launch endpoints answer inside a registered platform's frame, before any session says which."""
    if request.endpoint in ("lti.login", "lti.launch", "lti.enter"):
        g.frame_ancestors = platforms.all_frame_origins()


def _audience_problem(claims: dict[str, Any], platform: LtiPlatform) -> str | None:
    """pylti1p3 takes the first audience as the client id; check them all, and `azp` when there are several."""
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if platform.client_id not in audiences:
        return f"The launch is meant for another tool (audience {audiences!r}), not this one."
    if len(audiences) > 1 and claims.get("azp") != platform.client_id:
        return "The launch names several audiences without naming this tool as the authorized party (azp)."
    return None


def _landing_url(landing: launches.Landing, platform: LtiPlatform, claims: dict[str, Any]) -> str:
    if landing.kind == "deep_link":
        assert landing.class_ is not None
        settings = claims.get(launches.DL_CLAIM) or {}
        token = _serializer().dumps(
            {
                "platform": platform.id,
                "deployment": claims.get(launches.CLAIM + "deployment_id"),
                "class": landing.class_.id,
                "user": landing.user.id,
                "return_url": settings.get("deep_link_return_url"),
                "data": settings.get("data"),
                "accept": settings.get("accept_types") or [],
            }
        )
        return url_for(".deep_link", request=token)
    if landing.kind == "assignment":
        return url_for(".assignment", assignment_id=landing.assignment_id)
    if landing.kind == "passage":
        return url_for("reading.passage", slug=landing.slug)
    if landing.kind == "document":
        return url_for("reading.document", slug=landing.slug)
    if landing.kind == "class" and landing.class_ is not None:
        if landing.instructor:
            return url_for("classes.show", class_id=landing.class_.id)
        return url_for("quiz.index")  # a student's view of their classes: the quizzes each assigns
    return url_for("main.index")


@bp.get("/enter/<ticket>")
def enter(ticket: str):
    """Go on from a verified launch to its page. When the frame did not keep the session cookie (third-party
    cookies blocked), say so and offer the same pass in a new window, where the cookie is first-party."""
    row = launches.peek_ticket(ticket)
    if row is None:
        return _refused("This launch has expired or was used already. Open the tool again from your course.", 410)
    if current_user.is_authenticated and current_user.id == row.user_id:
        launches.redeem_ticket(ticket)
        return redirect(row.target)
    if request.args.get("window") == "1":
        redeemed = launches.redeem_ticket(ticket)
        if redeemed is None:
            return _refused("This launch has expired or was used already. Open the tool again from your course.", 410)
        user, target = redeemed
        platform = db.session.get_one(LtiPlatform, row.platform_id)
        _sign_in(user, platform)
        return redirect(target)
    platform = db.session.get_one(LtiPlatform, row.platform_id)
    return render_template(
        "lti/new_window.html", window_url=url_for(".enter", ticket=ticket, window="1"), platform=platform
    )


@bp.get("/jwks")
def jwks():
    """The tool's public keys, which platforms verify its messages with."""
    return keys.jwks()


# --- deep linking -----------------------------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(_secret(), salt=DEEP_LINK_SALT)


def _deep_link_request() -> tuple[dict[str, Any], Class]:
    """The signed deep-linking request this page carries, checked against the signed-in instructor."""
    try:
        payload = _serializer().loads(request.values.get("request", ""), max_age=DEEP_LINK_MAX_AGE)
    except BadSignature:
        abort(400, description="This request to add content has expired or was altered: start again from the course.")
    if payload.get("user") != current_user.id:
        abort(403)
    return payload, classes.get_class_or_404(int(payload["class"]), current_user)


@bp.get("/deep-link")
@login_required
def deep_link():
    """Let an instructor pick what the platform's course gets: a quiz (assigned to the course's class, with its
    settings) or a reading."""
    payload, class_ = _deep_link_request()
    token = request.args["request"]
    return_here = url_for(".deep_link_return", request=token)
    return render_template(
        "lti/deep_link.html",
        class_=class_,
        token=token,
        assign_url=url_for("classes.new_assignment", class_id=class_.id, then=return_here),
        assignments=class_.assignments,
        documents=content.list_documents(),
        platform=db.session.get(LtiPlatform, payload["platform"]),
    )


@bp.get("/deep-link/return")
@login_required
def deep_link_return():
    """Send the chosen item back to the platform: a signed LtiDeepLinkingResponse, posted by the browser."""
    payload, class_ = _deep_link_request()
    platform = db.session.get(LtiPlatform, payload["platform"])
    if platform is None or not payload.get("return_url"):
        abort(400, description="The platform's request named no return address.")
    resource = DeepLinkResource().set_url(tool_url(".launch"))
    if (assignment_id := request.args.get("assignment", type=int)) is not None:
        assignment = classes.get_assignment_or_404(class_, assignment_id)
        total = quizzes.quiz_totals([assignment.quiz])[assignment.quiz.id]
        resource.set_title(assignment.title).set_custom_params({launches.CUSTOM_ASSIGNMENT: str(assignment.id)})
        resource.set_lineitem(
            LineItem()
            .set_label(assignment.title)
            .set_score_maximum(total or 1.0)
            .set_resource_id(f"studyapp-assignment-{assignment.id}")
            .set_tag("studyapp")
        )
    elif reading := request.args.get("reading", ""):
        kind, _, slug = reading.partition("/")
        title = content.reading_title(kind, slug)
        if title is None:
            abort(404)
        resource.set_title(title).set_custom_params({launches.CUSTOM_READING: f"{kind}/{slug}"})
    else:
        abort(400, description="Choose a quiz or a reading to add.")
    settings = {"deep_link_return_url": payload["return_url"], "data": payload.get("data")}
    link = DeepLink(platforms.registration(platform, _secret()), payload["deployment"], settings)
    g.form_action = [platforms.origin(payload["return_url"])]  # this one form posts to the platform
    return render_template(
        "lti/deep_link_return.html",
        return_url=payload["return_url"],
        jwt=link.get_response_jwt([resource]),
        title=resource.get_title(),
        platform=platform,
    )


# --- landing pages ----------------------------------------------------------------------------------------------


@bp.get("/assignments/<int:assignment_id>")
@login_required
def assignment(assignment_id: int):
    """Where a link to a quiz lands: for a student, the assignment with its state and a button to start; for an
    instructor of its class, the class's gradebook."""
    found = db.session.get(Assignment, assignment_id)
    if found is None:
        abort(404)
    member = classes.membership(found.class_, current_user)
    if member is not None and member.role == "instructor":
        return redirect(url_for("classes.gradebook", class_id=found.class_id))
    row = attempts.assignment_row(found.id, current_user)
    if row is None:
        abort(404)
    return render_template("lti/assignment.html", row=row, assignment=found, now=utcnow())


# --- the class's link with its platform --------------------------------------------------------------------------


@bp.get("/classes/<int:class_id>")
@login_required
def class_status(class_id: int):
    """The class's platform course: the scores not yet accepted there, and roster sync."""
    class_ = classes.get_class_or_404(class_id, current_user)
    context = launches.context_of_class(class_.id)
    if context is None:
        abort(404)
    return render_template(
        "lti/class_status.html",
        class_=class_,
        context=context,
        waiting=passback.waiting_for_class(class_.id),
    )


@bp.post("/classes/<int:class_id>/send")
@login_required
def send_scores(class_id: int):
    """Try now to send the class's waiting scores, whatever their backoff (the instructor's "Send now")."""
    class_ = classes.get_class_or_404(class_id, current_user)
    report = outbox.drain(_secret(), ids=passback.waiting_ids(class_.id), include_waiting=True)
    if report.failed:
        flash(f"{report.sent} score(s) sent; {report.failed} still waiting: {report.errors[-1]}", "error")
    else:
        flash(f"{report.sent} score(s) sent.", "success")
    return redirect(url_for(".class_status", class_id=class_.id))


@bp.post("/classes/<int:class_id>/roster")
@login_required
def sync_roster(class_id: int):
    """Bring the class's roster in line with its platform course (Names and Role Provisioning Services)."""
    class_ = classes.get_class_or_404(class_id, current_user)
    target = url_for(".class_status", class_id=class_.id)
    try:
        report = roster.sync(class_, _secret(), actor=current_user)
    except roster.RosterSyncError as error:
        return refuse(error, target)
    parts = [
        f"{len(report.joined)} joined",
        f"{len(report.left)} left",
        f"{report.unchanged} unchanged",
    ]
    if report.instructors:
        parts.append(f"{len(report.instructors)} co-instructor(s) added")
    flash("Roster synced: " + ", ".join(parts) + ".", "success")
    for note in report.skipped:
        flash("Not added: " + note + ".", "info")
    return redirect(target)
