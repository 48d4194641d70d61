"""Seed a benchmark database: a year group, its classes, a term of quizzes and the morning of an exam.

What it builds (the defaults; `SeedPlan.smoke()` is a tiny version for CI):

- 300 students in 10 classes of 30 ("History 11A" ... "11J"), each taught by its own instructor. The
  same 300 students make up the year group's course, "History, Year 11" (one section per class), run
  by the head of department: that is the 300-student class whose gradebook and export are measured.
- A term: 20 quizzes of 30 questions from the shipped banks (29 marked automatically and one essay),
  assigned to the course one after another over 16 weeks. Nearly every student takes each one (15 %
  twice, 3 % never, 1 % excused), answering as well as their own ability allows; 90 % of the essays
  are graded. Each student's misses fill their review queue.
- The exam morning: mock exam papers of 10 questions on one page, with a 90-minute limit, assigned to
  every class. Each student has an open attempt at every paper with most answers saved: paper A for
  the quiz page and the autosaves, each further paper for one run of submissions (so each is real).

Accounts, classes, sections, memberships, quizzes, assignments and excusals are made by the app's
services (`create_user`, `create_class`, `join_class`, `set_section`, `save_quiz`, `save_assignment`,
`set_excused`). Attempts are too many for one service call each (6,000 past attempts, 180,000
answers, then 300 per exam paper), so they are written in bulk, built by the same functions the
services use: questions chosen by `choose_questions` and shuffled as it shuffles them, answers graded
by `core.grading` as `grade_attempt` grades them, essays by `grade_essay`, and each miss queued for
review with `core.mastery` as `queue_misses` queues it. Every account has the same password, hashed
once (argon2 takes 90 ms a hash).
"""

from __future__ import annotations

import functools
import json
import random
import string
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

#: Every seeded account signs in with this password.
PASSWORD = "bench-password-Document-58"
EMAIL_DOMAIN = "bench.studyapp.example"
TERM_WEEKS = 16
EXAM_MINUTES = 90
#: Rows written per INSERT batch.
BATCH = 5000


@dataclass(frozen=True)
class SeedPlan:
    students: int = 300
    classes: int = 10
    quizzes: int = 20
    questions: int = 30
    exam_questions: int = 10
    #: Mock exam papers: paper A for page views and saves, then one per run of submissions.
    papers: int = 4
    #: Share of students who take a term quiz twice, who never take it, who are excused from it.
    retake_rate: float = 0.15
    skip_rate: float = 0.03
    excuse_rate: float = 0.01
    #: Share of the term's essays graded so far.
    essays_graded: float = 0.9
    #: Share of an open exam attempt's questions answered so far.
    exam_answered: float = 0.8
    rng_seed: int = 58

    @classmethod
    def smoke(cls, papers: int = 2) -> SeedPlan:
        # Enough students and questions that one wrk thread comes back to the same question of the same
        # attempt only after 120 requests: two saves of one answer are never in flight at once, as in a browser.
        return cls(students=24, classes=2, quizzes=3, questions=10, exam_questions=10, papers=papers)

    def summary(self) -> dict:
        return {
            "students": self.students,
            "classes": self.classes,
            "quizzes": self.quizzes,
            "questions_per_quiz": self.questions,
            "exam_questions": self.exam_questions,
            "exam_papers": self.papers,
        }


@dataclass
class Seeded:
    """What the load needs to know of the seeded data: ids and emails, no ORM objects."""

    head_email: str
    #: The year group's course: every student, one section per class.
    course_id: int
    student_emails: list[str]
    #: email -> id of the student's open attempt at each exam paper (0: paper A).
    exam_attempts: dict[str, list[int]]
    passage_slugs: list[str]
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def student_email(n: int) -> str:
    return f"student{n:03d}@{EMAIL_DOMAIN}"


@contextmanager
def _one_hash():
    """Hash the shared password once for every account the seed creates."""
    from studyapp.domain import accounts as accounts

    original = accounts.hash_password
    accounts.hash_password = functools.lru_cache(maxsize=4)(original)
    try:
        yield
    finally:
        accounts.hash_password = original


def seed(app, plan: SeedPlan, *, log=print) -> Seeded:
    """Load the shipped content into the app's (migrated, empty) database and build the plan; commit."""
    from studyapp.domain.library import load_shipped_content
    from studyapp.extensions import db

    started = time.perf_counter()
    with app.app_context(), _one_hash():
        load_shipped_content(app.config["CONTENT_DIR"])
        db.session.commit()
        seeded = _Seeder(plan, log).run()
        db.session.commit()
        seeded.counts = counts()
        db.session.remove()
    seeded.seconds = time.perf_counter() - started
    return seeded


def counts() -> dict[str, int]:
    """Rows per table of the seeded data (inside an app context)."""
    from sqlalchemy import func, select

    from studyapp.extensions import db
    from studyapp.models import (
        Assignment,
        Attempt,
        AttemptItem,
        Class,
        Excusal,
        Membership,
        Quiz,
        ReviewCard,
        ReviewMiss,
        User,
    )

    models = (User, Class, Membership, Quiz, Assignment, Excusal, Attempt, AttemptItem, ReviewCard, ReviewMiss)
    return {m.__tablename__: db.session.scalar(select(func.count()).select_from(m)) for m in models}


class _Seeder:
    def __init__(self, plan: SeedPlan, log) -> None:
        self.plan = plan
        self.log = log
        self.rng = random.Random(plan.rng_seed)
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.attempts: list[dict] = []
        self.items: list[dict] = []
        #: user id -> [(answered at, item id, fraction of the points, question version id)] of the term's misses.
        self.misses: dict[int, list[tuple]] = {}
        self._graded: dict[tuple, tuple] = {}

    def run(self) -> Seeded:
        from sqlalchemy import func, select

        from studyapp.domain import points
        from studyapp.extensions import db
        from studyapp.models import Attempt, AttemptItem, Passage

        self.next_attempt = (db.session.scalar(select(func.max(Attempt.id))) or 0) + 1
        self.next_item = (db.session.scalar(select(func.max(AttemptItem.id))) or 0) + 1
        self._load_pool()
        head, teachers, students = self._people()
        course, classes = self._classes(head, teachers, students)
        head_email, emails, ids = head.email, [s.email for s in students], [s.id for s in students]
        db.session.commit()
        for quiz, assignment, opens in self._term(head, course):
            self._term_attempts(quiz, assignment, opens, ids, head)
        written = len(self.attempts)
        self._write()
        self.log(f"seed: the term's {written} attempts written")
        self._queue()
        db.session.commit()
        exam = self._exam(classes)
        self._write()
        points.rebuild_all()  # the attempts were written in bulk, around the grading events that keep it
        db.session.commit()
        slugs = list(db.session.scalars(select(Passage.slug).order_by(Passage.document_id, Passage.position)))
        return Seeded(
            head_email=head_email, course_id=course.id, student_emails=emails, exam_attempts=exam, passage_slugs=slugs
        )

    # --- the question pool ------------------------------------------------------------------------

    def _load_pool(self) -> None:
        from studyapp.core import grading
        from studyapp.domain.attempts import evidence_quotes
        from studyapp.domain.questions import question_of, shipped_questions

        questions = sorted((q for q in shipped_questions().values() if not q.retired), key=lambda q: q.key)
        parsed = {q.key: question_of(q.current_version) for q in questions}
        quotes = evidence_quotes(list(parsed.values()))
        #: version id -> (parsed question, its passage's quote, the key's response, option ids)
        self.versions = {}
        self.keys_by_type: dict[str, list[str]] = {}
        for q in questions:
            question = parsed[q.key]
            quote = quotes.get(question.evidence_passage)
            options = tuple(o.id for o in grading.presentation(question, "", False, quote=quote).options)
            self.versions[q.current_version.id] = (
                question,
                quote,
                grading.correct_response(question, quote=quote),
                options,
            )
            self.keys_by_type.setdefault(question.type, []).append(q.key)

    def _pick(self, count: int, *, essays: int) -> tuple[str, ...]:
        """`count` question keys taking each type in turn, `essays` of them essays, in a random order."""
        types = [t for t in sorted(self.keys_by_type) if t != "essay"]
        pools = {t: self.rng.sample(self.keys_by_type[t], len(self.keys_by_type[t])) for t in types}
        chosen = list(self.rng.sample(self.keys_by_type.get("essay", []), essays))
        while len(chosen) < count:
            if not any(pools.values()):
                raise ValueError(f"the shipped banks hold fewer than {count} questions")
            for t in types:
                if pools[t] and len(chosen) < count:
                    chosen.append(pools[t].pop())
        return tuple(self.rng.sample(chosen, len(chosen)))

    # --- people and classes -----------------------------------------------------------------------

    def _people(self):
        from studyapp.domain.accounts import create_user
        from studyapp.models import Role

        head = create_user(
            email=f"head@{EMAIL_DOMAIN}", display_name="Head of History", password=PASSWORD, role=Role.INSTRUCTOR
        )
        teachers = [
            create_user(
                email=f"teacher{n:02d}@{EMAIL_DOMAIN}",
                display_name=f"Teacher {_letter(n)}",
                password=PASSWORD,
                role=Role.INSTRUCTOR,
            )
            for n in range(self.plan.classes)
        ]
        students = [
            create_user(email=student_email(n), display_name=_name(self.rng), password=PASSWORD)
            for n in range(self.plan.students)
        ]
        #: How likely each student is to answer a question of middling difficulty right.
        self.ability = {s.id: self.rng.uniform(0.45, 0.95) for s in students}
        return head, teachers, students

    def _classes(self, head, teachers, students):
        from studyapp.domain import classes as classes

        names = [f"11{_letter(n)}" for n in range(self.plan.classes)]
        course = classes.create_class(head, name="History, Year 11", term="Autumn term", sections=names)
        sections = {s.name: s.id for s in course.sections}
        taught = [
            classes.create_class(teacher, name=f"History {names[n]}", term="Autumn term")
            for n, teacher in enumerate(teachers)
        ]
        for n, student in enumerate(students):
            group = n * self.plan.classes // len(students)
            classes.join_class(taught[group], student)
            classes.join_class(course, student)
            classes.set_section(course, student.id, sections[names[group]])
        self.log(f"seed: {len(students)} students in {len(taught)} classes and the year group's course")
        return course, list(zip(taught, teachers))

    # --- the term -----------------------------------------------------------------------------------

    def _term(self, head, course):
        """The term's quizzes, each assigned to the course for a week."""
        from studyapp.core.qformat.quizdef import QuizDef
        from studyapp.domain import classes as classes
        from studyapp.domain.quizzes import save_quiz

        start = self.now - timedelta(weeks=TERM_WEEKS)
        step = timedelta(weeks=TERM_WEEKS - 2) / max(self.plan.quizzes, 1)
        term = []
        for n in range(1, self.plan.quizzes + 1):
            definition = QuizDef(
                id=f"term-quiz-{n:02d}",
                title=f"Week {n}: Document 58 review",
                description="Questions from every theme of the document.",
                questions=self._pick(self.plan.questions, essays=1 if self.plan.questions >= 5 else 0),
                shuffle_questions=True,
                shuffle_choices=True,
                max_attempts=2,
                grading="highest",
                review="after_submit",
                layout="one_page",
            )
            quiz = save_quiz(definition, head)
            opens = start + step * (n - 1)
            assignment = classes.save_assignment(
                course, None, quiz, {"opens_at": opens, "closes_at": opens + timedelta(days=7)}
            )
            term.append((quiz, assignment, opens))
        return term

    def _term_attempts(self, quiz, assignment, opens, student_ids, head) -> None:
        """Every student takes the assignment (once or twice), skips it or is excused from it."""
        from studyapp.domain import classes as classes

        versions = self._questions(quiz, assignment)
        for user_id in student_ids:
            roll = self.rng.random()
            if roll < self.plan.excuse_rate:
                classes.set_excused(assignment, user_id, True, head)
                continue
            if roll < self.plan.excuse_rate + self.plan.skip_rate:
                continue
            when = opens + timedelta(hours=self.rng.uniform(2, 150))
            for _ in range(2 if self.rng.random() < self.plan.retake_rate else 1):
                finished = when + timedelta(minutes=self.rng.uniform(12, 40))
                self._attempt(quiz, assignment, versions, user_id, when, finished=finished, grader=head.id)
                when = finished + timedelta(hours=self.rng.uniform(1, 20))

    def _questions(self, quiz, assignment):
        """The settings of the assignment and its quiz's questions with what each is worth (a drawn slot's
        marks), as `choose_slots` gives them unshuffled."""
        from studyapp.domain import attempts as quizzes

        settings = quizzes.settings_for(quiz, assignment.overrides())
        chosen = quizzes.choose_slots(quiz, "", replace(settings, shuffle_questions=False))
        return settings, [(q.current_version.id, marks) for q, marks in chosen]

    def _attempt(
        self,
        quiz,
        assignment,
        versions,
        user_id: int,
        when: datetime,
        *,
        finished: datetime | None,
        grader: int | None = None,
    ) -> int:
        """One attempt: submitted and graded if `finished`, else open with most answers saved."""
        from studyapp.core import grading
        from studyapp.models.attempts import IN_PROGRESS, SUBMITTED

        settings, chosen = versions
        seed = f"{self.rng.getrandbits(64):016x}"
        order = grading.shuffled(chosen, seed, "questions") if settings.shuffle_questions else chosen
        attempt_id, self.next_attempt = self.next_attempt, self.next_attempt + 1
        items = [
            self._item(attempt_id, position, version_id, points, user_id, when, finished, grader)
            for position, (version_id, points) in enumerate(order, 1)
        ]
        limit = settings.time_limit_minutes
        self.attempts.append(
            dict(
                id=attempt_id,
                quiz_id=quiz.id,
                user_id=user_id,
                practice=False,
                seed=seed,
                state=SUBMITTED if finished else IN_PROGRESS,
                started_at=when,
                deadline_at=when + timedelta(minutes=limit) if limit else None,
                submitted_at=finished,
                auto_submitted=False,
                assignment_id=assignment.id,
                max_score=sum(points for _, points in order),
                score=sum(item["score"] or 0.0 for item in items) if finished else None,
            )
        )
        self.items.extend(items)
        return attempt_id

    def _item(self, attempt_id, position, version_id, points, user_id, when, finished, grader) -> dict:
        """One item; a submitted attempt's is graded as `grade_attempt` (or, for an essay, a person) grades it."""
        from studyapp.core import grading
        from studyapp.domain.questions import marked

        question, _quote, correct, options = self.versions[version_id]
        item_id, self.next_item = self.next_item, self.next_item + 1
        row = dict(
            id=item_id,
            attempt_id=attempt_id,
            position=position,
            question_version_id=version_id,
            max_score=points,
            response=None,
            response_seq=0,
            saved_at=None,
            score=None,
            status=None,
            comment="",
            graded_by_id=None,
            graded_at=None,
        )
        share = 0.97 if finished else self.plan.exam_answered
        if question.type == "essay":
            row["response"] = _essay(self.rng)
        elif self.rng.random() < share:
            right = self.rng.random() < self.ability[user_id] - 0.08 * (question.difficulty - 2)
            row["response"] = correct if right else wrong_answer(question.type, correct, options, self.rng)
        if row["response"] is not None:
            row.update(response_seq=position, saved_at=when + timedelta(seconds=40 * position))
        if finished is None:
            return row
        if question.type == "essay":
            if self.rng.random() < self.plan.essays_graded:
                result = grading.grade_essay(
                    marked(question, points), round(points * self.rng.uniform(0.3, 1.0)), "Seen."
                )
                row.update(
                    score=result.score,
                    status=result.status,
                    comment="Seen.",
                    graded_by_id=grader,
                    graded_at=finished + timedelta(days=2),
                )
            else:
                row["status"] = grading.UNGRADED
            return row
        row["score"], row["status"] = self._grade(version_id, row["response"])
        row["score"] *= points / question.points  # out of the item's marks, as `grade_attempt` grades it
        if row["score"] < points - 1e-9 and points > 0:
            self.misses.setdefault(user_id, []).append(
                (row["saved_at"] or finished, item_id, row["score"] / points, version_id)
            )
        return row

    def _grade(self, version_id: int, response: dict | None) -> tuple[float, str]:
        """Grade a response as `grade_attempt` does (remembered: students give the same few answers)."""
        from studyapp.core import grading

        key = (version_id, json.dumps(response, sort_keys=True))
        if key not in self._graded:
            question, quote, *_ = self.versions[version_id]
            result = grading.grade(question, response or {}, quote=quote)
            answered = grading.is_answered(question, response or {})
            self._graded[key] = (result.score, result.status if answered else "unanswered")
        return self._graded[key]

    def _queue(self) -> None:
        """Put each student's misses into their review queue, one card per question, as `queue_misses` does."""
        from sqlalchemy import func, insert, select

        from studyapp.core.mastery import due_at, new_card, review
        from studyapp.extensions import db
        from studyapp.models import QuestionVersion, ReviewCard, ReviewMiss

        question_of_version = dict(db.session.execute(select(QuestionVersion.id, QuestionVersion.question_id)).all())
        now = self.now
        first_id = (db.session.scalar(select(func.max(ReviewCard.id))) or 0) + 1
        cards, counted = [], []
        for user_id, misses in self.misses.items():
            mine: dict[int, dict] = {}
            for _when, item_id, fraction, version_id in sorted(misses, key=lambda m: (m[0], m[1])):
                question_id = question_of_version[version_id]
                card = mine.get(question_id)
                if card is None:
                    state = new_card(now)
                    card = mine[question_id] = dict(
                        id=first_id + len(cards),
                        user_id=user_id,
                        question_id=question_id,
                        state=state,
                        due_at=due_at(state),
                        misses=0,
                        seed=f"{self.rng.getrandbits(64):016x}",
                        created_at=now,
                        updated_at=now,
                    )
                    cards.append(card)
                else:
                    state, _ = review(card["state"], fraction, now)
                    card["state"], card["due_at"] = {**state, "due": now.isoformat()}, now
                card["misses"] += 1
                counted.append(dict(attempt_item_id=item_id, card_id=card["id"], counted_at=now))
        for rows, model in ((cards, ReviewCard), (counted, ReviewMiss)):
            for start in range(0, len(rows), BATCH):
                db.session.execute(insert(model.__table__), rows[start : start + BATCH])
        self.log(f"seed: {len(counted)} misses queued for review on {len(cards)} cards")

    def _write(self) -> None:
        """Insert the attempts and items built so far, in batches."""
        from sqlalchemy import insert

        from studyapp.extensions import db
        from studyapp.models import Attempt, AttemptItem

        db.session.flush()
        for rows, model in ((self.attempts, Attempt), (self.items, AttemptItem)):
            for start in range(0, len(rows), BATCH):
                db.session.execute(insert(model.__table__), rows[start : start + BATCH])
        self.attempts, self.items = [], []

    # --- the exam morning ---------------------------------------------------------------------------

    def _exam(self, classes_) -> dict[str, list[int]]:
        """The mock exam papers, assigned to every class; each student has an open attempt at each."""
        from sqlalchemy import select

        from studyapp.core.qformat.quizdef import QuizDef
        from studyapp.domain import classes as classes
        from studyapp.domain.quizzes import save_quiz
        from studyapp.extensions import db
        from studyapp.models import Membership, User
        from studyapp.models.classes import STUDENT

        attempts: dict[str, list[int]] = {}
        started = self.now - timedelta(minutes=5)
        for paper in range(self.plan.papers):
            letter = string.ascii_uppercase[paper]
            questions = self._pick(self.plan.exam_questions, essays=0)
            for class_, teacher in classes_:
                definition = QuizDef(
                    id=f"mock-exam-{letter.lower()}",
                    title=f"Mock exam, paper {letter}",
                    description="Ten questions on Document 58, on one page.",
                    questions=questions,
                    shuffle_questions=True,
                    shuffle_choices=True,
                    time_limit_minutes=EXAM_MINUTES,
                    max_attempts=1,
                    grading="highest",
                    review="after_submit",
                    layout="one_page",
                )
                quiz = save_quiz(definition, teacher)
                assignment = classes.save_assignment(class_, None, quiz, {})
                versions = self._questions(quiz, assignment)
                for user_id, email in db.session.execute(
                    select(User.id, User.email)
                    .join(Membership, Membership.user_id == User.id)
                    .where(Membership.class_id == class_.id, Membership.role == STUDENT)
                    .order_by(User.id)
                ):
                    attempts.setdefault(email, []).append(
                        self._attempt(quiz, assignment, versions, user_id, started, finished=None)
                    )
        self.log(f"seed: {self.plan.papers} exam papers open for every student")
        return {email: attempts[email] for email in sorted(attempts)}


# --- answers -------------------------------------------------------------------------------------


def wrong_answer(kind: str, correct: dict, options: tuple[str, ...], rng: random.Random) -> dict:
    """A plausible wrong response, as the app stores it (option ids, not the page's), from the key's."""
    if kind in ("single", "truefalse"):
        wrong = [o for o in options if o != correct["choice"]]
        return {"choice": rng.choice(wrong)} if wrong else correct
    if kind in ("multiple", "evidence"):
        key = "choices" if kind == "multiple" else "sentences"
        chosen = set(correct[key])
        extra = [o for o in options if o not in chosen]
        if extra:
            chosen.add(rng.choice(extra))
        elif len(chosen) > 1:
            chosen.pop()
        return {key: sorted(chosen)}
    if kind == "ordering":
        order = list(correct["order"])
        order[0], order[-1] = order[-1], order[0]
        return {"order": order}
    if kind == "matching":
        lefts = sorted(correct["matches"])
        rights = [correct["matches"][left] for left in lefts]
        return {"matches": dict(zip(lefts, rights[1:] + rights[:1]))}
    if kind == "numeric":
        return {"value": "1900"}
    if kind == "short":
        return {"text": "I am not sure"}
    if kind == "cloze":
        return {"blanks": dict.fromkeys(correct["blanks"], "?")}
    return correct


def _essay(rng: random.Random) -> dict:
    return {
        "text": rng.choice(
            [
                "Haig reads the letter as a sign of Soviet nervousness; Brezhnev writes of détente.",
                "Dobrynin rejects linkage, and Haig calls it a fact of life.",
                "The letter blames the United States for the end of détente.",
            ]
        )
    }


FIRST = (
    "Alex",
    "Sam",
    "Jo",
    "Chris",
    "Pat",
    "Robin",
    "Kim",
    "Lee",
    "Morgan",
    "Taylor",
    "Jamie",
    "Casey",
    "Ana",
    "Ben",
    "Chloe",
    "Dev",
    "Ema",
    "Finn",
    "Gus",
    "Hana",
    "Ivo",
    "Jun",
    "Kai",
    "Lina",
)
LAST = (
    "Adams",
    "Baker",
    "Chen",
    "Diaz",
    "Evans",
    "Fischer",
    "Garcia",
    "Hughes",
    "Ito",
    "Jones",
    "Khan",
    "Lopez",
    "Meyer",
    "Novak",
    "Okafor",
    "Patel",
    "Quinn",
    "Rossi",
    "Singh",
    "Tanaka",
    "Ueda",
    "Vargas",
    "Weber",
    "Young",
)


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _letter(n: int) -> str:
    return string.ascii_uppercase[n % 26]
