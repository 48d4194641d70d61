"""Grading: each type's response shape, its partial credit, and what an attempt shows."""

import json
import math
import random
import re
from dataclasses import replace
from pathlib import Path

import pytest

from studyapp.core import grading
from studyapp.core.grading import (
    CORRECT,
    INCORRECT,
    NOT_A_NUMBER,
    PARTIAL,
    UNGRADED,
    Grade,
    blank_response,
    check_response,
    correct_response,
    grade,
    grade_essay,
    is_answered,
    item_ids,
    presentation,
    right_ids,
    shuffled,
)
from studyapp.core.qformat import TYPES, Choice, Question, parse

DOCS = Path(__file__).resolve().parents[2] / "docs" / "question-format.md"
#: The bank of docs/question-format.md holding one example of each type.
EXAMPLES_BANK = re.findall(r"```markdown\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)[1]
EXAMPLES = {q.id: q for q in parse(EXAMPLES_BANK, "examples.md").questions}

#: content/passages/21-letter-peace-and-meeting.md, paragraphs separated by blank lines: the
#: quote the evidence example is graded against. Its sentences are a..j; "h" supports the claim.
PEACE_AND_MEETING = (
    "Thus our policy is a policy of peace. We will never set up the fire of war. You know very well, as we do, "
    "what such a fire would lead to. I would want to believe in the wisdom of your people, in your personal "
    "wisdom also not to allow anything that would push the world towards a catastrophe.\n\n"
    "These are some of the general considerations which I wanted to convey to you, Mr. President, in "
    "connection with your letter. Maybe it was not possible to express everything in sufficient detail. An "
    "exchange of correspondence has its limitations, and in this sense a private conversation is better. In "
    "this regard, concerning the possible meeting between us, I would like to say that it is also my view that "
    "such a meeting should be well prepared. We could yet return to the question of its timing, I believe, at "
    "a moment acceptable to both of us.\n\n"
    "L. Brezhnev 4"
)
QUOTES = {"evidence": PEACE_AND_MEETING}


def example(qtype: str) -> Question:
    """The docs' example of `qtype` (the answer form, for numeric)."""
    return next(q for q in EXAMPLES.values() if q.type == qtype)


def one(fields: str, body: str, prompt: str = "Put them right.") -> Question:
    """Parse a one-question bank; `fields` start with the type."""
    text = (
        f"## q1\n{fields.strip()}\nthemes: linkage\npassages: memo-linkage\ndifficulty: 1\n\n"
        f"{prompt}\n\n{body.strip()}\n\n### Explanation\nSee the memorandum.\n"
    )
    result = parse(text, "test.md")
    assert result.errors == []
    return result.questions[0]


def quote_for(q: Question) -> str | None:
    return PEACE_AND_MEETING if q.type == "evidence" else None


def graded(q: Question, response, **kwargs) -> Grade:
    return grade(q, response, quote=quote_for(q), **kwargs)


# --- the registry and what every type shares ---------------------------------------------------


def test_the_docs_examples_cover_every_type():
    assert {q.type for q in EXAMPLES.values()} == set(TYPES)


def test_every_type_has_a_grader():
    assert set(grading.GRADERS) == set(TYPES)
    with pytest.raises(ValueError, match="no grader for question type 'poll'"):
        grade(replace(example("single"), type="poll"), {})


@pytest.mark.parametrize("qid", sorted(EXAMPLES))
def test_the_correct_response_earns_full_marks(qid):
    q = EXAMPLES[qid]
    response = correct_response(q, quote=quote_for(q))
    if q.type == "essay":
        assert response is None
        return
    assert check_response(q, response, quote=quote_for(q)) == []
    assert is_answered(q, response)
    result = graded(q, response)
    assert (result.score, result.max_score, result.fraction, result.status) == (q.points, q.points, 1.0, CORRECT)
    json.dumps(response)


@pytest.mark.parametrize("qid", sorted(EXAMPLES))
def test_a_blank_response_is_valid_unanswered_and_scores_0(qid):
    q = EXAMPLES[qid]
    response = blank_response(q)
    json.dumps(response)
    assert check_response(q, response, quote=quote_for(q)) == []
    assert not is_answered(q, response)
    result = graded(q, response)
    assert (result.score, result.status, result.feedback) == (0.0, INCORRECT, ())


@pytest.mark.parametrize("qid", sorted(EXAMPLES))
def test_a_missing_field_is_unanswered_and_a_foreign_one_is_refused(qid):
    q = EXAMPLES[qid]
    assert check_response(q, {}, quote=quote_for(q)) == []
    assert graded(q, {}).score == 0.0
    key = next(iter(blank_response(q)))
    assert check_response(q, {**blank_response(q), "extra": 1}, quote=quote_for(q)) == [
        f"unknown field 'extra' in a {q.type} response (it has only '{key}')"
    ]


@pytest.mark.parametrize("response", [None, [], "a", 3, ["choice", "a"]])
def test_a_response_that_is_not_an_object_is_refused_and_scores_0(response):
    q = example("single")
    assert check_response(q, response) == ["a single response must be an object with the field 'choice'"]
    assert not is_answered(q, response)
    assert grade(q, response).score == 0.0


def test_an_invalid_response_scores_0_but_still_shows_the_key():
    q = example("multiple")
    result = grade(q, {"choices": ["a", "b", "c", "zz"]})
    assert (result.score, result.status, result.feedback) == (0.0, INCORRECT, ())
    assert [part.expected for part in result.per_part] == [True, True, True, False]
    assert not any(part.given for part in result.per_part)


def test_a_grade_is_plain_data():
    result = grade(example("multiple"), {"choices": ["a", "d"]})
    data = result.as_dict()
    assert json.loads(json.dumps(data))["status"] == result.status
    assert data["fraction"] == result.fraction
    assert data["per_part"][3] == {"id": "d", "correct": False, "given": True, "expected": False}


# --- single and truefalse ---------------------------------------------------------------------


def test_single_is_all_or_nothing_with_the_chosen_choices_feedback():
    q = example("single")
    right = grade(q, {"choice": "b"})
    assert (right.score, right.status) == (1.0, CORRECT)
    assert right.feedback == ('Yes: "He began by emphasizing…" — Haig is paraphrasing the ambassador.',)
    wrong = grade(q, {"choice": "a"})
    assert (wrong.score, wrong.status) == (0.0, INCORRECT)
    assert wrong.feedback == ('The letter never uses the word "provocations".',)
    assert grade(q, {"choice": "d"}).feedback == ()
    assert [(p.id, p.correct, p.given, p.expected) for p in wrong.per_part] == [
        ("a", False, True, False),
        ("b", False, False, True),
        ("c", True, False, False),
        ("d", True, False, False),
    ]


def test_single_refuses_unknown_and_malformed_choices():
    q = example("single")
    assert check_response(q, {"choice": "z"}) == ["choice 'z' is not a choice of this question"]
    assert check_response(q, {"choice": ["b"]}) == ["the choice must be a choice id such as 'a'"]
    assert check_response(q, {"choice": "B"}) == ["choice 'B' is not a choice of this question"]
    assert grade(q, {"choice": "z"}).score == 0.0
    assert check_response(q, {"choice": None}) == check_response(q, {"choice": ""}) == []


def test_truefalse():
    q = example("truefalse")
    assert grade(q, {"choice": "b"}).feedback == ("Right: those are Haig's words, in his summary of the letter.",)
    assert grade(q, {"choice": "a"}).status == INCORRECT
    assert correct_response(q) == {"choice": "b"}


# --- multiple and evidence -----------------------------------------------------------------


def test_multiple_partial_credit():
    q = example("multiple")  # a, b, c right; d wrong; 2 points
    assert q.points == 2.0
    assert grade(q, {"choices": ["a", "b", "c"]}).score == 2.0
    two = grade(q, {"choices": ["a", "b"]})
    assert (two.fraction, two.status) == (pytest.approx(2 / 3), PARTIAL)
    assert two.score == pytest.approx(4 / 3)
    everything = grade(q, {"choices": ["a", "b", "c", "d"]})
    assert (everything.score, everything.status) == (0.0, INCORRECT)
    assert everything.feedback == ('He offered to negotiate on arms control "whenever the U.S. wishes".',)
    assert grade(q, {"choices": ["a", "d"]}).score == 0.0  # 1/3 - 1, floored at 0
    assert grade(q, {"choices": ["d"]}).score == 0.0


def test_multiple_counts_a_duplicate_once_and_ignores_the_order_given():
    q = example("multiple")
    assert grade(q, {"choices": ["b", "a", "a", "b"]}) == grade(q, {"choices": ["a", "b"]})
    assert grade(q, {"choices": ["c", "b", "a", "a"]}).status == CORRECT


def test_multiple_feedback_follows_the_question_order():
    q = replace(
        example("multiple"),
        choices=(
            Choice("a", "One", True, "first"),
            Choice("b", "Two", False, "second"),
            Choice("c", "Three", True, "third"),
        ),
    )
    assert grade(q, {"choices": ["c", "b", "a"]}).feedback == ("first", "second", "third")


def test_multiple_without_wrong_choices_scores_the_right_share():
    q = one("type: multiple", "### Choices\n- [x] One\n- [x] Two\n- [x] Three\n- [x] Four")
    assert grade(q, {"choices": ["a"]}).fraction == 0.25
    assert grade(q, {"choices": ["a", "b", "c", "d"]}).status == CORRECT


def test_multiple_empty_scores_0_and_unknown_ids_are_refused():
    q = example("multiple")
    assert not is_answered(q, {"choices": []})
    assert grade(q, {"choices": []}).score == 0.0
    assert check_response(q, {"choices": ["a", "z", "z"]}) == ["choice 'z' is not a choice of this question"]
    assert check_response(q, {"choices": "abc"}) == ["'choices' must be a list of choice ids such as ['a', 'c']"]
    assert check_response(q, {"choices": ["a", 1, None]}) == [
        "choice ids are text such as 'a', not a number",
        "choice ids are text such as 'a', not null",
    ]


def test_evidence_grades_over_every_sentence_of_the_passage():
    q = example("evidence")
    right = grade(q, {"sentences": ["h"]}, quote=PEACE_AND_MEETING)
    assert (right.score, right.status) == (1.0, CORRECT)
    assert right.feedback[0].startswith("Yes: it speaks of the meeting")
    with_distractor = grade(q, {"sentences": ["h", "g"]}, quote=PEACE_AND_MEETING)
    assert with_distractor.fraction == pytest.approx(1 - 1 / 9)  # 9 sentences do not support the claim
    assert with_distractor.status == PARTIAL
    # the feedback of the chosen sentences, in passage order: g before h
    assert [f[:12] for f in with_distractor.feedback] == ["This sentenc", "Yes: it spea"]
    unnamed = grade(q, {"sentences": ["h", "a"]}, quote=PEACE_AND_MEETING)
    assert unnamed.fraction == pytest.approx(1 - 1 / 9) and unnamed.feedback == right.feedback
    only_distractor = grade(q, {"sentences": ["g"]}, quote=PEACE_AND_MEETING)
    assert (only_distractor.score, only_distractor.status) == (0.0, INCORRECT)
    assert len(right.per_part) == 10 and [p.id for p in right.per_part if p.expected] == ["h"]


def test_evidence_refuses_sentences_the_passage_does_not_have():
    q = example("evidence")
    assert check_response(q, {"sentences": ["k"]}, quote=PEACE_AND_MEETING) == [
        "sentence 'k' is not a sentence of this passage"
    ]
    assert check_response(q, {"sentences": ["j", "j"]}, quote=PEACE_AND_MEETING) == []


def test_evidence_needs_the_quote_of_its_passage():
    q = example("evidence")
    with pytest.raises(ValueError, match="needs the quote of its passage"):
        grade(q, {"sentences": ["h"]})
    assert correct_response(q, quote=PEACE_AND_MEETING) == {"sentences": ["h"]}


# --- short --------------------------------------------------------------------------------


def test_short_normalized():
    q = example("short")
    for typed in ("Nixon", " nixon. ", "NIXON", "President  Nixon", "r nixon"):
        assert grade(q, {"text": typed}).status == CORRECT, typed
    assert grade(q, {"text": "Reagan"}).status == INCORRECT
    assert grade(q, {"text": "..."}).score == 0.0


def test_short_exact_versus_normalized_detente():
    normalized = one("type: short", "### Answers\n- détente")
    exact = one("type: short\nmatch: exact", "### Answers\n- détente")
    assert grade(normalized, {"text": "detente"}).status == CORRECT
    assert grade(normalized, {"text": "DÉTENTE!"}).status == CORRECT
    assert grade(exact, {"text": "detente"}).status == INCORRECT
    assert grade(exact, {"text": "Détente"}).status == INCORRECT
    assert grade(exact, {"text": "  détente "}).status == CORRECT
    assert grade(exact, {"text": "détente"}).per_part[0].expected == ("détente",)


def test_short_length_limit_and_empty_answers():
    q = example("short")
    assert check_response(q, {"text": "x" * 10_000}) == []
    assert check_response(q, {"text": "x" * 10_001}) == ["an answer is limited to 10,000 characters"]
    assert check_response(q, {"text": 1973}) == ["the answer must be text"]
    for empty in ("", "   \n"):
        assert not is_answered(q, {"text": empty})
        assert (grade(q, {"text": empty}).score, grade(q, {"text": empty}).status) == (0.0, INCORRECT)


# --- numeric ------------------------------------------------------------------------------


def numeric(fields: str) -> Question:
    return one(f"type: numeric\n{fields}", "")


@pytest.mark.parametrize("typed", ["1973", " 1973 ", "1,973", "1973.0", "+1973", "1973.", "1.973e3", "\t1973\n"])
def test_numeric_reads_numbers_as_typed(typed):
    assert grade(example("numeric"), {"value": typed}).status == CORRECT


@pytest.mark.parametrize(
    "typed",
    [
        "nineteen seventy-three",
        "1 973",
        "1,97",
        "19,73",
        "1,5",
        "1973a",
        "0x7b5",
        "nan",
        "inf",
        "-",
        ".",
        "1e",
        "--1973",
        "1973-",
    ],
)
def test_numeric_not_a_number_scores_0_with_feedback(typed):
    q = example("numeric")
    assert check_response(q, {"value": typed}) == []
    result = grade(q, {"value": typed})
    assert (result.score, result.status, result.feedback) == (0.0, INCORRECT, (NOT_A_NUMBER,))
    assert result.per_part[0].given == typed


def test_numeric_tolerance_is_inclusive():
    q = numeric("answer: 10\ntolerance: 0.5")
    assert [grade(q, {"value": v}).status == CORRECT for v in ("9.5", "10.5", "9.49", "10.51", "10")] == [
        True,
        True,
        False,
        False,
        True,
    ]
    assert grade(q, {"value": "12"}).per_part[0].expected == "10 ± 0.5"


def test_numeric_boundaries_survive_binary_rounding():
    q = numeric("answer: 0.3\ntolerance: 0.1")
    assert grade(q, {"value": "0.4"}).status == CORRECT
    assert grade(q, {"value": "0.2"}).status == CORRECT
    assert grade(q, {"value": "0.41"}).status == INCORRECT
    exact = example("numeric")  # 1973, no tolerance; the slack is 1e-9 × 1973
    assert grade(exact, {"value": "1973.000001"}).status == CORRECT
    assert grade(exact, {"value": "1973.00001"}).status == INCORRECT
    assert grade(exact, {"value": "1974"}).status == INCORRECT


def test_numeric_range_is_inclusive():
    q = EXAMPLES["example-numeric-range"]  # 30..32
    assert [grade(q, {"value": v}).status == CORRECT for v in ("30", "32", "31.5", "29.999", "32.001")] == [
        True,
        True,
        True,
        False,
        False,
    ]
    assert grade(q, {"value": "1"}).per_part[0].expected == "30 to 32"
    assert correct_response(q) == {"value": "30"}


def test_numeric_negative_numbers():
    q = numeric("answer: -3")
    for typed in ("-3", "−3", " -3.0 ", "-3e0"):
        assert grade(q, {"value": typed}).status == CORRECT, typed
    assert grade(q, {"value": "3"}).status == INCORRECT
    negative_range = numeric("range: -5..-1")
    assert grade(negative_range, {"value": "-5"}).status == CORRECT
    assert grade(negative_range, {"value": "-1,000"}).status == INCORRECT
    assert grade(negative_range, {"value": "-0.5"}).status == INCORRECT


def test_numeric_huge_numbers_are_numbers_out_of_range():
    result = grade(example("numeric"), {"value": "1e999"})
    assert (result.score, result.feedback) == (0.0, ())


def test_numeric_refuses_what_is_not_text_or_too_long():
    q = example("numeric")
    assert check_response(q, {"value": 1973}) == ["the value must be the number as typed, such as '1973'"]
    assert check_response(q, {"value": "1" * 101}) == ["a number is limited to 100 characters"]
    assert not is_answered(q, {"value": "  "})
    assert grade(q, {"value": " "}).feedback == ()


def test_numeric_correct_response_reads_back():
    assert correct_response(numeric("answer: 0.0000001")) == {"value": "0.0000001"}
    assert correct_response(numeric("answer: 2e3\ntolerance: 5")) == {"value": "2000"}
    assert grading.parse_number("12,345,678.25") == 12345678.25


# --- ordering -----------------------------------------------------------------------------


@pytest.fixture
def four():
    return one("type: ordering", "### Order\n1. First\n2. Second\n3. Third\n4. Fourth")


def test_ordering_shares_of_pairs(four):
    ids = item_ids(four)
    assert grade(four, {"order": list(ids)}).status == CORRECT
    reversed_ = grade(four, {"order": list(reversed(ids))})
    assert (reversed_.score, reversed_.status) == (0.0, INCORRECT)
    one_swap = grade(four, {"order": [ids[0], ids[2], ids[1], ids[3]]})
    assert one_swap.fraction == pytest.approx(5 / 6) and one_swap.status == PARTIAL
    ends_swapped = grade(four, {"order": [ids[3], ids[1], ids[2], ids[0]]})
    assert ends_swapped.fraction == pytest.approx(1 / 6)
    assert [(p.given, p.expected, p.correct) for p in one_swap.per_part] == [
        (1, 1, True),
        (3, 2, False),
        (2, 3, False),
        (4, 4, True),
    ]


def test_ordering_must_list_each_item_once(four):
    ids = item_ids(four)
    once = "ordering must list each item exactly once"
    assert check_response(four, {"order": list(ids[:3])}) == [once]
    assert check_response(four, {"order": [ids[0], ids[0], ids[1], ids[2]]}) == [once]
    assert check_response(four, {"order": list(ids) + [ids[0]]}) == [once]
    assert check_response(four, {"order": ["1", ids[1], ids[2], ids[3]]}) == [
        "item '1' is not an item of this question",
        once,
    ]
    assert check_response(four, {"order": "abcd"}) == ["'order' must be a list of item ids"]
    assert check_response(four, {"order": [[ids[0]], ids[1], ids[2], ids[3]]}) == [
        "item ids are text, not a list",
        once,
    ]
    assert grade(four, {"order": list(ids[:3])}).score == 0.0
    assert not is_answered(four, {"order": []}) and grade(four, {"order": []}).score == 0.0


def test_ordering_ids_are_stable_and_do_not_give_the_order_away(four):
    ids = item_ids(four)
    assert all(re.fullmatch(r"i[0-9a-f]{6}", id_) for id_ in ids) and len(set(ids)) == 4
    moved = replace(four, items=("Third", "First", "Fourth", "Second"))
    assert dict(zip(moved.items, item_ids(moved))) == dict(zip(four.items, ids))


def test_ordering_of_one_item_scores_0():
    q = replace(one("type: ordering", "### Order\n1. A\n2. B\n3. C"), items=("A",))
    assert grade(q, correct_response(q)).score == 0.0
    two = replace(q, items=("A", "B"))
    assert grade(two, correct_response(two)).status == CORRECT


# --- matching -----------------------------------------------------------------------------


def test_matching_share_of_left_items_matched():
    q = example("matching")  # pairs a..d and one distractor
    rights = right_ids(q)
    assert len(rights) == 5 and all(re.fullmatch(r"r[0-9a-f]{6}", r) for r in rights)
    key = correct_response(q)["matches"]
    assert key == dict(zip("abcd", rights[:4]))
    with_distractor = grade(q, {"matches": {**key, "d": rights[4]}})
    assert (with_distractor.fraction, with_distractor.status) == (0.75, PARTIAL)
    assert with_distractor.per_part[3] == grading.Part("d", False, rights[4], rights[3])
    assert grade(q, {"matches": {"a": rights[0]}}).fraction == 0.25
    assert grade(q, {"matches": dict.fromkeys("abcd", rights[4])}).score == 0.0
    assert grade(q, {"matches": {"a": rights[0], "b": rights[0]}}).fraction == 0.25
    assert grade(q, {"matches": {"a": rights[1], "b": rights[0], "c": None, "d": ""}}).score == 0.0


def test_matching_refuses_unknown_items_and_options():
    q = example("matching")
    assert check_response(q, {"matches": {"z": right_ids(q)[0]}}) == ["left-hand item 'z' does not exist"]
    assert check_response(q, {"matches": {"a": "r1"}}) == ["option 'r1' is not an option of this question"]
    assert check_response(q, {"matches": {"a": 1}}) == ["a match is a right-hand option id or empty, not a number"]
    assert check_response(q, {"matches": ["a"]}) == ["'matches' must map left-hand item ids to right-hand option ids"]
    assert not is_answered(q, {"matches": {"a": None, "b": ""}})


# --- cloze --------------------------------------------------------------------------------


def test_cloze_share_of_blanks():
    q = example("cloze")  # lion’s share / detente|détente / Carter
    assert grade(q, {"blanks": {"1": "lions share", "2": "Détente", "3": "carter"}}).status == CORRECT
    two = grade(q, {"blanks": {"1": "lion's share", "2": "detente", "3": "Reagan"}})
    assert (two.fraction, two.status) == (pytest.approx(2 / 3), PARTIAL)
    assert [(p.id, p.correct, p.given) for p in two.per_part] == [
        ("1", True, "lion's share"),
        ("2", True, "detente"),
        ("3", False, "Reagan"),
    ]
    assert grade(q, {"blanks": {"3": "Carter"}}).fraction == pytest.approx(1 / 3)
    assert grade(q, {"blanks": {"1": None, "3": "Carter"}}).fraction == pytest.approx(1 / 3)


def test_cloze_exact():
    q = one("type: cloze\nmatch: exact", "", prompt="The era of {{détente}} and {{SALT}}.")
    assert grade(q, {"blanks": {"1": "detente", "2": "SALT"}}).fraction == 0.5
    assert grade(q, {"blanks": {"1": " détente", "2": "salt"}}).fraction == 0.5


def test_cloze_refuses_blanks_that_do_not_exist():
    q = example("cloze")
    assert check_response(q, {"blanks": {"4": "x"}}) == ["blank 4 does not exist"]
    assert check_response(q, {"blanks": {"one": "x"}}) == ["blank 'one' does not exist"]
    assert check_response(q, {"blanks": {"1": "x" * 10_001}}) == ["blank 1: an answer is limited to 10,000 characters"]
    assert check_response(q, {"blanks": {"2": 5}}) == ["blank 2: the answer must be text"]
    assert check_response(q, {"blanks": ["x"]}) == ["'blanks' must map blank numbers to answers, such as {'1': '...'}"]
    assert not is_answered(q, {"blanks": {"1": " ", "2": ""}})


# --- essay --------------------------------------------------------------------------------


def test_an_essay_is_ungraded_until_a_person_grades_it():
    q = example("essay")
    result = grade(q, {"text": "Haig reads nervousness into the letter..."})
    assert (result.score, result.max_score, result.fraction, result.status) == (None, 5.0, None, UNGRADED)
    assert correct_response(q) is None
    empty = grade(q, {"text": " "})
    assert (empty.score, empty.status) == (0.0, INCORRECT)


def test_grade_essay_clamps_and_validates():
    q = example("essay")
    half = grade_essay(q, 2.5, "  Quotes well; no judgement.  ")
    assert (half.score, half.fraction, half.status, half.feedback) == (
        2.5,
        0.5,
        PARTIAL,
        ("Quotes well; no judgement.",),
    )
    assert (grade_essay(q, 7).score, grade_essay(q, 7).status) == (5.0, CORRECT)
    assert (grade_essay(q, -1).score, grade_essay(q, -1).status) == (0.0, INCORRECT)
    assert grade_essay(q, "3.5").score == 3.5
    assert grade_essay(q, 4).feedback == ()
    for bad in ("three", math.nan, math.inf, "1e999", 10**400, None, True, "nan", [3]):
        with pytest.raises(ValueError, match="the score must be a number from 0 to 5"):
            grade_essay(q, bad)
    with pytest.raises(ValueError, match="not an essay"):
        grade_essay(example("short"), 1)


# --- presentation ---------------------------------------------------------------------------


def test_shuffled_is_seeded_by_seed_and_salt():
    items = list(range(20))
    expected = items[:]
    random.Random("7:q1").shuffle(expected)
    assert shuffled(items, 7, "q1") == expected == shuffled(items, "7", "q1")
    assert shuffled(items, 7, "q2") != expected
    assert items == list(range(20))


def test_the_same_seed_gives_the_same_order():
    for q in EXAMPLES.values():
        first = presentation(q, 42, quote=quote_for(q))
        assert presentation(q, 42, quote=quote_for(q)) == first


def test_choices_shuffle_per_seed_and_per_question():
    q = one("type: single", "### Choices\n" + "\n".join(f"- [{'x' if n == 0 else ' '}] Choice {n}" for n in range(8)))
    orders = {tuple(o.id for o in presentation(q, seed).options) for seed in range(20)}
    assert len(orders) > 10
    other = replace(q, id="q2")
    assert any(presentation(q, seed).options != presentation(other, seed).options for seed in range(5))
    assert [o.id for o in presentation(q, 3, shuffle_choices=False).options] == list("abcdefgh")
    assert presentation(q, 3).options[0].text.startswith("Choice")


def test_true_false_and_evidence_keep_their_order():
    tf = example("truefalse")
    assert all([o.text for o in presentation(tf, seed).options] == ["True", "False"] for seed in range(10))
    ev = example("evidence")
    shown = presentation(ev, 5, quote=PEACE_AND_MEETING).options
    assert [o.id for o in shown] == list("abcdefghij")
    assert shown[0].text == "Thus our policy is a policy of peace."


def test_ordering_and_matching_are_never_shown_in_the_answers_order(four):
    for q, key in ((four, list(item_ids(four))), (example("matching"), list(right_ids(example("matching"))))):
        for seed in range(60):
            assert [o.id for o in presentation(q, seed).options] != key
        fixed = [o.id for o in presentation(q, 1, shuffle_choices=False).options]
        assert fixed != key and sorted(fixed) == sorted(key)
        assert all([o.id for o in presentation(q, seed, shuffle_choices=False).options] == fixed for seed in range(5))


def test_matching_shows_lefts_in_order_and_every_right_option():
    q = example("matching")
    shown = presentation(q, 9)
    assert [(o.id, o.text) for o in shown.lefts] == [(p.id, p.left) for p in q.pairs]
    assert {o.text for o in shown.options} == {p.right for p in q.pairs} | set(q.distractors)
    assert {o.id: o.text for o in shown.options}[right_ids(q)[0]] == q.pairs[0].right


@pytest.mark.parametrize("qtype", ["short", "numeric", "cloze", "essay"])
def test_typed_answers_show_no_options(qtype):
    assert presentation(example(qtype), 1) == grading.Presentation()
