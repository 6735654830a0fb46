"""Cases: create one from a Case JSON, read it, replace it under optimistic locking, list them.

A stored case is a registry episode; every write re-assesses it and keeps the snapshot, so the
list can filter on what the engine said (pathway, phase, risk group, stage) without running
the engine again. The URL names a case by its ``case_id``, the id clinicians already use.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from sqlalchemy.orm import Session

from rectoplan.registry import case_list, episodes, models
from rectoplan.registry.enums import EpisodeStatus
from rectoplan.registry.users import Role
from rectoplan.web.case_views import CaseId, case_out
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
    StatusUpdate,
)

router = APIRouter(prefix="/api/cases", tags=["cases"])

STALE = {409: {"model": Conflict, "description": "The case changed since you read it"}}


def episode_of(db: Session, case_id: str) -> models.Episode:
    """The episode stored under ``case_id`` (404 otherwise); shared by the nested routes."""
    return episodes.episode_by_case_id(db, case_id)


@router.post("", response_model=CaseOut, status_code=status.HTTP_201_CREATED)
def create_case(body: CaseCreate, db: Session = writer(Role.clinician)) -> CaseOut:
    """Store a new case (validated, assessed, the snapshot kept); its ``case_id`` must be new."""
    return case_out(db, episodes.store_case(db, body.case, body.patient).case_id)


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
    found = case_list.list_cases(
        db,
        pathway=None if pathway is None else pathway.value,
        phase=phase,
        risk_group=risk_group,
        stage=stage,
        q=q,
        status=status_,
        meeting=meeting,
        limit=limit,
        offset=offset,
    )
    return CasePage(
        items=[CaseSummary(**vars(row)) for row in found.items],
        total=found.total,
        limit=found.limit,
        offset=found.offset,
    )
