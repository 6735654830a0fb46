"""The registry services the case page needs beyond reading and writing the case itself.

The pages used to call the API's route functions and reach into `registry.models` and
`registry.locking`; these functions (session first, as the FastAPI template's ``crud.py``) are
what both the page and the API route call instead, so neither owns the rule.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from rectoplan.registry import decisions, episodes, locking, models


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
    decided_by: str,
    decided_at: dt.datetime | None = None,
) -> models.MdtDecision:
    """Record the MDT's decision for the case against ``assessment_id`` (default: the latest
    snapshot), in the meeting ``meeting_id`` if given."""
    episode = episodes.episode_by_case_id(session, case_id)
    meeting = None
    if meeting_id is not None:
        held = locking.get(session, models.MdtMeeting, meeting_id)
        meeting = {"held_on": held.held_on, "title": held.title}
    decision = {
        "decided_at": decided_at or dt.datetime.now(dt.UTC),
        "chosen_option_id": chosen_option_id,
        "deviation_code": deviation_code,
        "deviation_note": deviation_note,
        "decided_by": decided_by,
        "meeting": meeting,
    }
    return decisions.record_decision(session, episode.id, decision, assessment_id)
