"""The sentence splitter, on the document's own paragraphs (copied here: tests read no shared files)."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studyapp.core.sentences import normalize_ws, split_sentences

TNF = (
    "On TNF, Dobrynin asked why we were waiting so long to begin discussions with the Soviets, and "
    "suggested that we ought to begin soon (“Why not next week?”)."
)
RESTRAINT = (
    "In my conversation with Dobrynin following his delivery of the letter, I was again struck by the "
    "evident nervousness, confusion, and lack of confidence Dobrynin himself displayed. He began by "
    "emphasizing that the Soviets have deliberately not responded to serious U.S. “provocations.” "
    "Specifically, despite attacks by the President, the Secretary of State, and the Secretary of Defense, "
    "Moscow has refrained from replying in kind and has acted with “restraint.” Dobrynin showed particular "
    "sensitivity with regard to our charges that the Soviets are aiding and abetting terrorism, and added "
    "that the Soviet Union has done “nothing since January 20” to aggravate our bilateral relationship or "
    "threaten U.S. interests."
)
LINKAGE_OPENING = (
    "Moving on to the more general question of negotiations between the U.S. and the USSR, Dobrynin said "
    "that Moscow was prepared to negotiate on specific issues such as Cuba, Africa, Afghanistan, arms "
    "control, and trade whenever the U.S. wishes, but that Moscow could not accept the concept of linkage. "
    "It is unacceptable to the USSR to be told that the U.S. is unwilling to begin discussions with the "
    "Soviets in one area until they correct their conduct in some other, unrelated, area."
)
CASA_PACIFICA = (
    "Just as you do, I recall our brief conversation at the reception given by President R. Nixon at "
    "“Casa Pacifica” in June 1973. Today, as we did at that time, all Soviet leadership and I commit our "
    "hearts and minds to realization of hopes and aspirations of all the peoples of the world for peace, "
    "quiet life and confidence in their future."
)
NERVOUSNESS = (
    "Despite the above, however, the major impression I get from the letter is a sense of substantial "
    "Soviet nervousness and concern. Brezhnev asks almost plaintively why we continue to supply arms to "
    "Afghanistan insurgents and then reassures you that the Soviets do not seek confrontation and do not "
    "wish to “infringe on American legitimate interests.” The Soviet concern is for “honest and "
    "constructive negotiations” with [Page 154] the West that will remove outstanding issues. He ends with "
    "an almost open appeal for a face-to-face meeting with you."
)
MIDDLE_EAST_END = (
    "He added that he is “sure” the Syrians would do nothing in Lebanon and hoped that the Israelis would "
    "act with equal restraint. “No one,” he said, “wants a conflict there.”"
)
CARTER = (
    "If we are to take the most recent years, when after a period of ascent the relations between our "
    "countries began to deteriorate and deteriorate sharply, it is known that the lion’s share was "
    "contributed to that by the Carter administration. That was done consciously and purposefully, but in "
    "the final analysis, let us be frank, it brought no laurels to Carter. Isn’t it so, Mr. President?"
)
NOTES = (
    "1. Source: Department of State, Executive Secretariat, S/S–I Records: Lawrence Eagleburger Files, Lot "
    "84D204, USSR 1981. Secret; Sensitive. Printed from an uninitialed copy.\n\n"
    "2. See Document 46.\n\n"
    "3. Secret. The letter is the unofficial translation that Dobrynin gave Haig."
)


def test_a_question_inside_brackets_does_not_end_the_sentence():
    assert split_sentences(TNF) == [TNF]


def test_us_with_quoted_provocations():
    sentences = split_sentences(RESTRAINT)
    assert len(sentences) == 4
    assert sentences[1] == (
        "He began by emphasizing that the Soviets have deliberately not responded to serious U.S. “provocations.”"
    )
    assert sentences[2].endswith("has acted with “restraint.”")
    assert sentences[3].endswith("or threaten U.S. interests.")


def test_between_the_us_and_the_ussr():
    first, second = split_sentences(LINKAGE_OPENING)
    assert first.startswith("Moving on to the more general question of negotiations between the U.S. and the USSR,")
    assert first.endswith("could not accept the concept of linkage.")
    assert second.startswith("It is unacceptable to the USSR")


def test_initial_of_president_r_nixon():
    first, second = split_sentences(CASA_PACIFICA)
    assert first.endswith("given by President R. Nixon at “Casa Pacifica” in June 1973.")
    assert second.startswith("Today,")


def test_page_markers_are_removed():
    sentences = split_sentences(NERVOUSNESS)
    assert len(sentences) == 4
    assert sentences[2] == (
        "The Soviet concern is for “honest and constructive negotiations” with the West that will remove "
        "outstanding issues."
    )
    assert sentences[1].endswith("“infringe on American legitimate interests.”")


def test_a_sentence_may_open_with_a_quote():
    assert split_sentences(MIDDLE_EAST_END)[1] == "“No one,” he said, “wants a conflict there.”"


def test_mr_president_question_at_the_end():
    sentences = split_sentences(CARTER)
    assert sentences[-1] == "Isn’t it so, Mr. President?"
    assert len(sentences) == 3


def test_notes_keep_their_numbers():
    assert split_sentences(NOTES) == [
        "1. Source: Department of State, Executive Secretariat, S/S–I Records: Lawrence Eagleburger Files, Lot "
        "84D204, USSR 1981.",
        "Secret; Sensitive.",
        "Printed from an uninitialed copy.",
        "2. See Document 46.",
        "3. Secret.",
        "The letter is the unofficial translation that Dobrynin gave Haig.",
    ]


def test_paragraph_ends_always_end_a_sentence():
    quote = (
        "Letter From Soviet General Secretary Brezhnev to President Reagan 3\n\nDear Mr. President,\n\nL. Brezhnev 4"
    )
    assert split_sentences(quote) == [
        "Letter From Soviet General Secretary Brezhnev to President Reagan 3",
        "Dear Mr. President,",
        "L. Brezhnev 4",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("U.S. 'provocations.' Then more.", ["U.S. 'provocations.'", "Then more."]),
        ('He said "stop." Then he left!', ['He said "stop."', "Then he left!"]),
        ("Ask Dr. Smith. And Mrs. Jones.", ["Ask Dr. Smith.", "And Mrs. Jones."]),
        ("See No. 5 and St. Louis. Done.", ["See No. 5 and St. Louis.", "Done."]),
        ("It was 1973. 1974 came next.", ["It was 1973.", "1974 came next."]),
        ("lower case. does not split", ["lower case. does not split"]),
        ("Why? Because! Yes.", ["Why?", "Because!", "Yes."]),
        ("(A bracket.) Next one.", ["(A bracket.)", "Next one."]),
        ("Line one\nstill one. Two", ["Line one still one.", "Two"]),
        ("", []),
        ("  \n\n  ", []),
    ],
)
def test_rules(text, expected):
    assert split_sentences(text) == expected


def test_normalize_ws():
    assert normalize_ws("  a \n\t b\u00a0 c  ") == "a b c"


@settings(database=None)
@given(st.text())
def test_sentences_are_the_text_cut_up(text):
    sentences = split_sentences(text)
    assert all(s and s == normalize_ws(s) for s in sentences)
    assert " ".join(sentences).split() == re.sub(r"\[Page \d+\]", " ", text).split()
