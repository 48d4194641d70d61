"""Malformed banks: each gives a message saying what was expected, at the right line."""

import pytest

from studyapp.core.qformat import MAX_BYTES, parse, validate

EXPLANATION = '### Explanation\n"I replied that linkage was a fact of life".\n'


def bank(fields: str, body: str, qid: str = "q1") -> str:
    """A one-question bank: heading on line 1, the fields from line 2, a blank line, then `body`."""
    return f"## {qid}\n{fields.strip()}\n\n{body}"


SINGLE = "type: single\nthemes: linkage\npassages: memo-linkage\ndifficulty: 1\n"
#: With the SINGLE fields, the prompt is line 7, "### Choices" line 9, "### Explanation" line 13.
CHOICES = "Who said it?\n\n### Choices\n- [x] Haig\n- [ ] Dobrynin\n\n" + EXPLANATION


def with_field(extra: str, fields: str = SINGLE) -> str:
    """The fields plus `extra` from line 6."""
    return fields + extra + "\n"


def typed(qtype: str, extra: str = "") -> str:
    """The SINGLE fields for another type, plus `extra` from line 6."""
    fields = SINGLE.replace("single", qtype)
    return with_field(extra, fields) if extra else fields


def section(title: str, *lines: str, prompt: str = "Prompt.") -> str:
    """A body with the prompt on line 7, the section `title` on line 9, its lines from line 10."""
    return f"{prompt}\n\n### {title}\n" + "".join(f"{line}\n" for line in lines) + "\n" + EXPLANATION


NUMERIC_BODY = "Which year?\n\n" + EXPLANATION
CLOZE = "cloze"
ESSAY_BODY = CHOICES.replace(EXPLANATION, "### Rubric\nQuotes.\n\n" + EXPLANATION)
LINKAGE_SENTENCE = "- I replied that linkage was a fact of life."

CASES = [
    # -- the heading ------------------------------------------------------------------------
    ("heading without id", "## \n" + bank(SINGLE, CHOICES)[6:], 1, "question heading has no id"),
    ("bad id characters", bank(SINGLE, CHOICES, qid="Linkage Words"), 1, "bad question id 'Linkage Words'"),
    ("id with underscore", bank(SINGLE, CHOICES, qid="linkage_words"), 1, "bad question id"),
    ("id too long", bank(SINGLE, CHOICES, qid="a" * 101), 1, "the limit is 100"),
    (
        "duplicate id in a file",
        bank(SINGLE, CHOICES) + "\n" + bank(SINGLE, CHOICES),
        16,
        "duplicate question id 'q1' (first used on line 1)",
    ),
    ("no question at all", "# Linkage\n\nJust a description.\n", 1, "no questions found"),
    ("level-1 heading for a question", "# q1\ntype: single\n", 1, "no questions found"),
    # -- fields -----------------------------------------------------------------------------
    (
        "text before the fields",
        "## q1\nWho said it?\n" + SINGLE + "\n" + CHOICES[14:],
        2,
        "expected fields ('key: value'",
    ),
    (
        "no blank line before the prompt",
        bank(SINGLE + "Who said it?\n", CHOICES),
        6,
        "expected a field 'key: value' or a blank line",
    ),
    ("unknown field", bank(with_field("topic: cold war"), CHOICES), 6, "unknown field 'topic'"),
    ("misspelt field", bank(SINGLE.replace("difficulty:", "dificulty:"), CHOICES), 5, "did you mean 'difficulty'?"),
    ("field given twice", bank(with_field("type: multiple"), CHOICES), 6, "field 'type' given twice (first on line 2)"),
    ("unknown type", bank(typed("multi"), CHOICES), 2, "unknown type 'multi'"),
    ("missing type", bank(SINGLE.replace("type: single\n", ""), CHOICES), 1, "missing field 'type'"),
    ("missing themes", bank(SINGLE.replace("themes: linkage\n", ""), CHOICES), 1, "missing field 'themes'"),
    ("empty themes", bank(SINGLE.replace("themes: linkage", "themes:"), CHOICES), 3, "'themes' is empty"),
    ("bad theme id", bank(SINGLE.replace("linkage", "Linkage"), CHOICES), 3, "bad theme id 'Linkage'"),
    ("empty list item", bank(SINGLE.replace("linkage", "linkage,,detente"), CHOICES), 3, "empty item in 'themes'"),
    (
        "theme listed twice",
        bank(SINGLE.replace("linkage", "linkage, linkage"), CHOICES),
        3,
        "theme 'linkage' listed twice",
    ),
    ("missing passages", bank(SINGLE.replace("passages: memo-linkage\n", ""), CHOICES), 1, "missing field 'passages'"),
    ("missing difficulty", bank(SINGLE.replace("difficulty: 1\n", ""), CHOICES), 1, "missing field 'difficulty'"),
    (
        "difficulty 4",
        bank(SINGLE.replace("difficulty: 1", "difficulty: 4"), CHOICES),
        5,
        "difficulty must be 1, 2 or 3, found '4'",
    ),
    (
        "difficulty as a word",
        bank(SINGLE.replace("difficulty: 1", "difficulty: easy"), CHOICES),
        5,
        "difficulty must be 1, 2 or 3",
    ),
    ("points 0", bank(with_field("points: 0"), CHOICES), 6, "points must be a positive number"),
    ("negative points", bank(with_field("points: -2"), CHOICES), 6, "found '-2'"),
    ("points not a number", bank(with_field("points: two"), CHOICES), 6, "points must be a positive number"),
    ("points infinite", bank(with_field("points: 1e999"), CHOICES), 6, "points must be a positive number"),
    (
        "field for another type",
        bank(with_field("tolerance: 1"), CHOICES),
        6,
        "field 'tolerance' is for numeric questions, not single",
    ),
    # -- prompt and sections ----------------------------------------------------------------
    ("no prompt", bank(SINGLE, CHOICES[14:]), 1, "question has no prompt"),
    ("missing explanation", bank(SINGLE, CHOICES.replace(EXPLANATION, "")), 1, "missing '### Explanation'"),
    (
        "empty explanation",
        bank(SINGLE, CHOICES.replace(EXPLANATION, "### Explanation\n\n")),
        13,
        "empty '### Explanation'",
    ),
    (
        "unknown section",
        bank(SINGLE, CHOICES.replace("### Choices", "### Options")),
        9,
        "unknown section '### Options'",
    ),
    (
        "section given twice",
        bank(SINGLE, CHOICES + "### Explanation\nAgain.\n"),
        15,
        "section '### Explanation' given twice",
    ),
    ("missing answer section", bank(SINGLE, "Who said it?\n\n" + EXPLANATION), 1, "missing '### Choices' section"),
    # -- choices ----------------------------------------------------------------------------
    ("no correct answer", bank(SINGLE, CHOICES.replace("[x]", "[ ]")), 9, "no correct choice"),
    (
        "two correct in single choice",
        bank(SINGLE, CHOICES.replace("[ ]", "[x]")),
        9,
        "exactly one correct choice, found 2",
    ),
    ("one choice only", bank(SINGLE, CHOICES.replace("- [ ] Dobrynin\n", "")), 9, "at least 2 choices, found 1"),
    ("empty choice", bank(SINGLE, CHOICES.replace("[ ] Dobrynin", "[ ] ")), 11, "empty item"),
    (
        "choice without a box",
        bank(SINGLE, CHOICES.replace("- [ ] Dobrynin", "- Dobrynin")),
        11,
        "expected a list item '- [x] text' or '- [ ] text'",
    ),
    ("same choice twice", bank(SINGLE, CHOICES.replace("Dobrynin", "Haig")), 11, "same text as the item on line 10"),
    (
        "feedback line with no choice",
        bank(SINGLE, section("Choices", "  > Why?", "- [x] Haig", "- [ ] Dobrynin")),
        10,
        "feedback line ('  > ...') with no item above it",
    ),
    ("multiple with no correct", bank(typed("multiple"), CHOICES.replace("[x]", "[ ]")), 9, "no correct choice"),
    (
        "truefalse with other labels",
        bank(typed("truefalse"), section("Choices", "- [x] Yes", "- [ ] No")),
        9,
        "exactly two choices, '- [ ] True' then '- [ ] False'",
    ),
    (
        "truefalse in the wrong order",
        bank(typed("truefalse"), section("Choices", "- [x] False", "- [ ] True")),
        9,
        "'- [ ] True' then '- [ ] False'",
    ),
    ("choices in an essay", bank(typed("essay"), ESSAY_BODY), 9, "an essay question has no '### Choices' section"),
    # -- short and cloze --------------------------------------------------------------------
    ("short without answers", bank(typed("short"), section("Answers")), 9, "needs at least one answer"),
    ("short answer of punctuation only", bank(typed("short"), section("Answers", "- ...")), 10, "only punctuation"),
    (
        "short with feedback",
        bank(typed("short"), section("Answers", "- Haig", "  > Yes")),
        11,
        "feedback lines ('  > ...') are not allowed in '### Answers'",
    ),
    (
        "bad match mode",
        bank(typed("short", "match: fuzzy"), section("Answers", "- Haig")),
        6,
        "match must be 'normalized' or 'exact'",
    ),
    (
        "unclosed cloze blank",
        bank(typed(CLOZE), "Linkage was a {{fact of life.\n\n" + EXPLANATION),
        7,
        "blank '{{' is not closed",
    ),
    ("empty blank", bank(typed(CLOZE), "Linkage was a {{}} of life.\n\n" + EXPLANATION), 7, "empty blank"),
    (
        "empty alternative in a blank",
        bank(typed(CLOZE), "Linkage was a {{fact|}} of life.\n\n" + EXPLANATION),
        7,
        "empty blank or empty answer",
    ),
    (
        "cloze with no blank",
        bank(typed(CLOZE), "Linkage was a fact of life.\n\n" + EXPLANATION),
        1,
        "needs at least one blank",
    ),
    # -- numeric ----------------------------------------------------------------------------
    (
        "numeric without answer",
        bank(typed("numeric"), NUMERIC_BODY),
        1,
        "needs 'answer: <number>' or 'range: <low>..<high>'",
    ),
    ("answer not a number", bank(typed("numeric", "answer: nineteen"), NUMERIC_BODY), 6, "answer must be a number"),
    (
        "negative tolerance",
        bank(typed("numeric", "answer: 1973\ntolerance: -1"), NUMERIC_BODY),
        7,
        "tolerance must be 0 or more",
    ),
    (
        "tolerance not a number",
        bank(typed("numeric", "answer: 1973\ntolerance: a bit"), NUMERIC_BODY),
        7,
        "tolerance must be a number",
    ),
    (
        "tolerance without answer",
        bank(typed("numeric", "range: 1..2\ntolerance: 1"), NUMERIC_BODY),
        7,
        "'tolerance' needs an 'answer'",
    ),
    (
        "range with min > max",
        bank(typed("numeric", "range: 1975..1970"), NUMERIC_BODY),
        6,
        "range starts above its end: 1975 > 1970",
    ),
    ("malformed range", bank(typed("numeric", "range: 1970-1975"), NUMERIC_BODY), 6, "range must be 'low..high'"),
    (
        "both answer and range",
        bank(typed("numeric", "answer: 1973\nrange: 1970..1975"), NUMERIC_BODY),
        7,
        "either 'answer' (with an optional 'tolerance') or 'range', not both",
    ),
    # -- ordering and matching --------------------------------------------------------------
    (
        "ordering with 2 items",
        bank(typed("ordering"), section("Order", "1. NATO", "2. Afghanistan")),
        9,
        "at least 3 items, found 2",
    ),
    (
        "ordering misnumbered",
        bank(typed("ordering"), section("Order", "1. NATO", "3. San Clemente", "4. Kabul")),
        11,
        "expected item number 2, found 3",
    ),
    (
        "ordering with bullets",
        bank(typed("ordering"), section("Order", "- NATO")),
        10,
        "expected a numbered item '1. text'",
    ),
    (
        "matching pair missing =>",
        bank(
            typed("matching"), section("Pairs", "- Haig => fact of life", "- Dobrynin: Why not?", "- Brezhnev => Pax")
        ),
        11,
        "expected a pair '- left => right'",
    ),
    ("matching right side empty", bank(typed("matching"), section("Pairs", "- Haig =>")), 10, "nothing after '=>'"),
    (
        "matching with 2 pairs",
        bank(typed("matching"), section("Pairs", "- Haig => a", "- Dobrynin => b", "- => c")),
        9,
        "at least 3 pairs",
    ),
    (
        "matching left side twice",
        bank(typed("matching"), section("Pairs", "- Haig => a", "- Haig => b", "- B => c")),
        11,
        "left-hand side 'Haig' given twice",
    ),
    # -- essay and evidence -----------------------------------------------------------------
    ("essay without rubric", bank(typed("essay"), "Argue.\n\n" + EXPLANATION), 1, "missing '### Rubric' section"),
    (
        "evidence passage not among passages",
        bank(typed("evidence", "evidence-passage: letter-nato"), section("Evidence", LINKAGE_SENTENCE)),
        6,
        "evidence-passage 'letter-nato' is not among the question's passages",
    ),
    (
        "evidence with only wrong sentences",
        bank(typed("evidence"), section("Evidence", "- [ ] I replied.")),
        9,
        "at least one supporting sentence",
    ),
]


@pytest.mark.parametrize(("text", "line", "message"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_malformed_bank_reports_what_was_expected_where(text, line, message):
    result = parse(text, "bank.md")
    headings = sum(line.startswith("## ") for line in text.split("\n"))
    assert len(result.questions) < max(headings, 1), "the question with the problem is left out"
    assert any(e.line == line and message in e.message for e in result.errors), result.errors
    assert all(e.file == "bank.md" and e.column >= 1 for e in result.errors)


def test_the_base_question_of_these_cases_is_valid():
    result = parse(bank(SINGLE, CHOICES), "bank.md")
    assert result.errors == []
    assert [q.id for q in result.questions] == ["q1"]


def test_every_problem_is_collected_not_only_the_first():
    text = bank(SINGLE.replace("single", "singel").replace("difficulty: 1", "difficulty: 9"), "### Choices\n")
    messages = [e.message for e in parse(text, "bank.md").errors]
    assert any("unknown type 'singel' (did you mean 'single'?)" in m for m in messages)
    assert any("difficulty must be" in m for m in messages)
    assert any("no prompt" in m for m in messages)
    assert any("Explanation" in m for m in messages)


def test_a_bad_question_does_not_hide_the_good_ones_around_it():
    good = bank(SINGLE, CHOICES)
    text = good + "\n" + bank(SINGLE, CHOICES.replace("[x]", "[ ]"), qid="q2") + "\n" + good.replace("q1", "q3")
    result = parse(text, "bank.md")
    assert [q.id for q in result.questions] == ["q1", "q3"]
    assert [(e.line, e.message) for e in result.errors] == [(24, "no correct choice: mark the right one '- [x]'")]


def test_errors_come_sorted_and_print_as_file_line_col():
    text = bank(SINGLE.replace("difficulty: 1", "difficulty: 4"), CHOICES.replace("[x]", "[ ]"))
    errors = parse(text, "content/questions/linkage.md").errors
    assert [str(e) for e in errors] == [
        "content/questions/linkage.md:5:13: difficulty must be 1, 2 or 3, found '4'",
        "content/questions/linkage.md:9:1: no correct choice: mark the right one '- [x]'",
    ]


def test_column_points_at_the_bad_list_item():
    text = bank(SINGLE.replace("themes: linkage", "themes: linkage, Detente"), CHOICES)
    [error] = parse(text, "bank.md").errors
    assert (error.line, error.column) == (3, 18)


# -- input limits -----------------------------------------------------------------------------


def test_non_utf8_bytes_give_one_error_at_the_first_bad_byte():
    data = bank(SINGLE, CHOICES).encode().replace(b"Dobrynin", b"Dobr\xfdnin")
    [error] = parse(data, "bank.md").errors
    assert (error.line, error.column) == (11, 11)
    assert "not UTF-8" in error.message and "0xfd" in error.message


def test_latin1_file_is_refused_with_its_position():
    data = "## q1\ntype: single\nthemes: détente\n".encode("latin-1")
    [error] = parse(data, "bank.md").errors
    assert (error.line, error.column) == (3, 10)


def test_a_5_mb_file_is_refused_unparsed():
    data = (bank(SINGLE, CHOICES) * 60_000).encode()
    assert len(data) > 5_000_000
    [error] = parse(data, "big.md").errors
    assert error.line == 1 and "the limit is 1,048,576 bytes" in error.message


def test_a_5_mb_string_is_refused_too():
    [error] = parse("x" * 5_000_000, "big.md").errors
    assert "limit" in error.message


def test_a_file_just_under_the_limit_is_parsed():
    text = bank(SINGLE, CHOICES)
    padding = "\n" + "x" * (MAX_BYTES - len(text) - 10) + "\n"
    result = parse("# Big\n" + padding + text, "bank.md")
    assert result.errors == [] and len(result.questions) == 1


def test_utf8_bom_is_accepted():
    result = parse(b"\xef\xbb\xbf" + bank(SINGLE, CHOICES).encode(), "bank.md")
    assert result.errors == []


def test_bom_does_not_shift_the_column_of_a_bad_byte():
    [error] = parse(b"\xef\xbb\xbf## q\xff1\n", "bank.md").errors
    assert (error.line, error.column) == (1, 5)


def test_windows_line_endings_are_accepted():
    result = parse(bank(SINGLE, CHOICES).replace("\n", "\r\n"), "bank.md")
    assert result.errors == []
    assert result.questions[0].choices[0].text == "Haig"


# -- references (validate) --------------------------------------------------------------------

THEMES = {"linkage", "detente"}
PASSAGES = {
    "memo-linkage": (
        "Moving on to the more general question of negotiations between the U.S. and the USSR, Dobrynin "
        "said that Moscow was prepared to negotiate on specific issues such as Cuba, Africa, Afghanistan, "
        "arms control, and trade whenever the U.S. wishes, but that Moscow could not accept the concept of "
        "linkage. It is unacceptable to the USSR to be told that the U.S. is unwilling to begin discussions "
        "with the Soviets in one area until they correct their conduct in some other, unrelated, area. I "
        "replied that linkage was a fact of life, and that we could not sit by while the Soviets and Cubans "
        "continued to pump arms into Nicaragua as if these Russian activities were of no importance to us. "
        "The Soviets must expect that such activities would inevitably affect our attitude toward negotiations."
    ),
}


def problems_of(text: str, **files: str):
    questions = parse(text, "bank.md").questions
    for name, other in files.items():
        questions += parse(other, name).questions
    return validate(questions, THEMES, PASSAGES)


def test_unknown_theme_via_validate():
    text = bank(SINGLE.replace("themes: linkage", "themes: linkage, detante"), CHOICES)
    [problem] = problems_of(text)
    assert (problem.file, problem.line, problem.column) == ("bank.md", 3, 18)
    assert problem.message == "unknown theme 'detante'"


def test_unknown_passage_via_validate():
    text = bank(SINGLE.replace("passages: memo-linkage", "passages: memo-linkage, memo-linkages"), CHOICES)
    [problem] = problems_of(text)
    assert (problem.line, problem.message) == (4, "unknown passage 'memo-linkages'")


def test_duplicate_id_across_files_via_validate():
    text = bank(SINGLE, CHOICES)
    [problem] = problems_of(text, **{"other.md": "# Other\n\n" + text})
    assert (problem.file, problem.line) == ("other.md", 3)
    assert problem.message == "duplicate question id 'q1' (also in bank.md:1)"


EVIDENCE = typed("evidence")


def test_evidence_sentence_not_in_the_passage():
    text = bank(EVIDENCE, "Which sentence?\n\n### Evidence\n- Linkage is a fact of life.\n\n" + EXPLANATION)
    [problem] = problems_of(text)
    assert problem.line == 10
    assert "evidence sentence is not a sentence of passage 'memo-linkage'" in problem.message


def test_evidence_sentence_that_is_only_part_of_one():
    text = bank(EVIDENCE, section("Evidence", LINKAGE_SENTENCE.rstrip(".")))
    [problem] = problems_of(text)
    assert "it is part of a sentence: quote the whole sentence" in problem.message


def test_evidence_sentence_with_straight_quotes_for_curly_ones():
    passages = {
        "memo-linkage": "He began by emphasizing that the Soviets have deliberately not responded to "
        "serious U.S. “provocations.” Specifically, Moscow has refrained."
    }
    text = bank(
        EVIDENCE,
        "Which?\n\n### Evidence\n- He began by emphasizing that the Soviets have deliberately "
        'not responded to serious U.S. "provocations."\n\n' + EXPLANATION,
    )
    [problem] = validate(parse(text, "bank.md").questions, THEMES, passages)
    assert "check the quotation marks and dashes" in problem.message


def test_evidence_whole_sentence_passes():
    text = bank(
        EVIDENCE,
        "Which?\n\n### Evidence\n- I replied that linkage was a fact of life, and that we could "
        "not sit by while the Soviets and Cubans continued to pump arms into Nicaragua as if "
        "these Russian activities were of no importance to us.\n\n" + EXPLANATION,
    )
    assert problems_of(text) == []


def test_validate_without_content_checks_only_ids():
    text = bank(SINGLE.replace("themes: linkage", "themes: nowhere"), CHOICES)
    assert validate(parse(text, "bank.md").questions) == []
