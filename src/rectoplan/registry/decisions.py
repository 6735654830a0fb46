"""MDT decisions, judged against the assessment snapshot the team had in front of it.

A decision belongs to a meeting: it is recorded at a meeting in progress or held, for a case on
that meeting's agenda (``add_to_agenda`` puts a case discussed on the spot there first);
outside a meeting only with the reason it could not wait (``urgency_reason``). Once the chair
has signed the meeting's minutes off, a new or changed decision is an amendment
(`rectoplan.registry.meetings.check_editable`). The bulk import (`importing`) writes the
decisions of past meetings as they were recorded elsewhere and does not apply these rules.

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
from rectoplan.registry import agenda, locking, meetings, models
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


def _meeting_of(
    session: Session, decision: DecisionIn, meeting_id: int | None
) -> models.MdtMeeting | None:
    """The meeting named by id, else by the decision's day and title, else None."""
    if meeting_id is not None:
        return locking.get(session, models.MdtMeeting, meeting_id)
    if decision.meeting is None:
        return None
    try:
        meeting = get_or_create_meeting(session, decision.meeting)
    except InvalidRecordError as exc:
        raise InvalidRecordError([e.under("meeting") for e in exc.errors]) from None
    session.flush()
    return meeting


def _check_belongs(
    session: Session,
    episode: models.Episode,
    decision: DecisionIn,
    meeting: models.MdtMeeting | None,
    add_to_agenda: bool,
    amendment_reason: str | None = None,
) -> None:
    """At a started meeting and on its agenda, or outside one with an urgency reason. A case
    added on the spot to a meeting whose minutes are signed off is part of an amendment, so
    it needs the amendment's reason first."""
    if meeting is None:
        if not (decision.urgency_reason or "").strip():
            raise InvalidRecordError(
                [
                    FieldError(
                        "meeting_id",
                        "a decision is recorded at an MDT meeting; outside a meeting, give "
                        "the reason it could not wait (urgency_reason)",
                    )
                ]
            )
        return
    meetings.check_decidable(meeting)
    listed = {item.episode_id for item in agenda.agenda(session, meeting.id)}
    if episode.id in listed:
        return
    if not add_to_agenda:
        raise InvalidRecordError(
            [
                FieldError(
                    "meeting_id",
                    f"case {episode.case_id} is not on the agenda of the meeting of "
                    f"{meeting.held_on.isoformat()}; add it to the agenda first",
                )
            ]
        )
    meetings.check_editable(meeting, amendment_reason)
    agenda.add_to_agenda(session, meeting.id, episode.id, amendment=True)


def record_decision(
    session: Session,
    episode_id: int,
    decision: dict[str, Any] | DecisionIn,
    assessment_id: int | None = None,
    *,
    meeting_id: int | None = None,
    add_to_agenda: bool = False,
    amendment_reason: str | None = None,
) -> models.MdtDecision:
    """Record what the MDT decided for an episode, against ``assessment_id`` (by default the
    episode's latest snapshot), at the meeting ``meeting_id`` (or the decision's own day and
    title). See the module docstring for when a decision is refused."""
    decision = _validate(decision)
    episode = get_episode(session, episode_id)
    if assessment_id is None:
        snapshot = latest_assessment(session, episode_id)
    else:
        snapshot = locking.get(session, models.Assessment, assessment_id)
        if snapshot.episode_id != episode_id:
            raise InvalidRecordError(
                [FieldError("assessment_id", f"belongs to episode {snapshot.episode_id}")]
            )
    category = _category(decision, snapshot)
    meeting = _meeting_of(session, decision, meeting_id)
    _check_belongs(session, episode, decision, meeting, add_to_agenda, amendment_reason)
    meetings.changing(session, meeting.id if meeting else None, amendment_reason)
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
    session: Session,
    decision_id: int,
    *,
    expected_version: int,
    amendment_reason: str | None = None,
    **changes: Any,
) -> models.MdtDecision:
    """Correct a decision (chosen option, deviation code or note, who decided); whether it
    followed the preferred option, and its category, are recomputed from its snapshot. A
    decision of a meeting whose minutes are signed off changes only by an amendment
    (``amendment_reason``)."""
    unknown = set(changes) - set(_CHANGEABLE)
    if unknown:
        raise InvalidRecordError(
            [FieldError(name, "cannot be changed") for name in sorted(unknown)]
        )
    current_row = locking.get(session, models.MdtDecision, decision_id)
    meetings.changing(session, current_row.meeting_id, amendment_reason)
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


def decisions_at(session: Session, meeting_id: int) -> list[tuple[models.MdtDecision, str]]:
    """The decisions recorded at the meeting in the order they were recorded, each with its
    case id (`NotFoundError` for an unknown meeting): the minutes' source on the page and
    ``GET /api/meetings/{id}/decisions``."""
    meetings.get_meeting(session, meeting_id)
    d = models.MdtDecision
    query = (
        select(d, models.Episode.case_id)
        .join(models.Episode, models.Episode.id == d.episode_id)
        .where(d.meeting_id == meeting_id)
        .order_by(d.id)
    )
    return [(decision, case_id) for decision, case_id in session.execute(query)]
