"""Properties: any input gives questions or errors, never an exception; write then parse is the identity."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studyapp.core.qformat import (
    Blank,
    Choice,
    EvidenceSentence,
    Pair,
    Question,
    evidence_choices,
    normalize_answer,
    parse,
    validate,
    write,
)
from studyapp.core.sentences import split_sentences

#: As many examples as the hypothesis profile asks for (see tests/conftest.py).
SETTINGS = settings(database=None, suppress_health_check=[HealthCheck.too_slow])
#: For tests whose every example is a whole bank: a quarter of the profile's examples.
FEWER = settings(SETTINGS, max_examples=max(10, SETTINGS.max_examples // 4))

# -- any input ----------------------------------------------------------------------------------

#: Lines that reach deep into the parser, mixed with arbitrary text.
FORMAT_LINES = [
    "## q1",
    "## q2",
    "##",
    "## Bad Id",
    "# Title",
    "type: single",
    "type: multiple",
    "type: truefalse",
    "type: short",
    "type: numeric",
    "type: ordering",
    "type: matching",
    "type: cloze",
    "type: essay",
    "type: evidence",
    "themes: linkage",
    "themes: a,,b",
    "passages: memo-linkage, letter-nato",
    "difficulty: 2",
    "difficulty: 9",
    "points: 0.5",
    "points: -1",
    "match: exact",
    "match: x",
    "answer: 1973",
    "answer: 1e999",
    "tolerance: -1",
    "range: 1..2",
    "range: 3..1",
    "range: x",
    "evidence-passage: letter-nato",
    "evidence-passage: memo-linkage",
    "",
    "",
    "Prompt {{a|b}} text {{",
    "{{}}",
    "### Choices",
    "### Answers",
    "### Order",
    "### Pairs",
    "### Rubric",
    "### Evidence",
    "### Hint",
    "### Explanation",
    "### Other",
    "- [x] Haig",
    "- [ ] Dobrynin",
    "- [ ] True",
    "- [x] False",
    "- plain",
    "-",
    "- ",
    "  > feedback",
    "  >",
    "1. first",
    "2. second",
    "3.",
    "- a => b",
    "- => extra",
    "- =>",
    "- left",
    "Because.",
    "\ufeff",
    "\r",
    "key: value",
]
ANY_LINE = st.one_of(st.sampled_from(FORMAT_LINES), st.text(max_size=40))


@SETTINGS
@given(st.text())
def test_arbitrary_text_gives_questions_or_errors(text):
    result = parse(text, "any.md")
    assert all(isinstance(q, Question) for q in result.questions)
    assert all(e.file == "any.md" and e.line >= 1 and e.column >= 1 and e.message for e in result.errors)


@SETTINGS
@given(st.binary())
def test_arbitrary_bytes_give_questions_or_errors(data):
    result = parse(data, "any.md")
    assert result.questions or result.errors


@SETTINGS
@given(st.lists(ANY_LINE, max_size=40))
def test_format_like_text_gives_questions_or_errors(lines):
    text = "\n".join(lines)
    result = parse(text, "any.md")
    assert result.questions or result.errors
    lines_of_file = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    assert all(1 <= e.line <= len(lines_of_file) for e in result.errors)
    # Whatever was accepted can be validated and written back.
    validate(result.questions, {"linkage"}, {"memo-linkage": "A b. C d."})
    assert parse(write(result.questions), "again.md").questions == result.questions


@SETTINGS
@given(st.lists(ANY_LINE, max_size=20), st.integers(0, 3))
def test_utf8_bytes_with_a_bad_byte_give_exactly_one_error(lines, where):
    data = "\n".join(lines).encode()
    cut = min(where, len(data))
    result = parse(data[:cut] + b"\xff" + data[cut:], "any.md")
    [error] = result.errors
    assert error.line == data[:cut].count(b"\n") + 1


# -- generated questions ------------------------------------------------------------------------

CHARS = st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"))
SLUG = st.from_regex(r"[a-z0-9][a-z0-9-]{0,12}", fullmatch=True)
#: One line of text as an item holds it: no surrounding whitespace, never empty.
ONE_LINE = st.text(CHARS, min_size=1, max_size=24).map(str.strip).filter(bool)
LEFT = ONE_LINE.filter(lambda text: "=>" not in text)
ANSWER = ONE_LINE.filter(lambda text: normalize_answer(text) != "")
BLANK_ANSWER = (
    st.text(CHARS.filter(lambda c: c not in "{}|"), min_size=1, max_size=12)
    .map(str.strip)
    .filter(lambda text: normalize_answer(text) != "")
)
CLOZE_TEXT = st.text(CHARS.filter(lambda c: c not in "{}"), max_size=20)
NUMBER = st.floats(allow_nan=False, allow_infinity=False)
POSITIVE = st.floats(min_value=0, exclude_min=True, allow_infinity=False)
LINE = st.text(CHARS, max_size=30)


def block(line_strategy=LINE):
    """Markdown text as a section holds it: lines without trailing spaces, no blank first or last line."""
    lines = st.lists(
        line_strategy.map(str.rstrip).filter(lambda line: not line.startswith("#")), min_size=1, max_size=4
    )
    return lines.map(lambda ls: "\n".join(ls).strip("\n")).filter(lambda text: text.strip() != "")


TEXT = block()
FEEDBACK = st.one_of(st.just(""), block())


def unique(strategy, min_size=1, max_size=5):
    return st.lists(strategy, min_size=min_size, max_size=max_size, unique=True).map(tuple)


@st.composite
def choices(draw, exactly_one: bool):
    texts = draw(unique(ONE_LINE, min_size=2, max_size=6))
    if exactly_one:
        right = {draw(st.integers(0, len(texts) - 1))}
    else:
        right = set(draw(st.lists(st.integers(0, len(texts) - 1), min_size=1, unique=True)))
    return tuple(Choice(chr(ord("a") + n), text, n in right, draw(FEEDBACK)) for n, text in enumerate(texts))


@st.composite
def truefalse(draw):
    true_is_right = draw(st.booleans())
    return (Choice("a", "True", true_is_right, draw(FEEDBACK)), Choice("b", "False", not true_is_right, draw(FEEDBACK)))


@st.composite
def cloze(draw):
    parts = []
    blanks = []
    for n in range(draw(st.integers(1, 4))):
        answers = draw(unique(BLANK_ANSWER, max_size=3))
        blanks.append(Blank(str(n + 1), answers))
        newline = "\n" if n and draw(st.booleans()) else ""
        parts.append(newline + draw(CLOZE_TEXT) + "{{" + "|".join(answers) + "}}")
    prompt = "\n".join(line.rstrip() for line in ("".join(parts) + draw(CLOZE_TEXT)).split("\n"))
    return {
        "prompt": prompt.strip("\n").lstrip("#"),
        "blanks": tuple(blanks),
        "match": draw(st.sampled_from(["normalized", "exact"])),
    }


@st.composite
def matching(draw):
    lefts = draw(unique(LEFT, min_size=3, max_size=5))
    rights = draw(unique(ONE_LINE, min_size=len(lefts), max_size=len(lefts) + 2))
    pairs = tuple(Pair(chr(ord("a") + n), left, right) for n, (left, right) in enumerate(zip(lefts, rights)))
    return {"pairs": pairs, "distractors": rights[len(lefts) :]}


@st.composite
def numeric(draw):
    if draw(st.booleans()):
        return {"answer": draw(NUMBER), "tolerance": draw(st.floats(min_value=0, allow_infinity=False))}
    low, high = sorted([draw(NUMBER), draw(NUMBER)])
    return {"minimum": low, "maximum": high}


@st.composite
def questions(draw):
    qtype = draw(
        st.sampled_from(
            [
                "single",
                "multiple",
                "truefalse",
                "short",
                "numeric",
                "ordering",
                "matching",
                "cloze",
                "essay",
                "evidence",
            ]
        )
    )
    passages = draw(unique(SLUG))
    specific = {
        "single": lambda: {"choices": draw(choices(exactly_one=True))},
        "multiple": lambda: {"choices": draw(choices(exactly_one=False))},
        "truefalse": lambda: {"choices": draw(truefalse())},
        "short": lambda: {"answers": draw(unique(ANSWER)), "match": draw(st.sampled_from(["normalized", "exact"]))},
        "numeric": lambda: draw(numeric()),
        "ordering": lambda: {"items": draw(unique(ONE_LINE, min_size=3, max_size=6))},
        "matching": lambda: draw(matching()),
        "cloze": lambda: draw(cloze()),
        "essay": lambda: {"rubric": draw(TEXT)},
        "evidence": lambda: {
            "evidence_passage": draw(st.sampled_from(passages)),
            "evidence": tuple(
                EvidenceSentence(text, correct, draw(FEEDBACK))
                for text, correct in zip(draw(unique(ONE_LINE)), [True] + draw(st.lists(st.booleans(), max_size=4)))
            ),
        },
    }[qtype]()
    fields = {
        "id": draw(SLUG),
        "type": qtype,
        "prompt": draw(TEXT),
        "explanation": draw(TEXT),
        "themes": draw(unique(SLUG)),
        "passages": passages,
        "difficulty": draw(st.integers(1, 3)),
        "points": draw(POSITIVE),
        "hint": draw(st.one_of(st.just(""), TEXT)),
    }
    return Question(**{**fields, **specific})


@SETTINGS
@given(questions())
def test_write_then_parse_gives_the_same_question(question):
    text = write([question])
    result = parse(text, "written.md")
    assert result.errors == []
    assert result.questions == [question]


@FEWER
@given(st.lists(questions(), max_size=4, unique_by=lambda q: q.id), st.text(CHARS, max_size=20).map(str.strip), block())
def test_write_then_parse_gives_the_same_bank(bank, title, description):
    result = parse(write(bank, title=title.lstrip("#").strip(), description=description), "written.md")
    if bank:
        assert result.errors == []
    assert result.questions == bank


@FEWER
@given(questions(), st.text(max_size=200))
def test_evidence_choices_and_validation_never_raise(question, quote):
    validate([question], {"linkage"}, dict.fromkeys(question.passages, quote))
    choices = evidence_choices(question, quote)
    assert [c.text for c in choices] == split_sentences(quote)
