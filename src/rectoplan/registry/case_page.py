"""The registry services the case page needs beyond reading and writing the case itself.

The pages used to call the API's route functions and reach into `registry.models` and
`registry.locking`; these functions (session first, as the FastAPI template's ``crud.py``) are
what both the page and the API route call instead, so neither owns the rule.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from rectoplan.registry import decisions, episodes, locking, meetings, models


def snapshot(session: Session, assessment_id: int) -> models.Assessment:
    """One stored assessment snapshot (`NotFoundError` if there is none with that id)."""
    return locking.get(session, models.Assessment, assessment_id)


def recent_meetings(session: Session, limit: int) -> list[models.MdtMeeting]:
    """The most recent meetings, newest first (the decision form's choices)."""
    m = models.MdtMeeting
    return list(session.scalars(select(m).order_by(m.held_on.desc(), m.id.desc()).limit(limit)))


def record_case_decision(
    session: Session,
    case_id: str,
    *,
    chosen_option_id: str | None,
    deviation_code: str | None,
    deviation_note: str | None,
    meeting_id: int | None,
    assessment_id: int | None,
    decided_by: str | None = None,
    decided_at: dt.datetime | None = None,
    urgency_reason: str | None = None,
    add_to_agenda: bool = False,
    amendment_reason: str | None = None,
) -> models.MdtDecision:
    """Record the MDT's decision for the case against ``assessment_id`` (default: the latest
    snapshot) at the meeting ``meeting_id`` (the rules are `decisions.record_decision`'s: on
    its agenda, or ``add_to_agenda``; without a meeting, an ``urgency_reason``). Who decided
    defaults to the signed-in user as people see them (`meetings.actor_display`)."""
    episode = episodes.episode_by_case_id(session, case_id)
    decision = {
        "decided_at": decided_at or dt.datetime.now(dt.UTC),
        "chosen_option_id": chosen_option_id,
        "deviation_code": deviation_code,
        "deviation_note": deviation_note,
        "decided_by": decided_by or meetings.actor_display(session)[:100],
        "urgency_reason": urgency_reason,
    }
    return decisions.record_decision(
        session,
        episode.id,
        decision,
        assessment_id,
        meeting_id=meeting_id,
        add_to_agenda=add_to_agenda,
        amendment_reason=amendment_reason,
    )
