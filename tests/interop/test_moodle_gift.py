"""Moodle's own GIFT samples read as Moodle reads them (gift/expected.json), or refused with a reason.

"As Moodle reads them": the same question type, the same right answers (and where Moodle's weights
score otherwise than the app does, a warning on the question's lines), the same feedback, the same
text as a student sees it on a page, and Moodle's tags and ID numbers kept. A sample may be refused
only for a question type the app has none of, naming the line.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

import markdown as python_markdown

from studyapp.core.qformat import UNFILED, ImportDefaults, ImportResult, Question, parse_gift
from studyapp.core.qformat.gift import MISSING_EXPLANATION
from tests.interop.corpus import corpus, shown, visible

#: Nothing known: every Moodle tag must come through as a tag.
DEFAULTS = ImportDefaults(known_themes=frozenset())
NO_EQUIVALENT = "has no equivalent"
BLANK = "_____"
#: Warnings about what every plain file lacks, or about tags and ids: none of them is about scoring.
FILING = (
    "no theme",
    "no passage",
    "no difficulty",
    "no explanation",
    "an essay needs a rubric",
    "tag",
    "ID number",
    "id '",
)


def moodle_shown(text: str, fmt: str) -> str:
    """What Moodle shows of a text in one of its formats (`format_text` in lib/weblib.php)."""
    if fmt == "html":
        html = text
    elif fmt == "plain":
        html = escape(text, quote=False).replace("\n", "<br />\n")
    elif fmt == "markdown":
        html = python_markdown.markdown(text)
    else:  # FORMAT_MOODLE: text_to_html(), no Markdown at all
        html = re.sub(r">\s+<", "><", text)
        html = re.sub(r"[\n\r]<", " <", html)
        html = re.sub(r">[\n\r]", "> ", html)
        html = html.replace("\n", "<br />\n")
    return visible(html)


@dataclass
class Verdict:
    sample: str
    problems: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return "differ" if self.problems else "refused" if self.refused else "agree"


class Comparison:
    """One sample: Moodle's questions against ours, noting each difference nobody was warned about."""

    def __init__(self, sample: str, expected: dict, result: ImportResult) -> None:
        self.verdict = Verdict(sample)
        self.expected = expected
        self.result = result

    def differ(self, what: str) -> None:
        self.verdict.problems.append(what)

    def run(self) -> Verdict:
        if self.result.errors:
            for error in self.result.errors:
                if NO_EQUIVALENT in error.message and error.line > 0:
                    self.verdict.refused.append(str(error))
                else:
                    self.differ(f"refused without a reason Moodle shares: {error}")
            return self.verdict
        ours, theirs = self.result.questions, self.expected["questions"]
        if len(ours) != len(theirs):
            self.differ(f"{len(ours)} questions read, Moodle reads {len(theirs)}")
            return self.verdict
        lines = [q.line for q in ours] + [10**9]
        previous = 0
        for n, (q, m) in enumerate(zip(ours, theirs)):
            warned = [w for w in self.result.warnings if previous < w.line < lines[n + 1]]
            self.question(q, m, warned)
            previous = q.line
        return self.verdict

    # -- one question ----------------------------------------------------------------------------

    def same_text(self, what: str, ours: str, theirs: str, fmt: str, *, inline: bool = False) -> None:
        got, want = shown(ours, inline=inline), moodle_shown(theirs, fmt)
        if got != want:
            self.differ(f"{what}: a student sees {got!r}, in Moodle {want!r}")

    def question(self, q: Question, m: dict, warned: list) -> None:
        fmt = m.get("questiontextformat", "moodle")
        name = m["name"]
        prompt = re.sub(r"\{\{.*?\}\}", BLANK, q.prompt) if q.type == "cloze" else q.prompt
        self.same_text(f"{name}: text", prompt, m["questiontext"], fmt)
        feedback = m.get("generalfeedback", "")
        if feedback:
            self.same_text(f"{name}: general feedback", q.explanation, feedback, m.get("generalfeedbackformat", fmt))
        elif q.explanation != MISSING_EXPLANATION or not any(w.message.startswith("no explanation") for w in warned):
            self.differ(f"{name}: no general feedback in Moodle, yet {q.explanation!r} without a warning")
        if "tags" in m:
            kept = [theme for theme in q.themes if theme != UNFILED] + list(q.tags)
            if kept != m["tags"]:
                self.differ(f"{name}: tags {kept}, Moodle's {m['tags']}")
        if m.get("idnumber") and (q.source_id or q.id) != m["idnumber"]:
            self.differ(f"{name}: ID number {q.source_id or q.id!r}, Moodle's {m['idnumber']!r}")
        getattr(self, m["qtype"])(q, m, fmt, warned)

    def needs_warning(self, name: str, why: str, warned: list) -> None:
        if not any(not w.message.startswith(FILING) for w in warned):
            self.differ(f"{name}: {why}, and no warning says so")

    def essay(self, q: Question, m: dict, fmt: str, warned: list) -> None:
        if q.type != "essay":
            self.differ(f"{m['name']}: {q.type}, Moodle reads an essay")

    def truefalse(self, q: Question, m: dict, fmt: str, warned: list) -> None:
        name = m["name"]
        if q.type != "truefalse":
            self.differ(f"{name}: {q.type}, Moodle reads true/false")
            return
        true, false = q.choices
        if true.correct != bool(m["correctanswer"]):
            self.differ(f"{name}: the right answer differs")
        self.same_text(f"{name}: feedback on True", true.feedback, m["feedbacktrue"], fmt)
        self.same_text(f"{name}: feedback on False", false.feedback, m["feedbackfalse"], fmt)

    def multichoice(self, q: Question, m: dict, fmt: str, warned: list) -> None:
        name, answers = m["name"], m["answers"]
        kind = "single" if m["single"] else "multiple"
        if q.type != kind:
            self.differ(f"{name}: {q.type}, Moodle reads {kind}")
            return
        if len(q.choices) != len(answers):
            self.differ(f"{name}: {len(q.choices)} choices, Moodle's {len(answers)}")
            return
        for choice, answer in zip(q.choices, answers):
            answer_format = answer.get("format", fmt)
            self.same_text(f"{name}: choice", choice.text, answer["text"], answer_format, inline=True)
            self.same_text(f"{name}: feedback on {answer['text']!r}", choice.feedback, answer["feedback"], fmt)
            right = answer["fraction"] == 1 if kind == "single" else answer["fraction"] > 0
            if choice.correct != right:
                self.differ(f"{name}: {answer['text']!r} is {'right' if choice.correct else 'wrong'} here")
        fractions = [a["fraction"] for a in answers]
        if kind == "single":
            same = all(f in (0, 1) for f in fractions)
        else:
            right = [f for f in fractions if f > 0]
            wrong = [f for f in fractions if f <= 0]
            same = all(abs(f - 1 / len(right)) < 1e-6 for f in right) and all(
                abs(f + 1 / len(wrong)) < 1e-6 for f in wrong
            )
        if not same:
            self.needs_warning(name, f"Moodle's grades {fractions} score otherwise", warned)

    def shortanswer(self, q: Question, m: dict, fmt: str, warned: list) -> None:
        name = m["name"]
        if q.type == "short":
            accepted = q.answers
        elif q.type == "cloze" and len(q.blanks) == 1:
            accepted = q.blanks[0].answers
        else:
            self.differ(f"{name}: {q.type}, Moodle reads a short answer")
            return
        full = tuple(a["text"] for a in m["answers"] if a["fraction"] == 1)
        if accepted != full:
            self.differ(f"{name}: accepts {accepted}, Moodle {full}")
        if any(a["fraction"] != 1 or a["feedback"] for a in m["answers"]):
            self.needs_warning(name, "partial credit or feedback on typed answers", warned)

    def numerical(self, q: Question, m: dict, fmt: str, warned: list) -> None:
        name = m["name"]
        if q.type != "numeric":
            self.differ(f"{name}: {q.type}, Moodle reads a numerical question")
            return
        full = [a for a in m["answers"] if a["fraction"] == 1]
        low, high = (q.answer - q.tolerance, q.answer + q.tolerance) if q.answer is not None else (q.minimum, q.maximum)
        if len(full) != 1:
            self.differ(f"{name}: Moodle has {len(full)} answers worth 100%")
            return
        value, tolerance = float(full[0]["text"]), float(full[0]["tolerance"] or 0)
        assert low is not None and high is not None
        if abs(low - (value - tolerance)) > 1e-9 or abs(high - (value + tolerance)) > 1e-9:
            self.differ(f"{name}: accepts {low}..{high}, Moodle {value - tolerance}..{value + tolerance}")
        if any(a["fraction"] != 1 or a["feedback"] for a in m["answers"]):
            self.needs_warning(name, "other answers or feedback on answers", warned)

    def match(self, q: Question, m: dict, fmt: str, warned: list) -> None:
        name = m["name"]
        if q.type != "matching":
            self.differ(f"{name}: {q.type}, Moodle reads a matching question")
            return
        pairs = [(left, right) for left, right in zip(m["subquestions"], m["subanswers"]) if left]
        extras = [right for left, right in zip(m["subquestions"], m["subanswers"]) if not left]
        if len(q.pairs) != len(pairs) or len(q.distractors) != len(extras):
            self.differ(f"{name}: {len(q.pairs)} pairs and {len(q.distractors)} extras, Moodle's {pairs}, {extras}")
            return
        for pair, (left, right) in zip(q.pairs, pairs):
            self.same_text(f"{name}: left-hand side", pair.left, left, fmt, inline=True)
            self.same_text(f"{name}: right-hand side", pair.right, right, "plain", inline=True)
        for ours, right in zip(q.distractors, extras):
            self.same_text(f"{name}: extra right-hand side", ours, right, "plain", inline=True)


def compare_all() -> list[Verdict]:
    folder = corpus("gift")
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    verdicts = []
    for sample, reading in sorted(expected.items()):
        path: Path = folder / "samples" / f"{sample}.txt"
        result = parse_gift(path.read_bytes(), path.name, DEFAULTS)
        verdicts.append(Comparison(sample, reading, result).run())
    return verdicts


def test_every_moodle_sample_agrees_with_moodle_or_is_refused_with_a_reason():
    verdicts = compare_all()
    counts = {kind: sum(v.kind == kind for v in verdicts) for kind in ("agree", "refused", "differ")}
    print(
        f"Moodle GIFT samples: {len(verdicts)}: {counts['agree']} agree, {counts['refused']} refused with a reason, "
        f"{counts['differ']} differ"
    )
    for verdict in verdicts:
        for reason in verdict.refused:
            print(f"  refused {verdict.sample}: {reason}")
    differences = [f"{v.sample}: {problem}" for v in verdicts for problem in v.problems]
    assert differences == [], "\n".join(differences)
    assert len(verdicts) >= 90, "every sample of expected.json is read"


def read_sample(name: str) -> tuple[dict, ImportResult]:
    folder = corpus("gift")
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))[name]
    return expected, parse_gift((folder / "samples" / f"{name}.txt").read_bytes(), f"{name}.txt", DEFAULTS)


def test_the_comparison_notices_a_text_moodle_shows_otherwise():
    expected, result = read_sample("f03-examples-q33")
    assert Comparison("q33", expected, result).run().kind == "agree"
    question = result.questions[0]
    # The choice '#' kept as Markdown (as the importer once did): a heading with nothing in it.
    choices = tuple(dataclasses.replace(c, text="#") if c.text == "\\#" else c for c in question.choices)
    assert choices != question.choices
    broken = ImportResult(questions=[dataclasses.replace(question, choices=choices)], warnings=result.warnings)
    verdict = Comparison("q33", expected, broken).run()
    assert verdict.kind == "differ" and any("'#'" in problem for problem in verdict.problems), verdict.problems


def test_the_comparison_wants_a_warning_where_moodle_scores_otherwise():
    # Moodle takes off 100% for each wrong choice of two; the app takes off 50% for each.
    expected, result = read_sample("m04-multichoice-multi")
    assert Comparison("m04", expected, result).run().kind == "agree"
    silent = ImportResult(
        questions=result.questions, warnings=[w for w in result.warnings if not w.message.startswith("weights")]
    )
    assert len(silent.warnings) < len(result.warnings)
    verdict = Comparison("m04", expected, silent).run()
    assert any("score otherwise, and no warning" in problem for problem in verdict.problems), verdict.problems


def test_moodle_tags_and_a_free_text_id_number_are_kept():
    _, result = read_sample("x10-tags-idnumber")
    (question,) = result.questions
    assert question.tags == ("tag1", "tag2") and question.themes == (UNFILED,)
    assert question.source_id == "" and question.id == "myid"
    _, result = read_sample("c-escape-bracket-idnumber")
    (question,) = result.questions
    assert (question.id, question.source_id) == ("i-d", "i]d")
    assert any("ID number 'i]d'" in w.message for w in result.warnings)
