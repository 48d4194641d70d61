"""Write Questions back as a bank, so that parse(write(questions)).questions == questions."""

from __future__ import annotations

import re
from collections.abc import Iterable

from .model import Question

AMBIGUOUS_ITEM_RE = re.compile(r"\[[ xX]\]")


def write(questions: Iterable[Question], *, title: str = "", description: str = "") -> str:
    """Return the Markdown of a bank holding `questions`, with an optional title and description."""
    parts = []
    if title:
        parts.append(f"# {title}")
    if description:
        parts.append(description)
    parts.extend(write_question(question) for question in questions)
    return "\n\n".join(parts) + "\n"


def write_question(question: Question) -> str:
    """Return the Markdown of one question, from its `##` heading to its explanation."""
    q = question
    fields = [
        f"type: {q.type}",
        f"themes: {', '.join(q.themes)}",
        f"passages: {', '.join(q.passages)}",
        f"difficulty: {q.difficulty}",
    ]
    if q.points != 1:
        fields.append(f"points: {format_number(q.points)}")
    if q.type in ("short", "cloze") and q.match != "normalized":
        fields.append(f"match: {q.match}")
    if q.type == "numeric":
        if q.answer is not None:
            fields.append(f"answer: {format_number(q.answer)}")
            if q.tolerance:
                fields.append(f"tolerance: {format_number(q.tolerance)}")
        else:
            assert q.minimum is not None and q.maximum is not None, "a numeric question without an answer has a range"
            fields.append(f"range: {format_number(q.minimum)}..{format_number(q.maximum)}")
    if q.type == "evidence":
        fields.append(f"evidence-passage: {q.evidence_passage}")
    if q.tags:
        fields.append(f"tags: {', '.join(q.tags)}")
    if q.source_id:
        fields.append(f"source-id: {q.source_id}")
    blocks = [f"## {q.id}\n" + "\n".join(fields), q.prompt]
    blocks.extend(_answer_section(q))
    if q.hint:
        blocks.append(f"### Hint\n{q.hint}")
    blocks.append(f"### Explanation\n{q.explanation}")
    return "\n\n".join(blocks)


def format_number(value: float) -> str:
    """Write a number so that reading it back gives the same float ("1973", not "1973.0")."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def _feedback(text: str) -> str:
    return "".join(f"\n  > {line}".rstrip() for line in text.split("\n")) if text else ""


def _answer_section(q: Question) -> list[str]:
    if q.type in ("single", "multiple", "truefalse"):
        items = [f"- [{'x' if c.correct else ' '}] {c.text}{_feedback(c.feedback)}" for c in q.choices]
        return ["### Choices\n" + "\n".join(items)]
    if q.type == "short":
        return ["### Answers\n" + "\n".join(f"- {answer}" for answer in q.answers)]
    if q.type == "ordering":
        return ["### Order\n" + "\n".join(f"{n}. {item}" for n, item in enumerate(q.items, 1))]
    if q.type == "matching":
        pairs = [f"- {pair.left} => {pair.right}" for pair in q.pairs]
        pairs += [f"- => {right}" for right in q.distractors]
        return ["### Pairs\n" + "\n".join(pairs)]
    if q.type == "essay":
        return [f"### Rubric\n{q.rubric}"]
    if q.type == "evidence":
        items = []
        for sentence in q.evidence:
            if not sentence.correct:
                box = "[ ] "
            elif AMBIGUOUS_ITEM_RE.match(sentence.text):
                box = "[x] "
            else:
                box = ""
            items.append(f"- {box}{sentence.text}{_feedback(sentence.feedback)}")
        return ["### Evidence\n" + "\n".join(items)]
    return []
