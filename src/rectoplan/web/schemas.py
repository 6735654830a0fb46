"""What the API accepts and returns, kept apart from the registry's tables.

Request bodies reuse the registry's input schemas where the API takes exactly what the
registry validates (a treatment, a follow-up event, a meeting) and the clinical `Case` model
for cases, so a case posted to the API passes the same checks as one imported from a file.
Responses are plain projections of the stored rows: a client never sees a table, and a table
can change without changing the API.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

from fastapi import Path
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from rectoplan.clinical.case import Case, NdfebGrade, RingSpec
from rectoplan.clinical.case.stenosis import RING_MIN_DIMENSION_MM
from rectoplan.mct.design import Objective
from rectoplan.pathways.recommendation import Assessment
from rectoplan.registry.enums import DecisionCategory, EpisodeStatus
from rectoplan.registry.schemas import PSEUDONYM_PATTERN, EventIn, TreatmentIn
from rectoplan.registry.users import (
    MAX_FULL_NAME_LENGTH,
    MAX_PASSWORD_LENGTH,
    USER_NAME_PATTERN,
    Role,
    Specialty,
)

MAX_ID = 2**31 - 1
"""Ids and versions are 32-bit integer columns; a larger number can name no row."""

Version = Annotated[
    int, Field(ge=1, le=MAX_ID, description="The version you read (optimistic locking)")
]
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID, examples=[1])]


class _In(BaseModel):
    """Unknown fields are errors: a misspelt field must not vanish."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Pathway(StrEnum):
    primary = "primary"
    recurrence = "recurrence"
    stenosis = "stenosis"


# --- auth and users ------------------------------------------------------------------------


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: dt.datetime
    role: Role


class Me(BaseModel):
    name: str
    role: Role


class UserOut(BaseModel):
    name: str
    full_name: str | None
    specialty: Specialty | None
    role: Role
    active: bool
    version: int
    created_at: dt.datetime
    password_changed_at: dt.datetime


class UserCreate(_In):
    name: str = Field(pattern=USER_NAME_PATTERN)
    full_name: str | None = Field(None, max_length=MAX_FULL_NAME_LENGTH)
    specialty: Specialty | None = None
    role: Role
    password: str = Field(min_length=8, max_length=MAX_PASSWORD_LENGTH)


class UserUpdate(_In):
    expected_version: Version
    role: Role | None = None
    active: bool | None = None
    full_name: str | None = Field(None, max_length=MAX_FULL_NAME_LENGTH)
    specialty: Specialty | None = None
    password: str | None = Field(None, min_length=8, max_length=MAX_PASSWORD_LENGTH)


# --- cases ---------------------------------------------------------------------------------


class PatientRef(_In):
    """The pseudonymous patient a case belongs to (never a name or hospital number); sex
    comes from the case. Without it the case id is the pseudonym (one case, one patient)."""

    pseudonym: str = Field(min_length=1, max_length=64, pattern=PSEUDONYM_PATTERN)
    birth_year: int | None = Field(None, ge=1880, le=2200)


class CaseCreate(_In):
    case: Case
    patient: PatientRef | None = None


class CaseUpdate(_In):
    case: Case
    expected_version: Version


class StatusUpdate(_In):
    status: EpisodeStatus
    expected_version: Version


class AssessmentSummary(BaseModel):
    """The headline of an assessment snapshot, for lists."""

    phase: str | None
    pathways: list[str]
    risk_group: str | None
    stage: str | None
    preferred_ids: list[str]
    engine_version: str


class CaseSummary(AssessmentSummary):
    case_id: str
    version: int
    status: EpisodeStatus
    diagnosis_date: dt.date | None


class CasePage(BaseModel):
    items: list[CaseSummary]
    total: int
    limit: int
    offset: int


class CaseOut(BaseModel):
    case_id: str
    version: int
    status: EpisodeStatus
    pseudonym: str
    case: Case
    latest_assessment_id: int | None


class AssessmentRecord(BaseModel):
    """A stored snapshot: what the engine said about the case at ``created_at``."""

    id: int
    case_id: str
    created_at: dt.datetime
    engine_version: str
    preferred_ids: list[str]
    assessment: Assessment
    language: str = "en"
    """The language of the assessment's display texts (BCP 47): the request's (Accept-Language)
    when the snapshot could be reproduced in it, else ``en``, the stored snapshot's (ids, codes
    and citations are the same in every language)."""


# --- meetings and decisions ----------------------------------------------------------------


class MeetingOut(BaseModel):
    id: int
    held_on: dt.date
    title: str
    attendees: list[str]
    starts_at: dt.time | None = None
    place: str | None = None
    video_link: str | None = None
    chair: str | None = Field(None, description="The chair's user name")
    expected_specialties: list[str] = []
    members: list[str] = Field([], description="The attending users' names")
    quorum_missing: list[str] = Field([], description="Expected specialties not present")
    started: bool = False
    signed_off_at: dt.datetime | None = None
    signed_off_by: str | None = None
    minutes_version: int = 0
    version: int


def _local_time(value: dt.time | None) -> dt.time | None:
    """A meeting's start is a wall-clock time where the team meets, without a zone."""
    if value is not None and value.tzinfo is not None:
        raise ValueError("give the local start time without a time zone, e.g. 14:30")
    return value


LocalTime = Annotated[dt.time | None, AfterValidator(_local_time)]


class MeetingCreate(_In):
    """A meeting: its day and title (which together name it), time, place or video link,
    chair (a user name) and the specialties its quorum needs (default: the setting)."""

    held_on: dt.date
    title: str = Field(min_length=1, max_length=200)
    starts_at: LocalTime = None
    place: str | None = Field(None, max_length=200)
    video_link: str | None = Field(None, max_length=500)
    chair: str | None = Field(None, max_length=100)
    expected_specialties: list[Specialty] | None = None


class MeetingPlanIn(_In):
    expected_version: Version
    starts_at: LocalTime = None
    place: str | None = Field(None, max_length=200)
    video_link: str | None = Field(None, max_length=500)
    chair: str | None = Field(None, max_length=100)
    expected_specialties: list[Specialty] | None = None


class MembersIn(_In):
    members: list[Annotated[str, Field(max_length=100)]] = Field(max_length=200)


class AgendaCaseIn(_In):
    case_id: str = Field(min_length=1, max_length=64)
    clinical_question: str | None = Field(None, max_length=4000)
    referrer: str | None = Field(None, max_length=200)


class AgendaRequestIn(_In):
    """A new question and referrer for a case already on the agenda, of the version read."""

    clinical_question: str | None = Field(None, max_length=4000)
    referrer: str | None = Field(None, max_length=200)
    expected_version: Version


class AgendaItemOut(BaseModel):
    position: int
    case_id: str
    clinical_question: str | None
    referrer: str | None
    rationale: str | None
    dissent: str | None
    version: int


class CaseMinutesIn(_In):
    rationale: str | None = Field(None, max_length=4000)
    dissent: str | None = Field(None, max_length=4000)
    amendment_reason: str | None = Field(None, max_length=2000)


class ActionIn(_In):
    case_id: str = Field(min_length=1, max_length=64)
    description: str = Field(min_length=1, max_length=500)
    owner: str = Field(min_length=1, max_length=100, description="The owner's user name")
    due_on: dt.date | None = None
    amendment_reason: str | None = Field(None, max_length=2000)


class ActionOut(BaseModel):
    id: int
    case_id: str
    description: str
    owner: str
    owner_display: str
    due_on: dt.date | None


class ReadinessItemOut(BaseModel):
    field: str
    what: str
    status: str = Field(description="missing or stale")
    detail: str
    provided_by: Specialty
    provided_by_label: str
    rule: str = Field(description="The readiness rule's name, or engine for its warnings")


class ReadinessOut(BaseModel):
    case_id: str
    phase: str
    meeting_date: dt.date
    ready: bool
    items: list[ReadinessItemOut]


class DecisionCreate(_In):
    """What the MDT chose for a case: an option of the assessment, or a deviation from the
    preferred option coded from the HL7 non-adherence CodeSystem (``GET
    /api/deviation-reasons``)."""

    chosen_option_id: str | None = Field(None, max_length=100)
    deviation_code: str | None = Field(None, max_length=64)
    deviation_note: str | None = Field(None, max_length=2000)
    decided_at: dt.datetime | None = Field(None, description="Default: now")
    decided_by: str | None = Field(None, max_length=100, description="Default: you")
    meeting_id: RowId | None = None
    add_to_agenda: bool = Field(
        False, description="Put the case on the meeting's agenda if it is not there (on the spot)"
    )
    urgency_reason: str | None = Field(
        None, max_length=2000, description="Required for a decision outside a meeting"
    )
    amendment_reason: str | None = Field(
        None, max_length=2000, description="Required once the meeting's minutes are signed off"
    )
    assessment_id: RowId | None = Field(
        None, description="The snapshot decided on (default: the case's latest)"
    )


class DecisionUpdate(_In):
    expected_version: Version
    chosen_option_id: str | None = Field(None, max_length=100)
    deviation_code: str | None = Field(None, max_length=64)
    deviation_note: str | None = Field(None, max_length=2000)
    decided_by: str | None = Field(None, max_length=100)
    amendment_reason: str | None = Field(
        None, max_length=2000, description="Required once the meeting's minutes are signed off"
    )


class DecisionOut(BaseModel):
    id: int
    case_id: str
    meeting_id: int | None
    assessment_id: int
    chosen_option_id: str | None
    followed_preferred: bool
    category: DecisionCategory = Field(
        description="Derived from the assessment snapshot: the preferred option (concordant), "
        "another listed option (alternative), anything else (deviation)"
    )
    deviation_code: str | None
    deviation_note: str | None
    decided_at: dt.datetime
    decided_by: str | None
    urgency_reason: str | None = None
    version: int


class DeviationReasonOut(BaseModel):
    code: str
    display: str
    category: str


# --- treatments and outcomes ---------------------------------------------------------------


class TreatmentOut(TreatmentIn):
    id: int
    case_id: str
    version: int


class TreatmentUpdate(_In):
    treatment: TreatmentIn
    expected_version: Version


class ComplicationCreate(_In):
    clavien_dindo: str = Field(max_length=8, description="Clavien–Dindo grade, e.g. IIIa")
    description: str = Field(min_length=1, max_length=200)
    occurred_on: dt.date | None = None
    treatment_id: RowId | None = None


class ComplicationOut(BaseModel):
    id: int
    case_id: str
    clavien_dindo: str
    description: str
    occurred_on: dt.date | None
    treatment_id: int | None
    version: int


class EventOut(EventIn):
    id: int
    case_id: str
    version: int


# --- misc ----------------------------------------------------------------------------------


class Health(BaseModel):
    status: str
    database: str


class Conflict(BaseModel):
    detail: str
    expected_version: int | None = None
    current_version: int | None = None


class Problem(BaseModel):
    detail: str


# --- magnetic compression (millimetres in, like `rectoplan mct`) ----------------------------


class RingPair(_In):
    lower: RingSpec
    upper: RingSpec | None = Field(None, description="Default: the same ring as ``lower``")
    ideal: bool = Field(False, description="Rigid model: no 37 degC, no demagnetization")


class ForceIn(RingPair):
    gaps_mm: list[Annotated[float, Field(ge=0, le=1000)]] = Field(
        default=[0, 0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 25, 30], min_length=1, max_length=200
    )


class CouplingSettingsIn(_In):
    """Thresholds of the coupling verdict; all are assumptions (see CouplingSettings)."""

    rail_force_n: float | None = Field(None, gt=0, le=1000)
    direct_force_n: float | None = Field(None, gt=0, le=1000)
    direct_offset_mm: float | None = Field(None, ge=0, le=100)
    direct_tilt_deg: float | None = Field(None, ge=0, lt=90)


class PressureWindowIn(_In):
    low_kpa: float | None = Field(None, ge=0, le=100_000)
    high_kpa: float | None = Field(None, ge=0, le=100_000)


class PlanIn(RingPair):
    stenosis_length_mm: float = Field(ge=0, le=100, description="The planned gap")
    settings: CouplingSettingsIn = CouplingSettingsIn()
    pressure_window: PressureWindowIn | None = None


class DesignIn(_In):
    max_od_mm: float = Field(
        ge=RING_MIN_DIMENSION_MM, le=100, description="Largest OD the route passes"
    )
    min_id_mm: float = Field(0.0, ge=0, le=100, description="Smallest bore (wire, lumen)")
    max_height_mm: float = Field(ge=RING_MIN_DIMENSION_MM, le=50, description="Longest rigid ring")
    stenosis_length_mm: float | None = Field(None, ge=0, le=100)
    objective: Objective = Objective.RANGE
    target_pressure_kpa: float | None = Field(None, gt=0, le=100_000)
    grades: list[NdfebGrade] | None = Field(None, min_length=1, max_length=len(NdfebGrade))
    step_mm: float = Field(0.5, ge=0.1, le=5, description="Grid step for OD, ID and height")
    ideal: bool = False


# --- FHIR ----------------------------------------------------------------------------------


class FhirImportOut(BaseModel):
    case: Case
    sources: dict[str, str] = Field(description="Case field -> the FHIR element it came from")
    notes: list[str] = Field(description="What the bundle holds that was not imported, and why")
    mcode_violations: list[str] = Field(description="mCODE rules the bundle breaks")
    stored: CaseOut | None = Field(None, description="The stored case (None with store=false)")
