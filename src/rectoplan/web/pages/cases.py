"""The case list: search by case id and filter by pathway, phase, stage, risk group, status.

The list is the registry's query (`rectoplan.registry.case_list.list_cases`, which
``GET /api/cases`` answers too) rendered as a table; the filter form works without JavaScript
(a GET) and, with HTMX, swaps only the table and keeps the URL in step so a filtered list can
be bookmarked or shared in the meeting.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from rectoplan.clinical.risk import RiskGroup
from rectoplan.pathways.context import Phase
from rectoplan.registry import case_list as listing
from rectoplan.registry import meetings as board
from rectoplan.registry.enums import EpisodeStatus
from rectoplan.registry.users import Role
from rectoplan.web.deps import Principal
from rectoplan.web.pages.render import render
from rectoplan.web.pages.session import page_reader, page_role
from rectoplan.web.schemas import Pathway

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
STAGES = ("0", "I", "IIA", "IIB", "IIC", "III", "IIIA", "IIIB", "IIIC", "IV", "IVA", "IVB", "IVC")


def _blank_to_none(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


@router.get("/cases")
def case_list(
    request: Request,
    db: Session = page_reader(Role.viewer),
    user: Principal = Depends(page_role(Role.viewer)),
    q: Annotated[str | None, Query(max_length=64)] = None,
    pathway: Annotated[str | None, Query(max_length=16)] = None,
    phase: Annotated[str | None, Query(max_length=32)] = None,
    stage: Annotated[str | None, Query(max_length=8)] = None,
    risk_group: Annotated[str | None, Query(max_length=32)] = None,
    status: Annotated[str | None, Query(max_length=16)] = None,
    meeting: Annotated[str | None, Query(max_length=12)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    chosen = {
        "q": _blank_to_none(q),
        "pathway": _blank_to_none(pathway),
        "phase": _blank_to_none(phase),
        "stage": _blank_to_none(stage),
        "risk_group": _blank_to_none(risk_group),
        "status": _blank_to_none(status),
        "meeting": _blank_to_none(meeting),
    }
    meetings = _meeting_choices(db)
    errors = _filter_errors(chosen, [value for value, _label in meetings])
    found = listing.list_cases(
        db,
        pathway=None if "pathway" in errors else chosen["pathway"],
        phase=None if "phase" in errors else chosen["phase"],
        risk_group=None if "risk_group" in errors else chosen["risk_group"],
        stage=None if "stage" in errors else chosen["stage"],
        q=chosen["q"],
        status=None if "status" in errors else _enum(EpisodeStatus, chosen["status"]),
        meeting=None if "meeting" in errors else _enum(int, chosen["meeting"]),
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    context = {
        "nav": "cases",
        "chosen": chosen,
        "errors": errors,
        "found": found,
        "page": page,
        "pages": max(1, -(-found.total // PAGE_SIZE)),
        "pathways": [p.value for p in Pathway],
        "phases": [p.value for p in Phase],
        "stages": STAGES,
        "risk_groups": [r.value for r in RiskGroup],
        "statuses": [s.value for s in EpisodeStatus],
        "meetings": meetings,
    }
    return render(request, "cases/list.html", context, user=user, partial="cases/_table.html")


def _enum(kind, value):
    return None if value is None else kind(value)


def _meeting_choices(db: Session) -> list[tuple[str, str]]:
    """The meetings to filter by, most recent first, as (id, "date · title")."""
    found = board.list_meetings(db, limit=500)
    return [(str(m.id), f"{m.held_on.isoformat()} · {m.title}") for m in found]


def _filter_errors(chosen: dict[str, str | None], meetings: list[str]) -> dict[str, str]:
    """A filter value that is not one of the choices (a hand-edited URL) is named, not
    silently ignored, and the list is shown without that filter."""
    allowed = {
        "pathway": [p.value for p in Pathway],
        "phase": [p.value for p in Phase],
        "stage": STAGES,
        "risk_group": [r.value for r in RiskGroup],
        "status": [s.value for s in EpisodeStatus],
    }
    errors = {
        name: f"Choose one of: {', '.join(values)}."
        for name, values in allowed.items()
        if chosen[name] is not None and chosen[name] not in values
    }
    if chosen["meeting"] is not None and chosen["meeting"] not in meetings:
        errors["meeting"] = "Choose one of the meetings listed."
    return errors
