"""Quiz pages: the list, an attempt (one page or one question per page), autosave, submit, review, practice."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from studyapp.core import grading
from studyapp.domain import attempts as services
from studyapp.domain import content
from studyapp.domain import quizzes as quiz_rules
from studyapp.domain.errors import DomainError
from studyapp.extensions import db, limiter
from studyapp.models import Quiz, User
from studyapp.models.base import utcnow
from studyapp.web.access import instructor_required
from studyapp.web.answers import FormError, response_from_form
from studyapp.web.boundary import refuse, refuse_json
from studyapp.web.converters import FieldError, int_field

bp = Blueprint("quiz", __name__, template_folder="templates")

#: Questions per page when a quiz shows one page: all of them.
PAGE_ACTIONS = ("save", "next", "previous", "finish", "check")


@bp.get("/quizzes")
@login_required
def index():
    """List the student's assignments under their classes, then the quizzes to take on their own, each once,
    with its state, score and attempts left."""
    now = utcnow()
    services.finalize_expired(now, user_id=current_user.id)  # the deliberate write on GET (see web.boundary)
    return render_template("quiz/index.html", listing=services.quizzes_for(current_user, now), now=now)


@bp.post("/quizzes/<int:quiz_id>/start")
@login_required
def start(quiz_id: int):
    """Start (or resume) an attempt."""
    quiz = quiz_rules.get_quiz_or_404(quiz_id, current_user)
    try:
        attempt = services.start_attempt(quiz, current_user)
    except DomainError as exc:
        return refuse(exc, url_for("quiz.index"))
    return redirect(url_for("quiz.attempt", attempt_id=attempt.id))


def _pages(attempt, settings, positions: list[int] | None = None) -> list[list[int]]:
    """The positions on each page; `positions` are the attempt's, when read already (else its items')."""
    if positions is None:
        positions = [item.position for item in attempt.items]
    if settings.layout == "one_per_page" or attempt.practice:
        return [[p] for p in positions]
    return [positions]


def _page_number(pages) -> int:
    """The page asked for, or the first when none (or one out of range, or not a number) is asked for."""
    try:
        page = int_field(request.args, "page", "The page", low=1, high=len(pages), default=1)
    except FieldError:
        return 1
    return page or 1


@bp.get("/attempts/<int:attempt_id>")
@login_required
def attempt(attempt_id: int):
    """Show an open attempt's page with the answers saved so far."""
    attempt = services.get_attempt_for_page_or_404(attempt_id, current_user)
    quiz, settings = quiz_rules.attempt_settings(attempt)
    now = utcnow()
    if services.is_finished(attempt, now):  # out of time, or the quiz closed
        services.submit(attempt, now, automatic=True)  # the deliberate write on GET (see web.boundary)
    if attempt.state != services.IN_PROGRESS:
        return redirect(url_for("quiz.result", attempt_id=attempt.id))
    items = services.page_items(attempt)
    pages = _pages(attempt, settings, [item.position for item in items])
    page = _page_number(pages)
    shown = set(pages[page - 1])
    views = services.page_views(attempt, settings, [item for item in items if item.position in shown])
    checked = {}
    if attempt.practice:
        checked = {v.position: _practice_feedback(v, attempt.seed) for v in views if v.item.saved_at is not None}
    return render_template(
        "quiz/attempt.html",
        attempt=attempt,
        quiz=quiz,
        views=views,
        page=page,
        page_count=len(pages),
        seq=services.page_seq(attempt, items),
        closes_at=services.closes_at(attempt),
        now=now,
        minutes_left=services.minutes_left(attempt, now),
        grace=services.GRACE,
        checked=checked,
    )


def _practice_feedback(view, seed: str):
    """Grade one practice answer for immediate feedback (practice shows answers at once)."""
    return grading.grade(
        view.question,
        services.from_public_response(view.question, view.response, seed, view.quote),
        quote=view.quote,
    )


@bp.get("/attempts/sw.js")
def service_worker():
    """Serve the attempt pages' service worker from /attempts/, so that its scope is those pages only.

    It is the same file for everyone and holds nothing personal, so a signed-out visitor may fetch it too;
    browsers check it for a new version on each visit (no-cache)."""
    response = current_app.send_static_file("js/attempt-sw.js")
    response.headers["Content-Type"] = "text/javascript; charset=utf-8"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.post("/attempts/<int:attempt_id>")
@login_required
def save_page(attempt_id: int):
    """Save every answer on the page (the form without JavaScript), then move as the button says."""
    attempt = services.get_attempt_or_404(attempt_id, current_user)
    _quiz, settings = quiz_rules.attempt_settings(attempt)
    pages = _pages(attempt, settings)
    page = _page_number(pages)
    action = request.form.get("action", "save")
    views = {v.position: v for v in services.item_views(attempt, settings) if v.position in pages[page - 1]}
    errors, changed = {}, {}
    for position, view in views.items():
        try:
            response = response_from_form(view.question, position, request.form)
        except FormError as exc:
            errors[position] = str(exc)
            continue
        if response != view.response:
            changed[position] = response
    try:
        errors |= services.save_responses(attempt, changed)
    except DomainError as exc:  # submitted or out of time: nothing on this page can be saved
        return refuse(exc, url_for("quiz.result", attempt_id=attempt.id))
    services.check_answers(attempt)
    if errors:
        for _position, message in sorted(errors.items()):
            flash(message, "error")
        return redirect(url_for("quiz.attempt", attempt_id=attempt.id, page=page))
    flash("Your answers are saved.", "success")
    if action == "finish":
        return redirect(url_for("quiz.confirm_submit", attempt_id=attempt.id))
    target = page + 1 if action == "next" else page - 1 if action == "previous" else page
    target = min(max(target, 1), len(pages))
    anchor = f"q{next(iter(views))}" if action == "check" and views else None
    return redirect(url_for("quiz.attempt", attempt_id=attempt.id, page=target, _anchor=anchor))


@bp.post("/attempts/<int:attempt_id>/save")
@login_required
@limiter.limit("120 per minute", key_func=lambda: f"autosave:{current_user.id}")
def autosave(attempt_id: int):
    """Save one answer from the page's script; refuse stale, invalid or late saves with a JSON message."""
    position = request.form.get("position", type=int)  # item_for_save finds no item beyond a column's range
    try:
        seq = int_field(request.form, "seq", "The save's sequence number", low=1, high=services.MAX_SEQ)
    except FieldError as exc:
        services.get_attempt_or_404(attempt_id, current_user, items=False)  # another's attempt stays "not found"
        return jsonify(ok=False, error=str(exc)), 400
    try:
        attempt, item = services.item_for_save(attempt_id, current_user, position, utcnow())
    except services.AttemptError as exc:  # no longer open; another's attempt is "not found", as every page
        return refuse_json(exc)
    if item is None or seq is None:
        return jsonify(ok=False, error="The save must name a question of this attempt and a sequence number."), 400
    try:
        question = services.question_of(item.version)
        response = response_from_form(question, item.position, request.form)
        kept = services.save_response(attempt, item.position, response, seq, item=item, locked=True)
    except FormError as exc:
        return jsonify(ok=False, error=str(exc)), 400
    except DomainError as exc:
        return refuse_json(exc)
    return jsonify(ok=True, seq=kept, position=position)


@bp.get("/attempts/<int:attempt_id>/submit")
@login_required
def confirm_submit(attempt_id: int):
    """Ask for confirmation, listing unanswered questions."""
    attempt = services.get_attempt_or_404(attempt_id, current_user)
    if attempt.state != services.IN_PROGRESS:
        return redirect(url_for("quiz.result", attempt_id=attempt.id))
    quiz, settings = quiz_rules.attempt_settings(attempt)
    views = services.item_views(attempt, settings)
    unanswered = [v.position for v in views if not grading.is_answered(v.question, v.item.response or {})]
    return render_template(
        "quiz/submit.html",
        attempt=attempt,
        quiz=quiz,
        unanswered=unanswered,
        total=len(views),
        pages=_pages(attempt, settings),
    )


@bp.post("/attempts/<int:attempt_id>/submit")
@login_required
def submit(attempt_id: int):
    """Submit and grade the attempt, once: a second submit (double click, another tab) changes nothing."""
    attempt = services.get_attempt_or_404(attempt_id, current_user)
    if services.is_finished(attempt, utcnow()):  # out of time or closed: the app submits it, as on any touch
        services.submit(attempt, automatic=True)
    elif services.submit(attempt):
        flash("Your attempt is submitted.", "success")
    return redirect(url_for("quiz.result", attempt_id=attempt_id))  # not attempt.id: that would reload it


@bp.get("/attempts/<int:attempt_id>/result")
@login_required
def result(attempt_id: int):
    """Show a submitted attempt: the score and review if the policy allows, else a receipt."""
    attempt = services.get_attempt_or_404(attempt_id, current_user)
    if attempt.state == services.IN_PROGRESS:
        return redirect(url_for("quiz.attempt", attempt_id=attempt.id))
    quiz, settings = quiz_rules.attempt_settings(attempt)
    now = utcnow()
    # No "after close" review while an attempt at the same quiz is still open: the close submits them first.
    services.finalize_closed_with(attempt, now)  # the deliberate write on GET (see web.boundary)
    allowed = quiz_rules.review_allows(settings, attempt, now)
    items = services.review_items(attempt, settings) if allowed else []
    return render_template(
        "quiz/result.html",
        attempt=attempt,
        quiz=quiz,
        settings=settings,
        allowed=allowed,
        items=items,
    )


@bp.get("/practice")
@login_required
def practice():
    """Offer ungraded practice by theme."""
    themes = content.list_themes()
    return render_template("quiz/practice.html", themes=themes)


@bp.post("/practice/<slug>")
@login_required
def start_practice(slug: str):
    """Start (or resume) a practice attempt on a theme: immediate feedback, no grade."""
    quiz = db.session.scalar(select(Quiz).where(Quiz.slug == f"theme-{slug}", Quiz.owner_id.is_(None)))
    if quiz is None:
        abort(404)
    try:
        attempt = services.start_attempt(quiz, current_user, practice=True)
    except DomainError as exc:
        return refuse(exc, url_for("quiz.practice"))
    return redirect(url_for("quiz.attempt", attempt_id=attempt.id))


# --- instructors -------------------------------------------------------------------------------


@bp.get("/manage/attempts/<int:attempt_id>")
@instructor_required
def manage_attempt(attempt_id: int):
    """Show an instructor every answer of an attempt, with essay grading and extra time."""
    attempt = services.get_managed_attempt_or_404(attempt_id, current_user)
    quiz, settings = quiz_rules.attempt_settings(attempt)
    student = db.session.get(User, attempt.user_id)
    items = services.review_items(attempt, settings) if attempt.state != services.IN_PROGRESS else []
    return render_template(
        "quiz/manage_attempt.html", attempt=attempt, quiz=quiz, student=student, items=items, now=utcnow()
    )


@bp.post("/manage/attempts/<int:attempt_id>/grade/<int:position>")
@instructor_required
def grade_essay(attempt_id: int, position: int):
    """Record the score and comment for an essay answer."""
    attempt = services.get_managed_attempt_or_404(attempt_id, current_user)
    target = (
        url_for("quiz.grading_queue")
        if request.form.get("next") == "queue"
        else url_for("quiz.manage_attempt", attempt_id=attempt.id, _anchor=f"q{position}")
    )
    try:
        services.grade_essay_item(
            attempt, position, request.form.get("score", ""), request.form.get("comment", ""), current_user
        )
    except DomainError as exc:
        return refuse(exc, target)
    flash(f"Question {position} graded.", "success")
    return redirect(target)


@bp.post("/manage/attempts/<int:attempt_id>/extra-time")
@instructor_required
def extra_time(attempt_id: int):
    """Give one student's open, timed attempt more time."""
    attempt = services.get_managed_attempt_or_404(attempt_id, current_user)
    try:
        minutes = int_field(request.form, "minutes", "Extra time", low=1, high=600)
    except FieldError as exc:
        return refuse(DomainError(str(exc), 400), url_for("quiz.manage_attempt", attempt_id=attempt.id))
    try:
        services.give_extra_time(attempt, minutes or 0)
    except DomainError as exc:
        return refuse(exc, url_for("quiz.manage_attempt", attempt_id=attempt.id))
    flash("Extra time given.", "success")
    return redirect(url_for("quiz.manage_attempt", attempt_id=attempt.id))


@bp.get("/grading")
@instructor_required
def grading_queue():
    """List essay answers waiting to be graded."""
    items = services.grading_queue(current_user)
    students = {
        u.id: u for u in db.session.scalars(select(User).where(User.id.in_({i.attempt.user_id for i in items})))
    }
    quizzes = {q.id: q for q in db.session.scalars(select(Quiz).where(Quiz.id.in_({i.attempt.quiz_id for i in items})))}
    return render_template("quiz/grading.html", items=items, students=students, quizzes=quizzes)
