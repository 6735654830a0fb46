"""What happened after the decision, written into the case: treatments, complications and
follow-up events.

The REST API and other callers still speak in treatments, complications and events, but each
is a fact of the case (`registry.case_facts` says where it lives), so every function here
edits the case document under the episode's version lock through `episodes.update_case`, which
re-assesses it and rebuilds the tables as its projection (`registry.projections`). The row
returned is the projected row of the fact, so its id and version are what the API reports.
Writes addressed to a row (``update_treatment``, ``delete_event``) first check the row's
version, so a client working from an old copy of that row is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from rectoplan.errors import FieldError, InvalidRecordError, field_errors
from rectoplan.registry import locking, models
from rectoplan.registry.case_facts import Folding, Slot, validate_case
from rectoplan.registry.episodes import get_episode, update_case
from rectoplan.registry.projections import rows_by_slot, slot_of
from rectoplan.registry.records import event_errors
from rectoplan.registry.schemas import ComplicationIn, EventIn, TreatmentIn

S = TypeVar("S", bound=BaseModel)
M = TypeVar("M", bound=models.Base)


def _validate(schema: type[S], data: dict[str, Any] | S) -> S:
    if isinstance(data, schema):
        return data
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        raise InvalidRecordError(field_errors(exc)) from None


def _edit(
    session: Session, episode: models.Episode, model: type[M], change: Callable[[Folding], Slot]
) -> M | None:
    """Change the episode's case with ``change`` and save it (one transaction: the case, its
    assessment snapshot, the projected rows, the audit); returns the row of the changed fact.
    The episode is locked and read again first: the change applies to the case as it is now,
    so two API writes to one episode at once both land rather than one failing on the
    version (a write addressed to a row has checked that row's version before)."""
    episode = locking.lock(session, models.Episode, episode.id)
    folding = Folding.of(validate_case(episode.case_json))
    slot = change(folding)
    case = folding.case()
    update_case(session, episode.id, case, expected_version=episode.version)
    return rows_by_slot(case, episode, model).get(slot)


def _row_for_update(session: Session, model: type[M], row_id: int, expected_version: int) -> M:
    return locking.load_for_update(session, model, row_id, expected_version)


def add_treatment(
    session: Session, episode_id: int, treatment: dict[str, Any] | TreatmentIn
) -> models.Treatment:
    """Record a treatment in the case (the same treatment twice is one)."""
    treatment = _validate(TreatmentIn, treatment)
    episode = get_episode(session, episode_id)
    row = _edit(session, episode, models.Treatment, lambda f: f.add_treatment(treatment))
    assert row is not None
    return row


def update_treatment(
    session: Session,
    treatment_id: int,
    treatment: dict[str, Any] | TreatmentIn,
    *,
    expected_version: int,
) -> models.Treatment:
    """Replace a treatment's fields with ``treatment`` (validated as a whole)."""
    treatment = _validate(TreatmentIn, treatment)
    row = _row_for_update(session, models.Treatment, treatment_id, expected_version)
    episode = get_episode(session, row.episode_id)
    slot = slot_of(validate_case(episode.case_json), episode, row)
    updated = _edit(
        session, episode, models.Treatment, lambda f: f.replace_treatment(slot, treatment)
    )
    assert updated is not None
    if updated.id == treatment_id and updated.version == expected_version:
        # the case did not change, so neither did the row: the write still consumes the
        # row's version (`rectoplan.registry.locking`), and a second one at it is refused
        with locking.updating(session, models.Treatment, treatment_id, expected_version):
            pass
    return updated


def add_complication(
    session: Session,
    episode_id: int,
    complication: dict[str, Any] | ComplicationIn,
    treatment_id: int | None = None,
) -> models.Complication:
    """A complication of the episode, of treatment ``treatment_id`` when given."""
    complication = _validate(ComplicationIn, complication)
    episode = get_episode(session, episode_id)
    link = None
    if treatment_id is not None:
        treatment = locking.get(session, models.Treatment, treatment_id)
        if treatment.episode_id != episode_id:
            message = f"belongs to episode {treatment.episode_id}"
            raise InvalidRecordError([FieldError("treatment_id", message)])
        link = slot_of(validate_case(episode.case_json), episode, treatment)
    row = _edit(
        session, episode, models.Complication, lambda f: f.add_complication(complication, link)
    )
    assert row is not None
    return row


def add_event(
    session: Session, episode_id: int, event: dict[str, Any] | EventIn
) -> models.FollowUpEvent:
    """A follow-up event; a ``recurrence`` becomes (the date of) the case's recurrence."""
    event = _validate(EventIn, event)
    episode = get_episode(session, episode_id)
    errors = event_errors([event], episode.diagnosis_date)
    if errors:
        raise InvalidRecordError([FieldError("occurred_on", e.message) for e in errors])
    row = _edit(session, episode, models.FollowUpEvent, lambda f: f.add_event(event))
    assert row is not None
    return row


def delete_event(session: Session, event_id: int, *, expected_version: int) -> None:
    """Remove a follow-up event entered in error (its last state stays in the audit log);
    removing a ``recurrence`` event removes the case's recurrence."""
    row = _row_for_update(session, models.FollowUpEvent, event_id, expected_version)
    episode = get_episode(session, row.episode_id)
    slot = slot_of(validate_case(episode.case_json), episode, row)

    def remove(folding: Folding) -> Slot:
        folding.remove(slot)
        return slot

    _edit(session, episode, models.FollowUpEvent, remove)
