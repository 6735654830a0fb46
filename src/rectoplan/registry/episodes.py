"""Case episodes: create, read, and update under optimistic locking.

Storing a case always validates it with the case model and stores what the engine said about
it as an immutable snapshot, so every later MDT decision can be judged against the assessment
the team actually saw, even after the rules change. Creating one episode is an import of one
record, so a single case and a file of cases pass exactly the same checks.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from rectoplan.clinical.case import Case
from rectoplan.errors import NotFoundError
from rectoplan.registry import locking, models
from rectoplan.registry.enums import EpisodeStatus
from rectoplan.registry.importing import import_records
from rectoplan.registry.saving import save_case
from rectoplan.registry.schemas import EpisodeRecord


def create_episode(session: Session, record: dict[str, Any] | EpisodeRecord) -> models.Episode:
    """Store one episode record (at least ``patient`` and ``case``; treatments, decisions and
    events too if given) with its assessment snapshot. `InvalidRecordError` names every bad
    field; nothing is written then."""
    data = record.model_dump(mode="json") if isinstance(record, EpisodeRecord) else record
    summary = import_records(session, [(None, data)])
    return get_episode(session, summary.episode_ids[0])


class PatientIdentity(Protocol):
    """Who a new case belongs to, as an interface names them (the API's and the referral
    form's ``PatientRef``, the FHIR import's pseudonym)."""

    pseudonym: str
    birth_year: int | None


def store_case(
    session: Session, case: Case, patient: PatientIdentity | None = None
) -> models.Episode:
    """Store a validated case as a new episode of ``patient`` (default: the case id as the
    pseudonym), assessed, with its snapshot: the one way a new case enters the registry from
    the referral form, ``POST /api/cases`` and the FHIR import."""
    record = {
        "patient": {
            "pseudonym": patient.pseudonym if patient else case.case_id,
            "sex": case.patient.sex.value,
            "birth_year": patient.birth_year if patient else None,
        },
        "case": case.model_dump(mode="json"),
    }
    return create_episode(session, record)


STORED_CASE_FIELDS = ("case_id", "version", "status", "pseudonym", "case", "latest_assessment_id")


def stored_case(session: Session, case_id: str) -> dict[str, Any]:
    """The stored case with its patient's pseudonym and latest snapshot id, in one query (the
    most-read thing in the registry: every case page and ``GET /api/cases/{id}``), keyed by
    `STORED_CASE_FIELDS`; `NotFoundError` if there is no such case."""
    e, a = models.Episode, models.Assessment
    latest = select(func.max(a.id)).where(a.episode_id == e.id).scalar_subquery()
    row = session.execute(
        select(e.case_id, e.version, e.status, models.Patient.pseudonym, e.case_json, latest)
        .join(models.Patient, models.Patient.id == e.patient_id)
        .where(e.case_id == case_id)
    ).first()
    if row is None:
        raise NotFoundError("episode", case_id)
    return dict(zip(STORED_CASE_FIELDS, row, strict=True))


def get_episode(session: Session, episode_id: int) -> models.Episode:
    return locking.get(session, models.Episode, episode_id)


def find_episode(session: Session, case_id: str) -> models.Episode | None:
    return session.scalar(select(models.Episode).where(models.Episode.case_id == case_id))


def search_episodes(session: Session, text: str, limit: int = 10) -> list[models.Episode]:
    """Active episodes whose case id or patient pseudonym contains ``text`` (any case), those
    whose case id starts with it first: what a coordinator types to find a case."""
    needle = text.strip().lower()
    if not needle:
        return []
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    case_id = func.lower(models.Episode.case_id)
    query = (
        select(models.Episode)
        .join(models.Patient)
        .where(
            models.Episode.status == EpisodeStatus.active,
            or_(
                case_id.like(pattern, escape="\\"),
                func.lower(models.Patient.pseudonym).like(pattern, escape="\\"),
            ),
        )
        .order_by(case_id.like(f"{escaped}%", escape="\\").desc(), models.Episode.case_id)
        .limit(limit)
    )
    return list(session.scalars(query))


def episode_by_case_id(session: Session, case_id: str) -> models.Episode:
    episode = find_episode(session, case_id)
    if episode is None:
        raise NotFoundError("episode", case_id)
    return episode


def latest_assessment(session: Session, episode_id: int) -> models.Assessment:
    """The newest assessment snapshot of the episode."""
    snapshot = session.scalar(
        select(models.Assessment)
        .where(models.Assessment.episode_id == episode_id)
        .order_by(models.Assessment.id.desc())
        .limit(1)
    )
    if snapshot is None:
        raise NotFoundError("assessment of episode", episode_id)
    return snapshot


def update_case(
    session: Session, episode_id: int, case: dict[str, Any] | Case, *, expected_version: int
) -> models.Episode:
    """Replace the episode's case (restaging, pathology ...), re-assess it, keep the new
    snapshot beside the old ones and rebuild the tables that project the case, all in the
    caller's transaction. The case id cannot change. Every interface that changes a case
    (web forms, the REST API, CDS feedback) comes through here."""
    return save_case(session, episode_id, case, expected_version=expected_version)


def set_status(
    session: Session, episode_id: int, status: EpisodeStatus, *, expected_version: int
) -> models.Episode:
    """Open or close an episode."""
    with locking.updating(session, models.Episode, episode_id, expected_version) as episode:
        episode.status = EpisodeStatus(status)
    return episode
