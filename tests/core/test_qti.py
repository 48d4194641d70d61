"""QTI 1.2 export: the zip is checked structurally and read back by an independent reader (qti2latex)."""

from __future__ import annotations

import datetime
import io
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import qti2latex

from studyapp.core import qformat
from studyapp.core.markdown import render
from studyapp.core.qformat import parse_text2qti
from studyapp.core.qformat.qti import QTI_TYPES, write_qti
from studyapp.core.qformat.writer import format_number

ROOT = Path(__file__).resolve().parents[2]
#: The types text2qti writes (and qti2latex reads): multiple choice, true/false, multiple answers,
#: short answer, numerical and essay.
TEXT2QTI_TYPES = ("single", "truefalse", "multiple", "short", "numeric", "essay")
DATE = datetime.date(2024, 5, 25)


def local(element: ET.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def find_all(element: ET.Element, name: str) -> list[ET.Element]:
    return [node for node in element.iter() if local(node) == name]


def check_package(data: bytes) -> tuple[zipfile.ZipFile, list[ET.Element]]:
    """Check the package the way Canvas reads it; return the zip and the assessment's items."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = set(archive.namelist())
    assert "imsmanifest.xml" in names and "non_cc_assessments/" in names
    manifest = ET.fromstring(archive.read("imsmanifest.xml"))
    assert manifest.tag == "{http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1}manifest"
    resources = {r.get("identifier"): r for r in find_all(manifest, "resource")}
    for resource in resources.values():
        for file in find_all(resource, "file"):
            assert file.get("href") in names, file.get("href")
        if resource.get("href"):
            assert resource.get("href") in names
        for dependency in find_all(resource, "dependency"):
            assert dependency.get("identifierref") in resources
    (assessment_resource,) = [r for r in resources.values() if r.get("type") == "imsqti_xmlv1p2"]
    (href,) = [f.get("href") for f in find_all(assessment_resource, "file")]
    root = ET.fromstring(archive.read(href))
    assert root.tag == "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}questestinterop"
    (assessment,) = find_all(root, "assessment")
    assert assessment.get("ident") == assessment_resource.get("identifier")
    meta = ET.fromstring(archive.read(href.rsplit("/", 1)[0] + "/assessment_meta.xml"))
    assert meta.get("identifier") == assessment.get("ident")
    items = find_all(root, "item")
    for item in items:
        check_item(item)
    points = sum(float(qti2latex.get_qti_metadata(item)["points_possible"]) for item in items)
    assert [float(p.text) for p in find_all(meta, "points_possible")] == [points, points]
    return archive, items


def check_item(item: ET.Element) -> None:
    """Every item has response processing, and everything it refers to is in the item."""
    ident = item.get("ident")
    (processing,) = [child for child in item if local(child) == "resprocessing"]
    assert find_all(processing, "decvar"), ident
    conditions = find_all(processing, "respcondition")
    assert conditions, ident
    responses = {r.get("ident"): r for r in find_all(item, "response_lid") + find_all(item, "response_str")}
    assert responses, ident
    feedback = {f.get("ident") for f in find_all(item, "itemfeedback")}
    for display in find_all(processing, "displayfeedback"):
        assert display.get("linkrefid") in feedback, ident
    for test in find_all(processing, "varequal") + find_all(processing, "vargte") + find_all(processing, "varlte"):
        response = responses[test.get("respident")]
        if local(response) == "response_lid":
            assert test.text in {label.get("ident") for label in find_all(response, "response_label")}, ident
    if qti2latex.get_qti_metadata(item)["question_type"] != "essay_question":
        assert find_all(processing, "setvar"), ident


def test_the_shipped_banks_export_as_a_valid_canvas_package(shipped, quotes):
    exported = write_qti(shipped, title="Document 58", quotes=quotes, date=DATE)
    _, items = check_package(exported.data)
    assert exported.count == len(items) == len(shipped)
    types = {qti2latex.get_qti_metadata(item)["question_type"] for item in items}
    assert types == set(QTI_TYPES.values())
    warned: dict[str, list[str]] = {}
    for warning in exported.warnings:
        qid, _, message = warning.partition(": ")
        warned.setdefault(qid, []).append(message)
    for question in shipped:
        expected = ["the hint is left out (a Canvas question has no hint)"] if question.hint else []
        if question.type == "ordering":
            expected.insert(
                0,
                "ordering question written as a matching question (each item to its place); "
                "it is scored per item there, not per pair of items",
            )
        elif question.type == "evidence":
            expected.insert(
                0,
                f"evidence question written as a multiple-answer question over the "
                f"{len(qformat.evidence_choices(question, quotes[question.evidence_passage]))} "
                f"sentences of passage '{question.evidence_passage}'",
            )
        elif question.type == "essay":
            expected.append("the essay's rubric is left out (Canvas essay questions carry none)")
        assert warned.get(question.id, []) == expected, question.id


def test_without_passage_texts_evidence_questions_are_left_out_with_a_warning(shipped):
    exported = write_qti(shipped, title="Document 58", date=DATE)
    _, items = check_package(exported.data)
    evidence = [q.id for q in shipped if q.type == "evidence"]
    assert len(items) == exported.count == len(shipped) - len(evidence)
    for qid in evidence:
        assert any(w.startswith(f"{qid}: evidence question left out") for w in exported.warnings)


def test_the_same_questions_give_the_same_bytes(shipped, quotes):
    first = write_qti(shipped[:20], title="Twenty", quotes=quotes, date=DATE).data
    assert write_qti(shipped[:20], title="Twenty", quotes=quotes, date=DATE).data == first


def scoring_idents(item: ET.Element) -> set[str]:
    """The choices named (not negated) by the condition that sets the score."""
    (scoring,) = [c for c in find_all(item, "respcondition") if find_all(c, "setvar")]
    negated = {id(v) for n in find_all(scoring, "not") for v in find_all(n, "varequal")}
    return {v.text for v in find_all(scoring, "varequal") if id(v) not in negated}


def read_back(data: bytes, tmp_path: Path) -> dict[str, ET.Element]:
    """Read the package as qti2latex does (unzip, every XML but the manifest, items of each assessment)."""
    (tmp_path / "package.zip").write_bytes(data)
    folder = qti2latex.extract_zip_to_tmp(tmp_path / "package.zip")
    items = {}
    for path in qti2latex.read_qti_dir(folder):
        root = ET.parse(path).getroot()
        assessment = qti2latex.child_anyns(root, "assessment")
        if assessment is None:
            continue
        for item in qti2latex.child_anyns(assessment, "section"):
            items[item.get("title")] = item
    return items


def test_text2qti_compatible_types_are_read_back_by_an_independent_reader(shipped, tmp_path):
    questions = [q for q in shipped if q.type in TEXT2QTI_TYPES]
    exported = write_qti(questions, title="Document 58", date=DATE)
    items = read_back(exported.data, tmp_path)
    assert list(items) == [q.id for q in questions]
    for q in questions:
        item = items[q.id]
        meta = qti2latex.get_qti_metadata(item)
        assert qti2latex.guess_type(meta, item) == QTI_TYPES[q.type]
        assert float(meta["points_possible"]) == q.points
        assert qti2latex.get_item_stem(item) == render(q.prompt).strip()
        correct = qti2latex.get_correct_idents(item)
        if q.type in ("single", "truefalse", "multiple"):
            choices = qti2latex.get_choices(item)
            assert [text for _, text in choices] == [render(c.text, inline=True) for c in q.choices]
            right = {render(c.text, inline=True) for c in q.choices if c.correct}
            # qti2latex takes every choice a condition names as a key, feedback conditions included.
            named = {text for ident, text in choices if ident in correct}
            assert named == right if not any(c.feedback for c in q.choices) else named >= right
            assert {text for ident, text in choices if ident in scoring_idents(item)} == right
        elif q.type == "short":
            assert correct == set(q.answers)
        elif q.type == "numeric" and q.answer is not None:
            assert correct == {format_number(q.answer)}
        else:
            assert correct == set()


def test_an_imported_text2qti_quiz_goes_out_as_qti_again(tmp_path):
    fixture = ROOT / "tests" / "fixtures" / "interchange" / "every-construct.txt"
    result = parse_text2qti(fixture.read_bytes(), fixture.name)
    exported = write_qti(result.questions, title=result.title, description=result.description, date=DATE)
    _, checked = check_package(exported.data)
    items = read_back(exported.data, tmp_path)
    assert list(items) == [q.id for q in result.questions] and len(checked) == len(items)
    single = items["t2q-whose-words"]
    (right,) = scoring_idents(single)
    assert dict(qti2latex.get_choices(single))[right] == "Dobrynin’s, as Haig reports it"
    first = find_all(single, "response_label")[0].get("ident")  # choice a, the one with feedback
    assert [f.get("ident") for f in find_all(single, "itemfeedback")] == ["general_fb", f"{first}_fb"]
    truefalse = items["every-construct-10"]
    (right,) = qti2latex.get_correct_idents(truefalse)
    assert dict(qti2latex.get_choices(truefalse))[right] == "False"


def test_cloze_and_matching_use_canvas_blank_and_match_responses(shipped, tmp_path):
    cloze = next(q for q in shipped if q.type == "cloze")
    matching = next(q for q in shipped if q.type == "matching")
    items = read_back(write_qti([cloze, matching], title="Two", date=DATE).data, tmp_path)
    stem = qti2latex.get_item_stem(items[cloze.id])
    assert re.findall(r"\[blank(\d+)\]", stem) == [blank.id for blank in cloze.blanks]
    responses = find_all(items[cloze.id], "response_lid")
    assert [r.get("ident") for r in responses] == [f"response_blank{b.id}" for b in cloze.blanks]
    for response, blank in zip(responses, cloze.blanks):
        assert [m.text for m in find_all(response, "mattext")][1:] == list(blank.answers)
    pairs = find_all(items[matching.id], "response_lid")
    assert [find_all(p, "mattext")[0].text for p in pairs] == [pair.left for pair in matching.pairs]
    labels = {label.get("ident"): find_all(label, "mattext")[0].text for label in find_all(pairs[0], "response_label")}
    assert sorted(labels.values()) == sorted([p.right for p in matching.pairs] + list(matching.distractors))
    for pair, response in zip(matching.pairs, pairs):
        (test,) = [v for v in find_all(items[matching.id], "varequal") if v.get("respident") == response.get("ident")]
        assert labels[test.text] == pair.right
