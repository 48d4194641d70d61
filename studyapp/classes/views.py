"""Class pages: the list, joining, the class, its roster, assignments, gradebook, item analysis and exports.

Every page of a class goes through `services.get_class_or_404`: only the class's instructors see it.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required
from markupsafe import Markup, escape
from wtforms.fields import SelectChoice

from studyapp.classes.forms import (
    ActionForm,
    AssignmentForm,
    ClassForm,
    CoInstructorForm,
    EditClassForm,
    JoinForm,
    RosterConfirmForm,
    RosterUploadForm,
    SectionForm,
    as_the_quiz,
)
from studyapp.core.exports import content_disposition
from studyapp.core.numbers import percent, points
from studyapp.domain import attempts as quizzes
from studyapp.domain import classes as services
from studyapp.domain import exports
from studyapp.domain import gradebook as books
from studyapp.domain.errors import DomainError
from studyapp.domain.lti import launches
from studyapp.domain.quizzes import Standing, quiz_totals, settings_for
from studyapp.extensions import limiter
from studyapp.models.base import utcnow
from studyapp.web.access import admin_required, instructor_required, safe_next, with_query
from studyapp.web.boundary import refuse
from studyapp.web.formatting import zone_for

bp = Blueprint(
    "classes", __name__, template_folder="templates", static_folder="static", static_url_path="/classes/static"
)

#: Failed and successful joins alike count towards this, per account: join codes are not for guessing.
JOIN_LIMIT = "30 per hour"
#: Join links opened per address.
JOIN_PAGE_LIMIT = "60 per minute"


def _join_key() -> str:
    """Count joins per account, not per session (signing out and in again gives no new allowance)."""
    return f"join:{current_user.id}" if current_user.is_authenticated else f"join-visitor:{get_remote_address()}"


#: One allowance for the typed code and the join link together.
join_limit = limiter.shared_limit(JOIN_LIMIT, scope="join-code", key_func=_join_key, methods=["POST"])


@bp.context_processor
def _helpers():
    return {"attempt_url": attempt_url}


def attempt_url(attempt_id: int) -> str:
    """The instructor's view of an attempt (the quiz blueprint's), by endpoint when it exists."""
    if "quiz.manage_attempt" in current_app.view_functions:
        return url_for("quiz.manage_attempt", attempt_id=attempt_id)
    return f"/manage/attempts/{attempt_id}"


# --- the list and joining -----------------------------------------------------------------------------


@bp.get("/classes")
@login_required
def index():
    """List the classes the user teaches and takes, with a form to join one."""
    summaries = services.classes_of(current_user)
    return render_template(
        "classes/index.html",
        join_form=JoinForm(),
        teaching=[s for s in summaries if s.role == services.INSTRUCTOR],
        taking=[s for s in summaries if s.role == services.STUDENT],
    )


@bp.post("/classes/join")
@login_required
@join_limit
def join_with_code():
    """Join a class with the code typed on the class list."""
    form = JoinForm()
    if not form.validate_on_submit():
        flash("Type the join code your instructor gave you.", "error")
        return redirect(url_for("classes.index"))
    return _join(form.code.data)


def _join(code: str):
    try:
        class_ = services.join_with_code(code, current_user)
    except DomainError as exc:
        return refuse(exc, url_for("classes.index"))
    flash(f"You are in {class_.name}. Its quizzes are on your quiz list.", "success")
    return redirect(url_for("quiz.index"))


@bp.route("/join/<code>", methods=["GET", "POST"])
@limiter.limit(JOIN_PAGE_LIMIT, methods=["GET"])
@join_limit
def join(code: str):
    """Show the class a join link (or a personal invitation code) leads to and join it on confirmation
    (sign in or sign up first)."""
    try:
        class_, invitation = services.resolve_code(code)
    except services.JoinError:
        abort(404)
    form = ActionForm()
    if request.method == "POST":
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.path))
        if form.validate_on_submit():
            return _join(code)
    member = services.membership(class_, current_user) if current_user.is_authenticated else None
    return render_template(
        "classes/join.html",
        class_=class_,
        code=services.normalize_code(code),
        personal=invitation is not None,
        form=form,
        member=member,
        instructors=services.instructors_of(class_),
    )


# --- creating and running a class -------------------------------------------------------------------------


@bp.route("/classes/new", methods=["GET", "POST"])
@instructor_required
def new():
    """Create a class: its name, term and sections."""
    form = ClassForm()
    if form.validate_on_submit():
        class_ = services.create_class(
            current_user,
            name=form.name.data,
            term=form.term.data or "",
            sections=services.section_names(form.sections.data),
        )
        flash(f"Created {class_.name}. Share the join code or link with your students.", "success")
        return redirect(url_for("classes.show", class_id=class_.id))
    return render_template("classes/new.html", form=form), 200 if not form.errors else 422


@bp.get("/classes/<int:class_id>")
@login_required
def show(class_id: int):
    """The class: its join code and link, sections, assignments and instructors."""
    class_ = services.get_class_or_404(class_id, current_user)
    edit_form = EditClassForm(obj=class_)
    return _show(class_, edit_form=edit_form)


def _show(class_, *, edit_form=None, section_form=None, status=200):
    columns = books.columns_of(class_)
    books.set_points(columns, {})  # each assignment's total
    return render_template(
        "classes/show.html",
        class_=class_,
        columns=columns,
        now=utcnow(),
        action=ActionForm(),
        edit_form=edit_form or EditClassForm(obj=class_),
        section_form=section_form or SectionForm(),
        join_url=url_for("classes.join", code=class_.join_code, _external=True),
        instructors=services.instructors_of(class_),
        sections=class_.sections,
        lms=launches.context_of_class(class_.id),
    ), status


@bp.post("/classes/<int:class_id>/edit")
@login_required
def edit(class_id: int):
    """Rename the class, or change its term or time zone."""
    class_ = services.get_class_or_404(class_id, current_user)
    form = EditClassForm()
    if not form.validate_on_submit():
        return _show(class_, edit_form=form, status=422)
    services.update_class(class_, name=form.name.data, term=form.term.data or "", time_zone=form.time_zone.data)
    flash("The class is saved.", "success")
    return redirect(url_for("classes.show", class_id=class_.id))


@bp.post("/classes/<int:class_id>/sections")
@login_required
def add_section(class_id: int):
    """Add a section to the class."""
    class_ = services.get_class_or_404(class_id, current_user)
    form = SectionForm()
    if not form.validate_on_submit():
        return _show(class_, section_form=form, status=422)
    added = services.add_sections(class_, [form.section.data])
    flash(
        f"Added the section {added[0].name}." if added else "The class already has that section.",
        "success" if added else "info",
    )
    return redirect(url_for("classes.show", class_id=class_.id, _anchor="sections"))


@bp.route("/classes/<int:class_id>/join-code", methods=["GET", "POST"])
@login_required
def regenerate_code(class_id: int):
    """Ask, then give the class a new join code; the old code and link stop working."""
    class_ = services.get_class_or_404(class_id, current_user)
    back = url_for("classes.show", class_id=class_.id)
    if ActionForm().validate_on_submit():
        code = services.regenerate_join_code(class_, actor=current_user)
        flash(f"The new join code is {code}. The old code and link no longer work.", "success")
        return redirect(back)
    if request.method == "POST":
        return redirect(back)
    return _confirm(class_, "join_code", back)


def _confirm(class_, what: str, back: str, **context):
    """The confirmation step of an action that cannot be undone: a page that says what happens, and a button."""
    return render_template("classes/confirm.html", class_=class_, what=what, back=back, **context)


# --- the roster --------------------------------------------------------------------------------------------


@bp.get("/classes/<int:class_id>/roster")
@login_required
def roster(class_id: int):
    """The students (with their sections) and the instructors of the class."""
    class_ = services.get_class_or_404(class_id, current_user)
    return _roster(class_, CoInstructorForm())


def _roster(class_, co_form, status=200):
    return render_template(
        "classes/roster.html",
        class_=class_,
        students=services.students_of(class_),
        invitations=services.invitations_of(class_),
        sections=class_.sections,
        instructors=services.instructors_of(class_),
        co_form=co_form,
        action=ActionForm(),
    ), status


@bp.post("/classes/<int:class_id>/roster/<int:user_id>/section")
@login_required
def set_section(class_id: int, user_id: int):
    """Move a student to another section (or to none)."""
    class_ = services.get_class_or_404(class_id, current_user)
    back = url_for("classes.roster", class_id=class_.id)
    if not ActionForm().validate_on_submit():
        return redirect(back)
    raw = request.form.get("section", "")
    try:
        services.set_section(class_, user_id, int(raw) if raw.isdigit() else None, actor=current_user)
    except DomainError as exc:
        return refuse(exc, back)
    flash("The section is saved.", "success")
    return redirect(back)


@bp.route("/classes/<int:class_id>/roster/<int:user_id>/remove", methods=["GET", "POST"])
@login_required
def remove_student(class_id: int, user_id: int):
    """Ask, then take a student off the roster (their attempts are kept)."""
    class_ = services.get_class_or_404(class_id, current_user)
    back = url_for("classes.roster", class_id=class_.id)
    if not ActionForm().validate_on_submit():
        if request.method == "POST":
            return redirect(back)
        return _confirm(class_, "student", back, entry=services.get_roster_entry_or_404(class_, user_id))
    try:
        user = services.remove_student(class_, user_id, actor=current_user)
    except DomainError as exc:
        return refuse(exc, back)
    flash(f"Removed {user.display_name} from the class.", "success")
    return redirect(back)


@bp.post("/classes/<int:class_id>/instructors")
@login_required
def add_instructor(class_id: int):
    """Add a co-instructor by the email of their instructor account."""
    class_ = services.get_class_or_404(class_id, current_user)
    form = CoInstructorForm()
    if not form.validate_on_submit():
        return _roster(class_, form, 422)
    try:
        user = services.add_co_instructor(class_, form.email.data, actor=current_user)
    except DomainError as exc:
        form.email.errors.append(exc.message)
        return _roster(class_, form, 422)
    flash(f"{user.display_name} now teaches this class.", "success")
    return redirect(url_for("classes.roster", class_id=class_.id))


@bp.post("/classes/<int:class_id>/instructors/<int:user_id>/remove")
@login_required
def remove_instructor(class_id: int, user_id: int):
    """Stop a co-instructor teaching the class."""
    class_ = services.get_class_or_404(class_id, current_user)
    back = url_for("classes.roster", class_id=class_.id)
    if not ActionForm().validate_on_submit():
        return redirect(back)
    try:
        user = services.remove_co_instructor(class_, user_id, actor=current_user)
    except DomainError as exc:
        return refuse(exc, back)
    flash(f"{user.display_name} no longer teaches this class.", "success")
    return redirect(url_for("classes.index") if user.id == current_user.id else back)


@bp.route("/classes/<int:class_id>/roster/import", methods=["GET", "POST"])
@login_required
def import_roster(class_id: int):
    """Upload a roster CSV and see what it would do, or what is wrong with it, line by line."""
    class_ = services.get_class_or_404(class_id, current_user)
    form = RosterUploadForm()
    plan = text = None
    if form.validate_on_submit():
        data = form.roster.data.read()
        plan = services.plan_roster_import(class_, data)
        if plan.ok:
            text = data.decode("utf-8-sig")
    status = 422 if form.errors or (plan is not None and not plan.ok) else 200
    return render_template(
        "classes/import.html",
        class_=class_,
        form=form,
        plan=plan,
        confirm=RosterConfirmForm(roster_text=text) if text else None,
    ), status


@bp.post("/classes/<int:class_id>/roster/import/confirm")
@login_required
def confirm_import(class_id: int):
    """Apply a checked roster: all of it, or nothing if a problem appeared since the check."""
    class_ = services.get_class_or_404(class_id, current_user)
    form = RosterConfirmForm()
    if not form.validate_on_submit():
        flash("Upload the roster file again.", "error")
        return redirect(url_for("classes.import_roster", class_id=class_.id))
    plan = services.import_roster(class_, form.roster_text.data, actor=current_user)
    if not plan.ok:
        return render_template(
            "classes/import.html", class_=class_, form=RosterUploadForm(), plan=plan, confirm=None
        ), 422
    invited = plan.count(services.INVITE)
    flash(
        f"Invited {invited} student{'' if invited == 1 else 's'}; "
        f"{plan.count(services.ALREADY_INVITED)} already invited, "
        f"{plan.count(services.ALREADY_IN_CLASS)} already in the class. "
        "Print the personal codes and hand them out: each student joins by entering theirs.",
        "success",
    )
    return redirect(url_for("classes.roster", class_id=class_.id, _anchor="invitations"))


@bp.post("/classes/<int:class_id>/invitations/<int:invitation_id>/withdraw")
@login_required
def withdraw_invitation(class_id: int, invitation_id: int):
    """Cancel an invitation nobody has used; its code stops working."""
    class_ = services.get_class_or_404(class_id, current_user)
    back = url_for("classes.roster", class_id=class_.id, _anchor="invitations")
    if not ActionForm().validate_on_submit():
        return redirect(back)
    try:
        invitation = services.withdraw_invitation(class_, invitation_id, actor=current_user)
    except DomainError as exc:
        return refuse(exc, back)
    flash(f"Withdrew the invitation for {invitation.name}; its code no longer works.", "success")
    return redirect(back)


@bp.get("/classes/<int:class_id>/invitations/print")
@login_required
def print_invitations(class_id: int):
    """The personal codes of the invitations nobody has used yet, one slip per student, to print."""
    class_ = services.get_class_or_404(class_id, current_user)
    return render_template(
        "classes/invitations_print.html",
        class_=class_,
        invitations=services.invitations_of(class_),
        join_page=url_for("classes.index", _external=True),
        signup_page=url_for("auth.signup", _external=True),
    )


@bp.get("/classes/<int:class_id>/roster/changes")
@login_required
def roster_changes(class_id: int):
    """Who changed the roster, when, and whom it concerned, newest first."""
    class_ = services.get_class_or_404(class_id, current_user)
    log = services.roster_log(class_.id, before=request.args.get("before", type=int))
    return render_template("classes/roster_changes.html", class_=class_, log=log)


@bp.get("/admin/roster-changes")
@admin_required
def all_roster_changes():
    """Every class's roster changes, newest first, for an administrator."""
    log = services.roster_log(before=request.args.get("before", type=int))
    return render_template("classes/roster_changes.html", class_=None, log=log)


# --- assignments -------------------------------------------------------------------------------------------


def _assignment_form(class_, obj=None) -> tuple[AssignmentForm, list[dict]]:
    """The form, its dates on the clock of the zone that applies, and what each assignable quiz says
    ("As the quiz says": its own settings and total), in the select's order."""
    form = AssignmentForm(time_zone=zone_for(class_))
    assignable = services.assignable_quizzes(current_user)
    totals = quiz_totals(assignable)
    form.quiz.choices = [
        SelectChoice(q.id, q.title + ("" if q.is_shipped else " (yours)") + f": {worth(totals[q.id])}")
        for q in assignable
    ]
    if obj is not None and request.method == "GET":
        form.fill(obj)
    elif request.method == "GET" and (quiz_id := request.args.get("quiz", type=int)):
        form.quiz.data = quiz_id  # "Assign to a class" from a quiz's page
    said = [
        {
            "id": q.id,
            "title": q.title,
            "total": worth(totals[q.id]),
            "settings": as_the_quiz(settings_for(q), form.zone),
        }
        for q in assignable
    ]
    return form, said


def worth(total: float) -> str:
    """A quiz's total in words, as the quiz menu shows it: "8 points", "1 point", "15.13 points"."""
    text = points(total)
    return f"{text} point{'' if text == '1' else 's'}"


@bp.route("/classes/<int:class_id>/assignments/new", methods=["GET", "POST"])
@login_required
def new_assignment(class_id: int):
    """Assign a quiz to the class, with dates and any settings that differ from the quiz's."""
    class_ = services.get_class_or_404(class_id, current_user)
    return _save_assignment(class_, None)


@bp.route("/classes/<int:class_id>/assignments/<int:assignment_id>/edit", methods=["GET", "POST"])
@login_required
def edit_assignment(class_id: int, assignment_id: int):
    """Change an assignment's dates or settings."""
    class_ = services.get_class_or_404(class_id, current_user)
    assignment = services.get_assignment_or_404(class_, assignment_id)
    return _save_assignment(class_, assignment)


def _save_assignment(class_, assignment):
    form, said = _assignment_form(class_, assignment)
    if form.validate_on_submit():
        quiz = next(q for q in services.assignable_quizzes(current_user) if q.id == form.quiz.data)
        try:
            saved = services.save_assignment(class_, assignment, quiz, form.values())
        except DomainError as exc:
            form.form_errors.append(exc.message)
        else:
            flash(f"{saved.title} is assigned to {class_.name}.", "success")
            then = safe_next(request.args.get("then")) if assignment is None else None
            if then:  # a flow that assigns on its way (adding a quiz from an LMS): it goes on with the new id
                return redirect(with_query(then, assignment=saved.id))
            return redirect(url_for("classes.show", class_id=class_.id, _anchor="assignments"))
    status = 422 if form.errors or form.form_errors else 200
    # The quiz the select shows: the one chosen, else its first.
    selected = next((row for row in said if row["id"] == form.quiz.data), said[0] if said else None)
    return render_template(
        "classes/assignment_form.html",
        class_=class_,
        assignment=assignment,
        form=form,
        said=said,
        selected=selected,
        own_zone=bool(current_user.time_zone),
    ), status


@bp.route("/classes/<int:class_id>/assignments/<int:assignment_id>/delete", methods=["GET", "POST"])
@login_required
def delete_assignment(class_id: int, assignment_id: int):
    """Ask, then remove an assignment nobody has started."""
    class_ = services.get_class_or_404(class_id, current_user)
    assignment = services.get_assignment_or_404(class_, assignment_id)
    back = url_for("classes.show", class_id=class_.id, _anchor="assignments")
    if not ActionForm().validate_on_submit():
        if request.method == "POST":
            return redirect(back)
        return _confirm(class_, "assignment", back, assignment=assignment, removable=services.removable(assignment))
    try:
        services.delete_assignment(assignment)
    except DomainError as exc:
        return refuse(exc, back)
    flash("The assignment is removed.", "success")
    return redirect(back)


@bp.route("/classes/<int:class_id>/assignments/<int:assignment_id>/close", methods=["GET", "POST"])
@login_required
def close_assignment(class_id: int, assignment_id: int):
    """Ask, then close an assignment now: no attempt starts or takes an answer after it, open ones are submitted."""
    class_ = services.get_class_or_404(class_id, current_user)
    assignment = services.get_assignment_or_404(class_, assignment_id)
    back = url_for("classes.show", class_id=class_.id, _anchor="assignments")
    form = ActionForm()
    if form.validate_on_submit():
        try:
            submitted = quizzes.close_assignment_now(assignment)
        except DomainError as exc:
            return refuse(exc, back)
        message = f"{assignment.title} is closed."
        if submitted:
            message += f" {submitted} open attempt{'' if submitted == 1 else 's'} submitted with the answers saved."
        flash(message, "success")
        return redirect(back)
    settings = quizzes.settings_for(assignment.quiz, assignment.overrides())
    return render_template(
        "classes/close.html",
        class_=class_,
        assignment=assignment,
        settings=settings,
        closed=settings.closes_at is not None and settings.closes_at <= utcnow(),
        open_attempts=quizzes.open_attempts_at(assignment),
        form=form,
    )


@bp.post("/assignments/<int:assignment_id>/start")
@login_required
def start_assignment(assignment_id: int):
    """Start (or resume) an attempt at an assignment of one of the student's classes."""
    assignment = services.get_student_assignment_or_404(assignment_id, current_user)
    try:
        attempt = quizzes.start_attempt(assignment.quiz, current_user, assignment=assignment)
    except DomainError as exc:
        return refuse(exc, url_for("quiz.index"))
    return redirect(url_for("quiz.attempt", attempt_id=attempt.id))


# --- the gradebook, the item analysis and the exports ---------------------------------------------------------


@bp.get("/classes/<int:class_id>/gradebook")
@login_required
def gradebook(class_id: int):
    """Students x assignments: each cell's grade and state, and per-theme averages; sorted by any column."""
    class_ = services.get_class_or_404(class_id, current_user)
    book = books.gradebook(class_)
    sort = request.args.get("sort", "name")
    if not books.SORT_KEY.match(sort):
        sort = "name"
    descending = request.args.get("dir") == "desc"
    books.sort_rows(book, sort, descending)
    cells = _gradebook_cells(book, url_for("classes.gradebook", class_id=class_.id))
    return render_template(
        "classes/gradebook.html",
        class_=class_,
        book=book,
        rows=list(zip(book.rows, cells, strict=True)),
        sort=sort,
        descending=descending,
        formats=exports.FORMATS,
    )


def _gradebook_cells(book: books.Gradebook, base: str) -> list[Markup]:
    """Each row's grade and theme cells as HTML, escaped here: a class of 300 students and 20 assignments has
    6,000 cells, and the template's work per cell (a lookup and an escape per value, a filter per number) was half
    the page's time. The pieces repeat (a grade, a state, a theme average), so each is formatted and escaped once;
    a cell links to `classes.cell` (`base`/<assignment id>/<user id>)."""
    link = escape(base)
    states = {
        state: f'<span class="state state-{escape(state)}">{escape(state.label)}</span></a></td>' for state in Standing
    }
    grades: dict[float | None, str] = {}
    averages: dict[float | None, str] = {}
    html = []
    for row in book.rows:
        parts = []
        for aid, cell in row.cells.items():
            grade = grades.get(cell.score)
            if grade is None:
                grade = grades[cell.score] = escape(points(cell.score))
            parts.append(f'<td class="num"><a href="{link}/{aid:d}/{row.user_id:d}">{grade}{states[cell.state]}')
        for value in row.themes.values():
            average = averages.get(value)
            if average is None:
                shown = percent(value / 100) if value is not None else "—"
                average = averages[value] = f'<td class="num theme-col">{escape(shown)}</td>'
            parts.append(average)
        html.append(Markup("".join(parts)))
    return html


@bp.route("/classes/<int:class_id>/gradebook/<int:assignment_id>/<int:user_id>", methods=["GET", "POST"])
@login_required
def cell(class_id: int, assignment_id: int, user_id: int):
    """One student's attempts at one assignment, with a button to excuse them from it (or undo that)."""
    class_ = services.get_class_or_404(class_id, current_user)
    assignment = services.get_assignment_or_404(class_, assignment_id)
    entry = services.get_roster_entry_or_404(class_, user_id)
    form = ActionForm()
    if form.validate_on_submit():
        excuse = request.form.get("excused") == "1"
        services.set_excused(assignment, user_id, excuse, current_user)
        flash(
            f"{entry.user.display_name} is {'excused from' if excuse else 'no longer excused from'} "
            f"{assignment.title}.",
            "success",
        )
        return redirect(url_for("classes.cell", class_id=class_.id, assignment_id=assignment.id, user_id=user_id))
    excused = (assignment.id, user_id) in books.excused_pairs(class_.id)
    return render_template(
        "classes/cell.html",
        class_=class_,
        assignment=assignment,
        student=entry,
        attempts=books.cell_attempts(assignment, user_id),
        excused=excused,
        form=form,
    )


@bp.get("/classes/<int:class_id>/assignments/<int:assignment_id>/analysis")
@login_required
def analysis(class_id: int, assignment_id: int):
    """Item analysis of an assignment: Moodle's statistics, flags, choice frequencies and two charts."""
    class_ = services.get_class_or_404(class_id, current_user)
    assignment = services.get_assignment_or_404(class_, assignment_id)
    return render_template(
        "classes/analysis.html", class_=class_, assignment=assignment, result=books.item_analysis(class_, assignment)
    )


@bp.get("/classes/<int:class_id>/export/<kind>.<fmt>")
@login_required
def export(class_id: int, kind: str, fmt: str):
    """Download the gradebook (Canvas layout) or the responses, as CSV or XLSX, streamed."""
    class_ = services.get_class_or_404(class_id, current_user)
    if kind not in exports.KINDS or fmt not in exports.FORMATS:
        abort(404)
    result = exports.export(class_, kind, fmt)
    return Response(
        stream_with_context(result.chunks),
        content_type=result.mimetype,
        headers={
            "Content-Disposition": content_disposition(result.filename),
            "Cache-Control": "no-store",
        },
    )
