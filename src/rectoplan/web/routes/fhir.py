"""FHIR R4 / mCODE: import a Bundle as a case, export a stored case as a Bundle.

The mapping is `rectoplan.interop` (``docs/fhir-mapping.md``); this router only moves JSON.
An import refuses a bundle that cannot become a case with a 422 whose problems each name the
FHIR element (or the case field and the element that would supply it), and reports, beside
the case, where each field came from, what was left out, and which mCODE rules the bundle
breaks. Patient identifiers in the bundle are never stored: the case is filed under a
pseudonym (the case id unless one is given).
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Query, Request, Response, status
from sqlalchemy.orm import Session

from rectoplan.clinical.case import Case
from rectoplan.interop.fhir_export import case_to_bundle
from rectoplan.interop.fhir_import import import_bundle, parse_overrides
from rectoplan.interop.mcode_rules import check_bundle, errors
from rectoplan.registry import episodes
from rectoplan.registry.schemas import PSEUDONYM_PATTERN
from rectoplan.registry.users import Role
from rectoplan.web.case_views import CaseId, case_out
from rectoplan.web.deps import reader, writer
from rectoplan.web.routes.cases import episode_of
from rectoplan.web.schemas import FhirImportOut, PatientRef

router = APIRouter(prefix="/api", tags=["FHIR"])
log = logging.getLogger("rectoplan.web")

FHIR_JSON = "application/fhir+json"


@router.post(
    "/fhir/Bundle",
    response_model=FhirImportOut,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"description": "Read without storing (store=false)"},
        413: {"description": "Too many entries, or a body over the size limit"},
    },
)
def import_fhir_bundle(
    request: Request,
    response: Response,
    bundle: Annotated[dict[str, Any], Body(description="A FHIR R4/R4B Bundle (JSON)")],
    db: Session = writer(Role.clinician),
    store: Annotated[bool, Query(description="Store the case (false: only read it)")] = True,
    pseudonym: Annotated[
        str | None, Query(min_length=1, max_length=64, pattern=PSEUDONYM_PATTERN)
    ] = None,
    set_: Annotated[
        list[str] | None,
        Query(
            alias="set",
            max_length=50,
            description="FIELD=VALUE for what the bundle lacks, e.g. "
            "tumour.distance_from_anal_verge_cm=6 (as `rectoplan fhir import --set`)",
        ),
    ] = None,
) -> FhirImportOut:
    """Read an mCODE Bundle into a case and, unless ``store=false``, store it."""
    too_many = request.app.state.settings.limits.too_many_entries(bundle)
    if too_many:  # refused before a single FHIR object is built
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, too_many)
    result = import_bundle(bundle, parse_overrides(set_ or ()))
    stored = None
    if store:
        patient = PatientRef(pseudonym=pseudonym) if pseudonym else None
        stored = case_out(db, episodes.store_case(db, result.case, patient).case_id)
    else:
        response.status_code = status.HTTP_200_OK
    return FhirImportOut(
        case=result.case,
        sources=dict(result.sources),
        notes=list(result.notes),
        mcode_violations=[str(v) for v in check_bundle(bundle)],
        stored=stored,
    )


@router.get(
    "/cases/{case_id}/fhir",
    response_class=Response,
    responses={200: {"content": {FHIR_JSON: {"schema": {"type": "object"}}}}},
)
def export_fhir_bundle(case_id: CaseId, db: Session = reader(Role.viewer)) -> Response:
    """The stored case as an mCODE STU4 collection Bundle (FHIR R4 JSON)."""
    episode = episode_of(db, case_id)
    bundle = case_to_bundle(Case.model_validate(episode.case_json))
    broken = errors(bundle)
    if broken:  # a bug in the export, not the caller's problem: serve it, but say so
        log.warning("export of %s breaks mCODE rules: %s", case_id, broken)
    return Response(bundle.model_dump_json(), media_type=FHIR_JSON)
