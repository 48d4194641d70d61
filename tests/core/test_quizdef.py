"""Quiz definitions: settings and defaults, errors with their line, validation, and the draw."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studyapp.core.qformat import Question
from studyapp.core.qformat.quizdef import (
    SLOT_POINTS,
    DrawRule,
    QuizDef,
    draw,
    parse_quiz,
    select_questions,
    slot_points,
    total_points,
    validate_quizzes,
)

DRAWN = """\
---
id: linkage-check
title: Linkage, in the memorandum's words
description: Five questions on Dobrynin's and Haig's exchange
draw:
  - themes: [linkage]
    count: 2
  - types: [single, multiple]
    difficulty: [1, 2]
    count: 3
time_limit_minutes: 20
max_attempts: 3
grading: latest
review: after_close
layout: one_per_page
shuffle_choices: false
---

Read [the passage](/passages/memo-linkage) first.
"""
FIXED = """\
---
id: sourcing-basics
title: Who wrote what
questions: [q-one, q-two]
---
"""


def question(qid: str, qtype: str = "single", themes=("linkage",), difficulty: int = 1) -> Question:
    return Question(qid, qtype, "Prompt", "Because.", tuple(themes), ("memo-linkage",), difficulty)


BANK = [question(f"link-{n}", difficulty=1 + n % 3) for n in range(6)] + [
    question(f"src-{n}", "multiple", ("sourcing",), 1 + n % 2) for n in range(6)
]


def test_a_drawn_quiz_with_every_setting():
    result = parse_quiz(DRAWN, "quizzes/linkage-check.md")
    assert result.errors == []
    quiz = result.quiz
    assert quiz == QuizDef(
        id="linkage-check",
        title="Linkage, in the memorandum's words",
        description="Five questions on Dobrynin's and Haig's exchange",
        body="Read [the passage](/passages/memo-linkage) first.",
        draw=(DrawRule(2, themes=("linkage",)), DrawRule(3, types=("single", "multiple"), difficulty=(1, 2))),
        shuffle_choices=False,
        time_limit_minutes=20,
        max_attempts=3,
        grading="latest",
        review="after_close",
        layout="one_per_page",
    )
    assert quiz.file == "quizzes/linkage-check.md"
    assert [rule.line for rule in quiz.draw] == [6, 8]


def test_a_fixed_quiz_takes_the_defaults():
    quiz = parse_quiz(FIXED.encode(), "q.md").quiz
    assert quiz.questions == ("q-one", "q-two")
    assert (quiz.shuffle_questions, quiz.shuffle_choices, quiz.time_limit_minutes, quiz.max_attempts) == (
        True,
        True,
        None,
        None,
    )
    assert (quiz.grading, quiz.review, quiz.layout, quiz.body, quiz.description) == (
        "highest",
        "after_submit",
        "one_page",
        "",
        "",
    )


def test_each_rule_gives_the_questions_it_draws_fixed_points_one_by_default():
    text = FIXED.replace(
        "questions: [q-one, q-two]",
        "draw:\n  - themes: [linkage]\n    count: 2\n  - count: 3\n    points: 2.5\n  - count: 1\n    points: 7",
    )
    quiz = parse_quiz(text, "q.md").quiz
    assert [(rule.count, rule.points) for rule in quiz.draw] == [(2, SLOT_POINTS), (3, 2.5), (1, 7.0)]
    assert SLOT_POINTS == 1.0 and isinstance(quiz.draw[2].points, float)
    assert slot_points(quiz.draw) == [1.0, 1.0, 2.5, 2.5, 2.5, 7.0]  # in the order `draw` returns the questions
    assert total_points(quiz.draw) == 16.5


@settings(database=None)
@given(st.integers(), st.lists(st.sampled_from([0.5, 1.0, 2.0, 8.08, 7.05]), min_size=1, max_size=3))
def test_every_draw_of_a_quiz_is_out_of_the_same_total(seed, worths):
    """Whatever the seed (whichever questions fall), each slot keeps its rule's points."""
    rules = tuple(DrawRule(2, points=worth) for worth in worths)
    drawn = draw(rules, BANK, seed)
    assert len(drawn) == len(slot_points(rules)) == 2 * len(worths)
    assert total_points(rules) == pytest.approx(2 * sum(worths))


def test_a_single_value_where_a_list_is_expected_is_accepted():
    quiz = parse_quiz(
        FIXED.replace("questions: [q-one, q-two]", "draw:\n  - themes: linkage\n    difficulty: 2\n    count: 1"),
        "q.md",
    ).quiz
    assert quiz.draw == (DrawRule(1, themes=("linkage",), difficulty=(2,)),)


QUIZ_CASES = [
    ("no front matter", "id: x\n", 1, "must start with a '---' line"),
    ("front matter never closed", "---\nid: x\ntitle: y\n", 1, "never closed"),
    ("broken YAML", "---\nid: x\ntitle: [unclosed\nquestions: [a]\n---\n", 4, "malformed front matter"),
    ("impossible date", "---\nid: x\ntitle: y\nwhen: 2021-13-45\nquestions: [a]\n---\n", 2, "malformed front matter"),
    ("front matter not a mapping", "---\n- a\n- b\n---\n", 2, "malformed front matter"),
    ("repeated setting", FIXED.replace("questions:", "title: again\nquestions:"), 4, "repeats line 3"),
    ("unknown setting", FIXED.replace("questions:", "shuffle: true\nquestions:"), 4, "unknown quiz setting 'shuffle'"),
    ("missing id", FIXED.replace("id: sourcing-basics\n", ""), 1, "missing quiz setting 'id'"),
    ("missing title", FIXED.replace("title: Who wrote what\n", ""), 1, "missing quiz setting 'title'"),
    ("bad quiz id", FIXED.replace("sourcing-basics", "Sourcing Basics"), 2, "bad quiz id 'Sourcing Basics'"),
    ("title not text", FIXED.replace("Who wrote what", "[1, 2]"), 3, "'title' must be a non-empty text"),
    (
        "neither questions nor draw",
        FIXED.replace("questions: [q-one, q-two]\n", ""),
        1,
        "needs 'questions: [ids]' or 'draw:'",
    ),
    (
        "both questions and draw",
        FIXED.replace("questions:", "draw:\n  - count: 1\nquestions:"),
        4,
        "either 'questions' (a list of ids) or 'draw' (rules), not both",
    ),
    ("questions not a list", FIXED.replace("[q-one, q-two]", "q-one"), 4, "'questions' must be a non-empty list"),
    ("bad question id", FIXED.replace("q-two", "Q Two"), 4, "bad question id 'Q Two'"),
    ("question listed twice", FIXED.replace("q-two", "q-one"), 4, "question 'q-one' listed twice"),
    ("draw not a list", FIXED.replace("questions: [q-one, q-two]", "draw: 5"), 4, "'draw' must be a non-empty list"),
    (
        "rule not a mapping",
        FIXED.replace("questions: [q-one, q-two]", "draw:\n  - 5"),
        5,
        "draw rule 1 must be a mapping",
    ),
    (
        "rule without count",
        FIXED.replace("questions: [q-one, q-two]", "draw:\n  - themes: [linkage]"),
        5,
        "draw rule 1 has no 'count'",
    ),
    (
        "count zero",
        FIXED.replace("questions: [q-one, q-two]", "draw:\n  - themes: [linkage]\n    count: 0"),
        6,
        "'count' must be a whole number of 1 or more, found 0",
    ),
    (
        "count not a number",
        FIXED.replace("questions: [q-one, q-two]", "draw:\n  - count: five"),
        5,
        "'count' must be a whole number of 1 or more, found 'five'",
    ),
    (
        "unknown rule key",
        FIXED.replace("questions: [q-one, q-two]", "draw:\n  - count: 1\n    theme: [linkage]"),
        6,
        "draw rule 1: unknown key 'theme'",
    ),
    (
        "unknown type in a rule",
        FIXED.replace("questions: [q-one, q-two]", "draw:\n  - count: 1\n    types: [single, quiz]"),
        6,
        "'types' must be a list of question types",
    ),
    (
        "difficulty 4 in a rule",
        FIXED.replace("questions: [q-one, q-two]", "draw:\n  - count: 1\n    difficulty: [1, 4]"),
        6,
        "'difficulty' must be a list of difficulties 1, 2 or 3",
    ),
    (
        "bad theme id in a rule",
        FIXED.replace("questions: [q-one, q-two]", "draw:\n  - count: 1\n    themes: [Linkage]"),
        6,
        "'themes' must be a list of theme ids",
    ),
    (
        "grading unknown",
        FIXED.replace("title:", "grading: best\ntitle:"),
        3,
        "'grading' must be one of highest, latest, average",
    ),
    ("review unknown", FIXED.replace("title:", "review: later\ntitle:"), 3, "'review' must be one of after_submit"),
    (
        "layout unknown",
        FIXED.replace("title:", "layout: grid\ntitle:"),
        3,
        "'layout' must be one of one_page, one_per_page",
    ),
    (
        "max attempts negative",
        FIXED.replace("title:", "max_attempts: -1\ntitle:"),
        3,
        "'max_attempts' must be a whole number of 1 or more (or null), found -1",
    ),
    (
        "time limit as text",
        FIXED.replace("title:", "time_limit_minutes: soon\ntitle:"),
        3,
        "'time_limit_minutes' must be a whole number",
    ),
    (
        "shuffle as text",
        FIXED.replace("title:", "shuffle_questions: yes please\ntitle:"),
        3,
        "'shuffle_questions' must be true or false, found 'yes please'",
    ),
    ("boolean as count", FIXED.replace("title:", "max_attempts: true\ntitle:"), 3, "found True"),
    (
        "slot points zero",
        FIXED.replace("questions: [q-one, q-two]", "draw:\n  - count: 1\n    points: 0"),
        6,
        "draw rule 1: 'points' must be a positive number (what each question it draws is worth, e.g. 1 or 2.5), "
        "found 0",
    ),
    (
        "slot points negative",
        FIXED.replace("questions: [q-one, q-two]", "draw:\n  - count: 1\n    points: -2"),
        6,
        "'points' must be a positive number",
    ),
    (
        "slot points as text",
        FIXED.replace("questions: [q-one, q-two]", "draw:\n  - count: 1\n  - count: 2\n    points: two"),
        7,
        "draw rule 2: 'points' must be a positive number (what each question it draws is worth, e.g. 1 or 2.5), "
        "found 'two'",
    ),
    (
        "slot points as a boolean",
        FIXED.replace("questions: [q-one, q-two]", "draw:\n  - count: 1\n    points: true"),
        6,
        "found True",
    ),
    (
        "slot points infinite",
        FIXED.replace("questions: [q-one, q-two]", "draw:\n  - count: 1\n    points: .inf"),
        6,
        "found inf",
    ),
]


@pytest.mark.parametrize(("text", "line", "message"), [c[1:] for c in QUIZ_CASES], ids=[c[0] for c in QUIZ_CASES])
def test_malformed_quiz_reports_what_was_expected_where(text, line, message):
    result = parse_quiz(text, "quiz.md")
    assert result.quiz is None
    assert any(e.line == line and message in e.message for e in result.errors), result.errors
    assert all(e.file == "quiz.md" for e in result.errors)


def test_non_utf8_quiz():
    [error] = parse_quiz(FIXED.encode().replace(b"Who", b"Wh\xf6"), "quiz.md").errors
    assert (error.line, error.column) == (3, 10)


def test_validate_quizzes_against_the_bank_and_the_themes():
    fixed = parse_quiz(FIXED.replace("q-two", "link-1"), "fixed.md").quiz
    drawn = parse_quiz(DRAWN.replace("[linkage]", "[linkage, detante]"), "drawn.md").quiz
    problems = validate_quizzes([fixed, drawn, fixed], BANK, {"linkage", "sourcing"})
    assert [(p.file, p.line, p.message) for p in problems] == [
        ("fixed.md", 4, "unknown question 'q-one'"),
        ("drawn.md", 6, "draw rule 1: unknown theme 'detante'"),
        ("fixed.md", 2, "duplicate quiz id 'sourcing-basics' (also in fixed.md)"),
        ("fixed.md", 4, "unknown question 'q-one'"),
    ]


def test_validate_counts_what_earlier_rules_may_take():
    text = FIXED.replace(
        "questions: [q-one, q-two]", "draw:\n  - difficulty: [1]\n    count: 4\n  - themes: [linkage]\n    count: 5"
    )
    quiz = parse_quiz(text, "q.md").quiz
    [problem] = validate_quizzes([quiz], BANK)
    # 6 linkage questions, 2 of difficulty 1 that the first rule may take: 4 left for a rule of 5.
    assert problem.line == 7
    assert problem.message == "draw rule 2 needs 5 question(s); 6 match, and earlier rules may draw 2 of those"


def test_validate_a_rule_larger_than_its_pool():
    quiz = parse_quiz(
        FIXED.replace("questions: [q-one, q-two]", "draw:\n  - types: [essay]\n    count: 1"), "q.md"
    ).quiz
    [problem] = validate_quizzes([quiz], BANK)
    assert problem.message == "draw rule 1 needs 1 question(s); 0 match"


def test_draw_is_deterministic_per_seed_and_never_repeats():
    rules = (DrawRule(3, themes=("linkage",)), DrawRule(4), DrawRule(2, types=("multiple",)))
    first = draw(rules, BANK, seed=42)
    assert first == draw(rules, list(reversed(BANK)), seed=42)
    assert len(first) == 9 and len({q.id for q in first}) == 9
    assert all("linkage" in q.themes for q in first[:3])
    assert all(q.type == "multiple" for q in first[7:])
    assert any(draw(rules, BANK, seed=seed) != first for seed in range(1, 10))


def test_draw_raises_when_a_pool_runs_short():
    with pytest.raises(ValueError, match="draw rule 1 needs 7"):
        draw((DrawRule(7, themes=("linkage",)),), BANK, seed=1)


def test_select_questions_keeps_a_fixed_order():
    quiz = QuizDef("q", "Q", questions=("src-2", "link-0"))
    bank = {q.id: q for q in BANK}
    assert [q.id for q in select_questions(quiz, bank, seed=3)] == ["src-2", "link-0"]
    drawn = QuizDef("d", "D", draw=(DrawRule(2),))
    chosen = select_questions(drawn, bank, "attempt-7")
    assert chosen == draw(drawn.draw, BANK, seed="attempt-7")  # a drawn quiz is drawn with the attempt's seed
    assert len({q.id for q in chosen}) == 2
    assert select_questions(drawn, dict(reversed(bank.items())), "attempt-7") == chosen  # whatever the bank's order


@settings(database=None)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 4), st.sampled_from([(), ("linkage",), ("sourcing",)]), st.sampled_from([(), (1,), (2, 3)])
        ),
        max_size=4,
    ),
    st.integers(),
)
def test_validated_rules_always_draw(rule_specs, seed):
    rules = tuple(DrawRule(count, themes=themes, difficulty=levels) for count, themes, levels in rule_specs)
    quiz = QuizDef("q", "Q", draw=rules)
    if validate_quizzes([quiz], BANK):
        return
    drawn = draw(rules, BANK, seed)
    assert len(drawn) == sum(rule.count for rule in rules) == len({q.id for q in drawn})


@settings(database=None)
@given(st.text())
def test_arbitrary_text_gives_a_quiz_or_errors(text):
    result = parse_quiz("---\n" + text, "q.md")
    assert (result.quiz is None) != (result.errors == [])
