"""``POST /api/assess``: the engine as a service, stateless.

Nothing is stored and the registry is not touched beyond checking who is asking; to keep an
assessment with the case, store the case (``POST /api/cases``).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from rectoplan.clinical.case import Case
from rectoplan.pathways import assess as run_engine
from rectoplan.pathways.recommendation import Assessment
from rectoplan.registry.users import Role
from rectoplan.web.deps import require

router = APIRouter(prefix="/api", tags=["assess"])


@router.post("/assess", response_model=Assessment, dependencies=[Depends(require(Role.clinician))])
def assess(case: Case) -> Assessment:
    """Stage, risk group, findings, recommendations and warnings for a posted case; a bad
    field is a 422 that names it (``detail[].field``)."""
    return run_engine(case)
