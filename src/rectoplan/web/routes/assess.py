"""``POST /api/assess``: the engine as a service, stateless.

Nothing is stored and the registry is not touched beyond checking who is asking; to keep an
assessment with the case, store the case (``POST /api/cases``).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse

from rectoplan.clinical.case import Case
from rectoplan.pathways import assess as run_engine
from rectoplan.pathways.recommendation import Assessment
from rectoplan.registry.users import Role
from rectoplan.web.deps import require

router = APIRouter(prefix="/api", tags=["assess"])


@router.post(
    "/assess",
    response_model=Assessment,
    response_class=JSONResponse,
    dependencies=[Depends(require(Role.clinician))],
)
def assess(case: Case) -> Response:
    """Stage, risk group, findings, recommendations and warnings for a posted case; a bad
    field is a 422 that names it (``detail[].field``)."""
    # The engine's Assessment is already the response model: serialize it once, instead of
    # letting FastAPI dump it, validate it again and dump it again on the hottest route.
    return Response(run_engine(case).model_dump_json(), media_type="application/json")
