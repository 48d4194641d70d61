"""Source text: blocks, pages, notes and note references; the document as printed blocks."""

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from studyapp.core.content import (
    NoteRef,
    PageMark,
    Term,
    Text,
    collapse,
    document_blocks,
    load_tree,
    neighbours,
    parse_source,
)
from studyapp.core.content.source import diagnose, find_all

FIXTURE = Path(__file__).parents[1] / "fixtures" / "content-two-docs"

SOURCE = """58. Heading of the memorandum 1

  • Subject line

It was delivered.2 And then [Page 154] the text goes on.

[Page 155]


Letter heading 3

Signed
  1. Source: a file.
  2. See Document 46.
  3. Secret.
"""


def test_blocks_lines_kinds_and_pages():
    source = parse_source(SOURCE, 153)
    assert [(b.line, b.kind, b.page) for b in source.blocks] == [
        (1, "paragraph", 153),
        (3, "paragraph", 153),
        (5, "paragraph", 153),
        (7, "page", 155),
        (10, "paragraph", 155),
        (12, "paragraph", 155),
        (13, "note", 155),
        (14, "note", 155),
        (15, "note", 155),
    ]
    assert source.blocks[1].text == "• Subject line"
    assert source.text.startswith("58. Heading of the memorandum 1 • Subject line It was")


def test_note_references_are_trailing_numbers_in_sequence():
    source = parse_source(SOURCE, 153)
    # "delivered.2" is inside its paragraph, not at its end, so it is no reference; and as
    # note 2 has none, "heading 3" is not taken for one either: references go 1, 2, 3...
    assert [(b.line, b.note_ref) for b in source.blocks if b.note_ref] == [(1, 1)]
    assert [(n.number, n.body, n.line, n.ref_block) for n in source.notes] == [
        (1, "Source: a file.", 13, 0),
        (2, "See Document 46.", 14, None),
        (3, "Secret.", 15, None),
    ]
    fixed = parse_source(SOURCE.replace("the text goes on.", "the text goes on.2"), 153)
    assert [(b.line, b.note_ref) for b in fixed.blocks if b.note_ref] == [(1, 1), (5, 2), (10, 3)]


def test_a_numbered_heading_is_not_a_note():
    source = parse_source("58. Heading\n\nText.\n", 1)
    assert source.notes == ()
    assert all(b.kind == "paragraph" for b in source.blocks)


def test_pages_of_a_span_count_words_not_markers():
    source = parse_source(SOURCE, 153)
    start = source.text.index("It was")
    assert source.pages_of(start, source.text.index("the text goes")) == (153,)
    assert source.pages_of(start, source.blocks[2].end) == (153, 154)
    # A span starting at the lone marker has no word on page 154.
    lone = source.blocks[3]
    assert source.pages_of(lone.start, source.blocks[4].end) == (155,)


def test_segments_cut_at_markers_and_note_references():
    source = parse_source(SOURCE, 153)
    assert source.segments(source.blocks[2]) == [
        Text("It was delivered.2 And then "),
        PageMark(154, "[Page 154]"),
        Text(" the text goes on."),
    ]
    assert source.segments(source.blocks[0]) == [Text("58. Heading of the memorandum "), NoteRef(1, "1")]
    block = source.blocks[2]
    assert source.segments(block, block.start + 3, block.start + 6) == [Text("was")]


def test_find_all_does_not_cut_words():
    assert find_all("the Cubans and Cuba", "Cuba") == [15]
    assert find_all("handwritten letter.2", "letter.") == [12]


def test_diagnose_names_the_first_differing_word_and_the_source_word():
    miss = diagnose("We have differencies of opinion", ["We", "have", "differences", "of"])
    assert (miss.word, miss.source_word) == (2, "differencies")
    assert diagnose("abc", ["xyz"]).source_word is None


def test_document_blocks_print_every_word_of_the_source_in_order():
    tree, _ = load_tree(FIXTURE)
    for document in tree.documents:
        blocks = document_blocks(document, tree.glossary.values())
        printed = []
        for block in blocks:
            prefix = f"{block.note_number}. " if block.kind == "note" else ""
            printed.append(prefix + "".join(s.text for s in block.segments))
        source = (FIXTURE / Path(document.folder).relative_to(FIXTURE) / "source.txt").read_text(encoding="utf-8")
        assert " ".join(printed).split() == collapse(source).split()


def test_document_blocks_carry_pages_notes_terms_and_passages():
    tree, _ = load_tree(FIXTURE)
    blocks = document_blocks(tree.documents[0], tree.glossary.values())
    by_line = {b.line: b for b in blocks}
    assert by_line[9].page == 10 and PageMark(11, "[Page 11]") in by_line[9].segments
    assert by_line[11].kind == "page" and by_line[11].page == 12
    assert by_line[1].segments[-1] == NoteRef(1, "1")
    assert by_line[22].kind == "note" and by_line[22].note_number == 1
    assert by_line[22].segments[0].text.startswith("Source: invented")
    assert Term("ferry clerk", "ferry-clerk") in by_line[5].segments
    assert by_line[5].passages == ("harbour-memo-heading",) and by_line[5].starts == ()
    assert by_line[1].starts == ("harbour-memo-heading",)
    assert by_line[11].passages == ()


def test_quote_paragraphs_follow_the_source_paragraphs():
    tree, _ = load_tree(FIXTURE)
    letter = tree.passages["keeper-letter"]
    assert [q.source_line for q in letter.quote_paragraphs] == [14, 16, 18, 21]
    assert letter.quote_paragraphs[0].segments[-1] == NoteRef(3, "3")
    in_sum = tree.passages["harbour-memo-in-sum"]
    assert [s.kind for s in in_sum.quote_paragraphs[0].segments] == ["text", "page", "text"]


def test_neighbours():
    tree, _ = load_tree(FIXTURE)
    document = tree.documents[0]
    assert neighbours(document.passages[0], document) == (None, document.passages[1])
    assert neighbours(document.passages[-1], document) == (document.passages[-2], None)


@given(st.lists(st.text(alphabet="ab [Page1]\n 12.", max_size=30), max_size=8))
def test_collapsed_source_keeps_every_word(lines):
    text = "\n".join(lines)
    source = parse_source(text, 1)
    assert source.text.split() == text.split()
    for block in source.blocks:
        assert "".join(s.text for s in source.segments(block)) == block.text
