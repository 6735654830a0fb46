"""Cases: create one from a Case JSON, read it, replace it under optimistic locking, list them.

A stored case is a registry episode; every write re-assesses it and keeps the snapshot, so the
list can filter on what the engine said (pathway, phase, risk group, stage) without running
the engine again. The URL names a case by its ``case_id``, the id clinicians already use.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from rectoplan.clinical.case import Case
from rectoplan.errors import NotFoundError
from rectoplan.registry import agenda, episodes, models
from rectoplan.registry.enums import EpisodeStatus
from rectoplan.registry.users import Role
from rectoplan.web.deps import reader, writer
from rectoplan.web.schemas import (
    MAX_ID,
    CaseCreate,
    CaseOut,
    CasePage,
    CaseSummary,
    CaseUpdate,
    Conflict,
    Pathway,
    PatientRef,
    StatusUpdate,
)

router = APIRouter(prefix="/api/cases", tags=["cases"])

CaseId = Annotated[
    str, Path(max_length=64, description="The case's case_id", examples=["seed001-diagnosis"])
]
MAX_PATHWAYS = 3
"""A case opens at most primary, recurrence and stenosis, so these are the indices to search."""

STALE = {409: {"model": Conflict, "description": "The case changed since you read it"}}


def episode_of(db: Session, case_id: str) -> models.Episode:
    """The episode stored under ``case_id`` (404 otherwise); shared by the nested routes."""
    return episodes.episode_by_case_id(db, case_id)


def case_out(db: Session, case_id: str) -> CaseOut:
    """The stored case with its patient's pseudonym and latest snapshot id, in one query
    (this is the most-read route; 404 if there is no such case)."""
    e, a = models.Episode, models.Assessment
    latest = select(func.max(a.id)).where(a.episode_id == e.id).scalar_subquery()
    row = db.execute(
        select(e.case_id, e.version, e.status, models.Patient.pseudonym, e.case_json, latest)
        .join(models.Patient, models.Patient.id == e.patient_id)
        .where(e.case_id == case_id)
    ).first()
    if row is None:
        raise NotFoundError("episode", case_id)
    fields = ("case_id", "version", "status", "pseudonym", "case", "latest_assessment_id")
    return CaseOut(**dict(zip(fields, row, strict=True)))


def store_case(db: Session, case: Case, patient: PatientRef | None) -> models.Episode:
    """Store a validated case as a new episode of ``patient`` (default: the case id as the
    pseudonym), assessed, with its snapshot; shared with the FHIR import."""
    record = {
        "patient": {
            "pseudonym": patient.pseudonym if patient else case.case_id,
            "sex": case.patient.sex.value,
            "birth_year": patient.birth_year if patient else None,
        },
        "case": case.model_dump(mode="json"),
    }
    return episodes.create_episode(db, record)


@router.post("", response_model=CaseOut, status_code=status.HTTP_201_CREATED)
def create_case(body: CaseCreate, db: Session = writer(Role.clinician)) -> CaseOut:
    """Store a new case (validated, assessed, the snapshot kept); its ``case_id`` must be new."""
    return case_out(db, store_case(db, body.case, body.patient).case_id)


@router.get("/{case_id}", response_model=CaseOut)
def read_case(case_id: CaseId, db: Session = reader(Role.viewer)) -> CaseOut:
    return case_out(db, case_id)


@router.put("/{case_id}", response_model=CaseOut, responses=STALE)
def update_case(case_id: CaseId, body: CaseUpdate, db: Session = writer(Role.clinician)) -> CaseOut:
    """Replace the case (restaging, pathology ...) if it is still at ``expected_version``;
    otherwise 409 with the version now stored, and nothing is changed."""
    episode = episode_of(db, case_id)
    updated = episodes.update_case(
        db, episode.id, body.case, expected_version=body.expected_version
    )
    return case_out(db, updated.case_id)


@router.put("/{case_id}/status", response_model=CaseOut, responses=STALE)
def set_status(
    case_id: CaseId, body: StatusUpdate, db: Session = writer(Role.clinician)
) -> CaseOut:
    """Close an episode (or reopen it)."""
    episode = episode_of(db, case_id)
    updated = episodes.set_status(
        db, episode.id, body.status, expected_version=body.expected_version
    )
    return case_out(db, updated.case_id)


def _latest_assessments():
    return (
        select(func.max(models.Assessment.id).label("id"))
        .group_by(models.Assessment.episode_id)
        .subquery()
    )


def _filtered(
    query: Select,
    pathway: Pathway | None,
    phase: str | None,
    risk_group: str | None,
    stage: str | None,
    q: str | None,
    status_: EpisodeStatus | None,
    meeting: int | None = None,
) -> Select:
    data = models.Assessment.assessment_json
    if pathway is not None:
        query = query.where(
            or_(*(data[("pathways", i)].as_string() == pathway.value for i in range(MAX_PATHWAYS)))
        )
    if phase is not None:
        query = query.where(data["phase"].as_string() == phase)
    if risk_group is not None:
        query = query.where(data["risk_group"].as_string() == risk_group)
    if stage is not None:  # "III" finds III, IIIA, IIIB and IIIC
        stages = [stage, *(stage + sub for sub in "ABC")]
        query = query.where(data[("stage", "group")].as_string().in_(stages))
    if q:
        query = query.where(func.lower(models.Episode.case_id).contains(q.lower(), autoescape=True))
    if status_ is not None:
        query = query.where(models.Episode.status == status_)
    if meeting is not None:
        query = query.where(models.Episode.id.in_(agenda.meeting_episode_ids(meeting)))
    return query


@router.get("", response_model=CasePage)
def list_cases(
    db: Session = reader(Role.viewer),
    pathway: Pathway | None = None,
    phase: Annotated[str | None, Query(max_length=32, examples=["restaging"])] = None,
    risk_group: Annotated[str | None, Query(max_length=32, examples=["intermediate"])] = None,
    stage: Annotated[str | None, Query(max_length=8, examples=["IIIB"])] = None,
    q: Annotated[str | None, Query(max_length=64, description="Part of the case id")] = None,
    status_: Annotated[EpisodeStatus | None, Query(alias="status")] = None,
    meeting: Annotated[
        int | None,
        Query(ge=1, le=MAX_ID, description="Only cases on this meeting's agenda or decided at it"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> CasePage:
    """Cases with the headline of their latest assessment, filtered, oldest first."""
    e, a = models.Episode, models.Assessment
    latest = _latest_assessments()
    base = select(e.id).join(a, a.episode_id == e.id).join(latest, latest.c.id == a.id)
    filters = (pathway, phase, risk_group, stage, q, status_, meeting)
    total = db.scalar(select(func.count()).select_from(_filtered(base, *filters).subquery()))
    data = a.assessment_json
    query = (
        select(
            e.case_id,
            e.version,
            e.status,
            e.diagnosis_date,
            data["phase"].as_string(),
            data["pathways"],
            data["risk_group"].as_string(),
            data[("stage", "group")].as_string(),
            a.preferred_ids,
            a.engine_version,
        )
        .join(a, a.episode_id == e.id)
        .join(latest, latest.c.id == a.id)
        .order_by(e.id)
        .limit(limit)
        .offset(offset)
    )
    items = [
        CaseSummary(
            case_id=row[0],
            version=row[1],
            status=row[2],
            diagnosis_date=row[3],
            phase=row[4],
            pathways=list(row[5] or []),
            risk_group=row[6],
            stage=row[7],
            preferred_ids=list(row[8] or []),
            engine_version=row[9],
        )
        for row in db.execute(_filtered(query, *filters))
    ]
    return CasePage(items=items, total=total or 0, limit=limit, offset=offset)
