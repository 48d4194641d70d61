"""Front matter: metadata, body and the file line of every problem."""

import pytest

from studyapp.core.content import FrontMatterError, read_front_matter

GOOD = """---
id: memo-linkage
title: Linkage is "a fact of life"
themes: [linkage,
  arms-control]
haig:
  passage: memo-soviet-nervousness
  quote: asks almost plaintively
---

> Moving on to the more general question
"""


def error_of(text: str):
    with pytest.raises(FrontMatterError) as info:
        read_front_matter(text, "x.md")
    return info.value.error


def test_metadata_body_and_body_line():
    metadata, body, body_line = read_front_matter(GOOD, "x.md")
    assert metadata["id"] == "memo-linkage"
    assert metadata["themes"] == ["linkage", "arms-control"]
    assert body_line == 10
    assert body.splitlines()[1] == "> Moving on to the more general question"


def test_line_of_fields_list_items_and_nested_fields():
    fm = read_front_matter(GOOD, "x.md")
    assert fm.line("id") == 2
    assert fm.line("themes") == 4
    assert fm.line("themes", 1) == 5
    assert fm.line("haig", "quote") == 8
    # A path that stops short gives the nearest line there is.
    assert fm.line("haig", "nothing") == 6
    assert fm.line("absent") == 1


def test_missing_opening_fence_is_reported_on_line_1():
    error = error_of("id: x\n---\nbody\n")
    assert (error.file, error.line) == ("x.md", 1)
    assert "must start with a '---' line" in error.message


def test_unclosed_front_matter_is_reported_on_line_1():
    error = error_of("---\nid: x\ntitle: y\n\n> quote\n")
    assert error.line == 1
    assert "never closed" in error.message


def test_malformed_yaml_is_reported_at_the_yaml_error_mark():
    error = error_of("---\nid: x\ntitle: a: b: [c\npart: letter\n---\n")
    assert error.line == 3
    assert str(error).startswith("x.md:3: malformed front matter: ")


def test_unclosed_list_is_reported_where_yaml_notices():
    error = error_of("---\nid: x\nthemes: [a, b\npart: letter\n---\n")
    assert error.line in (3, 4, 5)
    assert "malformed front matter" in error.message


def test_repeated_field_is_reported_on_its_second_line():
    error = error_of("---\nid: x\ntitle: y\nid: z\n---\n")
    assert error.line == 4
    assert "'id' repeats line 2" in error.message


def test_front_matter_must_be_fields():
    assert error_of("---\n- a\n- b\n---\n").line == 2
    assert "empty" in error_of("---\n---\nbody\n").message


def test_byte_order_mark_and_crlf_are_accepted():
    fm = read_front_matter("\ufeff---\r\nid: x\r\n---\r\nbody\r\n", "x.md")
    assert fm.metadata == {"id": "x"}
    assert fm.body == "body"
    assert fm.body_line == 4
