"""Case episodes: create, read, and update under optimistic locking.

Storing a case always validates it with the case model and stores what the engine said about
it as an immutable snapshot, so every later MDT decision can be judged against the assessment
the team actually saw, even after the rules change. Creating one episode is an import of one
record, so a single case and a file of cases pass exactly the same checks.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rectoplan.clinical.case import Case
from rectoplan.errors import FieldError, InvalidRecordError, NotFoundError
from rectoplan.pathways.recommendation import Assessment as EngineAssessment
from rectoplan.registry import locking, models
from rectoplan.registry.enums import EpisodeStatus
from rectoplan.registry.importing import import_records
from rectoplan.registry.records import (
    assessment_values,
    canonical_assessment,
    pathology_values,
    specimen_source,
    validate_case,
)
from rectoplan.registry.schemas import EpisodeRecord


def create_episode(session: Session, record: dict[str, Any] | EpisodeRecord) -> models.Episode:
    """Store one episode record (at least ``patient`` and ``case``; treatments, decisions and
    events too if given) with its assessment snapshot. `InvalidRecordError` names every bad
    field; nothing is written then."""
    data = record.model_dump(mode="json") if isinstance(record, EpisodeRecord) else record
    summary = import_records(session, [(None, data)])
    return get_episode(session, summary.episode_ids[0])


def get_episode(session: Session, episode_id: int) -> models.Episode:
    return locking.get(session, models.Episode, episode_id)


def find_episode(session: Session, case_id: str) -> models.Episode | None:
    return session.scalar(select(models.Episode).where(models.Episode.case_id == case_id))


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
    """Replace the episode's case (restaging, pathology ...), re-assess it and keep the new
    snapshot beside the old ones. The case id cannot change. A case saved unchanged stores
    no new snapshot (the latest one already describes it) but still consumes the version, so
    it is refused if someone else saved first (see `rectoplan.registry.locking`)."""
    validated = validate_case(case)
    stored = validated.model_dump(mode="json")
    assessment = canonical_assessment(validated)
    with locking.updating(session, models.Episode, episode_id, expected_version) as episode:
        if validated.case_id != episode.case_id:
            message = f"is {episode.case_id!r} for this episode; it cannot change"
            raise InvalidRecordError([FieldError("case.case_id", message)])
        if stored == episode.case_json:
            return episode
        episode.case_json = stored
        episode.diagnosis_date = validated.diagnosis_date
        episode.assessments.append(models.Assessment(**assessment_values(assessment)))
        _sync_pathology(episode, validated, assessment)
    return episode


def _sync_pathology(episode: models.Episode, case: Case, assessment: EngineAssessment) -> None:
    """Keep the case's pathology as the episode's report: add, update or remove it."""
    values = pathology_values(case, assessment)
    if values is None:
        episode.pathology_reports = []
        return
    treatments = list(episode.treatments)
    specimens = [{"operation_type": t.operation_type, "procedure": t.procedure} for t in treatments]
    source = specimen_source(case, specimens)
    values["treatment_id"] = None if source is None else treatments[source].id
    if not episode.pathology_reports:
        episode.pathology_reports.append(models.PathologyReport(**values))
        return
    report = episode.pathology_reports[-1]
    for name, value in values.items():
        if getattr(report, name) != value:
            setattr(report, name, value)


def set_status(
    session: Session, episode_id: int, status: EpisodeStatus, *, expected_version: int
) -> models.Episode:
    """Open or close an episode."""
    with locking.updating(session, models.Episode, episode_id, expected_version) as episode:
        episode.status = EpisodeStatus(status)
    return episode
