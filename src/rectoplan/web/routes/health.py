"""``GET /healthz``: is the service up and can it reach its database? No auth, no data."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import text

from rectoplan.web.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz(request: Request) -> Health:
    """For load balancers and monitors; a database that cannot be reached answers 503."""
    with request.app.state.sessions() as db:
        db.execute(text("SELECT 1"))
    return Health(status="ok", database="ok")
