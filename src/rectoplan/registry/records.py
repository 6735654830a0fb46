"""One episode record in and out: validate it whole, turn it into rows, and read it back.

Import, export and the single-record services all go through here, so the record format is
defined once: `prepare` checks everything that can be checked without the database (schema,
case model, engine assessment, decision coding, cross-section consistency) and collects every
problem rather than stopping at the first; the ``*_values`` functions turn it into column
values; `to_record` is the exact inverse used by export.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from rectoplan.clinical.case import Case
from rectoplan.clinical.pathology import RStatus
from rectoplan.errors import FieldError, InvalidRecordError, field_errors
from rectoplan.i18n import DEFAULT_LOCALE, use_locale
from rectoplan.pathways import assess
from rectoplan.pathways.recommendation import Assessment as EngineAssessment
from rectoplan.registry import models
from rectoplan.registry.audit import jsonable
from rectoplan.registry.schemas import (
    ComplicationIn,
    DecisionIn,
    EpisodeRecord,
    EventIn,
    MeetingIn,
    PatientIn,
    TreatmentIn,
)
from rectoplan.registry.types import utcnow

R_STATUS_FINDING = "r_status"
"""The engine's finding that carries the R status under the rectal (CRM <= 1 mm) convention;
the registry stores the engine's reading rather than deriving it a second time."""

TREATMENT_FIELDS = tuple(name for name in TreatmentIn.model_fields)


@dataclass(frozen=True, slots=True)
class PreparedRecord:
    """A record that passed every check, with its validated case and engine assessment."""

    record: EpisodeRecord
    case: Case
    assessment: EngineAssessment
    followed: tuple[bool, ...]


def validate_case(data: Any) -> Case:
    """The case model, or `InvalidRecordError` with fields named ``case.<path>``."""
    if isinstance(data, Case):
        return data
    try:
        return Case.model_validate(data)
    except ValidationError as exc:
        raise InvalidRecordError(field_errors(exc, "case")) from None


def prepare(data: Any) -> PreparedRecord:
    """Validate one record end to end; `InvalidRecordError` lists every problem found."""
    errors: list[FieldError] = []
    record = case = None
    try:
        record = data if isinstance(data, EpisodeRecord) else EpisodeRecord.model_validate(data)
    except ValidationError as exc:
        errors += field_errors(exc)
    case_data = record.case if record else (data.get("case") if isinstance(data, dict) else None)
    if isinstance(case_data, dict):
        try:
            case = validate_case(case_data)
        except InvalidRecordError as exc:
            errors += exc.errors
    if record is None or case is None:
        raise InvalidRecordError(errors)
    assessment = canonical_assessment(case)
    preferred = preferred_ids(assessment)
    followed = []
    for i, decision in enumerate(record.decisions):
        try:
            followed.append(decision.followed(preferred))
        except InvalidRecordError as exc:
            errors += [error.under(f"decisions[{i}]") for error in exc.errors]
    errors += _consistency(record, case)
    if errors:
        raise InvalidRecordError(errors)
    return PreparedRecord(record, case, assessment, tuple(followed))


def _consistency(record: EpisodeRecord, case: Case) -> list[FieldError]:
    errors = []
    if record.patient.sex != case.patient.sex:
        errors.append(
            FieldError(
                "patient.sex",
                f"{record.patient.sex} but case.patient.sex is {case.patient.sex}",
            )
        )
    born, diagnosed = record.patient.birth_year, case.diagnosis_date
    if born is not None and diagnosed is not None:
        oldest = diagnosed.year - born
        if not oldest - 1 <= case.patient.age_years <= oldest:
            errors.append(
                FieldError(
                    "patient.birth_year",
                    f"born {born}, the patient was {oldest - 1} or {oldest} at diagnosis "
                    f"({diagnosed}), but case.patient.age_years is {case.patient.age_years}",
                )
            )
    errors += event_errors(record.events, case.diagnosis_date)
    return errors


def event_errors(
    events: tuple[EventIn, ...] | list[EventIn], diagnosed: dt.date | None
) -> list[FieldError]:
    """Follow-up cannot precede the diagnosis (survival times would be negative)."""
    if diagnosed is None:
        return []
    return [
        FieldError(
            f"events[{i}].occurred_on", f"{e.occurred_on} is before the diagnosis ({diagnosed})"
        )
        for i, e in enumerate(events)
        if e.occurred_on < diagnosed
    ]


def patient_conflict(patient: PatientIn, other: Any, described_as: str) -> list[FieldError]:
    """How ``patient`` contradicts ``other`` (the same pseudonym registered or given
    elsewhere, ``described_as`` says where) in sex or birth year."""
    errors = []
    for name in ("sex", "birth_year"):
        given, known = getattr(patient, name), getattr(other, name)
        if given is not None and known is not None and given != known:
            errors.append(FieldError(f"patient.{name}", f"{given}, but {described_as} has {known}"))
    return errors


def meeting_conflict(meeting: MeetingIn, other: Any, described_as: str) -> list[FieldError]:
    """A meeting is identified by day and title; two lists of its attendees must agree."""
    if meeting.attendees and other.attendees and list(meeting.attendees) != list(other.attendees):
        return [
            FieldError(
                "meeting.attendees",
                f"{', '.join(meeting.attendees)}, but {described_as} lists "
                f"{', '.join(other.attendees)}",
            )
        ]
    return []


def preferred_ids(assessment: EngineAssessment) -> list[str]:
    return [r.id for r in assessment.preferred()]


# --- rows (column values) --------------------------------------------------------------
# Plain dicts of column values, so the bulk import can INSERT them many rows at a time and
# the single-record services can pass the same dicts to the ORM classes. Ids that link rows
# (episode_id, treatment_id ...) are filled in by whoever writes them.


def patient_values(patient: PatientIn) -> dict[str, Any]:
    return patient.model_dump()


def episode_values(prepared: PreparedRecord) -> dict[str, Any]:
    case = prepared.case
    return {
        "case_id": case.case_id,
        "case_json": case.model_dump(mode="json"),
        "diagnosis_date": case.diagnosis_date,
        "status": prepared.record.status,
    }


def canonical_assessment(case: Case) -> EngineAssessment:
    """The engine's answer as the registry keeps it: in English (the catalogue's message ids),
    whatever language the request that caused the write was made in.

    A snapshot is one record, so it has one language; a display in another language is
    derived from it (`rectoplan.registry.localized`), never stored beside it.
    """
    with use_locale(DEFAULT_LOCALE):
        return assess(case)


def assessment_values(assessment: EngineAssessment) -> dict[str, Any]:
    """The immutable snapshot of an engine assessment."""
    return {
        "engine_version": assessment.engine_version,
        "created_at": utcnow(),
        "assessment_json": assessment.model_dump(mode="json"),
        "preferred_ids": preferred_ids(assessment),
    }


def engine_r_status(assessment: EngineAssessment) -> RStatus | None:
    value = next((f.value for f in assessment.findings if f.id == R_STATUS_FINDING), None)
    return None if value is None else RStatus(value)


def pathology_values(case: Case, assessment: EngineAssessment) -> dict[str, Any] | None:
    """The case's pathology report with the engine's R status; None without a report."""
    if case.pathology is None:
        return None
    return {
        "report_json": case.pathology.model_dump(mode="json"),
        "r_status": engine_r_status(assessment),
    }


def specimen_source(case: Case, treatments: list[dict[str, Any]]) -> int | None:
    """Index of the (last) treatment that produced the pathology specimen, if recorded."""
    if case.pathology is None:
        return None
    specimen = case.pathology.specimen.value
    for index in range(len(treatments) - 1, -1, -1):
        made = (jsonable(treatments[index].get(k)) for k in ("operation_type", "procedure"))
        if specimen in made:
            return index
    return None


def treatment_values(treatment: TreatmentIn) -> dict[str, Any]:
    values = treatment.model_dump(mode="python")
    spec = treatment.magnet_spec
    values["magnet_spec"] = spec.model_dump(mode="json", exclude_none=True) if spec else None
    return values


def complication_values(complication: ComplicationIn) -> dict[str, Any]:
    """Without ``treatment_id``: the record names its treatment by index."""
    return complication.model_dump(exclude={"treatment"})


def meeting_key(meeting: MeetingIn) -> tuple[dt.date, str]:
    """A meeting is identified by the day it was held and its title."""
    return meeting.held_on, meeting.title


def meeting_values(meeting: MeetingIn) -> dict[str, Any]:
    return {
        "held_on": meeting.held_on,
        "title": meeting.title,
        "attendees": list(meeting.attendees),
    }


def decision_values(decision: DecisionIn, followed: bool) -> dict[str, Any]:
    """Without the episode, assessment and meeting ids."""
    return {
        "chosen_option_id": decision.chosen_option_id,
        "followed_preferred": followed,
        "deviation_code": decision.deviation_code,
        "deviation_note": decision.deviation_note,
        "decided_at": decision.decided_at,
        "decided_by": decision.decided_by,
    }


def event_values(event: EventIn) -> dict[str, Any]:
    return event.model_dump(mode="python")


# --- back to a record (export) -----------------------------------------------------------


def to_record(episode: models.Episode) -> dict[str, Any]:
    """The episode in the import format; importing it gives the same episode back."""
    treatments = list(episode.treatments)
    index = {t.id: i for i, t in enumerate(treatments)}
    patient = episode.patient
    return {
        "patient": {
            "pseudonym": patient.pseudonym,
            "sex": jsonable(patient.sex),
            "birth_year": patient.birth_year,
        },
        "case": episode.case_json,
        "status": jsonable(episode.status),
        "treatments": [_treatment_record(t) for t in treatments],
        "complications": [
            {
                "clavien_dindo": c.clavien_dindo,
                "description": c.description,
                "occurred_on": jsonable(c.occurred_on),
                "treatment": index.get(c.treatment_id) if c.treatment_id else None,
            }
            for c in episode.complications
        ],
        "decisions": [_decision_record(d) for d in episode.decisions],
        "events": [
            {"kind": jsonable(e.kind), "occurred_on": jsonable(e.occurred_on), "details": e.details}
            for e in episode.events
        ],
    }


def _treatment_record(treatment: models.Treatment) -> dict[str, Any]:
    values = {name: jsonable(getattr(treatment, name)) for name in TREATMENT_FIELDS}
    return {k: v for k, v in values.items() if v is not None}


def _decision_record(decision: models.MdtDecision) -> dict[str, Any]:
    meeting = decision.meeting
    return {
        "decided_at": jsonable(decision.decided_at),
        "chosen_option_id": decision.chosen_option_id,
        "deviation_code": decision.deviation_code,
        "deviation_note": decision.deviation_note,
        "decided_by": decision.decided_by,
        "meeting": None
        if meeting is None
        else {
            "held_on": jsonable(meeting.held_on),
            "title": meeting.title,
            "attendees": list(meeting.attendees),
        },
    }
