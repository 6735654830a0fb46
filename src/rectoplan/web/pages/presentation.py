"""Presentation mode: the meeting's agenda on the projector, one case at a time.

Each step shows what the board needs in one screen: the patient header, the key imaging and
pathology facts, what is missing or stale, the engine's recommendations, and the decision form
with this meeting preselected (it posts to the case page's own handler, so one set of rules
records it, and comes back here). The chair steps through with the keyboard (→/← or
PageDown/PageUp, as a presentation clicker sends them); the page is laid out for 1366×768.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from rectoplan.clinical.case import Case
from rectoplan.errors import NotFoundError
from rectoplan.registry.users import Role
from rectoplan.web.deps import Principal
from rectoplan.web.pages.case import case_context
from rectoplan.web.pages.meetings import _meeting_id, meeting_view
from rectoplan.web.pages.render import render
from rectoplan.web.pages.session import page_reader, page_role

router = APIRouter(include_in_schema=False)


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")


def key_facts(case: Case) -> list[tuple[str, str]]:
    """The imaging and pathology facts a board reads first, in clinical words (only those
    recorded)."""
    facts: list[tuple[str, Any]] = [
        ("Age", f"{case.patient.age_years} years"),
        ("ECOG", case.patient.ecog),
        ("Height from the anal verge", f"{case.tumour.distance_from_anal_verge_cm:g} cm"),
        ("MMR status", case.tumour.mmr_status),
        ("CEA", None if case.tumour.cea_ng_ml is None else f"{case.tumour.cea_ng_ml:g} ng/mL"),
    ]
    if case.mri is not None:
        mri = case.mri
        facts += [
            ("MRI", f"c{mri.ct} c{mri.cn}" + (f" ({mri.date.isoformat()})" if mri.date else "")),
            (
                "MRF distance",
                None if mri.mrf_distance_mm is None else f"{mri.mrf_distance_mm:g} mm",
            ),
            ("EMVI", _yes_no(mri.emvi)),
        ]
    if case.distant is not None and case.distant.cm is not None:
        sites = ", ".join(s.replace("_", " ") for s in case.distant.sites)
        facts.append(("Distant staging", f"c{case.distant.cm}" + (f" ({sites})" if sites else "")))
    if case.restaging is not None and case.restaging.mrtrg is not None:
        facts.append(("Restaging mrTRG", case.restaging.mrtrg))
    if case.pathology is not None:
        p = case.pathology
        facts.append(("Pathology", f"{p.prefix}T{p.t.removeprefix('T')} {p.prefix}{p.n or 'N?'}"))
        if p.crm_distance_mm is not None:
            facts.append(("CRM distance", f"{p.crm_distance_mm:g} mm"))
    if case.recurrence is not None:
        levels = case.recurrence.highest_sacral_level or "sacrum free"
        facts.append(("Recurrence", f"{', '.join(case.recurrence.compartments)}; {levels}"))
    if case.stenosis is not None:
        facts.append(("Stenosis", f"{case.stenosis.length_mm:g} mm, {case.stenosis.morphology}"))
    return [(label, str(value).replace("_", " ")) for label, value in facts if value is not None]


@router.get("/meetings/{meeting_id}/present/{step}")
def present(
    request: Request,
    meeting_id: str,
    step: str,
    recorded: str | None = None,
    db: Session = page_reader(Role.viewer),
    user: Principal = Depends(page_role(Role.viewer)),
) -> Response:
    """Case number ``step`` (from 1) of the agenda, for the projector."""
    number = _meeting_id(meeting_id)
    view = meeting_view(db, number, request.app.state.settings.readiness)
    place = int(step) if step.isdigit() else 0
    if not 1 <= place <= len(view.rows):
        raise NotFoundError("case on the agenda at place", step)
    row = view.rows[place - 1]
    decision_id = int(recorded) if recorded and recorded.isdigit() else None
    case = case_context(
        db, row.case_id, user, values={"meeting_id": str(number)}, recorded=decision_id
    )
    base = f"/meetings/{number}/present"
    context = {
        **case,
        "nav": "meetings",
        "view": view,
        "row": row,
        "place": place,
        "total": len(view.rows),
        "previous": f"{base}/{place - 1}" if place > 1 else None,
        "next": f"{base}/{place + 1}" if place < len(view.rows) else None,
        "back_to": f"{base}/{place}",
        "facts": key_facts(case["stored"].case),
        "can_decide": case["can_decide"] and view.started and not view.signed_off,
    }
    return render(request, "meetings/present.html", context, user=user)
