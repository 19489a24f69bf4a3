"""Questionnaires and their results as FHIR (R4B) resources, built and validated with ``fhir.resources``.

* :func:`questionnaire`: an instrument of ``content/scales`` as a ``Questionnaire``: one ``choice`` item per
  question with the response scale as its answer options (codes are the numbers a person picks, the
  scale's labels their display), the subscales as read-only ``decimal`` items that say how they are
  scored, and the versions as the resource's ``version`` (instrument version + scoring version).
* :func:`questionnaire_response`: one administration as a ``QuestionnaireResponse`` of that
  ``Questionnaire``: the answers as given (before reverse keying) and the subscale scores. The person is
  named only by the export's study code (``subject.identifier``), never by a client id or a name; the
  date is what the export shows (a day number is given as an extension, not as a date).

A resource that ``fhir.resources`` would refuse is never written: each is validated when it is made.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from securebase.content.scales import Instrument

SYSTEM = "urn:securebase:instrument"
STUDY_SYSTEM = "urn:securebase:study-code"
DAY_EXTENSION = "urn:securebase:fhir:study-day"


def canonical(instrument: Instrument) -> str:
    return f"{SYSTEM}:{instrument.id}"


def _version(instrument: Instrument) -> str:
    return f"{instrument.version}+scoring.{instrument.scoring_version}"


def questionnaire(instrument: Instrument) -> Any:
    """The instrument as a validated FHIR ``Questionnaire``."""
    from fhir.resources.R4B.questionnaire import Questionnaire

    scale = instrument.response_scale
    options = [{"valueCoding": {"system": f"{canonical(instrument)}:scale", "code": str(v),
                                "display": scale.labels.get(v, str(v))}} for v in range(scale.min, scale.max + 1)]
    items: list[dict[str, Any]] = [
        {"linkId": item.id, "text": item.text, "type": "choice", "required": False, "answerOption": options}
        for item in instrument.items]
    for sub in instrument.subscales:
        keyed = ", ".join(f"{i.id} (reverse-keyed)" if i.reverse else i.id for i in instrument.items_of(sub.id))
        items.append({"linkId": f"score.{sub.id}", "text": f"{sub.label}: {sub.method} of {keyed}", "type": "decimal",
                      "readOnly": True})
    return Questionnaire.model_validate({
        "resourceType": "Questionnaire", "id": instrument.id.replace("_", "-"), "url": canonical(instrument),
        "version": _version(instrument), "name": "".join(w.capitalize() for w in instrument.id.split("_")),
        "title": instrument.title, "status": "active", "description": instrument.purpose, "item": items,
    })


def questionnaire_response(instrument: Instrument, responses: dict[str, Any], scores: dict[str, float | None], *,
                           study_code: str, response_code: str, day: int | None, when: date | None) -> Any:
    """One administration as a validated FHIR ``QuestionnaireResponse`` (see the module docstring)."""
    from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

    scale = instrument.response_scale
    items: list[dict[str, Any]] = []
    for item in instrument.items:
        value = responses.get(item.id)
        if isinstance(value, bool) or not isinstance(value, int):
            continue   # unanswered, or not a point of the scale: left out as in the export
        items.append({"linkId": item.id, "answer": [{"valueCoding": {
            "system": f"{canonical(instrument)}:scale", "code": str(value), "display": scale.labels.get(value, str(value))}}]})
    for sub_id, score in scores.items():
        if score is not None:
            items.append({"linkId": f"score.{sub_id}", "answer": [{"valueDecimal": score}]})
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse", "id": response_code.lower(), "status": "completed",
        "questionnaire": f"{canonical(instrument)}|{_version(instrument)}",
        "subject": {"identifier": {"system": STUDY_SYSTEM, "value": study_code}}, "item": items,
    }
    if when is not None:
        resource["authored"] = when.isoformat()
    if day is not None:
        resource["extension"] = [{"url": DAY_EXTENSION, "valueInteger": day}]
    return QuestionnaireResponse.model_validate(resource)


def bundle(resources: list[Any]) -> dict[str, Any]:
    """A FHIR ``Bundle`` of type ``collection`` holding ``resources``, validated, as a JSON-ready dict."""
    import json

    from fhir.resources.R4B.bundle import Bundle

    made = Bundle.model_validate({"resourceType": "Bundle", "type": "collection",
                                  "entry": [{"resource": json.loads(r.model_dump_json())} for r in resources]})
    return json.loads(made.model_dump_json())


def export_bundles(frame: Any, instruments: tuple[Instrument, ...]) -> dict[str, dict[str, Any]]:
    """The FHIR files of a research export, from what its ``assessments_long`` table shows (after every
    de-identification step): ``questionnaires.fhir.json`` and ``questionnaire_responses.fhir.json``."""
    import pandas as pd

    by_id = {i.id: i for i in instruments}
    responses = []
    for code, rows in frame.groupby("assessment_code", sort=True):
        first = rows.iloc[0]
        items = rows[(rows["kind"] == "item") & rows["value"].notna()]
        subs = rows[rows["kind"] == "subscale"]
        responses.append(questionnaire_response(
            by_id[first["instrument_id"]],
            {v.split(".", 1)[1]: int(x) for v, x in zip(items["variable"], items["value"])},
            {s: (None if pd.isna(x) else float(x)) for s, x in zip(subs["subscale"], subs["value"])},
            study_code=first["study_id"], response_code=code, day=None if pd.isna(first["day"]) else int(first["day"]),
            when=first["date"] if isinstance(first["date"], date) else None))
    used = sorted(set(frame["instrument_id"]))
    return {"questionnaires.fhir.json": bundle([questionnaire(by_id[i]) for i in used]),
            "questionnaire_responses.fhir.json": bundle(responses)}
