"""A quiz as a QTI 1.2 package, the layout Canvas imports.

The zip holds imsmanifest.xml, `IDENT/IDENT.xml` (the assessment: one item per
question, its scoring and its explanation as general feedback) and
`IDENT/assessment_meta.xml` (Canvas's quiz settings). IDENT names the quiz and
its language (`dlcourse_convolution`, `dlcourse_convolution_ko`), and every
item's ident derives from it, so both languages import into one course.
"""

from __future__ import annotations

import io
import re
import zipfile
from xml.etree import ElementTree as ET

from autograder.quiz.bank import Quiz
from autograder.quiz.lms import LmsQuestion, as_html, lang_tag, number_text, sub_element

QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
CP_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
CANVAS_NS = "http://canvas.instructure.com/xsd/cccv1p0"


def _meta(parent: ET.Element, fields: dict[str, str]) -> None:
    meta = sub_element(parent, "qtimetadata")
    for label, entry in fields.items():
        node = sub_element(meta, "qtimetadatafield")
        sub_element(node, "fieldlabel", label)
        sub_element(node, "fieldentry", entry)


def _mattext(parent: ET.Element, text: str) -> None:
    sub_element(sub_element(parent, "material"), "mattext", as_html(text), texttype="text/html")


def _qti_item(section: ET.Element, item: LmsQuestion, ident: str) -> None:
    node = sub_element(section, "item", ident=ident, title=item.id)
    kinds = {
        "single": "multiple_choice_question",
        "multiple": "multiple_answers_question",
        "numeric": "numerical_question",
    }
    choice_ids = [f"{ident}_c{i + 1}" for i in range(len(item.options))]
    _meta(
        sub_element(node, "itemmetadata"),
        {
            "question_type": kinds[item.kind],
            "points_possible": number_text(item.points),
            "original_answer_ids": ",".join(choice_ids) or f"{ident}_n1",
            "assessment_question_identifierref": f"{ident}_ref",
        },
    )
    presentation = sub_element(node, "presentation")
    _mattext(presentation, item.text)
    processing = ET.Element("resprocessing")
    outcomes = sub_element(processing, "outcomes")
    sub_element(
        outcomes, "decvar", maxvalue="100", minvalue="0", varname="SCORE", vartype="Decimal"
    )
    general = sub_element(processing, "respcondition", **{"continue": "Yes"})
    sub_element(sub_element(general, "conditionvar"), "other")
    sub_element(general, "displayfeedback", feedbacktype="Response", linkrefid="general_fb")
    scoring = ET.Element("respcondition", {"continue": "No"})
    condition = sub_element(scoring, "conditionvar")
    if item.kind == "numeric":
        assert item.answer is not None
        response = sub_element(
            presentation, "response_str", ident="response1", rcardinality="Single"
        )
        sub_element(
            sub_element(response, "render_fib", fibtype="Decimal"),
            "response_label",
            ident="answer1",
        )
        either = sub_element(condition, "or")
        sub_element(either, "varequal", number_text(item.answer), respident="response1")
        within = sub_element(either, "and")
        sub_element(
            within, "vargte", number_text(item.answer - item.tolerance), respident="response1"
        )
        sub_element(
            within, "varlte", number_text(item.answer + item.tolerance), respident="response1"
        )
    else:
        cardinality = "Single" if item.kind == "single" else "Multiple"
        response = sub_element(
            presentation, "response_lid", ident="response1", rcardinality=cardinality
        )
        render = sub_element(response, "render_choice", shuffle="Yes" if item.shuffle else "No")
        for choice, option in zip(choice_ids, item.options):
            _mattext(sub_element(render, "response_label", ident=choice), option)
        if item.kind == "single":
            sub_element(condition, "varequal", choice_ids[item.correct[0]], respident="response1")
        else:
            every = sub_element(condition, "and")
            for index, choice in enumerate(choice_ids):
                target = every if index in item.correct else sub_element(every, "not")
                sub_element(target, "varequal", choice, respident="response1")
    sub_element(scoring, "setvar", "100", action="Set", varname="SCORE")
    processing.append(scoring)
    node.append(processing)
    feedback = sub_element(node, "itemfeedback", ident="general_fb")
    _mattext(sub_element(feedback, "flow_mat"), item.feedback)


def qti_assessment(quiz: Quiz, items: list[LmsQuestion], lang: str, ident: str) -> str:
    root = ET.Element("questestinterop", xmlns=QTI_NS)
    assessment = sub_element(root, "assessment", ident=ident, title=quiz.title.get(lang))
    _meta(assessment, {"cc_maxattempts": "1"})
    section = sub_element(assessment, "section", ident="root_section")
    for number, item in enumerate(items, start=1):
        _qti_item(section, item, f"{ident}_q{number}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def qti_manifest(ident: str, title: str) -> str:
    root = ET.Element("manifest", identifier=f"{ident}_manifest", xmlns=CP_NS)
    metadata = sub_element(root, "metadata")
    sub_element(metadata, "schema", "IMS Content")
    sub_element(metadata, "schemaversion", "1.1.3")
    sub_element(root, "organizations")
    resources = sub_element(root, "resources")
    resource = sub_element(resources, "resource", identifier=ident, type="imsqti_xmlv1p2")
    sub_element(resource, "file", href=f"{ident}/{ident}.xml")
    sub_element(resource, "dependency", identifierref=f"{ident}_meta")
    meta = sub_element(
        resources,
        "resource",
        identifier=f"{ident}_meta",
        type="associatedcontent/imscc_xmlv1p1/learning-application-resource",
        href=f"{ident}/assessment_meta.xml",
    )
    sub_element(meta, "file", href=f"{ident}/assessment_meta.xml")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def canvas_meta(ident: str, title: str, items: list[LmsQuestion]) -> str:
    """Canvas's quiz settings beside the assessment (title, points, no answer shuffling)."""
    root = ET.Element("quiz", identifier=ident, xmlns=CANVAS_NS)
    sub_element(root, "title", title)
    sub_element(root, "shuffle_answers", "true" if any(i.shuffle for i in items) else "false")
    sub_element(root, "quiz_type", "assignment")
    sub_element(root, "points_possible", number_text(sum(i.points for i in items)))
    sub_element(root, "show_correct_answers", "true")
    sub_element(root, "allowed_attempts", "1")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def qti_zip(quiz: Quiz, items: list[LmsQuestion], lang: str) -> bytes:
    """A QTI 1.2 package: imsmanifest.xml and ident/ident.xml (the assessment)."""
    ident = "dlcourse_" + re.sub(r"[^A-Za-z0-9_]", "_", quiz.id + lang_tag(lang))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("imsmanifest.xml", qti_manifest(ident, quiz.title.get(lang)))
        archive.writestr(f"{ident}/{ident}.xml", qti_assessment(quiz, items, lang, ident))
        archive.writestr(
            f"{ident}/assessment_meta.xml", canvas_meta(ident, quiz.title.get(lang), items)
        )
    return buffer.getvalue()
