"""text2qti's own examples read as text2qti 0.8.0 reads them (its `Quiz` class), or refused with a reason.

For each example the app's questions are set against text2qti's: the same type, text, choices and
which are right, feedback, points and numerical ranges, and the quiz's title. text2qti turns LaTeX
into images and the app keeps it as text; no example here has any.
"""

from __future__ import annotations

import dataclasses
import html
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from studyapp.core.qformat import ImportDefaults, ImportResult, Question, parse_text2qti
from studyapp.core.qformat.gift import MISSING_EXPLANATION
from studyapp.core.slugs import slugify
from tests.interop.corpus import corpus, shown, visible

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from text2qti.config import Config
    from text2qti.err import Text2qtiError
    from text2qti.quiz import GroupEnd, GroupStart, Quiz
    from text2qti.quiz import Question as Text2qtiQuestion

TYPES = {
    "multiple_choice_question": "single",
    "true_false_question": "truefalse",
    "multiple_answers_question": "multiple",
    "short_answer_question": "short",
    "numerical_question": "numeric",
    "essay_question": "essay",
}
DEFAULTS = ImportDefaults(known_themes=frozenset())


def their_text(html_xml: str) -> str:
    """What Canvas shows of a text text2qti wrote (HTML escaped once more for its XML)."""
    return visible(html.unescape(html_xml))


@dataclass
class Verdict:
    sample: str
    problems: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    #: what the app shows otherwise, each with a warning on its line
    warned: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return "differ" if self.problems else "refused" if self.refused else "agree"


def read_theirs(path: Path) -> tuple[Quiz | None, str]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return Quiz(path.read_text(encoding="utf-8"), config=Config(), source_name=path.name), ""
    except Text2qtiError as error:
        return None, str(error)


def compare(sample: str, quiz: Quiz | None, refusal: str, result: ImportResult) -> Verdict:
    verdict = Verdict(sample)
    if quiz is None:
        # text2qti refuses the file itself: so must the app, naming a line.
        if not result.errors or result.questions:
            verdict.problems.append(f"text2qti refuses it ({refusal.splitlines()[-1]}), the app does not")
        else:
            verdict.refused.extend(f"{error} (text2qti too: {refusal.splitlines()[-1]})" for error in result.errors)
        return verdict
    theirs: list[tuple[Text2qtiQuestion, object]] = []
    group = None
    for item in quiz.questions_and_delims:
        if isinstance(item, GroupStart):
            group = item.group
        elif isinstance(item, Text2qtiQuestion):
            theirs.append((item, group))
        elif isinstance(item, GroupEnd):
            group = None
    kept = [(q, g) for q, g in theirs if q.type in TYPES]
    others = [q for q, _ in theirs if q.type not in TYPES]
    if result.errors:
        for error in result.errors:
            if others and "no equivalent" in error.message and error.line > 0:
                verdict.refused.append(str(error))
            elif not theirs and "no question" in error.message:
                verdict.refused.append(f"{error} (text2qti reads no question either)")
            else:
                verdict.problems.append(f"refused, text2qti reads it: {error}")
        return verdict
    for other in others:
        if not any(w.line == other.linenum_start and "no equivalent" in w.message for w in result.warnings):
            verdict.problems.append(f"line {other.linenum_start}: {other.type} left out without a warning")
    if (quiz.title_raw or "") != result.title:
        verdict.problems.append(f"title {result.title!r}, text2qti's {quiz.title_raw!r}")
    if quiz.description_raw and their_text(quiz.description_html_xml) != shown(result.description):
        verdict.problems.append(f"description {result.description!r}, text2qti's {quiz.description_raw!r}")
    if len(kept) != len(result.questions):
        verdict.problems.append(f"{len(result.questions)} questions, text2qti reads {len(kept)}")
        return verdict
    lines = [q.line for q in result.questions] + [10**9]
    for n, ((t, t_group), q) in enumerate(zip(kept, result.questions)):
        warned = [w for w in result.warnings if lines[n] <= w.line < lines[n + 1]]
        verdict.problems.extend(f"line {q.line}: {p}" for p in compare_question(t, t_group, q, warned, verdict))
    return verdict


def same(their_html_xml: str, ours: str, warned: list, verdict: Verdict, *, inline: bool = False) -> bool:
    """Whether a text shows the same, or differs only by text2qti's images of formulas, with a warning."""
    if their_text(their_html_xml) == shown(ours, inline=inline):
        return True
    if "equation_image" in html.unescape(their_html_xml) and any("LaTeX" in w.message for w in warned):
        verdict.warned.append(f"{ours!r}: formulas kept as text (warned)")
        return True
    return False


def compare_question(t: Text2qtiQuestion, group, q: Question, warned: list, verdict: Verdict) -> list[str]:
    problems = []
    if TYPES[t.type] != q.type:
        return [f"{q.type}, text2qti reads {t.type}"]
    if not same(t.question_html_xml, q.prompt, warned, verdict):
        problems.append(f"text {shown(q.prompt)!r}, text2qti's {their_text(t.question_html_xml)!r}")
    points = group.points_per_question if group is not None and group._points_per_question_is_set else None
    if q.points != (points or t.points_possible):
        problems.append(f"{q.points} points, text2qti's {points or t.points_possible}")
    if t.title_raw is not None and q.id != slugify(t.title_raw, max_length=100):
        problems.append(f"id {q.id!r} is not the slug of the title {t.title_raw!r}")
    general = t.feedback_raw if t.feedback_raw is not None else (t.solution if q.type != "essay" else None)
    if general is not None:
        if shown(q.explanation) != shown(general):
            problems.append(f"explanation {q.explanation!r}, text2qti's feedback {general!r}")
    elif q.explanation != MISSING_EXPLANATION or not any(w.message.startswith("no explanation") for w in warned):
        problems.append(f"no feedback in text2qti, yet the explanation {q.explanation!r} without a warning")
    if q.type == "essay" and t.solution is not None and shown(q.rubric) != shown(t.solution):
        problems.append(f"rubric {q.rubric!r}, text2qti's solution {t.solution!r}")
    if q.type in ("single", "truefalse", "multiple"):
        problems.extend(compare_choices(t, q, warned, verdict))
    elif q.type == "short":
        answers = tuple(c.choice_raw for c in t.choices)
        if q.answers != answers:
            problems.append(f"answers {q.answers}, text2qti's {answers}")
    elif q.type == "numeric":
        low, high = (q.answer - q.tolerance, q.answer + q.tolerance) if q.answer is not None else (q.minimum, q.maximum)
        if (low, high) != (t.numerical_min, t.numerical_max) and (
            abs(low - t.numerical_min) > 1e-9 or abs(high - t.numerical_max) > 1e-9
        ):
            problems.append(f"accepts {low}..{high}, text2qti {t.numerical_min}..{t.numerical_max}")
    left_out = t.correct_feedback_raw or t.incorrect_feedback_raw
    silent = not any("'+' feedback" in w.message or "'-' feedback" in w.message for w in warned)
    if q.type not in ("single", "truefalse", "multiple") and left_out and silent:
        problems.append("'+'/'-' feedback left out without a warning")
    return problems


def compare_choices(t: Text2qtiQuestion, q: Question, warned: list, verdict: Verdict) -> list[str]:
    problems = []
    if len(t.choices) != len(q.choices):
        return [f"{len(q.choices)} choices, text2qti's {len(t.choices)}"]
    theirs = list(t.choices)
    if q.type == "truefalse":  # the app lists True first, as Canvas shows it
        theirs.sort(key=lambda c: c.choice_raw.lower() != "true")
    for ours, their in zip(q.choices, theirs):
        text = their_text(their.choice_html_xml)
        # text2qti's true/false is its choices "true" and "false", in any case
        if q.type == "truefalse":
            if shown(ours.text, inline=True).lower() != text.lower():
                problems.append(f"choice {ours.text!r}, text2qti's {text!r}")
        elif not same(their.choice_html_xml, ours.text, warned, verdict, inline=True):
            problems.append(f"choice {shown(ours.text, inline=True)!r}, text2qti's {text!r}")
        if ours.correct != their.correct:
            problems.append(f"choice {text!r} is {'right' if ours.correct else 'wrong'} here")
        feedback = [their.feedback_raw] if getattr(their, "feedback_raw", None) else []
        extra = t.correct_feedback_raw if their.correct else t.incorrect_feedback_raw
        if extra:
            feedback.append(extra)
        if shown(ours.feedback) != shown("\n\n".join(feedback)):
            problems.append(f"feedback of {text!r}: {ours.feedback!r}, text2qti's {feedback}")
    silent = not any("feedback is shown here" in w.message for w in warned)
    if q.type == "multiple" and (t.correct_feedback_raw or t.incorrect_feedback_raw) and silent:
        problems.append("'+'/'-' feedback of a multiple-answers question moved without a warning")
    return problems


def compare_all() -> list[Verdict]:
    folder = corpus("text2qti") / "samples"
    verdicts = []
    for path in sorted(folder.glob("*.txt")):
        quiz, refusal = read_theirs(path)
        result = parse_text2qti(path.read_bytes(), path.name, DEFAULTS)
        verdicts.append(compare(path.stem, quiz, refusal, result))
    return verdicts


def test_every_text2qti_example_agrees_with_text2qti_or_is_refused_with_a_reason():
    verdicts = compare_all()
    counts = {kind: sum(v.kind == kind for v in verdicts) for kind in ("agree", "refused", "differ")}
    warned = sum(bool(v.warned) and v.kind == "agree" for v in verdicts)
    print(
        f"text2qti samples: {len(verdicts)}: {counts['agree']} agree ({warned} of them with a warning where the app "
        f"shows otherwise), {counts['refused']} refused with a reason, {counts['differ']} differ"
    )
    for verdict in verdicts:
        for note in verdict.warned:
            print(f"  warned {verdict.sample}: {note}")
    for verdict in verdicts:
        for reason in verdict.refused:
            print(f"  refused {verdict.sample}: {reason}")
    differences = [f"{v.sample}: {problem}" for v in verdicts for problem in v.problems]
    assert differences == [], "\n".join(differences)
    assert verdicts, "the examples are read"


def test_the_comparison_notices_a_choice_marked_otherwise():
    path = corpus("text2qti") / "samples" / "r01-multiple-choice.txt"
    quiz, _ = read_theirs(path)
    result = parse_text2qti(path.read_bytes(), path.name, DEFAULTS)
    assert compare("r01", quiz, "", result).kind == "agree"
    (question,) = result.questions
    flipped = tuple(dataclasses.replace(c, correct=not c.correct) for c in question.choices)
    broken = ImportResult(questions=[dataclasses.replace(question, choices=flipped)], warnings=result.warnings)
    verdict = compare("r01", quiz, "", broken)
    assert verdict.kind == "differ" and any("is right here" in problem for problem in verdict.problems)


def test_a_choice_of_several_paragraphs_shows_them_apart_as_text2qti_does():
    path = corpus("text2qti") / "samples" / "r13-continuation.txt"
    result = parse_text2qti(path.read_bytes(), path.name, DEFAULTS)
    (question,) = result.questions
    assert shown(question.choices[0].text, inline=True) == "Correct answer.\nCorrect answer continued, so indentation."


@pytest.mark.parametrize("sample", ["r07-file-upload", "r10-code-block"])
def test_what_the_app_has_no_equivalent_for_is_refused_naming_the_line(sample):
    path = corpus("text2qti") / "samples" / f"{sample}.txt"
    result = parse_text2qti(path.read_bytes(), path.name, DEFAULTS)
    assert result.questions == [] and result.errors
    assert all(error.line >= 1 for error in result.errors)
