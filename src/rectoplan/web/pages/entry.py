"""Case entry and editing: the new-case form and the edit form, validated field by field."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
