"""Properties of grading: any input is refused or scored, never raised on; scores stay in bounds."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studyapp.core.grading import (
    CORRECT,
    INCORRECT,
    PARTIAL,
    UNGRADED,
    blank_response,
    check_response,
    correct_response,
    grade,
    is_answered,
    item_ids,
    presentation,
    right_ids,
)
from studyapp.core.qformat import Question

from .test_grading import EXAMPLES, quote_for

#: As many examples as the hypothesis profile asks for (see tests/conftest.py).
SETTINGS = settings(database=None)
QUESTIONS = sorted(EXAMPLES)

json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=20,
)


def ids_of(q: Question) -> list[str]:
    """The ids a response to `q` may hold."""
    if q.type == "ordering":
        return list(item_ids(q))
    if q.type == "matching":
        return list(right_ids(q))
    if q.type == "cloze":
        return [blank.id for blank in q.blanks]
    return [option.id for option in presentation(q, 0, quote=quote_for(q)).options]


@st.composite
def anything_for(draw, q: Question):
    """Arbitrary JSON-like data, often in the question's own field and with its own ids mixed in."""
    key = next(iter(blank_response(q)))
    ids = st.sampled_from(ids_of(q) or ["1"])
    value = draw(
        st.one_of(
            json_like,
            st.lists(ids | json_like, max_size=6),
            st.dictionaries(ids | st.text(max_size=5), ids | json_like, max_size=4),
        )
    )
    return draw(st.sampled_from([value, {key: value}, {key: value, "extra": value}]))


@st.composite
def valid_for(draw, q: Question):
    """A response `check_response` accepts: the question's own ids and any text."""
    text = st.text(max_size=30) | st.sampled_from(q.answers or ("x",))
    if q.type in ("single", "truefalse"):
        return {"choice": draw(st.sampled_from([None, ""] + ids_of(q)))}
    if q.type in ("multiple", "evidence"):
        key = "choices" if q.type == "multiple" else "sentences"
        return {key: draw(st.lists(st.sampled_from(ids_of(q)), max_size=12))}
    if q.type == "ordering":
        return {"order": draw(st.just([]) | st.permutations(ids_of(q)))}
    if q.type == "matching":
        lefts = [pair.id for pair in q.pairs]
        return {"matches": draw(st.dictionaries(st.sampled_from(lefts), st.none() | st.sampled_from(ids_of(q))))}
    if q.type == "cloze":
        answers = [answer for blank in q.blanks for answer in blank.answers]
        return {
            "blanks": draw(st.dictionaries(st.sampled_from(ids_of(q)), st.text(max_size=20) | st.sampled_from(answers)))
        }
    if q.type == "numeric":
        number = st.floats(allow_nan=False, allow_infinity=False).map(repr) | st.integers().map(lambda n: f"{n:,}")
        return {"value": draw(number | st.text(max_size=20))}
    return {"text": draw(text)}


@SETTINGS
@given(data=st.data())
def test_anything_is_refused_or_graded_never_raised_on(data):
    q = EXAMPLES[data.draw(st.sampled_from(QUESTIONS))]
    response = data.draw(anything_for(q))
    errors = check_response(q, response, quote=quote_for(q))
    assert all(isinstance(error, str) and error for error in errors)
    result = grade(q, response, quote=quote_for(q))
    is_answered(q, response)
    if errors:
        assert (result.score, result.status) == (0.0, INCORRECT)
    if result.status != UNGRADED:
        assert 0.0 <= result.score <= q.points


@SETTINGS
@given(data=st.data())
def test_valid_responses_score_between_0_and_the_points(data):
    q = EXAMPLES[data.draw(st.sampled_from(QUESTIONS))]
    response = data.draw(valid_for(q))
    json.dumps(response)
    assert check_response(q, response, quote=quote_for(q)) == []
    result = grade(q, response, quote=quote_for(q))
    if result.status == UNGRADED:
        assert q.type == "essay" and is_answered(q, response)
        return
    assert 0.0 <= result.score <= q.points
    assert (result.status == CORRECT) == (result.score == q.points)
    assert (result.status == PARTIAL) == (0.0 < result.score < q.points)
    if not is_answered(q, response):
        assert result.score == 0.0


@SETTINGS
@given(data=st.data())
def test_an_order_and_its_reverse_share_the_pairs(data):
    q = EXAMPLES["example-ordering-chronology"]
    order = data.draw(st.permutations(item_ids(q)))
    forward = grade(q, {"order": order}).fraction
    backward = grade(q, {"order": order[::-1]}).fraction
    assert forward + backward == pytest.approx(1.0)


@pytest.mark.parametrize("qid", QUESTIONS)
def test_presented_options_are_the_ids_responses_use(qid):
    q = EXAMPLES[qid]
    response = correct_response(q, quote=quote_for(q))
    shown = {option.id for option in presentation(q, 3, quote=quote_for(q)).options}
    if q.type in ("single", "truefalse"):
        assert response["choice"] in shown
    elif q.type in ("multiple", "evidence"):
        assert set(next(iter(response.values()))) <= shown
    elif q.type == "ordering":
        assert set(response["order"]) == shown
    elif q.type == "matching":
        assert set(response["matches"].values()) <= shown
