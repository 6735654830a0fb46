"""An anastomotic stenosis after rectal surgery, its dilatations and the compression rings."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import (
    Field,
    model_validator,
)

from rectoplan.clinical.case.base import _error, _Model

# --- anastomotic stenosis --------------------------------------------------------------------


class AnastomosisType(StrEnum):
    stapled = "stapled"
    hand_sewn = "hand_sewn"


class StenosisMorphology(StrEnum):
    membranous = "membranous"
    tubular = "tubular"
    complete_occlusion = "complete_occlusion"


class StomaStatus(StrEnum):
    none = "none"
    ileostomy = "ileostomy"
    colostomy = "colostomy"


class DilatationResult(StrEnum):
    success = "success"
    failure = "failure"
    recurrence = "recurrence"


class Dilatation(_Model):
    date: dt.date | None = None
    balloon_mm: float | None = Field(None, gt=0, le=40)
    result: DilatationResult


class RingSpec(_Model):
    """A ring magnet as the device engineer states it (millimetres and NdFeB grade)."""

    od_mm: float = Field(gt=0, le=60)
    id_mm: float = Field(ge=0, le=60)
    height_mm: float = Field(gt=0, le=40)
    grade: str = Field("N45", pattern=r"^[Nn]\d{2}[A-Za-z]{0,2}$")

    @model_validator(mode="after")
    def _inner_below_outer(self) -> RingSpec:
        if self.id_mm >= self.od_mm:
            raise ValueError(f"id_mm ({self.id_mm:g}) must be below od_mm ({self.od_mm:g})")
        return self


class MagnetDeliveryLimits(_Model):
    """What fits the route for magnetic compression rings (millimetres)."""

    max_od_anus_mm: float | None = Field(None, gt=0, le=60)
    max_od_stoma_mm: float | None = Field(None, gt=0, le=60)
    max_od_endoscope_mm: float | None = Field(
        None, gt=0, le=60, description="Largest ring the endoscope can carry or push"
    )
    min_id_mm: float = Field(2.0, ge=0, le=40, description="Guide wire and the new lumen")
    max_height_mm: float = Field(10.0, gt=0, le=40)


class AnastomoticStenosis(_Model):
    months_since_surgery: float | None = Field(None, ge=0, le=600)
    anastomosis_type: AnastomosisType | None = None
    anastomosis_height_cm: float | None = Field(None, ge=0, le=40)
    diameter_mm: float | None = Field(None, ge=0, le=60)
    scope_12mm_passes: bool | None = None
    length_mm: float = Field(ge=0, le=300, description="Length of the stenotic segment")
    morphology: StenosisMorphology
    guidewire_passable: bool | None = None
    prior_leak: bool | None = None
    prior_radiotherapy: bool | None = None
    stoma: StomaStatus = StomaStatus.none
    awaiting_stoma_reversal: bool = False
    dilatations: tuple[Dilatation, ...] = ()
    delivery_limits: MagnetDeliveryLimits | None = None
    rings: tuple[RingSpec, ...] = Field(
        (), max_length=2, description="A planned ring pair (one = the same ring on both sides)"
    )

    @model_validator(mode="after")
    def _coherent(self) -> AnastomoticStenosis:
        occluded = self.morphology is StenosisMorphology.complete_occlusion
        if occluded and self.diameter_mm:
            raise _error(
                "stenosis.diameter_mm", "a complete occlusion has no lumen (diameter must be 0)"
            )
        if occluded and self.scope_12mm_passes:
            raise _error("stenosis.scope_12mm_passes", "no scope passes a complete occlusion")
        if self.awaiting_stoma_reversal and self.stoma is StomaStatus.none:
            raise _error("stenosis.awaiting_stoma_reversal", "there is no stoma to reverse")
        return self
