"""MDT decisions, judged against the assessment snapshot the team had in front of it.

The decision's category (concordant, alternative, deviation; `DecisionCategory`) and
``followed_preferred`` are never typed in: both follow from the option chosen and the snapshot's
preferred and listed options, so concordance measures what happened rather than which button
was pressed. A deviation requires a reason, stored as a code of the CDS Hooks non-adherence
CodeSystem (entered in the MDT's words, `rectoplan.mdt_reasons`).
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from rectoplan.errors import FieldError, InvalidRecordError, field_errors
from rectoplan.registry import locking, models
from rectoplan.registry.enums import DecisionCategory
from rectoplan.registry.episodes import get_episode, latest_assessment
from rectoplan.registry.records import (
    alternative_ids,
    decision_values,
    meeting_conflict,
    meeting_values,
)
from rectoplan.registry.schemas import DecisionIn, MeetingIn

_CHANGEABLE = ("chosen_option_id", "deviation_code", "deviation_note", "decided_by")


def _validate(data: dict[str, Any] | DecisionIn) -> DecisionIn:
    if isinstance(data, DecisionIn):
        return data
    try:
        return DecisionIn.model_validate(data)
    except ValidationError as exc:
        raise InvalidRecordError(field_errors(exc)) from None


def get_or_create_meeting(session: Session, meeting: MeetingIn) -> models.MdtMeeting:
    """The MDT meeting held on that day under that title (which must agree), or a new one."""
    existing = session.scalar(
        select(models.MdtMeeting).where(
            models.MdtMeeting.held_on == meeting.held_on,
            models.MdtMeeting.title == meeting.title,
        )
    )
    if existing is None:
        existing = models.MdtMeeting(**meeting_values(meeting))
        session.add(existing)
        return existing
    errors = meeting_conflict(meeting, existing, "the registered meeting")
    if errors:
        raise InvalidRecordError(errors)
    return existing


def _category(decision: DecisionIn, snapshot: models.Assessment) -> DecisionCategory:
    listed = alternative_ids(snapshot.assessment_json.get("recommendations") or ())
    return decision.category(tuple(snapshot.preferred_ids), listed)


def record_decision(
    session: Session,
    episode_id: int,
    decision: dict[str, Any] | DecisionIn,
    assessment_id: int | None = None,
) -> models.MdtDecision:
    """Record what the MDT decided for an episode, against ``assessment_id`` (by default the
    episode's latest snapshot)."""
    decision = _validate(decision)
    get_episode(session, episode_id)
    if assessment_id is None:
        snapshot = latest_assessment(session, episode_id)
    else:
        snapshot = locking.get(session, models.Assessment, assessment_id)
        if snapshot.episode_id != episode_id:
            raise InvalidRecordError(
                [FieldError("assessment_id", f"belongs to episode {snapshot.episode_id}")]
            )
    category = _category(decision, snapshot)
    try:
        meeting = get_or_create_meeting(session, decision.meeting) if decision.meeting else None
    except InvalidRecordError as exc:
        raise InvalidRecordError([e.under("meeting") for e in exc.errors]) from None
    row = models.MdtDecision(
        **decision_values(decision, category),
        episode_id=episode_id,
        assessment_id=snapshot.id,
        meeting=meeting,
    )
    session.add(row)
    session.flush()
    return row


def update_decision(
    session: Session, decision_id: int, *, expected_version: int, **changes: Any
) -> models.MdtDecision:
    """Correct a decision (chosen option, deviation code or note, who decided); whether it
    followed the preferred option, and its category, are recomputed from its snapshot."""
    unknown = set(changes) - set(_CHANGEABLE)
    if unknown:
        raise InvalidRecordError(
            [FieldError(name, "cannot be changed") for name in sorted(unknown)]
        )
    with locking.updating(session, models.MdtDecision, decision_id, expected_version) as row:
        current = {name: getattr(row, name) for name in _CHANGEABLE}
        decision = _validate({"decided_at": row.decided_at, **current, **changes})
        category = _category(decision, row.assessment)
        for name in _CHANGEABLE:
            if getattr(row, name) != getattr(decision, name):
                setattr(row, name, getattr(decision, name))
        for name, value in decision_values(decision, category).items():
            if name in ("followed_preferred", "category") and getattr(row, name) != value:
                setattr(row, name, value)
    return row
