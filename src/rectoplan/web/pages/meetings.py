"""MDT meetings: the list, agenda, attendance, minutes from the decisions, and the printable
meeting summary (HTML and PDF).
"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
