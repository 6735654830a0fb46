"""Magnetic compression planning (``/api/mct/...``): the ``rectoplan mct`` commands as JSON.

The answers are computed in `rectoplan.web.mct_answers`, which the stenosis planner page calls
too; these routes only put them on the API (any signed-in user may ask). Bad input is a 422
naming the field (``lower.id_mm``).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from rectoplan.registry.users import Role
from rectoplan.web.deps import require
from rectoplan.web.mct_answers import design, force, plan

router = APIRouter(
    prefix="/api/mct", tags=["magnetic compression"], dependencies=[Depends(require(Role.viewer))]
)
router.post("/force")(force)
router.post("/plan")(plan)
router.post("/design")(design)
