"""Write Questions as a QTI 1.2 zip that Canvas imports, in the package layout text2qti produces.

The zip holds `imsmanifest.xml`, an empty `non_cc_assessments/` folder and, in a folder named
after the assessment, the assessment (`<ident>.xml`: one `<item>` per question, each with its
response processing) and Canvas's quiz settings (`assessment_meta.xml`). docs/interchange.md
lists how each question type is carried.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import itertools
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from ..markdown import render
from .gift import Exported, export_form
from .model import Question, fill_blanks
from .writer import format_number

#: Our types and the Canvas question types that carry them.
QTI_TYPES = {
    "single": "multiple_choice_question",
    "truefalse": "true_false_question",
    "multiple": "multiple_answers_question",
    "short": "short_answer_question",
    "numeric": "numerical_question",
    "essay": "essay_question",
    "matching": "matching_question",
    "cloze": "fill_in_multiple_blanks_question",
}
QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
MANIFEST_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
CANVAS_NS = "http://canvas.instructure.com/xsd/cccv1p0"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
#: Each item numbers its answers, matches and feedback from position × IDENTS_PER_ITEM + 1.
IDENTS_PER_ITEM = 1000
#: Gives the next free number of an item, as an identifier.
Idents = Callable[[], str]
#: Zip entries carry this date, so the same questions always give the same bytes (but the manifest's date).
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def write_qti(
    questions: Iterable[Question],
    *,
    title: str,
    description: str = "",
    quotes: Mapping[str, str] | None = None,
    date: datetime.date | None = None,
) -> Exported:
    """Return the zip of a Canvas quiz holding `questions`, with a warning for each question changed or left out."""
    warnings: list[str] = []
    carried: list[Question] = []
    for question in questions:
        q, warning = export_form(question, quotes, QTI_TYPES)
        if warning:
            warnings.append(warning)
        if q is not None:
            carried.append(q)
    digest = hashlib.blake2b("\n".join(q.id for q in carried).encode("utf-8"), digest_size=12).hexdigest()
    ident = f"studyapp_assessment_{digest}"
    items = [_item(q, position, warnings) for position, q in enumerate(carried, 1)]
    points = sum(q.points for q in carried)
    files = {
        "imsmanifest.xml": _manifest(ident, digest, date or datetime.date.today()),
        f"{ident}/{ident}.xml": _assessment(ident, title, items),
        f"{ident}/assessment_meta.xml": _meta(ident, digest, title, render(description) if description else "", points),
    }
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("non_cc_assessments/", ZIP_DATE), b"")
        for name, root in files.items():
            info = zipfile.ZipInfo(name, ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, _xml(root))
    return Exported(stream.getvalue(), len(carried), warnings)


# -- XML helpers ----------------------------------------------------------------------------------


def _el(parent: ET.Element | None, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.Element(tag, attrs) if parent is None else ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


def _xml(root: ET.Element) -> bytes:
    ET.indent(root)
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


def _material(parent: ET.Element, html: str, texttype: str = "text/html") -> None:
    _el(_el(parent, "material"), "mattext", html, texttype=texttype)


def _field(parent: ET.Element, label: str, entry: str) -> None:
    field = _el(parent, "qtimetadatafield")
    _el(field, "fieldlabel", label)
    _el(field, "fieldentry", entry)


def _share(count: int) -> str:
    return f"{100 / count:.2f}"


# -- the package files ----------------------------------------------------------------------------


def _manifest(ident: str, digest: str, date: datetime.date) -> ET.Element:
    manifest = _el(
        None,
        "manifest",
        identifier=f"studyapp_manifest_{digest}",
        xmlns=MANIFEST_NS,
        **{"xmlns:imsmd": "http://www.imsglobal.org/xsd/imsmd_v1p2", "xmlns:xsi": XSI},
    )
    metadata = _el(manifest, "metadata")
    _el(metadata, "schema", "IMS Content")
    _el(metadata, "schemaversion", "1.1.3")
    lom = _el(metadata, "imsmd:lom")
    _el(_el(_el(lom, "imsmd:general"), "imsmd:title"), "imsmd:string", "QTI assessment exported by studyapp")
    contribute = _el(_el(lom, "imsmd:lifeCycle"), "imsmd:contribute")
    _el(_el(contribute, "imsmd:date"), "imsmd:dateTime", date.isoformat())
    _el(manifest, "organizations")
    resources = _el(manifest, "resources")
    dependency = f"studyapp_dependency_{digest}"
    assessment = _el(resources, "resource", identifier=ident, type="imsqti_xmlv1p2")
    _el(assessment, "file", href=f"{ident}/{ident}.xml")
    _el(assessment, "dependency", identifierref=dependency)
    meta = _el(
        resources,
        "resource",
        identifier=dependency,
        type="associatedcontent/imscc_xmlv1p1/learning-application-resource",
        href=f"{ident}/assessment_meta.xml",
    )
    _el(meta, "file", href=f"{ident}/assessment_meta.xml")
    return manifest


def _meta(ident: str, digest: str, title: str, description_html: str, points: float) -> ET.Element:
    quiz = _el(None, "quiz", identifier=ident, xmlns=CANVAS_NS, **{"xmlns:xsi": XSI})
    settings = {
        "title": title,
        "description": description_html,
        "shuffle_answers": "false",
        "scoring_policy": "keep_highest",
        "hide_results": "",
        "quiz_type": "assignment",
        "points_possible": f"{points:.1f}",
        "show_correct_answers": "true",
        "anonymous_submissions": "false",
        "could_be_locked": "false",
        "allowed_attempts": "1",
        "one_question_at_a_time": "false",
        "cant_go_back": "false",
        "available": "false",
        "one_time_results": "false",
    }
    for key, value in settings.items():
        _el(quiz, key, value)
    assignment = _el(quiz, "assignment", identifier=f"studyapp_assignment_{digest}")
    for key, value in {
        "title": title,
        "workflow_state": "unpublished",
        "quiz_identifierref": ident,
        "points_possible": f"{points:.1f}",
        "grading_type": "points",
        "submission_types": "online_quiz",
    }.items():
        _el(assignment, key, value)
    _el(quiz, "assignment_group_identifierref", f"studyapp_assignment-group_{digest}")
    return quiz


def _assessment(ident: str, title: str, items: list[ET.Element]) -> ET.Element:
    root = _el(
        None,
        "questestinterop",
        xmlns=QTI_NS,
        **{"xmlns:xsi": XSI, "xsi:schemaLocation": f"{QTI_NS} http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd"},
    )
    assessment = _el(root, "assessment", ident=ident, title=title)
    _field(_el(assessment, "qtimetadata"), "cc_maxattempts", "1")
    section = _el(assessment, "section", ident="root_section")
    section.extend(items)
    return root


# -- one item per question ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Parts:
    """An item as its writer fills it in: the question, the item's presentation and response processing, its
    feedback by ident (the writer adds each choice's), the export's warnings, and the item's next free ident."""

    q: Question
    presentation: ET.Element
    processing: ET.Element
    feedback: dict[str, str]
    warnings: list[str]
    next_ident: Idents


def _item(q: Question, position: int, warnings: list[str]) -> ET.Element:
    item = _el(None, "item", ident=f"studyapp_{q.id}", title=q.id)
    # Canvas reads an answer's id and a match's id from the first digits of its identifier, and routes
    # feedback by words such as "correct" in the feedback's identifier: the identifiers of answers, matches
    # and feedback are numbers of their own (item 3's are 3001, 3002, ...), never the question's id.
    numbers = itertools.count(position * IDENTS_PER_ITEM + 1)
    idents: Idents = lambda: str(next(numbers))
    metadata = _el(_el(item, "itemmetadata"), "qtimetadata")
    presentation = _el(item, "presentation")
    prompt = fill_blanks(q.prompt, lambda blank: f"[blank{blank.id}]") if q.type == "cloze" else q.prompt
    _material(presentation, render(prompt))
    processing = _el(item, "resprocessing")
    _el(_el(processing, "outcomes"), "decvar", maxvalue="100", minvalue="0", varname="SCORE", vartype="Decimal")
    feedback: dict[str, str] = {}
    if q.explanation:
        feedback["general_fb"] = q.explanation
        condition = _el(processing, "respcondition", **{"continue": "Yes"})
        _el(_el(condition, "conditionvar"), "other")
        _el(condition, "displayfeedback", feedbacktype="Response", linkrefid="general_fb")
    if q.hint:
        warnings.append(f"{q.id}: the hint is left out (a Canvas question has no hint)")
    answer_ids = ITEM_WRITERS[q.type](_Parts(q, presentation, processing, feedback, warnings, idents))
    for key, value in (
        ("question_type", QTI_TYPES[q.type]),
        ("points_possible", format_number(q.points)),
        ("original_answer_ids", ",".join(answer_ids)),
        ("assessment_question_identifierref", f"studyapp_question_{q.id}"),
    ):
        _field(metadata, key, value)
    for ident, text in feedback.items():
        _material(_el(_el(item, "itemfeedback", ident=ident), "flow_mat"), render(text))
    return item


def _choices(p: _Parts) -> dict[str, str]:
    """The choices of a single, truefalse or multiple question, with their feedback: their idents by choice id."""
    q = p.q
    cardinality = "Multiple" if q.type == "multiple" else "Single"
    response = _el(p.presentation, "response_lid", ident="response1", rcardinality=cardinality)
    render_choice = _el(response, "render_choice")
    idents = {}
    for choice in q.choices:
        ident = idents[choice.id] = p.next_ident()
        _material(_el(render_choice, "response_label", ident=ident), render(choice.text, inline=True))
        if choice.feedback:
            p.feedback[f"{ident}_fb"] = choice.feedback
            condition = _el(p.processing, "respcondition", **{"continue": "Yes"})
            _el(_el(condition, "conditionvar"), "varequal", ident, respident="response1")
            _el(condition, "displayfeedback", feedbacktype="Response", linkrefid=f"{ident}_fb")
    return idents


def _set_score(processing: ET.Element) -> ET.Element:
    """The condition that gives full marks; Canvas stops at it."""
    return _el(processing, "respcondition", **{"continue": "No"})


def _single(p: _Parts) -> list[str]:
    q = p.q
    idents = _choices(p)
    condition = _set_score(p.processing)
    right = next(idents[c.id] for c in q.choices if c.correct)
    _el(_el(condition, "conditionvar"), "varequal", right, respident="response1")
    _el(condition, "setvar", "100", action="Set", varname="SCORE")
    return list(idents.values())


def _multiple(p: _Parts) -> list[str]:
    q = p.q
    idents = _choices(p)
    condition = _set_score(p.processing)
    both = _el(_el(condition, "conditionvar"), "and")
    for choice in q.choices:
        ident = idents[choice.id]
        if choice.correct:
            _el(both, "varequal", ident, respident="response1")
        else:
            _el(_el(both, "not"), "varequal", ident, respident="response1")
    _el(condition, "setvar", "100", action="Set", varname="SCORE")
    return list(idents.values())


def _typed_response(presentation: ET.Element, fibtype: str | None = None) -> None:
    response = _el(presentation, "response_str", ident="response1", rcardinality="Single")
    render_fib = _el(response, "render_fib", **({"fibtype": fibtype} if fibtype else {}))
    _el(render_fib, "response_label", ident="answer1", rshuffle="No")


def _short(p: _Parts) -> list[str]:
    q = p.q
    if q.match == "exact":
        p.warnings.append(f"{q.id}: 'match: exact' is not kept: Canvas compares short answers without regard to case")
    _typed_response(p.presentation)
    condition = _set_score(p.processing)
    variables = _el(condition, "conditionvar")
    for answer in q.answers:
        _el(variables, "varequal", answer, respident="response1")
    _el(condition, "setvar", "100", action="Set", varname="SCORE")
    return [p.next_ident() for _ in q.answers]


def _numeric(p: _Parts) -> list[str]:
    q = p.q
    _typed_response(p.presentation, "Decimal")
    condition = _set_score(p.processing)
    variables = _el(condition, "conditionvar")
    if q.answer is not None:
        either = _el(variables, "or")
        _el(either, "varequal", format_number(q.answer), respident="response1")
        both = _el(either, "and")
        _el(both, "vargte", format_number(q.answer - q.tolerance), respident="response1")
        _el(both, "varlte", format_number(q.answer + q.tolerance), respident="response1")
    else:
        assert q.minimum is not None and q.maximum is not None, "a numeric question without an answer has a range"
        _el(variables, "vargte", format_number(q.minimum), respident="response1")
        _el(variables, "varlte", format_number(q.maximum), respident="response1")
    _el(condition, "setvar", "100", action="Set", varname="SCORE")
    return [p.next_ident()]


def _essay(p: _Parts) -> list[str]:
    q = p.q
    if q.rubric:
        p.warnings.append(f"{q.id}: the essay's rubric is left out (Canvas essay questions carry none)")
    _typed_response(p.presentation)
    condition = _set_score(p.processing)
    _el(_el(condition, "conditionvar"), "other")
    return []


def _matching(p: _Parts) -> list[str]:
    q = p.q
    rights = [pair.right for pair in q.pairs] + list(q.distractors)
    right_ids = [p.next_ident() for _ in rights]
    for pair, right_id in zip(q.pairs, right_ids):
        response = _el(p.presentation, "response_lid", ident=f"response_{pair.id}")
        _material(response, pair.left, "text/plain")
        render_choice = _el(response, "render_choice")
        for ident, right in zip(right_ids, rights):
            _material(_el(render_choice, "response_label", ident=ident), right, "text/plain")
        condition = _el(p.processing, "respcondition", **{"continue": "Yes"})
        _el(_el(condition, "conditionvar"), "varequal", right_id, respident=f"response_{pair.id}")
        _el(condition, "setvar", _share(len(q.pairs)), action="Add", varname="SCORE")
    return right_ids


def _cloze(p: _Parts) -> list[str]:
    q = p.q
    if q.match == "exact":
        p.warnings.append(f"{q.id}: 'match: exact' is not kept: Canvas compares blanks without regard to case")
    idents = []
    for blank in q.blanks:
        response = _el(p.presentation, "response_lid", ident=f"response_blank{blank.id}")
        _material(response, f"blank{blank.id}", "text/plain")
        render_choice = _el(response, "render_choice")
        for answer in blank.answers:
            ident = p.next_ident()
            idents.append(ident)
            _material(_el(render_choice, "response_label", ident=ident), answer, "text/plain")
            condition = _el(p.processing, "respcondition", **{"continue": "Yes"})
            _el(_el(condition, "conditionvar"), "varequal", ident, respident=f"response_blank{blank.id}")
            _el(condition, "setvar", _share(len(q.blanks)), action="Add", varname="SCORE")
    return idents


#: Writes an item's responses and response processing into its parts -> the idents of its answers.
ItemWriter = Callable[[_Parts], list[str]]

#: type -> the function that writes the item's responses and response processing.
ITEM_WRITERS: dict[str, ItemWriter] = {
    "single": _single,
    "truefalse": _single,
    "multiple": _multiple,
    "short": _short,
    "numeric": _numeric,
    "essay": _essay,
    "matching": _matching,
    "cloze": _cloze,
}
