"""The list of cases: filtered on what the engine said, without running the engine again.

Every write re-assesses a case and keeps the snapshot, so the list can filter on its latest
snapshot (pathway, phase, risk group, stage) with one query. The case list page and
``GET /api/cases`` both call `list_cases`, so they cannot disagree about which cases match.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from rectoplan.registry import agenda, models
from rectoplan.registry.enums import EpisodeStatus

MAX_PATHWAYS = 3
"""A case opens at most primary, recurrence and stenosis, so these are the indices to search."""


@dataclass(frozen=True)
class CaseRow:
    """One case with the headline of its latest assessment (the API's ``CaseSummary``)."""

    case_id: str
    version: int
    status: EpisodeStatus
    diagnosis_date: dt.date | None
    phase: str | None
    pathways: list[str]
    risk_group: str | None
    stage: str | None
    preferred_ids: list[str]
    engine_version: str | None


@dataclass(frozen=True)
class CaseListing:
    """One page of the list and how many cases match in all."""

    items: list[CaseRow] = field(default_factory=list)
    total: int = 0
    limit: int = 50
    offset: int = 0


def _latest_assessments():
    return (
        select(func.max(models.Assessment.id).label("id"))
        .group_by(models.Assessment.episode_id)
        .subquery()
    )


def _filtered(
    query: Select,
    pathway: str | None,
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
            or_(*(data[("pathways", i)].as_string() == pathway for i in range(MAX_PATHWAYS)))
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


def list_cases(
    session: Session,
    *,
    pathway: str | None = None,
    phase: str | None = None,
    risk_group: str | None = None,
    stage: str | None = None,
    q: str | None = None,
    status: EpisodeStatus | None = None,
    meeting: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> CaseListing:
    """Cases with the headline of their latest assessment, filtered, oldest first: ``pathway``
    (a value of the snapshot's ``pathways``), ``stage`` ("III" finds IIIA-C too), ``q`` (part
    of the case id), ``meeting`` (on its agenda or decided at it)."""
    e, a = models.Episode, models.Assessment
    latest = _latest_assessments()
    base = select(e.id).join(a, a.episode_id == e.id).join(latest, latest.c.id == a.id)
    filters = (pathway, phase, risk_group, stage, q, status, meeting)
    total = session.scalar(select(func.count()).select_from(_filtered(base, *filters).subquery()))
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
        CaseRow(
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
        for row in session.execute(_filtered(query, *filters))
    ]
    return CaseListing(items=items, total=total or 0, limit=limit, offset=offset)
