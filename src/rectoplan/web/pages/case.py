"""The case page: timeline, stage and risk, recommendations with evidence, the MDT decision form,
and the printable case summary (HTML and PDF).
"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
