"""Treatment: neoadjuvant courses, operations and their complications."""

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
from rectoplan.clinical.complications import ClavienDindo

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


class Operation(_Model):
    type: OperationType
    date: dt.date | None = None
    approach: Approach | None = None
    blood_loss_ml: float | None = Field(None, ge=0, le=50000)
    duration_min: float | None = Field(None, gt=0, le=2000)
    stoma: bool | None = None


class Complication(_Model):
    description: str = Field(min_length=1, max_length=200)
    clavien_dindo: ClavienDindo
    date: dt.date | None = None

    @field_validator("clavien_dindo", mode="before")
    @classmethod
    def _parse_grade(cls, value: Any) -> ClavienDindo:
        return value if isinstance(value, ClavienDindo) else ClavienDindo.parse(str(value))
