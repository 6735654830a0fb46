"""Stored assessments: the immutable snapshots of what the engine said about a case, and when.

An MDT decision is judged against the snapshot the team had in front of it, so every snapshot
stays readable after the case has moved on and the rules have changed.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from rectoplan.registry import locking, models
from rectoplan.registry.localized import localized_snapshot
from rectoplan.registry.users import Role
from rectoplan.web.case_views import CaseId
from rectoplan.web.deps import reader
from rectoplan.web.locale import html_lang
from rectoplan.web.routes.cases import episode_of
from rectoplan.web.schemas import AssessmentRecord, PathId

router = APIRouter(prefix="/api", tags=["assessments"])


def record_out(db: Session, snapshot: models.Assessment, case_id: str) -> AssessmentRecord:
    """The snapshot with its display texts in the request's language where it can be
    reproduced exactly (`rectoplan.registry.localized`), else as stored (English)."""
    assessment, locale = localized_snapshot(db, snapshot)
    return AssessmentRecord(
        id=snapshot.id,
        case_id=case_id,
        created_at=snapshot.created_at,
        engine_version=snapshot.engine_version,
        preferred_ids=snapshot.preferred_ids,
        assessment=assessment,
        language=html_lang(locale),
    )


@router.get("/cases/{case_id}/assessments", response_model=list[AssessmentRecord])
def case_assessments(
    case_id: CaseId,
    db: Session = reader(Role.viewer),
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[AssessmentRecord]:
    """The case's snapshots, newest first."""
    episode = episode_of(db, case_id)
    snapshots = db.scalars(
        select(models.Assessment)
        .where(models.Assessment.episode_id == episode.id)
        .order_by(models.Assessment.id.desc())
        .limit(limit)
    )
    return [record_out(db, s, episode.case_id) for s in snapshots]


@router.get("/assessments/{assessment_id}", response_model=AssessmentRecord)
def read_assessment(
    assessment_id: PathId, response: Response, db: Session = reader(Role.viewer)
) -> AssessmentRecord:
    """One snapshot; ``Content-Language`` says which language its display texts are in."""
    snapshot = locking.get(db, models.Assessment, assessment_id)
    episode = locking.get(db, models.Episode, snapshot.episode_id)
    record = record_out(db, snapshot, episode.case_id)
    response.headers["Content-Language"] = record.language
    return record
