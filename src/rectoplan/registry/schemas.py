"""What may be written to the registry: input schemas, separate from the tables.

One episode record is the unit of import and export: the pseudonymous patient, the case (the
clinical model, validated by `rectoplan.clinical.case.Case`), and what happened around it
(treatments, complications, MDT decisions, follow-up events). Rules that span sections are
checked here, so a file is rejected row by row before anything is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from rectoplan.clinical.case import Approach, OperationType, RingSpec, Sex
from rectoplan.clinical.complications import parse_clavien_dindo
from rectoplan.errors import FieldError, InvalidRecordError, nested_field_error
from rectoplan.mdt_reasons import needs_note
from rectoplan.pathways.recommendation import catalogue
from rectoplan.registry.codes import check_deviation_code
from rectoplan.registry.enums import (
    SACRECTOMY_LEVELS,
    DecisionCategory,
    EndoscopicProcedure,
    EpisodeStatus,
    FollowUpKind,
    TreatmentKind,
)

PSEUDONYM_PATTERN = r"^[A-Za-z0-9._:-]+$"


class _Schema(BaseModel):
    """Unknown fields are errors: a misspelt field must not vanish on import."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class PatientIn(_Schema):
    """The registry's patient: a pseudonym, never a name or a hospital number."""

    pseudonym: str = Field(min_length=1, max_length=64, pattern=PSEUDONYM_PATTERN)
    sex: Sex
    birth_year: int | None = Field(None, ge=1880, le=2200)


class TreatmentIn(_Schema):
    kind: TreatmentKind
    started_on: dt.date | None = None
    ended_on: dt.date | None = None
    operation_type: OperationType | None = None
    approach: Approach | None = None
    sacrectomy_level: str | None = None
    procedure: EndoscopicProcedure | None = None
    balloon_mm: float | None = Field(None, gt=0, le=60)
    magnet_spec: RingSpec | None = Field(
        None, description="The ring (both rings are the same ring); the case model's RingSpec"
    )
    discharge_day: int | None = Field(None, ge=0, le=365, description="Days after the start")
    details: dict[str, Any] = Field(default_factory=dict)

    @field_validator("sacrectomy_level")
    @classmethod
    def _level(cls, value: str | None) -> str | None:
        if value is not None and value not in SACRECTOMY_LEVELS:
            raise ValueError(f"{value!r} is not a sacral level ({', '.join(SACRECTOMY_LEVELS)})")
        return value

    @model_validator(mode="after")
    def _fits_kind(self) -> TreatmentIn:
        kind = self.kind
        only = {
            "operation_type": kind is TreatmentKind.operation,
            "sacrectomy_level": kind is TreatmentKind.operation,
            "approach": kind in (TreatmentKind.operation, TreatmentKind.endoscopic),
            "procedure": kind is TreatmentKind.endoscopic,
            "balloon_mm": self.procedure is EndoscopicProcedure.balloon_dilatation,
            "magnet_spec": self.procedure is EndoscopicProcedure.magnetic_compression,
        }
        for name, allowed in only.items():
            if getattr(self, name) is not None and not allowed:
                raise nested_field_error(name, f"does not apply to {self._what()}")
        if kind is TreatmentKind.operation and self.operation_type is None:
            raise nested_field_error("operation_type", "an operation needs its type")
        if kind is TreatmentKind.endoscopic and self.procedure is None:
            raise nested_field_error("procedure", "an endoscopic treatment needs its procedure")
        if self.procedure is EndoscopicProcedure.magnetic_compression and not self.magnet_spec:
            raise nested_field_error(
                "magnet_spec", "magnetic compression needs the magnet specification"
            )
        if self.started_on and self.ended_on and self.ended_on < self.started_on:
            raise nested_field_error("ended_on", f"{self.ended_on} is before started_on")
        return self

    def _what(self) -> str:
        return f"a {self.procedure} procedure" if self.procedure else f"a {self.kind} treatment"


class ComplicationIn(_Schema):
    """One complication; ``treatment`` is the index of the treatment in the same record."""

    clavien_dindo: str
    description: str = Field(min_length=1, max_length=200)
    occurred_on: dt.date | None = None
    treatment: int | None = Field(None, ge=0)

    @field_validator("clavien_dindo")
    @classmethod
    def _grade(cls, value: str) -> str:
        return str(parse_clavien_dindo(value))


class MeetingIn(_Schema):
    held_on: dt.date
    title: str = Field(min_length=1, max_length=200)
    attendees: tuple[str, ...] = ()


class DecisionIn(_Schema):
    """An MDT decision: the option chosen, or a coded deviation from the preferred one."""

    decided_at: dt.datetime
    chosen_option_id: str | None = None
    deviation_code: str | None = None
    deviation_note: str | None = Field(None, max_length=2000)
    decided_by: str | None = Field(None, max_length=100)
    meeting: MeetingIn | None = None
    urgency_reason: str | None = Field(
        None, max_length=2000, description="Why it could not wait for a meeting"
    )

    @field_validator("decided_at")
    @classmethod
    def _aware(cls, value: dt.datetime) -> dt.datetime:
        if value.utcoffset() is None:
            raise ValueError("give the time zone (e.g. 2025-03-04T14:00:00+00:00)")
        return value.astimezone(dt.UTC)

    @field_validator("chosen_option_id")
    @classmethod
    def _known_option(cls, value: str | None) -> str | None:
        if value is not None and value not in catalogue():
            raise ValueError(f"{value!r} is not an option the engine knows")
        return value

    @field_validator("deviation_code")
    @classmethod
    def _coded(cls, value: str | None) -> str | None:
        return None if value is None else check_deviation_code(value)

    def category(
        self, preferred_ids: Sequence[str], alternative_ids: Sequence[str] = ()
    ) -> DecisionCategory:
        """What the decision was against the snapshot's options (`DecisionCategory`).

        A deviation needs a reason when the assessment preferred something; choosing a
        preferred option must not carry one; an alternative may. "Other" needs the note.
        """
        chosen = self.chosen_option_id
        if chosen is not None and chosen in preferred_ids:
            category = DecisionCategory.concordant
        elif chosen is not None and chosen in alternative_ids:
            category = DecisionCategory.alternative
        else:
            category = DecisionCategory.deviation
        if category is DecisionCategory.concordant and self.deviation_code:
            message = (
                f"{chosen} is the preferred option; a deviation code applies only when the "
                "preferred option is not chosen"
            )
        elif category is DecisionCategory.deviation and preferred_ids and not self.deviation_code:
            message = (
                f"required when neither the preferred option ({', '.join(preferred_ids)}) nor "
                "a listed alternative is chosen"
            )
        elif needs_note(self.deviation_code) and not (self.deviation_note or "").strip():
            raise InvalidRecordError(
                [FieldError("deviation_note", "say what the other reason for deviating was")]
            )
        else:
            return category
        raise InvalidRecordError([FieldError("deviation_code", message)])


class EventIn(_Schema):
    kind: FollowUpKind
    occurred_on: dt.date
    details: dict[str, Any] = Field(default_factory=dict)


class EpisodeRecord(_Schema):
    """The import/export unit; ``case`` is validated separately by the case model, so its
    errors read ``case.mri.ct`` and its own cross-field rules keep their field names."""

    patient: PatientIn
    case: dict[str, Any]
    status: EpisodeStatus = EpisodeStatus.active
    treatments: tuple[TreatmentIn, ...] = ()
    complications: tuple[ComplicationIn, ...] = ()
    decisions: tuple[DecisionIn, ...] = ()
    events: tuple[EventIn, ...] = ()

    @model_validator(mode="after")
    def _references(self) -> EpisodeRecord:
        for i, complication in enumerate(self.complications):
            if complication.treatment is not None and complication.treatment >= len(
                self.treatments
            ):
                raise nested_field_error(
                    f"complications[{i}].treatment",
                    f"no treatment {complication.treatment} in this record "
                    f"({len(self.treatments)} given, counted from 0)",
                )
        return self
