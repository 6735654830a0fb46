"""What happened after the decision: treatments, complications and follow-up events.

Each row is validated by the same schema the import uses; corrections go through optimistic
locking like every other update, and a deletion leaves its row in the audit log.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from rectoplan.errors import FieldError, InvalidRecordError, field_errors
from rectoplan.registry import locking, models
from rectoplan.registry.episodes import get_episode
from rectoplan.registry.records import (
    complication_values,
    event_errors,
    event_values,
    treatment_values,
)
from rectoplan.registry.schemas import ComplicationIn, EventIn, TreatmentIn

S = TypeVar("S", bound=BaseModel)


def _validate(schema: type[S], data: dict[str, Any] | S) -> S:
    if isinstance(data, schema):
        return data
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        raise InvalidRecordError(field_errors(exc)) from None


def add_treatment(
    session: Session, episode_id: int, treatment: dict[str, Any] | TreatmentIn
) -> models.Treatment:
    values = treatment_values(_validate(TreatmentIn, treatment))
    get_episode(session, episode_id)
    row = models.Treatment(**values, episode_id=episode_id)
    session.add(row)
    session.flush()
    return row


def update_treatment(
    session: Session,
    treatment_id: int,
    treatment: dict[str, Any] | TreatmentIn,
    *,
    expected_version: int,
) -> models.Treatment:
    """Replace a treatment's fields with ``treatment`` (validated as a whole)."""
    values = treatment_values(_validate(TreatmentIn, treatment))
    with locking.updating(session, models.Treatment, treatment_id, expected_version) as row:
        for name, value in values.items():
            if getattr(row, name) != value:
                setattr(row, name, value)
    return row


def add_complication(
    session: Session,
    episode_id: int,
    complication: dict[str, Any] | ComplicationIn,
    treatment_id: int | None = None,
) -> models.Complication:
    """A complication of the episode, of treatment ``treatment_id`` when given."""
    complication = _validate(ComplicationIn, complication)
    get_episode(session, episode_id)
    if treatment_id is not None:
        treatment = locking.get(session, models.Treatment, treatment_id)
        if treatment.episode_id != episode_id:
            message = f"belongs to episode {treatment.episode_id}"
            raise InvalidRecordError([FieldError("treatment_id", message)])
    row = models.Complication(
        **complication_values(complication), episode_id=episode_id, treatment_id=treatment_id
    )
    session.add(row)
    session.flush()
    return row


def add_event(
    session: Session, episode_id: int, event: dict[str, Any] | EventIn
) -> models.FollowUpEvent:
    event = _validate(EventIn, event)
    episode = get_episode(session, episode_id)
    errors = event_errors([event], episode.diagnosis_date)
    if errors:
        raise InvalidRecordError([FieldError("occurred_on", e.message) for e in errors])
    row = models.FollowUpEvent(**event_values(event), episode_id=episode_id)
    session.add(row)
    session.flush()
    return row


def delete_event(session: Session, event_id: int, *, expected_version: int) -> None:
    """Remove a follow-up event entered in error (its last state stays in the audit log)."""
    with locking.updating(session, models.FollowUpEvent, event_id, expected_version) as row:
        session.delete(row)
