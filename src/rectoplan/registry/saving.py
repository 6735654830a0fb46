"""Saving a changed case: the one write of an episode's record.

Whatever changed the case (a web form, the REST API, a file of follow-up events, CDS
feedback), the save is the same, in the caller's transaction: validate the case, assess it (in
English, `records.canonical_assessment`, whatever the request's language), store it under the
episode's version lock with the new assessment snapshot, and rebuild the tables that project
it (`projections.sync`), each change audited. `episodes.update_case` is
its public name for interfaces; the bulk import, which cannot import `episodes`, calls it here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from rectoplan.clinical.case import Case
from rectoplan.errors import FieldError, InvalidRecordError
from rectoplan.registry import locking, models, projections
from rectoplan.registry.case_facts import Folding, validate_case
from rectoplan.registry.records import assessment_values, canonical_assessment
from rectoplan.registry.schemas import EventIn


def save_case(
    session: Session, episode_id: int, case: dict[str, Any] | Case, *, expected_version: int
) -> models.Episode:
    """Replace the episode's case if it is still at ``expected_version`` (see module doc).

    A case saved unchanged stores no new snapshot and rebuilds nothing (the latest snapshot and
    the projections already describe it) but still consumes the version, so it is refused if
    someone else saved first (see `rectoplan.registry.locking`)."""
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
    projections.sync(session, episode, validated, assessment)
    return episode


def fold_events(session: Session, episode_id: int, events: list[EventIn]) -> int:
    """Fold follow-up events into a stored episode's case and save it; returns how many
    events the tables gained (a duplicate of a recorded event adds none)."""
    episode = locking.get(session, models.Episode, episode_id)
    before = len(episode.events)
    folding = Folding.of(validate_case(episode.case_json))
    for i, event in enumerate(events):
        folding.add_event(event, f"events[{i}]")
    save_case(session, episode_id, folding.case(), expected_version=episode.version)
    session.refresh(episode)
    return len(episode.events) - before
