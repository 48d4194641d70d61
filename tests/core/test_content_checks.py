"""The content checks: each problem reported with its file and line.

The tests break copies of the invented fixture tree (tests/fixtures/content-two-docs) one
way at a time; test_content_shipped.py runs the same kinds of check on the real content.
"""

import shutil
from pathlib import Path

import pytest

from studyapp.core.content import Error, check_references, load_tree

FIXTURE = Path(__file__).parents[1] / "fixtures" / "content-two-docs"


@pytest.fixture
def content(tmp_path) -> Path:
    """A fresh copy of the fixture tree to break."""
    return Path(shutil.copytree(FIXTURE, tmp_path / "content"))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    """The 1-based line of the first line of `path` containing `needle`."""
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


def errors_of(content: Path) -> list[Error]:
    return load_tree(content)[1]


def only_error(content: Path) -> Error:
    errors = errors_of(content)
    assert len(errors) == 1, "\n".join(map(str, errors))
    return errors[0]


def test_the_fixture_tree_is_clean_and_holds_two_documents():
    tree, errors = load_tree(FIXTURE)
    assert errors == []
    assert [d.id for d in tree.documents] == ["test-harbour-memo", "town-bell-notice"]
    assert [p.id for p in tree.documents[1].passages] == ["bell-notice-rule", "bell-notice-fishermen"]
    assert tree.passages["bell-notice-fishermen"].document_id == "town-bell-notice"
    assert tree.themes["town-bell"].document_id == "town-bell-notice"


def test_passage_fields_are_read(content):
    tree, _ = load_tree(content)
    passage = tree.passages["harbour-memo-in-sum"]
    assert passage.part == "memorandum"
    assert passage.speakers == ["Harbour Master"]
    assert passage.pages == [10, 11]
    assert passage.themes == ["harbour-judgement", "harbour-supplies"]
    assert passage.quote.startswith("In sum, the request is modest")
    assert "[Page 11]" in passage.quote
    assert passage.context.startswith("Test data.")
    assert passage.questions == ["What does the Harbour Master advise?", "What is left for the spring?"]
    assert passage.order == 3
    assert passage.document_id == "test-harbour-memo"
    assert passage.quote_line == 10
    assert passage.lines["pages"] == 6
    assert passage.start > 0


def test_errors_print_as_file_line_message():
    assert str(Error("content/passages/01-x.md", 12, "boom")) == "content/passages/01-x.md:12: boom"


def test_rewrapping_a_quote_is_not_a_change(content):
    path = content / "passages" / "02-harbour-memo-request.md"
    edit(path, "a second keeper for\n> the winter", "a second\n>     keeper    for the\n> winter")
    assert errors_of(content) == []


def test_a_changed_word_names_the_word_and_its_line(content):
    path = content / "passages" / "04-keeper-letter.md"
    edit(path, "the ladder shakes like a", "the ladder shook like a")
    error = only_error(content)
    assert (error.file, error.line) == (str(path), line_of(path, "shook"))
    assert '"shook" where the source has "shakes"' in error.message


def test_a_corrected_spelling_slip_is_a_change(content):
    path = content / "passages" / "04-keeper-letter.md"
    edit(path, "this yeer,", "this year,")
    error = only_error(content)
    assert error.line == line_of(path, "this year")
    assert '"year," where the source has "yeer,"' in error.message


def test_a_changed_first_word_is_caught(content):
    path = content / "passages" / "03-harbour-memo-in-sum.md"
    edit(path, "> In sum,", "> Zebra sum,")
    error = only_error(content)
    assert error.line == line_of(path, "Zebra")
    assert '"Zebra"' in error.message


def test_smart_quotes_are_not_straightened(content):
    path = content / "passages" / "02-harbour-memo-request.md"
    edit(path, "“shakes like a reed”", '"shakes like a reed"')
    error = only_error(content)
    assert error.line == line_of(path, '"shakes')


def test_a_wrong_page_is_reported_on_the_pages_line(content):
    path = content / "passages" / "03-harbour-memo-in-sum.md"
    edit(path, "pages: [10, 11]", "pages: [10]")
    error = only_error(content)
    assert (error.file, error.line) == (str(path), 6)
    assert "pages [10] do not match the text: the quote is printed on pages 10, 11" in error.message


def test_pages_after_a_lone_marker_and_in_the_notes(content):
    path = content / "passages" / "05-harbour-notes.md"
    edit(path, "pages: [12]", "pages: [11]")
    assert "printed on page 12" in only_error(content).message


def test_an_unknown_theme_is_reported_on_its_own_line(content):
    path = content / "passages" / "03-harbour-memo-in-sum.md"
    edit(path, "themes: [harbour-judgement, harbour-supplies]", "themes:\n  - harbour-judgement\n  - harbour-suplies")
    error = only_error(content)
    assert (error.file, error.line) == (str(path), line_of(path, "harbour-suplies"))
    assert error.message == "unknown theme 'harbour-suplies' (did you mean 'harbour-supplies'?)"


def test_an_unknown_glossary_term_is_reported(content):
    path = content / "passages" / "02-harbour-memo-request.md"
    edit(path, "glossary: [lamp-oil]", "glossary: [lamp-oil, whale-oil]")
    error = only_error(content)
    assert error.line == line_of(path, "glossary:")
    assert "unknown glossary term 'whale-oil'" in error.message


def test_a_theme_from_another_document_may_be_used(content):
    edit(
        content / "passages" / "02-harbour-memo-request.md",
        "themes: [harbour-supplies]",
        "themes: [harbour-supplies, town-bell]",
    )
    assert errors_of(content) == []


def test_a_duplicate_passage_id_across_documents(content):
    second = content / "town-bell-notice" / "passages"
    (second / "03-keeper-letter.md").write_text(
        (content / "passages" / "04-keeper-letter.md").read_text(encoding="utf-8"), encoding="utf-8"
    )
    errors = errors_of(content)
    duplicate = [e for e in errors if "duplicate" in e.message]
    assert len(duplicate) == 1
    assert (duplicate[0].file, duplicate[0].line) == (str(second / "03-keeper-letter.md"), 2)
    assert duplicate[0].message == (
        f"duplicate passage id 'keeper-letter': already used by {content / 'passages' / '04-keeper-letter.md'}:2"
    )


def test_a_duplicate_theme_id(content):
    copy = content / "town-bell-notice" / "themes" / "harbour-supplies.md"
    shutil.copy(content / "themes" / "harbour-supplies.md", copy)
    error = only_error(content)
    assert (error.file, error.line) == (str(copy), 2)
    assert error.message.startswith("duplicate theme id 'harbour-supplies'")


def test_a_theme_and_a_term_may_share_an_id(content):
    tree, errors = load_tree(content)
    assert errors == []
    assert "town-bell" in tree.themes and "town-bell" in tree.glossary


def test_malformed_front_matter_is_reported_where_yaml_fails(content):
    path = content / "passages" / "02-harbour-memo-request.md"
    edit(path, "title: What the keeper asks for", "title: What: the keeper: asks for")
    error = only_error(content)
    assert (error.file, error.line) == (str(path), 3)
    assert error.message.startswith("malformed front matter:")


def test_a_missing_closing_fence(content):
    path = content / "passages" / "02-harbour-memo-request.md"
    edit(path, "glossary: [lamp-oil]\n---\n", "glossary: [lamp-oil]\n")
    error = only_error(content)
    assert (error.file, error.line) == (str(path), 1)


def test_a_missing_field(content):
    path = content / "passages" / "02-harbour-memo-request.md"
    edit(path, "part: memorandum\n", "")
    error = only_error(content)
    assert (error.file, error.line, error.message) == (str(path), 1, "missing field 'part'")


def test_an_unknown_field(content):
    path = content / "themes" / "harbour-supplies.md"
    edit(path, "order: 1\n", "order: 1\ncolour: blue\n")
    error = only_error(content)
    assert (error.file, error.line) == (str(path), 5)
    assert error.message.startswith("unknown field 'colour'")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("part: memorandum", "part: memo", "part 'memo' must be one of: memorandum, letter, notes"),
        (
            "speaker: [Harbour Master]",
            "speaker: [Harbour Master, Mayor]",
            "speaker 'Mayor' must be one of: Harbour Master, Keeper, Editors",
        ),
        ("pages: [10]", "pages: ten", "field 'pages' must be a whole number or a list of them"),
        ("id: harbour-memo-request", "id: Harbour_Memo", "'Harbour_Memo' is not a valid id"),
        ("title: What the keeper asks for", "title: yes", "field 'title' must be non-empty text"),
    ],
)
def test_bad_field_values(content, old, new, message):
    path = content / "passages" / "02-harbour-memo-request.md"
    edit(path, old, new)
    errors = errors_of(content)
    line = line_of(path, new.split(",")[0])
    assert any(e.file == str(path) and e.line == line and message in e.message for e in errors), errors


def test_a_file_name_that_does_not_match_the_id(content):
    (content / "themes" / "harbour-supplies.md").rename(content / "themes" / "supplies.md")
    error = only_error(content)
    assert error.message == "file name does not match the id: expected harbour-supplies.md"


def test_an_uncovered_paragraph_names_the_source_line(content):
    edit(content / "passages" / "04-keeper-letter.md", "real.\n>\n> J. Fairweather\n", "real.\n")
    error = only_error(content)
    assert (error.file, error.line) == (str(content / "source.txt"), 21)
    assert error.message == 'paragraph not quoted by any passage: "J. Fairweather"'


def test_a_partly_uncovered_paragraph(content):
    edit(
        content / "passages" / "02-harbour-memo-request.md",
        " He says the old ladder “shakes like a reed” and that the oil will not\n"
        "> last past the first storms of the year.",
        "",
    )
    edit(content / "claims" / "ladder-reed.md", "passage: harbour-memo-request", "passage: keeper-letter")
    edit(content / "claims" / "ladder-reed.md", "He says the old ladder “shakes like a reed”", "the ladder shakes")
    error = only_error(content)
    assert (error.file, error.line) == (str(content / "source.txt"), 7)
    assert (
        error.message == 'part of this paragraph is not quoted by any passage: "He says the old ladder “shakes like a…"'
    )


def test_a_note_reference_need_not_be_quoted(content):
    edit(content / "passages" / "01-harbour-memo-heading.md", "north light.2", "north light.")
    assert errors_of(content) == []


def test_passages_out_of_source_order(content):
    passages = content / "passages"
    (passages / "02-harbour-memo-request.md").rename(passages / "06-harbour-memo-request.md")
    error = only_error(content)
    assert (error.file, error.line) == (str(passages / "06-harbour-memo-request.md"), 11)
    assert error.message.startswith(
        "passage is out of source order: its quote (from source.txt line 7) "
        "comes before that of 05-harbour-notes.md (line 22)"
    )


def test_a_claim_quote_not_in_its_passage(content):
    path = content / "claims" / "ladder-reed.md"
    edit(path, "quote: the ladder shakes like a reed.", "quote: the ladder shakes like a leaf.")
    error = only_error(content)
    assert (error.file, error.line) == (str(path), line_of(path, "a leaf"))
    assert error.message == 'quote is not in passage \'keeper-letter\': "leaf." where the passage has "reed."'


def test_a_claim_naming_an_unknown_passage(content):
    path = content / "claims" / "ladder-reed.md"
    edit(path, "passage: keeper-letter", "passage: keeper-letters")
    error = only_error(content)
    assert error.line == line_of(path, "keeper-letters")
    assert error.message == "unknown passage 'keeper-letters' (did you mean 'keeper-letter'?)"


def test_a_claim_missing_its_quote(content):
    path = content / "claims" / "ladder-reed.md"
    edit(path, "  quote: the ladder shakes like a reed.\n", "")
    error = only_error(content)
    assert error.message == "missing field 'letter.quote'"
    assert error.line == line_of(path, "letter:")


@pytest.mark.parametrize(
    ("old", "new", "message", "anchor"),
    [
        (
            "1. Who is the notice addressed to here?\n2. What does note 1 say?\n",
            "",
            "0 guiding question(s): write 2 to 4",
            "## Guiding questions",
        ),
        (
            "2. What does note 1 say?\n",
            "2. What does note 1 say?\n3. a\n4. b\n5. c\n",
            "5 guiding question(s)",
            "## Guiding questions",
        ),
        ("1. Who is the notice addressed to here?\n", "", "1 guiding question(s)", "## Guiding questions"),
        (
            "## Context\n\nTest data. The page turns inside the paragraph; the note ends the notice.\n\n",
            "",
            "missing section '## Context'",
            None,
        ),
        ("## Context\n", "## Background\n", "unknown section '## Background'", "## Background"),
        ("\n## Context", "\nA stray line.\n\n## Context", "text between the quote and '## Context'", "A stray line."),
    ],
)
def test_the_editorial_sections(content, old, new, message, anchor):
    path = content / "town-bell-notice" / "passages" / "02-bell-notice-fishermen.md"
    edit(path, old, new)
    errors = errors_of(content)
    assert any(message in e.message for e in errors), errors
    error = next(e for e in errors if message in e.message)
    if anchor:
        assert error.line == line_of(path, anchor)


def test_a_passage_without_a_quote(content):
    path = content / "passages" / "03-harbour-memo-in-sum.md"
    edit(
        path,
        "> In sum, the request is modest, and in my judgement the council should grant the oil at once\n"
        "> and consider the rest [Page 11] when the spring accounts are closed.\n",
        "",
    )
    error = only_error(content)
    assert error == Error(
        str(path), line_of(path, "## Context"), "no quote: the passage must open with its quote as '> ' lines"
    )


def test_a_document_without_its_source(content):
    (content / "town-bell-notice" / "source.txt").unlink()
    errors = errors_of(content)
    assert errors[0].file == str(content / "town-bell-notice" / "document.md")
    assert "missing" in errors[0].message and "source.txt" in errors[0].message


def test_a_file_that_is_not_utf8(content):
    path = content / "themes" / "harbour-judgement.md"
    path.write_bytes(path.read_bytes().replace(b"judgement", b"judg\xe9ment"))
    error = only_error(content)
    assert (error.file, error.line) == (str(path), 1)
    assert "not UTF-8" in error.message


def test_every_problem_is_reported_sorted(content):
    edit(content / "passages" / "04-keeper-letter.md", "the ladder shakes", "the ladder shook")
    edit(content / "passages" / "03-harbour-memo-in-sum.md", "pages: [10, 11]", "pages: [11]")
    edit(content / "themes" / "harbour-judgement.md", "order: 2", "order: two")
    errors = errors_of(content)
    assert len(errors) == 3
    assert errors == sorted(errors, key=lambda e: (e.file, e.line))


def test_check_references_reports_unknown_passages_where_they_are_named(content):
    tree, _ = load_tree(content)
    refs = [("banks/linkage.md", 7, "keeper-letter"), ("banks/linkage.md", 19, "keeper-leter")]
    assert check_references(tree, refs) == [
        Error("banks/linkage.md", 19, "unknown passage 'keeper-leter' (did you mean 'keeper-letter'?)")
    ]
    assert check_references(tree, [("q.md", 3, "nope")], kind="theme") == [Error("q.md", 3, "unknown theme 'nope'")]


def test_a_missing_content_folder(tmp_path):
    tree, errors = load_tree(tmp_path / "nowhere")
    assert tree.documents == []
    assert errors[0].message == "content folder not found"
