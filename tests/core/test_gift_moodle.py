"""GIFT as Moodle reads it: texts shown as Moodle shows them, tags and ID numbers kept, plain files filed later."""

from __future__ import annotations

import pytest

from studyapp.core import markdown
from studyapp.core.qformat import UNFILED, ImportDefaults, parse, parse_gift, write_gift, write_question
from studyapp.core.qformat.gift import DEFAULT_DIFFICULTY

FILED = "// [tag:linkage] [passage:memo-linkage] [difficulty:2]\n"
KNOWN = ImportDefaults(known_themes=frozenset({"linkage", "sourcing"}))


def shown(text: str, *, inline: bool = False) -> str:
    return markdown.render(text, inline=inline, kept=False)


def one(text: str, defaults: ImportDefaults | None = None):
    result = parse_gift(text, "moodle.gift", defaults)
    assert result.errors == []
    (question,) = result.questions
    return question, result.warnings


@pytest.mark.parametrize(
    ("gift", "html"),
    [
        ("What is 2*3*4?", "<p>What is 2*3*4?</p>"),
        ("A \\\\ B \\\\\\\\ C", "<p>A \\ B \\\\ C</p>"),
        ("Call it _init_ or [x]", "<p>Call it _init_ or [x]</p>"),
        ("\\# 1 is not a heading", "<p># 1 is not a heading</p>"),
        ("Match the <b>activity</b>: H<sub>2</sub>O", "<p>Match the <strong>activity</strong>: H<sub>2</sub>O</p>"),
        ("x &lt; y &amp;&amp; 3 < 4", "<p>x &lt; y &amp;&amp; 3 &lt; 4</p>"),
    ],
    ids=["emphasis-marks", "backslashes", "underscores-brackets", "hash", "html-kept", "entities"],
)
def test_moodle_format_text_shows_as_moodle_shows_it(gift, html):
    question, _ = one(f"{FILED}::q::{gift}{{}}\n")
    assert shown(question.prompt) == html


def test_each_line_is_trimmed_and_its_break_kept_so_indented_text_is_no_code_block():
    question, _ = one(f"{FILED}::q::\n    Which of these\n        lines?\n    1. one{{}}\n")
    assert shown(question.prompt) == "<p>Which of these<br>\nlines?<br>\n1. one</p>"


def test_a_hash_choice_shows_a_hash_not_an_empty_heading():
    question, _ = one(f"{FILED}::q::Which is no control character?{{\n ~ \\# \n = \\\\ \n}}\n")
    assert [shown(c.text, inline=True) for c in question.choices] == ["#", "\\"]


def test_markdown_stays_markdown_and_plain_shows_tags_as_typed():
    question, _ = one(f"{FILED}::q::[markdown]Who is **buried** here?{{}}\n")
    assert shown(question.prompt) == "<p>Who is <strong>buried</strong> here?</p>"
    question, _ = one(f"{FILED}::q::[plain]Is <b> a tag?{{}}\n")
    assert shown(question.prompt) == "<p>Is &lt;b&gt; a tag?</p>"


def test_pre_in_html_keeps_its_lines():
    gift = '::q::[html]<p>What does it print?</p>\n<pre>\nint main() \\{\n  puts("*hi*");\n\\}\n</pre>\n{}\n'
    question, _ = one(FILED + gift)
    assert shown(question.prompt) == (
        '<p>What does it print?</p>\n<pre><code>int main() {\nputs("*hi*");\n}\n</code></pre>'
    )


def test_typed_answers_are_kept_as_typed_not_escaped():
    question, _ = one(f"{FILED}::q::What is 2 times 3, written out?{{=2*3 =[plain]two_times_three####Six.}}\n")
    assert question.answers == ("2*3", "two_times_three")


def test_tags_naming_a_theme_file_the_question_and_the_others_are_kept_with_a_warning():
    question, warnings = one("// [tag:linkage] [tag:Week 3] [tag:hard]\n::q::Who?{=Dobrynin ~Haig####D.}\n", KNOWN)
    assert question.themes == ("linkage",)
    assert question.tags == ("Week 3", "hard")
    assert [(w.line, w.message.split(" (")[0]) for w in warnings if w.message.startswith("tags")] == [
        (1, "tags 'Week 3', 'hard' kept as the question's tags")
    ]


def test_the_default_theme_still_applies_to_a_question_with_tags_only():
    defaults = ImportDefaults(themes=("sourcing",), passages=("memo-linkage",), difficulty=1, known_themes=frozenset())
    question, _ = one("// [tag:week-3]\n::q::Who?{=Dobrynin ~Haig####D.}\n", defaults)
    assert (question.themes, question.tags, question.passages, question.difficulty) == (
        ("sourcing",),
        ("week-3",),
        ("memo-linkage",),
        1,
    )


def test_a_tag_can_be_mapped_to_a_theme():
    defaults = ImportDefaults(known_themes=frozenset({"linkage"}), tag_themes=(("Week 3", "linkage"),))
    question, warnings = one("// [tag:Week 3]\n::q::Who?{=Dobrynin ~Haig####D.}\n", defaults)
    assert (question.themes, question.tags) == (("linkage",), ("Week 3",))
    assert not any(w.message.startswith("tag") for w in warnings)


def test_without_anything_a_question_is_not_filed_yet():
    question, warnings = one("::q::Who?{=Dobrynin ~Haig}\n")
    assert (question.themes, question.passages, question.difficulty) == ((UNFILED,), (UNFILED,), DEFAULT_DIFFICULTY)
    assert sorted(w.message.split(":")[0] for w in warnings) == ["no explanation", "no theme"]


def test_duplicate_names_get_their_own_ids_with_a_warning():
    text = "::Q1::Who?{=Dobrynin ~Haig}\n\n::Q1::Who else?{=Haig ~Dobrynin}\n\n::Q1::Who now?{=Haig ~Dobrynin}\n"
    result = parse_gift(text, "dup.gift")
    assert result.errors == []
    assert [q.id for q in result.questions] == ["q1", "q1-2", "q1-3"]
    taken = [(w.line, w.message) for w in result.warnings if w.message.startswith("id 'q1'")]
    assert [line for line, _ in taken] == [3, 5]
    assert "this one's id is 'q1-2'" in taken[0][1]


def test_a_free_text_id_number_gives_a_slug_and_is_kept_for_the_way_back():
    question, warnings = one("// [id:Week3.Q1] [tag:Hard \\] one]\n::q::Who?{=Dobrynin ~Haig####D.}\n", KNOWN)
    assert (question.id, question.source_id, question.tags) == ("week3-q1", "Week3.Q1", ("Hard ] one",))
    assert any(w.line == 1 and "ID number 'Week3.Q1'" in w.message for w in warnings)
    exported = write_gift([question])
    assert "[id:Week3.Q1]" in exported.data and "[tag:Hard \\] one]" in exported.data
    back, _ = one(exported.data, KNOWN)
    assert back == question


def test_tags_and_the_source_id_go_round_our_markdown():
    question, _ = one("// [id:Week3.Q1] [tag:Week 3] [tag:linkage]\n::q::Who?{=Dobrynin ~Haig####D.}\n", KNOWN)
    source = write_question(question)
    assert "tags: Week 3\n" in source and "source-id: Week3.Q1\n" in source
    assert parse(source).questions == [question]


def test_a_question_not_filed_yet_writes_no_tag_and_reads_back_not_filed():
    question, _ = one("::q::Who?{=Dobrynin ~Haig####D.}\n")
    exported = write_gift([question])
    assert "[tag:" not in exported.data
    back, _ = one(exported.data)
    assert back == question
