"""Follow-up: what happened to the patient after treatment, as dated events.

Local regrowth after watch-and-wait, distant metastasis, restenosis of an anastomosis, a TME
after watch-and-wait, death and the last contact are events with a day; the survival
endpoints of the registry are computed from them. A local (pelvic) recurrence is not an event
here: it has its own section (`recurrence`), whose date is the event the registry counts.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import Field, model_validator

from rectoplan.clinical.case.base import _error, _Model


class FollowUpKind(StrEnum):
    """What a follow-up event records; ``recurrence`` is the date of the recurrence section."""

    recurrence = "recurrence"
    local_regrowth = "local_regrowth"
    distant_metastasis = "distant_metastasis"
    restenosis = "restenosis"
    tme = "tme"
    death = "death"
    last_contact = "last_contact"


class FollowUpEvent(_Model):
    kind: FollowUpKind
    date: dt.date
    details: dict[str, Any] = Field(
        default_factory=dict, description="Anything else the source recorded (kept, not read)"
    )

    @model_validator(mode="after")
    def _not_the_recurrence(self) -> FollowUpEvent:
        if self.kind is FollowUpKind.recurrence:
            raise _error(
                "follow_up.kind", "a local recurrence is recorded in the recurrence section"
            )
        return self


def check_follow_up(
    events: tuple[FollowUpEvent, ...], diagnosed: dt.date | None, path: str = "follow_up"
) -> None:
    """No event before the diagnosis, one death at most, and nothing after the death."""
    deaths = [i for i, e in enumerate(events) if e.kind is FollowUpKind.death]
    if len(deaths) > 1:
        raise _error(f"{path}[{deaths[1]}].kind", "the death is already recorded")
    died = events[deaths[0]].date if deaths else None
    for i, event in enumerate(events):
        if diagnosed is not None and event.date < diagnosed:
            raise _error(f"{path}[{i}].date", f"{event.date} is before the diagnosis ({diagnosed})")
        if died is not None and event.date > died:
            raise _error(f"{path}[{i}].date", f"{event.date} is after the death ({died})")
