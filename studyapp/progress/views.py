"""Progress pages: the dashboard, review sessions, study guides, and one student's progress for an instructor."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from studyapp.domain import classes, content, reviews
from studyapp.domain import mastery as services
from studyapp.domain.questions import question_of
from studyapp.models.base import utcnow
from studyapp.progress import figures
from studyapp.web.answers import FormError, response_from_form
from studyapp.web.boundary import refuse

bp = Blueprint(
    "progress",
    __name__,
    url_prefix="/progress",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)


def _render_dashboard(student, *, own: bool, scope: services.Scope = services.OWN):
    now = utcnow()
    data = services.dashboard(student, now, scope=scope)
    whose = "Your" if own else f"{student.display_name}’s"
    return render_template(
        "progress/dashboard.html",
        data=data,
        own=own,
        now=now,
        mastery_chart=figures.mastery_chart(data.themes, whose),
        trend_chart=figures.trend_chart(data, whose),
    )


@bp.get("")
@login_required
def dashboard():
    """Show the student's mastery by theme, recent attempts, what to read next and what is due for review."""
    return _render_dashboard(current_user, own=True)


@bp.get("/students/<int:user_id>")
@login_required
def student(user_id: int):
    """Show one student's progress to someone allowed to see it, as far as they may (see services.scope_for)."""
    student, scope = services.get_student_scope_or_404(user_id, current_user)
    if student.id == current_user.id:
        return redirect(url_for("progress.dashboard"))
    return _render_dashboard(student, own=False, scope=scope)


@bp.post("/review/start")
@login_required
def start_review():
    """Add the misses whose review has opened to the queue, then show the first due question."""
    services.sync_queue(current_user)
    return redirect(url_for("progress.review"))


@bp.get("/review")
@login_required
def review():
    """Show the question that has been due longest, or say when the next one will be."""
    now = utcnow()
    card = reviews.next_due_card(current_user, now)
    return render_template(
        "progress/review.html",
        card=card,
        now=now,
        view=reviews.question_view(card) if card else None,
        queue=services.queue_summary(current_user, now),
    )


@bp.post("/review/<int:card_id>")
@login_required
def answer(card_id: int):
    """Grade a review answer and reschedule its question, then show the feedback."""
    card = reviews.get_card_or_404(card_id, current_user)
    question = question_of(card.question.current_version)
    try:
        response = response_from_form(question, reviews.POSITION, request.form)
        reviews.answer_review(card, response, request.form.get("reviews", default=-1, type=int), utcnow())
    except FormError as exc:
        flash(str(exc), "error")
        return redirect(url_for("progress.review"))
    except reviews.ReviewError as exc:  # a stale card (answered in another window) is news, not a mistake
        return refuse(exc, url_for("progress.review"), "info" if exc.stale else "error")
    return redirect(url_for("progress.feedback", card_id=card.id))


@bp.get("/review/<int:card_id>/feedback")
@login_required
def feedback(card_id: int):
    """Show the last answer to a review question: right or wrong, the key, the explanation, when it comes back."""
    card = reviews.get_card_or_404(card_id, current_user)
    entry = reviews.last_review_entry(card)
    if entry is None:
        return redirect(url_for("progress.review"))
    now = utcnow()
    return render_template(
        "progress/feedback.html", card=card, entry=entry, now=now, queue=services.queue_summary(current_user, now)
    )


@bp.get("/themes/<slug>")
@login_required
def guide(slug: str):
    """Show a theme's study guide: passages, guiding questions, glossary and the student's missed questions."""
    theme = content.get_theme_or_404(slug)
    now = utcnow()
    return render_template("progress/guide.html", guide=services.study_guide(theme, current_user, now), now=now)


@bp.get("/classes/<int:class_id>")
@login_required
def class_overview(class_id: int):
    """Show a class's mastery by theme as a heatmap with its table, and the students to look at: only the
    answers to this class's assignments count, each once the student may see it."""
    class_ = classes.get_class_or_404(class_id, current_user)
    students = classes.students_of(class_)
    overview = services.class_progress([entry.user.id for entry in students], utcnow(), scope=services.Scope((class_,)))
    return render_template(
        "progress/class.html",
        class_=class_,
        overview=overview,
        chart=figures.class_heatmap(overview),
        table=figures.class_heatmap_table(overview),
    )
