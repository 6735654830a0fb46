"""Treatment: neoadjuvant courses, operations and their complications."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from itertools import pairwise
from typing import Any

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from rectoplan.clinical.case.base import _error, _Model
from rectoplan.clinical.complications import (
    ClavienDindo,
    GradedComplication,
    parse_clavien_dindo,
)
from rectoplan.clinical.sacrum import SACRAL_LEVELS

# --- neoadjuvant therapy ------------------------------------------------------------------


class ChemoRegimen(StrEnum):
    capecitabine = "capecitabine"
    fluorouracil = "5-FU"
    capox = "CAPOX"
    folfox = "FOLFOX"
    mfolfirinox = "mFOLFIRINOX"
    folfoxiri = "FOLFOXIRI"


class RadiotherapyCourse(_Model):
    total_dose_gy: float = Field(gt=0, le=80)
    fractions: int = Field(gt=0, le=45)
    concurrent_chemotherapy: ChemoRegimen | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None


class ChemotherapyCourse(_Model):
    regimen: ChemoRegimen
    cycles: int | None = Field(None, gt=0, le=24)
    timing: str = Field("consolidation", pattern="^(induction|consolidation)$")
    start_date: dt.date | None = None
    end_date: dt.date | None = None


class ImmunotherapyCourse(_Model):
    agent: str = Field(min_length=2, max_length=60)
    cycles: int | None = Field(None, gt=0, le=60)
    start_date: dt.date | None = None
    end_date: dt.date | None = None


class NeoadjuvantTherapy(_Model):
    radiotherapy: RadiotherapyCourse | None = None
    chemotherapy: tuple[ChemotherapyCourse, ...] = ()
    immunotherapy: ImmunotherapyCourse | None = None

    @model_validator(mode="after")
    def _something_given(self) -> NeoadjuvantTherapy:
        if self.radiotherapy is None and not self.chemotherapy and self.immunotherapy is None:
            raise _error(
                "neoadjuvant", "give at least one of radiotherapy, chemotherapy, immunotherapy"
            )
        for name, course in self._courses():
            if course.start_date and course.end_date and course.end_date < course.start_date:
                raise _error(f"neoadjuvant.{name}.end_date", "ends before it starts")
        return self

    def _courses(self) -> list[tuple[str, Any]]:
        courses: list[tuple[str, Any]] = []
        if self.radiotherapy:
            courses.append(("radiotherapy", self.radiotherapy))
        courses += [(f"chemotherapy[{i}]", c) for i, c in enumerate(self.chemotherapy)]
        if self.immunotherapy:
            courses.append(("immunotherapy", self.immunotherapy))
        return courses

    @property
    def end_date(self) -> dt.date | None:
        """The day the last course ended, if every end is known; restaging counts from here."""
        ends = [c.end_date for _, c in self._courses()]
        if not ends or any(e is None for e in ends):
            return None
        return max(ends)  # type: ignore[type-var]

    @property
    def is_total_neoadjuvant(self) -> bool:
        """Radiotherapy plus a separate systemic chemotherapy block (RAPIDO / PRODIGE 23 / OPRA)."""
        return self.radiotherapy is not None and bool(self.chemotherapy)


# --- operations, pathology, complications -------------------------------------------------


class OperationType(StrEnum):
    local_excision = "local_excision"  # TEM / TAMIS
    esd = "esd"
    eftr = "eftr"
    lar = "lar"  # low anterior resection (TME) / PME for the upper rectum
    coloanal = "coloanal"  # ultra-low anterior resection with coloanal anastomosis
    isr_partial = "isr_partial"
    isr_subtotal = "isr_subtotal"
    isr_total = "isr_total"
    apr = "apr"
    hartmann = "hartmann"
    exenteration = "exenteration"

    @property
    def is_local(self) -> bool:
        return self in (OperationType.local_excision, OperationType.esd, OperationType.eftr)


class Approach(StrEnum):
    open = "open"
    laparoscopic = "laparoscopic"
    robotic = "robotic"
    transanal = "transanal"
    endoscopic = "endoscopic"


SACRECTOMY_LEVELS = SACRAL_LEVELS + tuple(
    f"{upper}/{lower}" for upper, lower in pairwise(SACRAL_LEVELS)
)
"""A transection level is named by the segment it crosses (``S3``) or, near a boundary, by the
disc (``S2/S3``), as the sacrectomy series report it (domain notes §3.4)."""


class Operation(_Model):
    """An operation on the tumour: a resection, or a local excision / ESD / EFTR."""

    type: OperationType
    date: dt.date | None = None
    approach: Approach | None = None
    blood_loss_ml: float | None = Field(None, ge=0, le=50000)
    duration_min: float | None = Field(None, gt=0, le=2000)
    stoma: bool | None = None
    sacrectomy_level: str | None = Field(
        None, description="Sacral transection level of a sacrectomy (S3, or a disc: S2/S3)"
    )
    discharge_day: int | None = Field(None, ge=0, le=365, description="Days after the operation")
    end_date: dt.date | None = Field(None, description="Last day, if the record gives one")
    details: dict[str, Any] = Field(
        default_factory=dict, description="Anything else the source recorded (kept, not read)"
    )

    @field_validator("sacrectomy_level")
    @classmethod
    def _level(cls, value: str | None) -> str | None:
        if value is not None and value not in SACRECTOMY_LEVELS:
            raise ValueError(f"{value!r} is not a sacral level ({', '.join(SACRECTOMY_LEVELS)})")
        return value

    @model_validator(mode="after")
    def _ends_after_start(self) -> Operation:
        if self.date and self.end_date and self.end_date < self.date:
            raise _error("operations.end_date", "ends before it starts")
        return self


class Complication(_Model):
    description: str = Field(min_length=1, max_length=200)
    clavien_dindo: ClavienDindo
    date: dt.date | None = None
    operation: int | None = Field(
        None, ge=0, description="The operation it followed (its place in operations, from 0)"
    )
    procedure: int | None = Field(
        None, ge=0, description="The stenosis procedure it followed (place in stenosis.procedures)"
    )
    disability: bool = Field(
        False, description='Present at discharge: the "d" suffix of the grade (IIIb-d)'
    )

    @model_validator(mode="before")
    @classmethod
    def _suffix(cls, data: Any) -> Any:
        """``"IIIb-d"`` is grade IIIb with the disability flag."""
        if isinstance(data, dict) and isinstance(data.get("clavien_dindo"), str):
            try:
                graded = parse_clavien_dindo(data["clavien_dindo"])
            except ValueError:
                return data  # the field validator names the problem
            data = {**data, "clavien_dindo": graded.grade.value}
            if graded.disability:
                data["disability"] = True
        return data

    @property
    def graded(self) -> GradedComplication:
        """The grade as reports write it (with the "d" suffix when it applies)."""
        return GradedComplication(self.clavien_dindo, self.disability)

    @model_validator(mode="after")
    def _one_link(self) -> Complication:
        if self.operation is not None and self.procedure is not None:
            raise _error("complications.procedure", "link an operation or a procedure, not both")
        return self

    @field_validator("clavien_dindo", mode="before")
    @classmethod
    def _parse_grade(cls, value: Any) -> ClavienDindo:
        return value if isinstance(value, ClavienDindo) else ClavienDindo.parse(str(value))
