"""What the case API and the case pages both show of a stored case.

The pages must not call the API's route functions (they write and read through the registry's
service layer, as the routes do), yet both answer with the same shape of a stored case; that
shape lives here, beside neither, over `rectoplan.registry.episodes.stored_case`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from sqlalchemy.orm import Session

from rectoplan.registry import episodes
from rectoplan.web.schemas import CaseOut

CaseId = Annotated[
    str, Path(max_length=64, description="The case's case_id", examples=["seed001-diagnosis"])
]


def case_out(db: Session, case_id: str) -> CaseOut:
    """The stored case with its patient's pseudonym and latest snapshot id (404 if there is
    no such case)."""
    return CaseOut(**episodes.stored_case(db, case_id))
