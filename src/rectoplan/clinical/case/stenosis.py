"""An anastomotic stenosis after rectal surgery, its dilatations and the compression rings."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from rectoplan.clinical.case.base import _error, _Model
from rectoplan.clinical.case.treatment import Approach
from rectoplan.errors import nested_field_error

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


class ProcedureType(StrEnum):
    """Endoscopic treatments of an anastomotic stenosis (EFTR, ESD and local excision treat
    the tumour: they are operations)."""

    balloon_dilatation = "balloon_dilatation"
    electroincision = "electroincision"
    stent = "stent"
    magnetic_compression = "magnetic_compression"


class NdfebGrade(StrEnum):
    """Sintered NdFeB grades of the vendor tables (``ndfeb_vendor_tables``; magnet-physics
    notes section 5, N35-N52). `rectoplan.mct.materials.GRADES` holds their remanence; a test
    keeps the two lists equal."""

    N35 = "N35"
    N38 = "N38"
    N40 = "N40"
    N42 = "N42"
    N45 = "N45"
    N48 = "N48"
    N50 = "N50"
    N52 = "N52"


RING_MIN_DIMENSION_MM = 1.0
"""[P] Smallest outer diameter and height of a ring (mm). The design search's own grid stops at
a 1 mm height and 1 mm radial wall (`rectoplan.mct.design.DesignGrid`, an assumption: thinner
coated NdFeB chips); the smallest magnet in the notes is the 4 mm rat-ileum "fedora" device.
Below 0.1 mm the demagnetization integrals underflow to nonsense."""

RING_MAX_OD_MM = 60.0
"""[P] Largest outer diameter (mm): the widest delivery route the case accepts
(`MagnetDeliveryLimits`, 60 mm). Rings delivered through an anus or a stoma are 15-35 mm in the
magnet-physics notes (geometries A-C); 61 mm is the largest external anchoring magnet in Best
2011, which is not passed through the bowel."""

RING_MAX_HEIGHT_MM = 40.0
"""[P] Longest rigid ring (mm), the case's largest delivery height (`MagnetDeliveryLimits`)."""

RING_MAX_POLARIZATION_T = 1.6
"""Largest measured remanence accepted (T): the strongest sintered grade, N52, tops out at
1.48 T in the vendor tables (notes section 5); the margin is for measurement, not physics."""


class RingSpec(_Model):
    """A ring magnet as the device engineer states it: millimetres and an NdFeB grade.

    The one ring model of RectoPlan: the case's planned pair, the planner form, the API's
    ``/api/mct`` bodies, the command line's plan files and the registry's magnet treatment all
    use it, so a ring accepted in one place is accepted in all. ``polarization_t`` is a
    measured Br replacing the grade's (optional). Physics converts to SI at the edge
    (`rectoplan.mct.magnets.RingMagnet.from_mm`).
    """

    od_mm: float = Field(ge=RING_MIN_DIMENSION_MM, le=RING_MAX_OD_MM, description="Outer diameter")
    id_mm: float = Field(0.0, ge=0, lt=RING_MAX_OD_MM, description="Inner diameter (0: a disc)")
    height_mm: float = Field(
        ge=RING_MIN_DIMENSION_MM, le=RING_MAX_HEIGHT_MM, description="Axial height"
    )
    grade: NdfebGrade = Field(NdfebGrade.N45, description="Sintered NdFeB grade")
    polarization_t: float | None = Field(
        None, gt=0, le=RING_MAX_POLARIZATION_T, description="A measured Br (T), not the grade's"
    )

    @field_validator("grade", mode="before")
    @classmethod
    def _grade_upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _inner_below_outer(self) -> RingSpec:
        if self.id_mm >= self.od_mm:
            raise nested_field_error(
                "id_mm",
                f"the inner diameter ({self.id_mm:g} mm) must be below the outer diameter "
                f"({self.od_mm:g} mm)",
            )
        return self

    def describe(self) -> str:
        """``OD 20 / ID 3 / h 8 mm N50`` (the timeline's and the planner's words)."""
        text = f"OD {self.od_mm:g} / ID {self.id_mm:g} / h {self.height_mm:g} mm {self.grade}"
        if self.polarization_t is not None:
            text += f" (Br {self.polarization_t:g} T measured)"
        return text


class StenosisProcedure(_Model):
    """One endoscopic treatment of the stenosis, as performed.

    The rings of a magnetic compression are those placed; the planned pair is
    ``stenosis.rings``. Days count from the procedure (day 0).
    """

    type: ProcedureType
    date: dt.date | None = None
    end_date: dt.date | None = None
    approach: Approach | None = None
    balloon_mm: float | None = Field(None, gt=0, le=40)
    rings: tuple[RingSpec, ...] = Field(
        (), max_length=2, description="Rings placed (one = the same ring on both sides)"
    )
    result: DilatationResult | None = None
    discharge_day: int | None = Field(None, ge=0, le=365)
    rings_passed_day: int | None = Field(None, ge=0, le=365, description="Rings passed per anum")
    details: dict[str, Any] = Field(
        default_factory=dict, description="Anything else the source recorded (kept, not read)"
    )

    @model_validator(mode="after")
    def _fits_type(self) -> StenosisProcedure:
        magnetic = self.type is ProcedureType.magnetic_compression
        if self.balloon_mm is not None and self.type is not ProcedureType.balloon_dilatation:
            raise _error("stenosis.procedures.balloon_mm", "only a balloon dilatation has one")
        if not magnetic and (self.rings or self.rings_passed_day is not None):
            raise _error("stenosis.procedures.rings", "only magnetic compression places rings")
        if self.date and self.end_date and self.end_date < self.date:
            raise _error("stenosis.procedures.end_date", "ends before it starts")
        return self


class MagnetDeliveryLimits(_Model):
    """What fits the route for magnetic compression rings (millimetres). A passage or a
    height below `RING_MIN_DIMENSION_MM` admits no ring at all (and 5e-324 mm is 0 m to the
    physics), so it is refused here rather than by the engine."""

    max_od_anus_mm: float | None = Field(None, ge=RING_MIN_DIMENSION_MM, le=RING_MAX_OD_MM)
    max_od_stoma_mm: float | None = Field(None, ge=RING_MIN_DIMENSION_MM, le=RING_MAX_OD_MM)
    max_od_endoscope_mm: float | None = Field(
        None,
        ge=RING_MIN_DIMENSION_MM,
        le=RING_MAX_OD_MM,
        description="Largest ring the endoscope can carry or push",
    )
    min_id_mm: float = Field(2.0, ge=0, le=40, description="Guide wire and the new lumen")
    max_height_mm: float = Field(10.0, ge=RING_MIN_DIMENSION_MM, le=RING_MAX_HEIGHT_MM)

    @model_validator(mode="after")
    def _a_ring_can_pass(self) -> MagnetDeliveryLimits:
        """A ring is wider than its bore, so every passage it goes through must be wider than
        the lumen it keeps: otherwise no magnetic ring fits, whatever its design."""
        routes = (
            ("max_od_anus_mm", "an anus"),
            ("max_od_stoma_mm", "a stoma"),
            ("max_od_endoscope_mm", "an endoscope"),
        )
        for name, passage in routes:
            width = getattr(self, name)
            if width is not None and width <= self.min_id_mm:
                raise _error(
                    f"stenosis.delivery_limits.{name}",
                    f"no magnetic ring fits through {passage} of {width:g} mm: a ring that keeps "
                    f"the {self.min_id_mm:g} mm lumen asked for (min_id_mm) is wider than "
                    f"{self.min_id_mm:g} mm; give the passage's real width or a smaller lumen",
                )
        return self


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
    delivery_limits: MagnetDeliveryLimits | None = None
    rings: tuple[RingSpec, ...] = Field(
        (), max_length=2, description="A planned ring pair (one = the same ring on both sides)"
    )
    planned_gap_mm: float | None = Field(
        None,
        ge=0,
        le=100,
        description="The planned gap between the ring faces when the plan uses another than "
        "the segment length (the stenosis planner's saved plan); default: length_mm",
    )
    procedures: tuple[StenosisProcedure, ...] = Field(
        (), description="What was done to it, in order (dilatations, electroincision ...)"
    )

    @property
    def gap_mm(self) -> float:
        """The gap the rings are planned across: the saved plan's, else the segment length."""
        return self.length_mm if self.planned_gap_mm is None else self.planned_gap_mm

    @model_validator(mode="before")
    @classmethod
    def _dilatations_are_procedures(cls, data: Any) -> Any:
        """``dilatations`` (the older form) become balloon-dilatation procedures, first."""
        if isinstance(data, dict) and "dilatations" in data:
            data = dict(data)
            balloons = [
                {"type": "balloon_dilatation", **d} if isinstance(d, dict) else d
                for d in data.pop("dilatations") or ()
            ]
            data["procedures"] = [*balloons, *(data.get("procedures") or ())]
        return data

    @property
    def dilatations(self) -> tuple[StenosisProcedure, ...]:
        """The balloon dilatations among the procedures."""
        return tuple(p for p in self.procedures if p.type is ProcedureType.balloon_dilatation)

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
