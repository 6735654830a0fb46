"""A local (pelvic) recurrence: compartments, fixation, and the sacral landmarks for sacrectomy."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import numpy as np
from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from rectoplan.clinical.case.base import _error, _Model
from rectoplan.clinical.sacrum import (
    SACRAL_LEVELS,
    SacralCurve,
    check_landmarks,
)
from rectoplan.clinical.staging import MetastaticSite
from rectoplan.errors import FieldError

# --- local recurrence ---------------------------------------------------------------------


class Compartment(StrEnum):
    """Royal Marsden MRI compartments of a pelvic recurrence."""

    peritoneal_reflection = "peritoneal_reflection"
    anterior_above_pr = "anterior_above_pr"
    anterior_below_pr = "anterior_below_pr"
    central = "central"
    posterior = "posterior"
    lateral = "lateral"
    inferior = "inferior"


class FixationSite(StrEnum):
    sacrum = "sacrum"
    pelvic_sidewall = "pelvic_sidewall"
    anterior_organs = "anterior_organs"
    pubic_bone = "pubic_bone"


class Side(StrEnum):
    left = "left"
    right = "right"
    bilateral = "bilateral"


class SacralLandmark(_Model):
    """A point on the anterior sacral surface on the mid-sagittal image (x anterior, y cranial)."""

    level: str = Field(description="S1 (promontory), S2 ... S5, Co1, Co2: top of that segment")
    x_mm: float = Field(ge=-500, le=500)
    y_mm: float = Field(ge=-500, le=500)


class SagittalPoint(_Model):
    x_mm: float = Field(ge=-500, le=500)
    y_mm: float = Field(ge=-500, le=500)


class Recurrence(_Model):
    date: dt.date | None = None
    compartments: tuple[Compartment, ...] = Field(
        (), description="Involved compartments; empty = not yet staged (the engine warns)"
    )
    fixed_to: tuple[FixationSite, ...] = ()
    highest_sacral_level: str | None = Field(
        None, description="Highest sacral segment invaded (S1 ... Co1); None = sacrum free"
    )
    sciatic_notch_extension: bool | None = None
    external_iliac_encasement_deg: float | None = Field(None, ge=0, le=360)
    hydronephrosis: bool | None = None
    distant_metastases: bool | None = None
    prior_pelvic_rt_dose_gy: float | None = Field(None, ge=0, le=120)
    ecog: int | None = Field(None, ge=0, le=4, description="Performance status at recurrence")
    sacral_landmarks: tuple[SacralLandmark, ...] = ()
    tumour_upper_extent: SagittalPoint | None = Field(
        None, description="Most cranial point of the tumour on the anterior sacrum (sagittal)"
    )
    hydronephrosis_side: Side | None = Field(
        None, description="Which kidney is obstructed (implies hydronephrosis)"
    )
    distant_sites: tuple[MetastaticSite, ...] = Field(
        (), description="Sites of distant disease found when the recurrence was staged"
    )

    @model_validator(mode="after")
    def _side_and_sites_agree(self) -> Recurrence:
        if self.hydronephrosis_side is not None:
            if self.hydronephrosis is False:
                raise _error(
                    "recurrence.hydronephrosis_side", "a side is given but hydronephrosis is 'no'"
                )
            object.__setattr__(self, "hydronephrosis", True)
        if self.distant_sites:
            if len(set(self.distant_sites)) != len(self.distant_sites):
                raise _error("recurrence.distant_sites", "a site is listed twice")
            if self.distant_metastases is False:
                raise _error(
                    "recurrence.distant_sites",
                    "distant sites are listed but distant metastases is 'no'",
                )
            object.__setattr__(self, "distant_metastases", True)
        return self

    @field_validator("highest_sacral_level")
    @classmethod
    def _known_level(cls, value: str | None) -> str | None:
        if value is not None and value not in SACRAL_LEVELS:
            raise ValueError(f"{value!r} is not a sacral level ({', '.join(SACRAL_LEVELS)})")
        return value

    @model_validator(mode="after")
    def _landmarks_make_a_curve(self) -> Recurrence:
        if self.sacral_landmarks:
            try:
                check_landmarks(
                    tuple(lm.level for lm in self.sacral_landmarks),
                    np.array([(lm.x_mm, lm.y_mm) for lm in self.sacral_landmarks]),
                )
            except FieldError as exc:
                raise _error("recurrence.sacral_landmarks", exc.message) from None
        if self.tumour_upper_extent is not None and not self.sacral_landmarks:
            raise _error(
                "recurrence.sacral_landmarks", "a tumour extent needs the sacral landmarks"
            )
        return self

    def sacral_curve(self) -> SacralCurve:
        """The anterior sacral curve through the landmarks (validated on construction)."""
        return SacralCurve.through(
            [lm.level for lm in self.sacral_landmarks],
            [(lm.x_mm, lm.y_mm) for lm in self.sacral_landmarks],
        )
