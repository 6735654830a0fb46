"""MDT meetings and the decisions taken at them.

A decision records the option the MDT chose; when that is not a preferred option of the
assessment it was judged against, the reason is coded from the HL7 non-adherence CodeSystem
(``GET /api/deviation-reasons``), and an unknown code is a 422. Whether a decision followed
the preferred option is computed by the registry, never typed in. Scheduling meetings is the
coordinator's job; recording decisions, the clinicians'.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from rectoplan.errors import ConflictError
from rectoplan.registry import case_page, decisions, locking, models
from rectoplan.registry.codes import deviation_reasons
from rectoplan.registry.schemas import MeetingIn
from rectoplan.registry.users import Role
from rectoplan.web.deps import Principal, reader, require, writer
from rectoplan.web.routes.cases import STALE, CaseId, episode_of
from rectoplan.web.schemas import (
    DecisionCreate,
    DecisionOut,
    DecisionUpdate,
    DeviationReasonOut,
    MeetingOut,
    PathId,
)

router = APIRouter(prefix="/api", tags=["meetings and decisions"])


def meeting_out(meeting: models.MdtMeeting) -> MeetingOut:
    return MeetingOut.model_validate(meeting, from_attributes=True)


def decision_out(decision: models.MdtDecision, case_id: str) -> DecisionOut:
    return DecisionOut.model_validate(
        {
            **{k: getattr(decision, k) for k in DecisionOut.model_fields if k != "case_id"},
            "case_id": case_id,
        }
    )


def _case_ids(db: Session, episode_ids: set[int]) -> dict[int, str]:
    rows = db.execute(
        select(models.Episode.id, models.Episode.case_id).where(models.Episode.id.in_(episode_ids))
    )
    return {episode_id: case_id for episode_id, case_id in rows}


# --- meetings ------------------------------------------------------------------------------


@router.get("/meetings", response_model=list[MeetingOut])
def list_meetings(
    db: Session = reader(Role.viewer),
    held_from: dt.date | None = None,
    held_to: dt.date | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[MeetingOut]:
    """Meetings, most recent first, optionally between two dates (inclusive)."""
    m = models.MdtMeeting
    query = select(m).order_by(m.held_on.desc(), m.id.desc()).limit(limit).offset(offset)
    if held_from is not None:
        query = query.where(m.held_on >= held_from)
    if held_to is not None:
        query = query.where(m.held_on <= held_to)
    return [meeting_out(row) for row in db.scalars(query)]


@router.post(
    "/meetings",
    response_model=MeetingOut,
    status_code=status.HTTP_201_CREATED,
    responses={409: {"description": "A meeting with that day and title exists"}},
)
def create_meeting(body: MeetingIn, db: Session = writer(Role.coordinator)) -> MeetingOut:
    """Schedule a meeting; a meeting is identified by its day and title."""
    m = models.MdtMeeting
    existing = db.scalar(select(m).where(m.held_on == body.held_on, m.title == body.title))
    if existing is not None:
        raise ConflictError(f"meeting {existing.id} is already {body.title!r} on {body.held_on}")
    meeting = decisions.get_or_create_meeting(db, body)
    db.flush()  # assigns the id and version
    return meeting_out(meeting)


@router.get("/meetings/{meeting_id}", response_model=MeetingOut)
def read_meeting(meeting_id: PathId, db: Session = reader(Role.viewer)) -> MeetingOut:
    return meeting_out(locking.get(db, models.MdtMeeting, meeting_id))


@router.get("/meetings/{meeting_id}/decisions", response_model=list[DecisionOut])
def meeting_decisions(meeting_id: PathId, db: Session = reader(Role.viewer)) -> list[DecisionOut]:
    locking.get(db, models.MdtMeeting, meeting_id)
    rows = list(
        db.scalars(
            select(models.MdtDecision)
            .where(models.MdtDecision.meeting_id == meeting_id)
            .order_by(models.MdtDecision.id)
        )
    )
    case_ids = _case_ids(db, {row.episode_id for row in rows})
    return [decision_out(row, case_ids[row.episode_id]) for row in rows]


# --- decisions -----------------------------------------------------------------------------


@router.get("/cases/{case_id}/decisions", response_model=list[DecisionOut])
def case_decisions(case_id: CaseId, db: Session = reader(Role.viewer)) -> list[DecisionOut]:
    episode = episode_of(db, case_id)
    return [decision_out(row, episode.case_id) for row in episode.decisions]


@router.post(
    "/cases/{case_id}/decisions", response_model=DecisionOut, status_code=status.HTTP_201_CREATED
)
def record_decision(
    case_id: CaseId,
    body: DecisionCreate,
    db: Session = writer(Role.clinician),
    user: Principal = Depends(require(Role.clinician)),
) -> DecisionOut:
    """Record the MDT's decision against the case's latest snapshot (or ``assessment_id``)."""
    row = case_page.record_case_decision(
        db,
        case_id,
        chosen_option_id=body.chosen_option_id,
        deviation_code=body.deviation_code,
        deviation_note=body.deviation_note,
        meeting_id=body.meeting_id,
        assessment_id=body.assessment_id,
        decided_by=body.decided_by or user.name,
        decided_at=body.decided_at,
    )
    return decision_out(row, case_id)


@router.patch("/decisions/{decision_id}", response_model=DecisionOut, responses=STALE)
def update_decision(
    decision_id: PathId, body: DecisionUpdate, db: Session = writer(Role.clinician)
) -> DecisionOut:
    """Correct a decision of the version you read; only the fields you send change."""
    changes = body.model_dump(exclude_unset=True, exclude={"expected_version"})
    row = decisions.update_decision(
        db, decision_id, expected_version=body.expected_version, **changes
    )
    episode = locking.get(db, models.Episode, row.episode_id)
    return decision_out(row, episode.case_id)


@router.get("/deviation-reasons", response_model=list[DeviationReasonOut])
def list_deviation_reasons(_user: Principal = Depends(require(Role.viewer))):
    """The codes a deviation may carry (HL7 CDS Hooks non-adherence CodeSystem)."""
    return [
        DeviationReasonOut(code=r.code, display=r.display, category=r.category)
        for r in deviation_reasons().values()
    ]
