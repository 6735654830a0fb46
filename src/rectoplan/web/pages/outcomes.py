"""The outcomes dashboard: Kaplan-Meier curves with at-risk tables, benchmarks with intervals,
concordance over time and deviation reasons.
"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
