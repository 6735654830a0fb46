"""Plans saved to an episode: the stenosis planner's magnetic compression plan.

A plan's home is the case document (one record): the planned ring pair is the stenosis's
``rings`` and a planned gap other than the segment length is its ``planned_gap_mm``. Saving
goes through `episodes.update_case` at the version the planner read, so the case is validated
and re-assessed (the engine then judges the saved rings, and the case page and the planner
show the same verdict), the old snapshot is kept, a concurrent edit is refused rather than
overwritten, and the change is audited like any other.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from rectoplan.clinical.case import Case, RingSpec
from rectoplan.errors import FieldError, InvalidRecordError
from rectoplan.registry import episodes, models


def save_stenosis_plan(
    session: Session,
    case_id: str,
    rings: Sequence[RingSpec],
    *,
    planned_gap_mm: float | None,
    expected_version: int,
) -> models.Episode:
    """Store ``rings`` (one ring: the same on both sides; or lower then upper) and the planned
    gap as the planned magnetic compression of the episode's stenosis.

    ``planned_gap_mm`` equal to the recorded segment length is stored as no separate gap.
    `InvalidRecordError` if the case records no stenosis or the pair is not one or two rings;
    `StaleWriteError` if the case changed since ``expected_version`` was read."""
    episode = episodes.episode_by_case_id(session, case_id)
    case = Case.model_validate(episode.case_json)
    stenosis = case.stenosis
    if stenosis is None:
        raise InvalidRecordError(
            [FieldError("stenosis", "the case records no anastomotic stenosis to plan for")]
        )
    pair = tuple(rings)
    if len(pair) == 2 and pair[0] == pair[1]:
        pair = pair[:1]
    if not 1 <= len(pair) <= 2:
        raise InvalidRecordError([FieldError("stenosis.rings", "give one ring or a ring pair")])
    gap = None if planned_gap_mm == stenosis.length_mm else planned_gap_mm
    planned = stenosis.model_copy(update={"rings": pair, "planned_gap_mm": gap})
    updated = case.model_copy(update={"stenosis": planned}).model_dump(mode="json")
    return episodes.update_case(session, episode.id, updated, expected_version=expected_version)
