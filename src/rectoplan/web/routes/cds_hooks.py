"""CDS Hooks 2.0: discovery, the ``patient-view`` service, and feedback on its cards.

The cards, the discovery document and the checks of every body are `rectoplan.interop.cds_hooks`
(pure functions); this router finds the patient's case and stores feedback. Discovery is public
(an EHR reads it before it holds credentials); the service and feedback need a bearer token
like every route that touches patient data: the EHR logs in as a RectoPlan user (a viewer may
read cards; feedback is a clinical record, so it needs a clinician).

The hook's ``context.patientId`` is matched against the registry's patient pseudonyms (link a
chart by filing the case under the EHR's patient id), and the cards come from the snapshot of
the patient's most recent active episode. A patient RectoPlan does not know gets
``{"cards": []}``, as the specification asks of a service with nothing to say.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from rectoplan.interop import cds_hooks
from rectoplan.pathways.recommendation import Assessment
from rectoplan.registry import models
from rectoplan.registry.cds_feedback import record_feedback
from rectoplan.registry.enums import EpisodeStatus
from rectoplan.registry.users import Role
from rectoplan.web.deps import reader, writer

router = APIRouter(prefix="/cds-services", tags=["CDS Hooks"])

ServiceBody = Annotated[dict[str, Any], Body(description="A CDS Hooks 2.0 request")]
FeedbackBody = Annotated[dict[str, Any], Body(description="A CDS Hooks 2.0 feedback body")]


@router.get("")
def discovery() -> dict[str, Any]:
    """The services this CDS service offers (one: patient-view)."""
    return cds_hooks.discovery()


def _latest_snapshot(db: Session, patient_id: str) -> tuple[str, dict] | None:
    e, a = models.Episode, models.Assessment
    row = db.execute(
        select(e.case_id, a.assessment_json)
        .join(models.Patient, models.Patient.id == e.patient_id)
        .join(a, a.episode_id == e.id)
        .where(models.Patient.pseudonym == patient_id, e.status == EpisodeStatus.active)
        .order_by(e.id.desc(), a.id.desc())
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1])


@router.post(f"/{cds_hooks.SERVICE_ID}")
def patient_view(
    request: Request, body: ServiceBody, db: Session = reader(Role.viewer)
) -> dict[str, Any]:
    """Cards for the patient's current preferred options, each with its evidence and a link
    to the case, and a warning card when data that would change them is missing."""
    patient_id = cds_hooks.request_patient_id(body)
    found = _latest_snapshot(db, patient_id)
    if found is None:
        return {"cards": []}
    case_id, snapshot = found
    case_url = str(request.url_for("read_case", case_id=case_id))
    return cds_hooks.patient_view_cards(
        Assessment.model_validate(snapshot), case_url=case_url, source_url=None
    )


@router.post(f"/{cds_hooks.SERVICE_ID}/feedback")
def feedback(body: FeedbackBody, db: Session = writer(Role.clinician)) -> dict[str, Any]:
    """Store what the clinician did with each card (accepted, or overridden with a reason
    from the non-adherence CodeSystem); every problem in the body is reported at once."""
    entries = cds_hooks.parse_feedback(body)
    rows = record_feedback(db, entries)
    return {"stored": len(rows)}
