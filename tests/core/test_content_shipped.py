"""The shipped content: it passes every check, and the checks catch breakage in it."""

from pathlib import Path

import pytest

from studyapp.core.content import collapse, document_blocks, load_tree

CONTENT = Path(__file__).parents[2] / "content"
PASSAGES = CONTENT / "passages"
THEMES = (
    "linkage",
    "afghanistan",
    "detente",
    "arms-control",
    "middle-east",
    "cold-war-origins",
    "cuba-nicaragua",
    "summit",
    "tone-and-intent",
    "carter-legacy",
    "sourcing",
)


@pytest.fixture(scope="module")
def shipped():
    return load_tree(CONTENT)


def file_with(folder: Path, needle: str) -> Path:
    return next(p for p in sorted(folder.glob("*.md")) if needle in p.read_text(encoding="utf-8"))


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_shipped_content_passes_every_check(shipped):
    tree, errors = shipped
    assert [str(e) for e in errors] == []
    assert [d.id for d in tree.documents] == ["frus-1981-88-v03-d58"]
    assert 15 <= len(tree.passages) <= 25
    assert set(THEMES) <= set(tree.themes)
    assert len(tree.glossary) >= 20
    assert len(tree.claims) >= 6


def test_every_paragraph_and_note_is_quoted(shipped):
    tree, _ = shipped
    document = tree.documents[0]
    unquoted = [b.line for b in document.source.blocks if b.kind != "page" and b.index not in document.coverage]
    assert unquoted == []
    assert len(document.source.notes) == 4
    assert all(note.ref_block is not None for note in document.source.notes)


def test_the_document_blocks_hold_the_whole_source(shipped):
    tree, _ = shipped
    blocks = document_blocks(tree.documents[0], tree.glossary.values())
    printed = " ".join(
        (f"{b.note_number}. " if b.kind == "note" else "") + "".join(s.text for s in b.segments) for b in blocks
    )
    assert printed.split() == collapse((CONTENT / "source.txt").read_text(encoding="utf-8")).split()


def test_a_corrected_slip_is_caught_with_file_and_line(content_copy):
    path = file_with(content_copy / "passages", "differencies")
    edit(path, "differencies", "differences")
    errors = load_tree(content_copy)[1]
    assert [(e.file, e.line) for e in errors] == [(str(path), line_of(path, "differences"))]
    assert '"differences" where the source has "differencies"' in errors[0].message


def test_a_wrong_page_is_caught_with_file_and_line(content_copy):
    path = content_copy / "passages" / "04-memo-soviet-nervousness.md"
    edit(path, "pages: [153, 154]", "pages: [153]")
    errors = load_tree(content_copy)[1]
    assert [(e.file, e.line) for e in errors] == [(str(path), line_of(path, "pages:"))]


def test_an_unknown_theme_is_caught_with_file_and_line(content_copy):
    path = content_copy / "passages" / "09-memo-linkage.md"
    edit(path, "linkage,", "linkages,")
    errors = load_tree(content_copy)[1]
    assert [(e.file, e.line) for e in errors] == [(str(path), line_of(path, "themes:"))]
    assert errors[0].message == "unknown theme 'linkages' (did you mean 'linkage'?)"


def test_a_duplicate_id_is_caught_with_file_and_line(content_copy):
    path = content_copy / "glossary" / "tnf.md"
    edit(path, "id: tnf", "id: nato")
    errors = load_tree(content_copy)[1]
    duplicate = next(e for e in errors if "duplicate" in e.message)
    assert (duplicate.file, duplicate.line) == (str(path), 2)
    assert "already used by" in duplicate.message and "nato.md:2" in duplicate.message
