"""The whole case: one patient's rectal cancer episode, its parts and the rules that span them."""

from __future__ import annotations

import datetime as dt

from pydantic import (
    Field,
    ValidationInfo,
    model_validator,
)

from rectoplan.clinical.case.base import SCHEMA_VERSION, _error, _Model
from rectoplan.clinical.case.follow_up import FollowUpEvent, check_follow_up
from rectoplan.clinical.case.imaging import BaselineMri, DistantStaging, Restaging
from rectoplan.clinical.case.pathology import Pathology
from rectoplan.clinical.case.patient import Patient, PrimaryTumour
from rectoplan.clinical.case.recurrence import Recurrence
from rectoplan.clinical.case.stenosis import AnastomoticStenosis
from rectoplan.clinical.case.treatment import Complication, NeoadjuvantTherapy, Operation
from rectoplan.clinical.plausibility import future_dates, rectum_extent
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
    follow_up: tuple[FollowUpEvent, ...] = ()

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
        self._check_links()
        self._check_after_diagnosis()
        self._check_plausible()
        return self

    def _check_links(self) -> None:
        procedures = self.stenosis.procedures if self.stenosis else ()
        for i, c in enumerate(self.complications):
            if c.operation is not None and c.operation >= len(self.operations):
                raise _error(
                    f"complications[{i}].operation",
                    f"no operation {c.operation} ({len(self.operations)} recorded, from 0)",
                )
            if c.procedure is not None and c.procedure >= len(procedures):
                raise _error(
                    f"complications[{i}].procedure",
                    f"no stenosis procedure {c.procedure} ({len(procedures)} recorded, from 0)",
                )

    def _check_after_diagnosis(self) -> None:
        """Nothing happens after treatment before the diagnosis, or after the death."""
        check_follow_up(self.follow_up, self.diagnosis_date)
        died = next((e.date for e in self.follow_up if e.kind == "death"), None)
        dated = [
            *((f"complications[{i}].date", c.date) for i, c in enumerate(self.complications)),
            ("recurrence.date", self.recurrence.date if self.recurrence else None),
        ]
        for path, day in dated:
            if day is None:
                continue
            if self.diagnosis_date and day < self.diagnosis_date:
                raise _error(path, f"{day} is before the diagnosis ({self.diagnosis_date})")
            if died and day > died:
                raise _error(path, f"{day} is after the death ({died})")

    def _check_plausible(self) -> None:
        """Facts that would make this another case (`rectoplan.clinical.plausibility`)."""
        refusal, _warning = rectum_extent(
            self.tumour.distance_from_anal_verge_cm,
            self.tumour.height_modality.value if self.tumour.height_modality else None,
        )
        if refusal:
            raise _error("tumour.distance_from_anal_verge_cm", refusal)
        for path, message in future_dates(self, dt.date.today()):
            raise _error(path, message)

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
