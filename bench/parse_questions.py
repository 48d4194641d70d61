"""Benchmark: parse and validate 10,000 questions of every type (target: under 2 s).

Run with `.venv/bin/python bench/parse_questions.py`. The banks are generated in memory (100
banks of 100 questions, each well under the 1 MB limit) and parsed from bytes, as files are.
"""

from __future__ import annotations

import gc
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from studyapp.core.qformat import (
    TYPES,
    Blank,
    Choice,
    EvidenceSentence,
    Pair,
    Question,
    parse,
    validate,
    write,
)

#: Judged on the CPU time of this process: wall time also counts whatever else the machine runs.
TARGET_SECONDS = 2.0
ROUNDS = 3
QUESTIONS = 10_000
PER_BANK = 100
THEMES = {"linkage", "detente", "summit", "sourcing", "tone-and-intent"}
#: Two passages as their quote blocks read (content/passages/08 and 09).
PASSAGES = {
    "memo-tnf": (
        "On TNF, Dobrynin asked why we were waiting so long to begin discussions with the Soviets, and "
        "suggested that we ought to begin soon (“Why not next week?”)."
    ),
    "memo-linkage": (
        "Moving on to the more general question of negotiations between the U.S. and the USSR, Dobrynin said "
        "that Moscow was prepared to negotiate on specific issues such as Cuba, Africa, Afghanistan, arms "
        "control, and trade whenever the U.S. wishes, but that Moscow could not accept the concept of linkage. "
        "It is unacceptable to the USSR to be told that the U.S. is unwilling to begin discussions with the "
        "Soviets in one area until they correct their conduct in some other, unrelated, area. I replied that "
        "linkage was a fact of life, and that we could not sit by while the Soviets and Cubans continued to "
        "pump arms into Nicaragua as if these Russian activities were of no importance to us. The Soviets must "
        "expect that such activities would inevitably affect our attitude toward negotiations."
    ),
}
PROMPT = (
    'Read the paragraph on linkage again. Dobrynin said that Moscow "could not accept the concept of\n'
    'linkage"; Haig replied that it "was a fact of life". Which of these follows from the text?'
)
EXPLANATION = (
    '"I replied that linkage was a fact of life, and that we could not sit by while the Soviets and\n'
    'Cubans continued to pump arms into Nicaragua": Haig ties the two together.'
)


def make_question(n: int) -> Question:
    """Return question number `n`, its type cycling through every type."""
    qtype = TYPES[n % len(TYPES)]
    common = {
        "id": f"bench-{n}",
        "type": qtype,
        "prompt": PROMPT,
        "explanation": EXPLANATION,
        "themes": ("linkage", "summit"),
        "passages": ("memo-linkage", "memo-tnf"),
        "difficulty": 1 + n % 3,
        "points": 1 + n % 2,
        "hint": "Who speaks first?" if n % 2 else "",
    }
    choices = (
        Choice("a", "Dobrynin rejected linkage", True, 'Yes: "could not accept the concept".'),
        Choice("b", "Haig accepted Dobrynin's view", False, 'No: "linkage was a fact of life".'),
        Choice("c", "Neither mentioned Nicaragua", qtype == "multiple"),
        Choice("d", "Brezhnev wrote it", False),
    )
    specific = {
        "single": {"choices": choices},
        "multiple": {"choices": choices},
        "truefalse": {"choices": (Choice("a", "True", True), Choice("b", "False", False, "Read it again."))},
        "short": {"answers": ("linkage", "the concept of linkage")},
        "numeric": {"answer": 1981.0, "tolerance": 0.5} if n % 2 else {"minimum": 30.0, "maximum": 32.0},
        "ordering": {"items": ("Dobrynin's offer", "Dobrynin rejects linkage", "Haig's reply", "The warning")},
        "matching": {
            "pairs": (
                Pair("a", "Haig", "a fact of life"),
                Pair("b", "Dobrynin", "Why not next week?"),
                Pair("c", "Brezhnev", "Pax Americana"),
            ),
            "distractors": ("Reagan",),
        },
        "cloze": {
            "prompt": "Haig replied that linkage was a {{fact of life|fact}}, and Dobrynin asked about\n"
            "{{TNF|theater nuclear forces}}.",
            "blanks": (Blank("1", ("fact of life", "fact")), Blank("2", ("TNF", "theater nuclear forces"))),
        },
        "essay": {"rubric": "- Quotes both sides exactly.\n- Says who reports whom."},
        "evidence": {
            "evidence_passage": "memo-linkage",
            "evidence": (
                EvidenceSentence(
                    "I replied that linkage was a fact of life, and that we could not sit by while the Soviets "
                    "and Cubans continued to pump arms into Nicaragua as if these Russian activities were of no "
                    "importance to us.",
                    True,
                    "Haig's own answer.",
                ),
                EvidenceSentence(
                    "The Soviets must expect that such activities would inevitably affect our attitude toward "
                    "negotiations.",
                    False,
                    "This draws the consequence; it is not the reply itself.",
                ),
            ),
        },
    }[qtype]
    return Question(**{**common, **specific})


def parse_and_validate(banks: list[tuple[str, bytes]]) -> tuple[list[Question], list, float]:
    """Parse every bank and validate the lot; return the questions, the problems and the parse share."""
    started = time.process_time()
    parsed: list[Question] = []
    errors = []
    for name, data in banks:
        result = parse(data, name)
        parsed.extend(result.questions)
        errors.extend(result.errors)
    parse_seconds = time.process_time() - started
    errors.extend(validate(parsed, THEMES, PASSAGES))
    return parsed, errors, parse_seconds


def make_banks(count: int = QUESTIONS, per_bank: int = PER_BANK) -> tuple[list[Question], list[tuple[str, bytes]]]:
    """Return `count` questions and the banks that hold them, `per_bank` to a bank, as (file name, bytes)."""
    questions = [make_question(n) for n in range(count)]
    banks = [
        (f"bank-{start // per_bank:03}.md", write(questions[start : start + per_bank], title="Bench").encode())
        for start in range(0, count, per_bank)
    ]
    return questions, banks


def main() -> int:
    questions, banks = make_banks(QUESTIONS)
    size = sum(len(data) for _, data in banks)
    # The generated questions are the bench's own reference data: keep the collector off them.
    gc.collect()
    gc.freeze()
    runs = []
    for _ in range(ROUNDS):
        wall, cpu = time.perf_counter(), time.process_time()
        parsed, errors, parse_seconds = parse_and_validate(banks)
        runs.append((time.process_time() - cpu, time.perf_counter() - wall, parse_seconds))
        if errors or parsed != questions:
            print(f"FAILED: {len(errors)} error(s), {len(parsed)} question(s) read back; first: {errors[:1]}")
            return 1
    cpu, wall, parse_seconds = min(runs)
    verdict = "ok" if cpu < TARGET_SECONDS else f"SLOW (target {TARGET_SECONDS:.1f} s)"
    print(
        f"{QUESTIONS:,} questions of {len(TYPES)} types in {len(banks)} banks ({size / 1e6:.1f} MB), "
        f"parsed and validated, best of {ROUNDS}: {cpu:.2f} s CPU (parse {parse_seconds:.2f} s, "
        f"validate {cpu - parse_seconds:.2f} s), {wall:.2f} s wall — {verdict}"
    )
    return 0 if cpu < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
