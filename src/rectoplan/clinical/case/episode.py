"""The whole case: one patient's rectal cancer episode, its parts and the rules that span them."""

from __future__ import annotations

import datetime as dt

from pydantic import (
    Field,
    ValidationInfo,
    model_validator,
)

from rectoplan.clinical.case.base import SCHEMA_VERSION, _error, _Model
from rectoplan.clinical.case.imaging import BaselineMri, DistantStaging, Restaging
from rectoplan.clinical.case.pathology import Pathology
from rectoplan.clinical.case.patient import Patient, PrimaryTumour
from rectoplan.clinical.case.recurrence import Recurrence
from rectoplan.clinical.case.stenosis import AnastomoticStenosis
from rectoplan.clinical.case.treatment import Complication, NeoadjuvantTherapy, Operation
from rectoplan.clinical.tnm import Prefix

# --- the case -----------------------------------------------------------------------------


class Case(_Model):
    """One patient's rectal cancer episode; optional sections open the later pathway phases."""

    schema_version: str = Field(SCHEMA_VERSION, pattern="^1$")
    case_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")
    diagnosis_date: dt.date | None = None
    patient: Patient
    tumour: PrimaryTumour
    mri: BaselineMri | None = None
    distant: DistantStaging | None = None
    neoadjuvant: NeoadjuvantTherapy | None = None
    restaging: Restaging | None = None
    operations: tuple[Operation, ...] = ()
    pathology: Pathology | None = None
    complications: tuple[Complication, ...] = ()
    recurrence: Recurrence | None = None
    stenosis: AnastomoticStenosis | None = None

    @model_validator(mode="after")
    def _coherent(self, info: ValidationInfo) -> Case:
        if self.neoadjuvant is None:
            if self.restaging is not None:
                raise _error("restaging", "restaging needs the neoadjuvant therapy it follows")
            if self.pathology is not None and self.pathology.prefix is Prefix.yp:
                raise _error(
                    "pathology.t",
                    f"yp{self.pathology.t} (post-therapy) but no neoadjuvant therapy is recorded",
                )
        self._check_dates()
        return self

    def _check_dates(self) -> None:
        end = self.neoadjuvant.end_date if self.neoadjuvant else None
        restaged = self.restaging.date if self.restaging else None
        if end and restaged and restaged < end:
            raise _error(
                "restaging.date", f"{restaged} is before neoadjuvant therapy ended ({end})"
            )
        first_op = min((op.date for op in self.operations if op.date), default=None)
        latest_before = restaged or end
        if first_op and latest_before and first_op < latest_before:
            raise _error(
                "operations[0].date",
                f"{first_op} is before restaging/neoadjuvant ({latest_before})",
            )
        if self.diagnosis_date and first_op and first_op < self.diagnosis_date:
            raise _error("diagnosis_date", f"{self.diagnosis_date} is after the first operation")

    @property
    def local_operation(self) -> Operation | None:
        """The most recent local excision / ESD / EFTR, if any."""
        local = [op for op in self.operations if op.type.is_local]
        return local[-1] if local else None
