"""What happened after the decision: treatments, complications and follow-up events of a case.

Each is a fact of the case document, which the registry's service (`registry.outcomes`)
edits under the episode's version lock; the rows listed here are the case's projection, so
they include what was entered in the case form, and ``GET /api/cases/{id}`` shows what was
posted here. A row's id and version name it for ``PUT`` and ``DELETE``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from sqlalchemy.orm import Session

from rectoplan.registry import locking, models, outcomes
from rectoplan.registry.audit import jsonable
from rectoplan.registry.projections import TREATMENT_COLUMNS
from rectoplan.registry.schemas import EventIn, TreatmentIn
from rectoplan.registry.users import Role
from rectoplan.web.case_views import CaseId
from rectoplan.web.deps import reader, writer
from rectoplan.web.routes.cases import STALE, episode_of
from rectoplan.web.schemas import (
    MAX_ID,
    ComplicationCreate,
    ComplicationOut,
    EventOut,
    PathId,
    TreatmentOut,
    TreatmentUpdate,
)

router = APIRouter(prefix="/api", tags=["treatments and outcomes"])


def _case_id(db: Session, episode_id: int) -> str:
    return locking.get(db, models.Episode, episode_id).case_id


def treatment_out(row: models.Treatment, case_id: str) -> TreatmentOut:
    values = {name: jsonable(getattr(row, name)) for name in TREATMENT_COLUMNS}
    return TreatmentOut(**values, id=row.id, case_id=case_id, version=row.version)


def complication_out(row: models.Complication, case_id: str) -> ComplicationOut:
    fields = ("id", "clavien_dindo", "description", "occurred_on", "treatment_id", "version")
    return ComplicationOut(case_id=case_id, **{name: getattr(row, name) for name in fields})


def event_out(row: models.FollowUpEvent, case_id: str) -> EventOut:
    return EventOut(
        id=row.id,
        case_id=case_id,
        kind=row.kind,
        occurred_on=row.occurred_on,
        details=row.details,
        version=row.version,
    )


# --- treatments ----------------------------------------------------------------------------


@router.get("/cases/{case_id}/treatments", response_model=list[TreatmentOut])
def case_treatments(case_id: CaseId, db: Session = reader(Role.viewer)) -> list[TreatmentOut]:
    episode = episode_of(db, case_id)
    return [treatment_out(row, episode.case_id) for row in episode.treatments]


@router.post(
    "/cases/{case_id}/treatments", response_model=TreatmentOut, status_code=status.HTTP_201_CREATED
)
def add_treatment(
    case_id: CaseId, body: TreatmentIn, db: Session = writer(Role.clinician)
) -> TreatmentOut:
    episode = episode_of(db, case_id)
    return treatment_out(outcomes.add_treatment(db, episode.id, body), episode.case_id)


@router.put("/treatments/{treatment_id}", response_model=TreatmentOut, responses=STALE)
def update_treatment(
    treatment_id: PathId, body: TreatmentUpdate, db: Session = writer(Role.clinician)
) -> TreatmentOut:
    """Replace a treatment as a whole, if it is still at ``expected_version``."""
    row = outcomes.update_treatment(
        db, treatment_id, body.treatment, expected_version=body.expected_version
    )
    return treatment_out(row, _case_id(db, row.episode_id))


# --- complications -------------------------------------------------------------------------


@router.get("/cases/{case_id}/complications", response_model=list[ComplicationOut])
def case_complications(case_id: CaseId, db: Session = reader(Role.viewer)) -> list[ComplicationOut]:
    episode = episode_of(db, case_id)
    return [complication_out(row, episode.case_id) for row in episode.complications]


@router.post(
    "/cases/{case_id}/complications",
    response_model=ComplicationOut,
    status_code=status.HTTP_201_CREATED,
)
def add_complication(
    case_id: CaseId, body: ComplicationCreate, db: Session = writer(Role.clinician)
) -> ComplicationOut:
    """A complication of the case, of one of its treatments when ``treatment_id`` is given."""
    episode = episode_of(db, case_id)
    data = body.model_dump(exclude={"treatment_id"})
    row = outcomes.add_complication(db, episode.id, data, body.treatment_id)
    return complication_out(row, episode.case_id)


# --- follow-up events ----------------------------------------------------------------------


@router.get("/cases/{case_id}/events", response_model=list[EventOut])
def case_events(case_id: CaseId, db: Session = reader(Role.viewer)) -> list[EventOut]:
    episode = episode_of(db, case_id)
    return [event_out(row, episode.case_id) for row in episode.events]


@router.post(
    "/cases/{case_id}/events", response_model=EventOut, status_code=status.HTTP_201_CREATED
)
def add_event(case_id: CaseId, body: EventIn, db: Session = writer(Role.clinician)) -> EventOut:
    """A follow-up event (recurrence, regrowth, death, last contact ...); not before diagnosis."""
    episode = episode_of(db, case_id)
    return event_out(outcomes.add_event(db, episode.id, body), episode.case_id)


@router.delete("/events/{event_id}", status_code=status.HTTP_204_NO_CONTENT, responses=STALE)
def delete_event(
    event_id: PathId,
    expected_version: Annotated[int, Query(ge=1, le=MAX_ID)],
    db: Session = writer(Role.clinician),
) -> Response:
    """Remove an event entered in error; its last state stays in the audit log."""
    outcomes.delete_event(db, event_id, expected_version=expected_version)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
