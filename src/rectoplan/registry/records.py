"""One episode record in and out: validate it whole, turn it into rows, and read it back.

Import, export and the single-record services all go through here, so the record format is
defined once: `prepare` checks everything that can be checked without the database (schema,
case model, engine assessment, decision coding, cross-section consistency) and collects every
problem rather than stopping at the first. An MDT decision is judged against what the engine
said of the case when it was made: one made before the recurrence, against the case without
it (that assessment is stored too). A record's ``treatments``, ``complications`` and
``events`` are folded into its case there (`case_facts.fold_record`): the case is the record,
and the outcome tables are written from it (`projections`). The ``*_values`` functions turn
the rest into column values; `to_record` is the inverse used by export, and writes the case
alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from rectoplan.clinical.case import Case
from rectoplan.clinical.pathology import RConvention, RStatus, r_status
from rectoplan.clinical.thresholds import Thresholds
from rectoplan.errors import FieldError, InvalidRecordError, field_errors
from rectoplan.i18n import DEFAULT_LOCALE, use_locale
from rectoplan.pathways import assess
from rectoplan.pathways.recommendation import Assessment as EngineAssessment
from rectoplan.registry import models
from rectoplan.registry.audit import jsonable
from rectoplan.registry.case_facts import fold_record, validate_case
from rectoplan.registry.enums import DecisionCategory
from rectoplan.registry.schemas import (
    DecisionIn,
    EpisodeRecord,
    EventIn,
    MeetingIn,
    PatientIn,
)
from rectoplan.registry.types import utcnow

R_STATUS_FINDING = "r_status"
"""The engine's finding that carries the R status under the rectal (CRM <= 1 mm) convention;
the registry stores the engine's reading rather than deriving it a second time."""


@dataclass(frozen=True, slots=True)
class PreparedRecord:
    """A record that passed every check, with its validated case and engine assessment."""

    record: EpisodeRecord
    case: Case
    assessment: EngineAssessment
    categories: tuple[DecisionCategory, ...]
    before_recurrence: EngineAssessment | None = None
    """The assessment of the case before its recurrence, when a decision predates it."""
    judged_before: tuple[bool, ...] = ()
    """Per decision: judged against ``before_recurrence`` (made before the recurrence)."""


def check(data: Any) -> tuple[EpisodeRecord, Case]:
    """Everything `prepare` checks, assessing the case only as far as its decisions need (a
    decision made before the recurrence needs only the case without it): the bulk import's
    first pass, which keeps nothing but the record's facts and prepares each record again
    when it writes."""
    record, case = _read(data)
    before = _judged_before(record, case)
    assessments: dict[bool, EngineAssessment] = {}

    def assessment_of(earlier: bool) -> EngineAssessment:
        if earlier not in assessments:
            assessments[earlier] = canonical_assessment(
                _before_recurrence(case) if earlier else case
            )
        return assessments[earlier]

    _categories(record, before, assessment_of)
    return record, case


def prepare(data: Any, events: tuple[EventIn, ...] | list[EventIn] = ()) -> PreparedRecord:
    """Validate one record end to end, with its treatments, complications, events (and
    ``events`` from a separate file) folded into the case, and assess it (also without its
    recurrence when a decision predates it); `InvalidRecordError` lists every problem found."""
    record, case = _read(data, events)
    before = _judged_before(record, case)
    assessment = canonical_assessment(case)
    earlier = canonical_assessment(_before_recurrence(case)) if any(before) else None
    categories = _categories(record, before, lambda b: earlier if b else assessment)
    return PreparedRecord(record, case, assessment, categories, earlier, before)


def _read(
    data: Any, events: tuple[EventIn, ...] | list[EventIn] = ()
) -> tuple[EpisodeRecord, Case]:
    """The record and its case with everything folded in, or every problem found."""
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
    errors += _consistency(record, case)
    if errors:  # folding would repeat them in the case's words
        raise InvalidRecordError(errors)
    case, _ = fold_record(case, record, events)
    return record, case


def _judged_before(record: EpisodeRecord, case: Case) -> tuple[bool, ...]:
    """Per decision: made before the case's recurrence (judged against the case without it)."""
    recurred = case.recurrence.date if case.recurrence else None
    return tuple(recurred is not None and d.decided_at.date() < recurred for d in record.decisions)


def _before_recurrence(case: Case) -> Case:
    return case.model_copy(update={"recurrence": None})


def _categories(
    record: EpisodeRecord,
    judged_before: tuple[bool, ...],
    assessment_of: Callable[[bool], EngineAssessment | None],
) -> tuple[DecisionCategory, ...]:
    """Each decision's category (concordant, alternative, deviation) against the assessment
    it is judged against (``assessment_of(judged_before)``); every miscoded decision is
    reported."""
    errors: list[FieldError] = []
    categories = []
    for i, (decision, before) in enumerate(zip(record.decisions, judged_before, strict=True)):
        assessment = assessment_of(before)
        assert assessment is not None
        try:
            categories.append(
                decision.category(
                    preferred_ids(assessment), alternative_ids(assessment.recommendations)
                )
            )
        except InvalidRecordError as exc:
            errors += [error.under(f"decisions[{i}]") for error in exc.errors]
    if errors:
        raise InvalidRecordError(errors)
    return tuple(categories)


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
    """The case's pathology report with its R status; None without a report.

    The R status is the engine's finding when the assessment is post-operative. A later phase
    (a recurrence, a stenosis) assesses something else and has no such finding, yet the
    resection's margins are unchanged: then the same rule (`clinical.pathology.r_status`,
    CRM convention, the default threshold) reads them, so a recurrence never erases the R
    status of the operation before it."""
    if case.pathology is None:
        return None
    status = engine_r_status(assessment)
    if status is None:
        path = case.pathology
        margins = path.margins_mm
        status = r_status(
            min(margins.values()) if margins else None,
            path.macroscopic_residual,
            RConvention.crm_1mm,
            Thresholds().crm_positive_mm,
        )
    return {"report_json": case.pathology.model_dump(mode="json"), "r_status": status}


def meeting_key(meeting: MeetingIn) -> tuple[dt.date, str]:
    """A meeting is identified by the day it was held and its title."""
    return meeting.held_on, meeting.title


def meeting_values(meeting: MeetingIn) -> dict[str, Any]:
    return {
        "held_on": meeting.held_on,
        "title": meeting.title,
        "attendees": list(meeting.attendees),
        "expected_specialties": [],
        "minutes_version": 0,
    }


ALTERNATIVE_STRENGTHS = ("alternative", "consider")
"""Options the engine lists as reasonable besides the preferred ones: choosing one is an
alternative, not a deviation (a not-recommended option, or none, is a deviation)."""


def alternative_ids(recommendations: Sequence[Any]) -> list[str]:
    """The listed alternatives among an assessment's recommendations (engine objects, or the
    dicts of a stored snapshot)."""
    ids = []
    for rec in recommendations:
        rec_id, strength = (
            (rec.get("id"), rec.get("strength"))
            if isinstance(rec, dict)
            else (rec.id, rec.strength)
        )
        if str(strength) in ALTERNATIVE_STRENGTHS:
            ids.append(rec_id)
    return ids


def decision_values(decision: DecisionIn, category: DecisionCategory) -> dict[str, Any]:
    """Without the episode, assessment and meeting ids."""
    return {
        "chosen_option_id": decision.chosen_option_id,
        "followed_preferred": category is DecisionCategory.concordant,
        "category": category,
        "deviation_code": decision.deviation_code,
        "deviation_note": decision.deviation_note,
        "decided_at": decision.decided_at,
        "decided_by": decision.decided_by,
        "urgency_reason": decision.urgency_reason,
    }


# --- back to a record (export) -----------------------------------------------------------


def to_record(episode: models.Episode) -> dict[str, Any]:
    """The episode in the import format; importing it gives the same episode back. Its
    treatments, complications and events are in the case (the tables only project it)."""
    patient = episode.patient
    return {
        "patient": {
            "pseudonym": patient.pseudonym,
            "sex": jsonable(patient.sex),
            "birth_year": patient.birth_year,
        },
        "case": episode.case_json,
        "status": jsonable(episode.status),
        "decisions": [_decision_record(d) for d in episode.decisions],
    }


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
