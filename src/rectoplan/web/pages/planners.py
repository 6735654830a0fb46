"""The planners: the stenosis (magnetic compression) planner and the sacrectomy plan."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
