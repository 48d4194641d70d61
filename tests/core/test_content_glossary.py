"""Glossary marking: whole words, case-sensitive, longest form first, other marks untouched."""

from hypothesis import given
from hypothesis import strategies as st

from studyapp.core.content import NoteRef, PageMark, Term, Text, mark_terms

FORMS = {
    "Pax Americana": "pax-americana",
    "NATO": "nato",
    "TNF": "tnf",
    "linkage": "linkage",
    "S/S–I": "s-s-i",
    "Soviet Union": "ussr",
    "Union": "union",
}


def test_whole_words_only():
    assert mark_terms("NATOs and NATO, not xNATO", FORMS) == [
        Text("NATOs and "),
        Term("NATO", "nato"),
        Text(", not xNATO"),
    ]


def test_case_sensitive():
    assert mark_terms("Linkage and linkage", FORMS) == [Text("Linkage and "), Term("linkage", "linkage")]


def test_longest_form_first():
    assert mark_terms("the Soviet Union's Union", FORMS) == [
        Text("the "),
        Term("Soviet Union", "ussr"),
        Text("'s "),
        Term("Union", "union"),
    ]


def test_forms_with_punctuation():
    assert mark_terms("S/S–I Records", FORMS) == [Term("S/S–I", "s-s-i"), Text(" Records")]


def test_other_marks_are_left_alone():
    segments = [Text("On TNF "), PageMark(154, "[Page 154]"), Term("NATO", "nato"), Text(" NATO"), NoteRef(1, "1")]
    assert mark_terms(segments, FORMS) == [
        Text("On "),
        Term("TNF", "tnf"),
        Text(" "),
        PageMark(154, "[Page 154]"),
        Term("NATO", "nato"),
        Text(" "),
        Term("NATO", "nato"),
        NoteRef(1, "1"),
    ]


def test_first_only():
    assert mark_terms("TNF and TNF", FORMS, first_only=True) == [Term("TNF", "tnf"), Text(" and TNF")]


def test_no_forms():
    assert mark_terms("TNF", {}) == [Text("TNF")]


@given(st.text(alphabet="NATO TNF Soviet Union x,", max_size=60))
def test_marking_never_changes_the_text(text):
    segments = mark_terms(text, FORMS)
    assert "".join(s.text for s in segments) == text
    for segment in segments:
        if isinstance(segment, Term):
            assert FORMS[segment.text] == segment.term_id
