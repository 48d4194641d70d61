"""Authoring in the browser: the question bank, the editor with its live preview, uploads, exports
and the quiz builder. Instructors and administrators only; the shipped bank is read-only here."""

from __future__ import annotations

import base64
import binascii
import secrets
import zlib
from dataclasses import dataclass
from datetime import UTC
from typing import cast

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms.fields import SelectChoice

from studyapp.authoring.forms import (
    MAX_RULES,
    MAX_SOURCE_CHARS,
    NOT_FILED,
    STARTERS,
    BankForm,
    ConfirmUploadForm,
    QuestionForm,
    QuizForm,
    UploadForm,
    tag_theme_pairs,
)
from studyapp.core import grading, qformat
from studyapp.core.qformat.quizdef import SLOT_POINTS, DrawRule, QuizDef
from studyapp.domain import attempts as quiz_services
from studyapp.domain import classes as class_services
from studyapp.domain import content
from studyapp.domain import questions as services
from studyapp.domain import quizzes as quiz_rules
from studyapp.extensions import db, limiter
from studyapp.models import Attempt, AttemptItem, Question, QuestionBank, Quiz, User
from studyapp.models.base import utcnow
from studyapp.models.content import Passage
from studyapp.web.boundary import refuse

bp = Blueprint("authoring", __name__, url_prefix="/authoring", template_folder="templates")


@bp.before_request
def instructors_only():
    """Every page and endpoint here is for instructors and administrators: others get 403, visitors the login."""
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not current_user.is_instructor:
        abort(403)
    return None


# --- loading ---------------------------------------------------------------------------------


# --- what a student would see ------------------------------------------------------------------


@dataclass
class PreviewItem:
    """Stands in for an attempt item in a preview: a position, no answer."""

    position: int
    response: dict | None = None
    saved_at: None = None


def student_views(questions: list[qformat.Question], seed: str, shuffle_choices: bool) -> list:
    """Build the quiz page's views of `questions` (as `take` renders them), without an attempt."""
    quotes = services.evidence_quotes(questions)
    views = []
    for position, question in enumerate(questions, 1):
        quote = quotes.get(question.evidence_passage) if question.type == "evidence" else None
        try:
            shown = grading.presentation(question, seed, shuffle_choices, quote=quote)
        except ValueError:  # an evidence question whose passage is unknown: its errors say so
            shown = grading.Presentation()
        views.append(
            quiz_services.ItemView(
                item=cast("AttemptItem", PreviewItem(position)),
                question=question,
                options=[(services.public_id(seed, question.id, o.id), o.text) for o in shown.options],
                lefts=[(o.id, o.text) for o in shown.lefts],
                response={},
                quote=quote,
            )
        )
    return views


def preview_context(check: services.EditorCheck) -> dict:
    """What the preview fragment needs: the question as a student sees it, and its key."""
    if check.parsed is None:
        return {"parsed": None, "view": None, "evidence": ()}
    view = student_views([check.parsed], "preview", False)[0]
    evidence = qformat.evidence_choices(check.parsed, view.quote) if view.quote is not None else ()
    return {"parsed": check.parsed, "view": view, "evidence": evidence}


def problem_data(problems: list[qformat.Problem]) -> list[dict]:
    return [{"line": p.line, "column": p.column, "message": p.message} for p in problems]


# --- the bank page -----------------------------------------------------------------------------


@bp.get("/")
def bank():
    """List the shipped and the instructor's own questions, filtered, searched and counted."""
    args = request.args
    selected = None
    if args.get("bank"):
        bank_id = args.get("bank", type=int)
        selected = services.get_bank_or_404(bank_id, current_user) if bank_id is not None else abort(404)
    themes = content.list_themes()
    passages = db.session.scalars(select(Passage).order_by(Passage.document_id, Passage.position)).all()
    difficulty = args.get("difficulty", type=int)
    filters = services.BankFilters(
        bank_id=selected.id if selected else None,
        theme=args.get("theme", "") if args.get("theme") in {t.slug for t in themes} | {qformat.UNFILED} else "",
        type=args.get("type", "") if args.get("type") in qformat.TYPES else "",
        difficulty=difficulty if difficulty in qformat.DIFFICULTIES else None,
        passage=args.get("passage", "") if args.get("passage") in {p.slug for p in passages} else "",
        text=args.get("q", "")[:200],
        status=args.get("status", "all") if args.get("status") in services.BANK_STATUSES else "all",
    )
    listing = services.list_questions(current_user, filters)
    return render_template(
        "authoring/bank.html",
        banks=services.visible_banks(current_user),
        selected=selected,
        filters=filters,
        listing=listing,
        themes=themes,
        passages=passages,
        types=qformat.TYPES,
        filter_url=_filter_url,
        unfiled=qformat.UNFILED,
        taught=_teaching() if selected and services.can_edit_bank(selected, current_user) else [],
    )


def _filter_url(**changes) -> str:
    """The bank page's address with the current filters and `changes`."""
    args = {**request.args.to_dict(), **changes}
    return url_for("authoring.bank", **{key: value for key, value in args.items() if value not in (None, "")})


@bp.post("/banks/<int:bank_id>/share")
def share_bank(bank_id: int):
    """Share one's bank with the instructors of a class one teaches, or make it private again."""
    bank = services.get_bank_or_404(bank_id, current_user)
    class_id = request.form.get("class_id", type=int)
    back = url_for("authoring.bank", bank=bank.id)
    try:
        services.share_bank(bank, current_user, class_id)
    except services.SharingError as exc:
        return refuse(exc, back)
    flash("The bank is shared with that class's instructors." if class_id else "The bank is private again.", "success")
    return redirect(back)


@bp.route("/banks/new", methods=["GET", "POST"])
def new_bank():
    """Create an empty bank of one's own."""
    form = BankForm()
    if form.validate_on_submit():
        bank = services.create_bank(current_user, form.title.data, form.description.data or "")
        flash(f"The bank “{bank.title}” is ready: add questions to it.", "success")
        return redirect(url_for("authoring.bank", bank=bank.id))
    return render_template("authoring/bank_form.html", form=form), 422 if form.errors else 200


@bp.post("/export")
def export():
    """Download the selected questions as one file: our Markdown, Moodle GIFT, or a QTI zip for Canvas."""
    ids = [int(value) for value in request.form.getlist("question") if value.isdigit()]
    fmt = request.form.get("format", "md")
    if fmt not in EXPORTS:
        abort(400, "Choose Markdown, GIFT or QTI.")
    questions = services.selected_questions(ids, current_user)
    if not questions:
        flash("Select at least one question to export.", "error")
        return redirect(url_for("authoring.bank"))
    exported = services.write_as(fmt, questions, title="Exported questions", quotes=services.evidence_quotes(questions))
    for warning in exported.warnings:
        flash(warning, "warning")
    extension, mimetype = EXPORTS[fmt]
    name = f"questions-{utcnow():%Y-%m-%d}.{extension}"
    return Response(exported.data, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


#: Export format -> (file extension, media type).
EXPORTS = {"md": ("md", "text/markdown"), "gift": ("gift", "text/plain"), "qti": ("zip", "application/zip")}


# --- the editor --------------------------------------------------------------------------------


def _editor(form: QuestionForm, question: Question | None):
    """Preview, or save, the question in the form; re-show the editor with every problem at its line."""
    source = form.source.data or ""
    if request.method != "POST":
        return _editor_page(form, question, services.check_source(source, current_user, question))
    if not form.validate():
        return _editor_page(form, question, services.EditorCheck(None, []), 422)
    if request.form.get("action") != "save":
        check = services.check_source(source, current_user, question)
        return _editor_page(form, question, check, 422 if check.problems else 200)
    bank = _chosen_bank(form) if question is None else None
    base = int(form.base.data) if (form.base.data or "").isdigit() else None
    result = services.save_question(source, current_user, question=question, bank=bank, base_number=base)
    if result.problems or result.question is None:
        parsed = services.check_source(source, current_user, question).parsed
        return _editor_page(form, question, services.EditorCheck(parsed, result.problems), 422)
    if question is None:
        flash(f"Question “{result.question.key}” created.", "success")
    elif result.changed:
        flash(f"Saved as version {result.question.current_number}.", "success")
    else:
        flash("Nothing changed: the text is the same as the current version.", "info")
    return redirect(url_for("authoring.question", question_id=result.question.id))


def _chosen_bank(form: QuestionForm) -> QuestionBank | None:
    """The bank of one's own a new question goes into; None puts it in "My questions"."""
    if not form.bank.data:
        return None
    bank = services.get_bank_or_404(int(form.bank.data), current_user) if form.bank.data.isdigit() else abort(404)
    if not services.can_edit_bank(bank, current_user):
        abort(404)
    return bank


def _editor_page(form: QuestionForm, question: Question | None, check: services.EditorCheck, status: int = 200):
    """The editor with the form's text, its preview and every problem at its line."""
    lines = (form.source.data or "").replace("\r\n", "\n").split("\n")
    return render_template(
        "authoring/editor.html",
        form=form,
        question=question,
        check=check,
        line_count=len(lines),
        error_lines={p.line for p in check.problems},
        starters=STARTERS,
        max_chars=MAX_SOURCE_CHARS,
        **preview_context(check),
    ), status


@bp.route("/questions/new", methods=["GET", "POST"])
def new_question():
    """Write a new question (from a starter of the chosen type) into one of one's banks."""
    form = QuestionForm()
    banks = services.own_banks(current_user)
    form.bank.choices = [SelectChoice(str(b.id), b.title) for b in banks] or [
        SelectChoice("", f"{services.DEFAULT_BANK_TITLE} (new)")
    ]
    if request.method == "GET":
        kind = request.args.get("type", "single")
        form.source.data = STARTERS.get(kind, STARTERS["single"])
        wanted = request.args.get("bank", "")
        form.bank.data = wanted if any(str(b.id) == wanted for b in banks) else form.bank.choices[0].value
    return _editor(form, None)


@bp.route("/questions/<int:question_id>/edit", methods=["GET", "POST"])
def edit_question(question_id: int):
    """Edit one's own question: saving adds a version; the shipped bank is read-only."""
    question = services.get_question_or_404(question_id, current_user)
    if not services.can_edit_bank(question.bank, current_user):
        flash("The shipped bank is read-only here: copy the question to your bank to change it.", "error")
        return redirect(url_for("authoring.question", question_id=question.id))
    form = QuestionForm()
    del form.bank
    if request.method == "GET":
        form.source.data = question.current_version.source
        form.base.data = str(question.current_number)
    return _editor(form, question)


@bp.post("/preview")
@limiter.limit("300 per minute", key_func=lambda: f"authoring-preview:{current_user.get_id()}")
def preview():
    """Check and render the editor's text as one types: the preview fragment and each problem with its line."""
    source = request.form.get("source", "")
    if len(source) > MAX_SOURCE_CHARS:
        return jsonify(ok=False, error=f"A question is limited to {MAX_SOURCE_CHARS:,} characters."), 413
    question_id = request.form.get("question", type=int)
    question = services.get_question_or_404(question_id, current_user) if question_id else None
    check = services.check_source(source, current_user, question)
    return jsonify(
        ok=check.ok,
        problems=problem_data(check.problems),
        html=render_template("authoring/_preview.html", **preview_context(check)),
        problems_html=render_template("authoring/_problems.html", check=check),
        summary=render_template("authoring/_summary.html", check=check).strip(),
    )


@bp.get("/questions/<int:question_id>")
def question(question_id: int):
    """Show a question as it stands: its key, its explanation and what can be done with it."""
    question = services.get_question_or_404(question_id, current_user)
    check = services.EditorCheck(services.question_of(question.current_version), [])
    used = services.versions_used(question)
    return render_template(
        "authoring/question.html",
        question=question,
        can_edit=services.can_edit_bank(question.bank, current_user),
        attempts=sum(used.values()),
        **preview_context(check),
    )


@bp.get("/questions/<int:question_id>/history")
def history(question_id: int):
    """List every version of a question, newest first, each with the lines it changed."""
    question = services.get_question_or_404(question_id, current_user)
    versions = list(question.versions)
    authors: dict[int | None, User] = {
        user.id: user
        for user in db.session.scalars(
            select(User).where(User.id.in_({v.created_by_id for v in versions if v.created_by_id}))
        )
    }
    used = services.versions_used(question)
    entries = []
    for index, version in enumerate(versions):
        diff = services.line_diff(versions[index - 1].source, version.source) if index else []
        entries.append((version, diff, authors.get(version.created_by_id), used.get(version.id, 0)))
    return render_template("authoring/history.html", question=question, entries=list(reversed(entries)))


@bp.get("/questions/<int:question_id>/student")
def student_preview(question_id: int):
    """Show a version of the question exactly as a quiz page does: no answers, nothing saved."""
    question = services.get_question_or_404(question_id, current_user)
    number = request.args.get("version", type=int) or question.current_number
    version = next((v for v in question.versions if v.number == number), None)
    if version is None:
        abort(404)
    views = student_views([services.question_of(version)], secrets.token_hex(8), True)
    return render_template("authoring/student_preview.html", question=question, version=version, views=views)


@bp.post("/questions/<int:question_id>/copy")
def copy(question_id: int):
    """Duplicate a question under a new id: a shipped one goes into one's own "My questions" bank."""
    question = services.get_question_or_404(question_id, current_user)
    duplicate = services.copy_question(question, current_user)
    flash(f"Copied as “{duplicate.key}” into your bank “{duplicate.bank.title}”. Edit it below.", "success")
    return redirect(url_for("authoring.edit_question", question_id=duplicate.id))


@bp.post("/questions/<int:question_id>/retire")
def retire(question_id: int):
    """Retire a question (new attempts stop drawing it; past attempts keep it), or bring it back."""
    question = services.get_question_or_404(question_id, current_user)
    if not services.can_edit_bank(question.bank, current_user):
        flash("The shipped bank is read-only here.", "error")
        return redirect(url_for("authoring.question", question_id=question.id))
    retired = request.form.get("retired") == "1"
    services.set_retired(question, retired)
    flash(
        "Retired: new attempts no longer draw it." if retired else "Back in use: new attempts may draw it.", "success"
    )
    return redirect(url_for("authoring.question", question_id=question.id))


# --- uploads -----------------------------------------------------------------------------------


def pack(data: bytes) -> str:
    """The uploaded bytes as a form field, for the confirm step."""
    return base64.b64encode(zlib.compress(data, 9)).decode("ascii")


def unpack(field: str) -> bytes | None:
    """The bytes of a `pack`ed field, or None if they cannot be read back (or are over the size limit)."""
    try:
        packed = base64.b64decode(field.encode("ascii"), validate=True)
        inflater = zlib.decompressobj()
        data = inflater.decompress(packed, qformat.MAX_BYTES + 1)
    except (binascii.Error, UnicodeEncodeError, zlib.error):
        return None
    if inflater.unconsumed_tail or not inflater.eof:
        return None
    return data


def _content_tree():
    tree, problems = services.content_tree(current_app.config["CONTENT_DIR"])
    if problems:
        abort(500)
    return tree


def _upload_page(form, report=None, bank_file=None, confirm=None, status=200):
    return render_template(
        "authoring/upload.html",
        form=form,
        report=report,
        bank_file=bank_file,
        confirm=confirm,
        unfiled=qformat.UNFILED,
    ), status


@bp.route("/upload", methods=["GET", "POST"])
def upload():
    """Check an uploaded bank and list what importing it would create, change and retire; save nothing."""
    form = _upload_form()
    if not form.validate_on_submit():
        return _upload_page(form, status=422 if form.errors else 200)
    storage = form.file.data
    data = storage.read()
    defaults = form.defaults()
    bank_file = services.read_upload(
        data,
        storage.filename,
        defaults.pop("format"),
        tag_themes=tag_theme_pairs(defaults.pop("tag_themes")),
        **defaults,
    )
    report = services.import_upload(
        bank_file, current_user, _content_tree(), retire_missing=form.retire_missing.data, dry_run=True
    )
    if not report.ok:
        return _upload_page(form, report, bank_file, status=422)
    confirm = ConfirmUploadForm(
        formdata=None,
        data={
            "draft": pack(data),
            "filename": bank_file.label,
            "retire_missing": "1" if form.retire_missing.data else "",
            **form.defaults(),
        },
    )
    return _upload_page(form, report, bank_file, confirm)


def _upload_form() -> UploadForm:
    form = UploadForm()
    form.default_theme.choices = [SelectChoice("", NOT_FILED)] + [
        SelectChoice(t.slug, t.title) for t in content.list_themes()
    ]
    form.default_passage.choices = [SelectChoice("", NOT_FILED)] + [
        SelectChoice(p.slug, p.title)
        for p in db.session.scalars(select(Passage).order_by(Passage.document_id, Passage.position))
    ]
    return form


@bp.post("/upload/confirm")
def confirm_upload():
    """Import the previewed upload, checked again from scratch: all of it, or on any problem nothing."""
    form = ConfirmUploadForm()
    data = unpack(form.draft.data or "") if form.validate_on_submit() else None
    try:
        tag_themes = tag_theme_pairs(form.tag_themes.data or "")
    except ValueError:
        data = None
    if data is None:
        abort(400, "The upload could not be read back. Upload the file again.")
    bank_file = services.read_upload(
        data,
        form.filename.data,
        form.format.data or "md",
        theme=form.theme.data or "",
        passage=form.passage.data or "",
        difficulty=form.difficulty.data or "",
        tag_themes=tag_themes,
    )
    retire_missing = form.retire_missing.data == "1"
    report = services.import_upload(
        bank_file, current_user, _content_tree(), retire_missing=retire_missing, dry_run=False
    )
    if not report.ok:
        return _upload_page(_upload_form(), report, bank_file, status=422)
    flash(
        f"Imported “{bank_file.label}”: {len(report.created)} question(s) created, {len(report.changed)} changed, "
        f"{len(report.unchanged)} unchanged, {len(report.retired)} retired.",
        "success",
    )
    bank = db.session.scalar(
        select(QuestionBank).where(QuestionBank.owner_id == current_user.id, QuestionBank.slug == bank_file.path.stem)
    )
    return redirect(url_for("authoring.bank", bank=bank.id) if bank else url_for("authoring.bank"))


# --- the quiz builder --------------------------------------------------------------------------


@bp.get("/quizzes")
def quizzes():
    """List the quizzes the instructor built."""
    rows = db.session.scalars(select(Quiz).where(Quiz.owner_id == current_user.id).order_by(Quiz.title, Quiz.id)).all()
    return render_template("authoring/quizzes.html", quizzes=rows)


def _form_data(quiz: Quiz) -> dict:
    """A saved quiz as the builder's fields."""
    naive = lambda moment: moment.astimezone(UTC).replace(tzinfo=None) if moment else None
    return {
        "title": quiz.title,
        "slug": quiz.slug,
        "description": quiz.description,
        "mode": "draw" if quiz.draw_rules else "fixed",
        "questions": "\n".join(quiz_rules.quiz_keys(quiz)),
        "rules": [{**rule, "points": rule.get("points", SLOT_POINTS)} for rule in quiz.draw_rules or []],
        "shuffle_questions": quiz.shuffle_questions,
        "shuffle_choices": quiz.shuffle_choices,
        "time_limit_minutes": quiz.time_limit_minutes,
        "max_attempts": quiz.max_attempts,
        "grading": quiz.grading,
        "review": quiz.review,
        "layout": quiz.layout,
        "opens_at": naive(quiz.opens_at),
        "closes_at": naive(quiz.closes_at),
    }


def _definition(form: QuizForm, quiz: Quiz | None) -> QuizDef:
    """The builder's fields as a quiz definition, checked like a quiz file."""
    slug = (form.slug.data or "").strip()
    if not slug:
        slug = quiz.slug if quiz else quiz_rules.free_quiz_slug(form.title.data, current_user)
    draw = form.mode.data == "draw"
    rules = (
        tuple(
            DrawRule(
                count=rule["count"],
                themes=tuple(rule["themes"]),
                types=tuple(rule["types"]),
                difficulty=tuple(rule["difficulty"]),
                points=rule["points"],
            )
            for rule in form.drawn_rules()
        )
        if draw
        else ()
    )
    return QuizDef(
        id=slug,
        title=form.title.data.strip(),
        body=(form.description.data or "").strip(),
        questions=() if draw else tuple(form.question_keys()),
        draw=rules,
        shuffle_questions=form.shuffle_questions.data,
        shuffle_choices=form.shuffle_choices.data,
        time_limit_minutes=form.time_limit_minutes.data,
        max_attempts=form.max_attempts.data,
        grading=form.grading.data,
        review=form.review.data,
        layout=form.layout.data,
    )


def _sample(definition: QuizDef, form: QuizForm) -> list:
    """A sample draw of a quiz not saved yet, as a student would see it."""
    quiz = Quiz(slug=definition.id, owner_id=current_user.id)
    quiz_rules.apply_definition(quiz, definition, {key: q.id for key, q in quiz_rules.quiz_pool(current_user).items()})
    quiz.opens_at, quiz.closes_at = form.utc(form.opens_at), form.utc(form.closes_at)
    return _draw(quiz)


def _draw(quiz: Quiz) -> list:
    settings = quiz_rules.settings_for(quiz)
    seed = secrets.token_hex(8)
    chosen = quiz_services.choose_slots(quiz, seed, settings)
    return student_views(
        [services.marked(services.question_of(q.current_version), marks) for q, marks in chosen],
        seed,
        settings.shuffle_choices,
    )


def _builder(quiz: Quiz | None):
    """Show the builder; preview a sample draw, or save, the quiz its fields describe."""
    action = request.form.get("action", "")
    if request.method == "POST" and action == "from-selection":
        ids = [int(value) for value in request.form.getlist("question") if value.isdigit()]
        keys = [
            row.question.key
            for row in services.list_questions(current_user, services.BankFilters()).rows
            if row.question.id in ids and not row.question.retired
        ]
        form = QuizForm(formdata=None, data={"mode": "fixed", "questions": "\n".join(keys)})
    elif request.method == "GET" and quiz is not None:
        form = QuizForm(formdata=None, data=_form_data(quiz))
    else:
        form = QuizForm()
    themes = content.list_themes()
    for rule in form.rules:
        rule.themes.choices = [SelectChoice(t.slug, t.title) for t in themes]
    problems, sample, status = [], None, 200
    if request.method == "POST" and action in ("save", "preview"):
        if form.validate():
            definition = _definition(form, quiz)
            problems = quiz_rules.check_quiz(definition, current_user, quiz)
            if not problems and action == "save":
                quiz = quiz_rules.save_quiz(
                    definition,
                    current_user,
                    quiz=quiz,
                    opens_at=form.utc(form.opens_at),
                    closes_at=form.utc(form.closes_at),
                )
                flash(f"The quiz “{quiz.title}” is saved.", "success")
                return redirect(url_for("authoring.quiz", quiz_id=quiz.id))
            if not problems:
                try:
                    sample = _sample(definition, form)
                except quiz_services.AttemptError as exc:
                    problems = [exc.message]
        if problems or form.errors:
            status = 422
    if len(form.rules) < MAX_RULES and all(rule.count.data for rule in form.rules):
        form.rules.append_entry()
        form.rules[-1].themes.choices = [SelectChoice(t.slug, t.title) for t in themes]
    return render_template("authoring/quiz_form.html", form=form, quiz=quiz, problems=problems, sample=sample), status


@bp.route("/quizzes/new", methods=["GET", "POST"])
def new_quiz():
    """Build a new quiz (from the bank page's selection, or from nothing)."""
    return _builder(None)


@bp.route("/quizzes/<int:quiz_id>/edit", methods=["GET", "POST"])
def edit_quiz(quiz_id: int):
    """Change a quiz one built: its questions or rules and its settings."""
    return _builder(quiz_rules.get_own_quiz_or_404(quiz_id, current_user))


@bp.get("/quizzes/<int:quiz_id>")
def quiz(quiz_id: int):
    """Show a saved quiz: its questions or rules, its settings and what to do next."""
    quiz = quiz_rules.get_own_quiz_or_404(quiz_id, current_user)
    attempts = len(quiz_rules.quiz_attempts(quiz, current_user))
    return render_template(
        "authoring/quiz.html",
        quiz=quiz,
        keys=quiz_rules.quiz_keys(quiz),
        rules=quiz_rules.draw_rules_of(quiz),
        total=quiz_rules.quiz_totals([quiz])[quiz.id],
        attempts=attempts,
        settings=quiz_rules.settings_for(quiz),
        classes=_teaching(),
    )


def _teaching() -> list:
    """The classes the instructor teaches: to assign a quiz to, or to share a bank with."""
    return [s.class_ for s in class_services.classes_of(current_user) if s.role == class_services.INSTRUCTOR]


@bp.get("/quizzes/<int:quiz_id>/preview")
def quiz_preview(quiz_id: int):
    """Show a sample draw of the quiz as a student would see it (a new draw on each visit)."""
    quiz = quiz_rules.get_own_quiz_or_404(quiz_id, current_user)
    try:
        views, error = _draw(quiz), None
    except quiz_services.AttemptError as exc:
        views, error = [], exc.message
    return render_template("authoring/quiz_preview.html", quiz=quiz, views=views, error=error)


@bp.get("/quizzes/<int:quiz_id>/results")
def results(quiz_id: int):
    """List the graded attempts at the quiz one may read (see quiz_rules.quiz_attempts) with students and scores."""
    quiz = quiz_rules.get_own_quiz_or_404(quiz_id, current_user)
    return render_template("authoring/results.html", quiz=quiz, rows=quiz_rules.quiz_attempts(quiz, current_user))


@bp.get("/quizzes/<int:quiz_id>/attempts/<int:attempt_id>")
def attempt(quiz_id: int, attempt_id: int):
    """Show one attempt at the quiz with its answers, grades and the key."""
    quiz = quiz_rules.get_own_quiz_or_404(quiz_id, current_user)
    attempt = db.session.scalar(
        select(Attempt)
        .where(Attempt.id == attempt_id, Attempt.quiz_id == quiz.id)
        .options(selectinload(Attempt.items).selectinload(AttemptItem.version))
    )
    if attempt is None or (
        attempt.assignment_id is not None and not class_services.can_manage_attempt(current_user, attempt)
    ):
        abort(404)  # an attempt at a class's assignment is for that class's instructors (see quiz_rules.quiz_attempts)
    student = db.session.get(User, attempt.user_id)
    _, settings = quiz_rules.attempt_settings(attempt)
    items = quiz_services.review_items(attempt, settings) if not attempt.is_open else []
    return render_template("authoring/attempt.html", quiz=quiz, attempt=attempt, student=student, items=items)
