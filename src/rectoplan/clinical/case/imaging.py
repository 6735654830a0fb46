"""Imaging: the baseline MRI, distant staging, and the restaging after neoadjuvant therapy."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from rectoplan.clinical.case.base import Mm, _error, _Model
from rectoplan.clinical.response import (
    DreFinding,
    DwiFinding,
    EndoscopyFinding,
    T2Finding,
)
from rectoplan.clinical.staging import MetastaticSite, m_category_from_sites
from rectoplan.clinical.tnm import MCategory, NCategory, Prefix, TCategory, parse_category

# --- baseline MRI -------------------------------------------------------------------------


class MesorectalNode(_Model):
    short_axis_mm: float = Field(gt=0, le=100)
    round: bool | None = None
    irregular_border: bool | None = None
    heterogeneous_signal: bool | None = None
    mucinous: bool | None = None


class LateralStation(StrEnum):
    """Internal iliac and obturator nodes are regional; the others are M1 (AJCC [P])."""

    internal_iliac = "internal_iliac"
    obturator = "obturator"
    external_iliac = "external_iliac"
    common_iliac = "common_iliac"
    inguinal = "inguinal"

    @property
    def regional(self) -> bool:
        return self in (LateralStation.internal_iliac, LateralStation.obturator)


class LateralNode(_Model):
    station: LateralStation
    short_axis_mm: float = Field(gt=0, le=100)


def _t_category(value: Any) -> TCategory:
    if isinstance(value, TCategory):
        return value
    prefix, category = parse_category(str(value), "T")
    if prefix not in (None, Prefix.c):
        raise ValueError(f"baseline MRI staging is clinical (cT); {value!r} has prefix {prefix}")
    return category  # type: ignore[return-value]


def _n_category(value: Any, allowed: tuple[Prefix | None, ...]) -> NCategory:
    if isinstance(value, NCategory):
        return value
    prefix, category = parse_category(str(value), "N")
    if prefix not in allowed:
        raise ValueError(f"prefix {prefix} is not allowed here")
    return category  # type: ignore[return-value]


class BaselineMri(_Model):
    date: dt.date | None = Field(
        None, description="Day of the staging MRI (the tumour board checks its age)"
    )
    ct: TCategory = Field(description="Clinical T category on MRI (T3 substage from depth)")
    extramural_depth_mm: Mm | None = Field(None, description="Extramural spread beyond the MP")
    cn: NCategory
    mesorectal_nodes: tuple[MesorectalNode, ...] = ()
    lateral_nodes: tuple[LateralNode, ...] = ()
    mrf_distance_mm: Mm | None = Field(
        None, description="Closest tumour/EMVI/deposit/node distance to the mesorectal fascia"
    )
    emvi: bool | None = None
    tumour_deposits: bool | None = None
    extranodal_extension: bool | None = None
    levator_involved: bool | None = None
    levator_threatened: bool | None = None
    internal_sphincter_invaded: bool | None = None
    intersphincteric_plane_invaded: bool | None = None
    external_sphincter_invaded: bool | None = None
    anal_canal_involved: bool | None = None
    distance_to_anorectal_ring_mm: float | None = Field(
        None,
        ge=-60,
        le=200,
        description="Lower tumour edge above (+) or below (-) the anorectal ring, for Rullier",
    )

    @field_validator("ct", mode="before")
    @classmethod
    def _parse_t(cls, value: Any) -> TCategory:
        return _t_category(value)

    @field_validator("cn", mode="before")
    @classmethod
    def _parse_n(cls, value: Any) -> NCategory:
        return _n_category(value, (None, Prefix.c))

    @model_validator(mode="after")
    def _depth_needs_t3(self) -> BaselineMri:
        shallow = (TCategory.Tis, TCategory.T0, TCategory.T1, TCategory.T2)
        if self.extramural_depth_mm and self.ct in shallow:
            raise _error(
                "mri.extramural_depth_mm",
                f"extramural spread of {self.extramural_depth_mm} mm means at least cT3, "
                f"not c{self.ct}",
            )
        return self


# --- distant staging ----------------------------------------------------------------------


class DistantStaging(_Model):
    date: dt.date | None = Field(
        None, description="Day of the staging CT (the tumour board checks its age)"
    )
    cm: MCategory | None = Field(None, description="Derived from sites when omitted")
    sites: tuple[MetastaticSite, ...] = ()
    metastasis_count: int | None = Field(
        None, ge=0, le=500, description="Number of distant metastases (oligometastatic decisions)"
    )
    largest_metastasis_mm: float | None = Field(
        None, gt=0, le=400, description="Longest diameter of the largest distant metastasis"
    )

    @field_validator("cm", mode="before")
    @classmethod
    def _parse_m(cls, value: Any) -> MCategory | None:
        if value is None or isinstance(value, MCategory):
            return value
        return parse_category(str(value), "M")[1]  # type: ignore[return-value]

    @model_validator(mode="after")
    def _consistent(self) -> DistantStaging:
        if len(set(self.sites)) != len(self.sites):
            raise _error("distant.sites", "a site is listed twice")
        derived = m_category_from_sites(self.sites)
        if self.cm is None or (self.cm is MCategory.M1 and self.sites):
            object.__setattr__(self, "cm", derived)
        elif self.cm is MCategory.M1:
            pass  # M1 not otherwise specified: sites still to be listed (a warning later)
        elif self.cm is not derived:
            listed = ", ".join(self.sites) or "no metastases"
            raise _error(
                "distant.cm",
                f"{self.cm} does not match the listed sites ({listed}), which give {derived}",
            )
        self._count_matches_sites()
        return self

    def _count_matches_sites(self) -> None:
        """A count of metastases must agree with M0 / M1 and cover every listed site."""
        count, metastatic = self.metastasis_count, self.cm not in (None, MCategory.M0)
        if count is not None and count > 0 and not metastatic:
            raise _error("distant.metastasis_count", f"{count} metastases but the stage is M0")
        if count == 0 and metastatic:
            raise _error(
                "distant.metastasis_count", f"no metastases counted but the stage is {self.cm}"
            )
        if count is not None and count < len(self.sites):
            raise _error(
                "distant.metastasis_count",
                f"{count} metastases cannot cover {len(self.sites)} listed sites",
            )
        if self.largest_metastasis_mm is not None and (count == 0 or not metastatic):
            raise _error("distant.largest_metastasis_mm", "a size needs at least one metastasis")


# --- restaging ----------------------------------------------------------------------------


class Restaging(_Model):
    date: dt.date | None = None
    endoscopy: EndoscopyFinding | None = None
    dre: DreFinding | None = None
    mri_t2: T2Finding | None = None
    mri_dwi: DwiFinding | None = None
    mrtrg: int | None = Field(None, ge=1, le=5, description="MERCURY mrTRG 1-5")
    residual_size_cm: float | None = Field(None, ge=0, le=30)
    yct: TCategory | None = None
    ycn: NCategory | None = None
    yc_mrf_distance_mm: Mm | None = None
    yc_internal_sphincter_invaded: bool | None = Field(
        None, description="Restaging MRI: internal sphincter still invaded (Rullier type III)"
    )
    yc_intersphincteric_plane_invaded: bool | None = None
    yc_external_sphincter_invaded: bool | None = Field(
        None, description="Restaging MRI: external sphincter still invaded (Rullier type IV)"
    )
    yc_levator_involved: bool | None = Field(
        None, description="Restaging MRI: levator ani still involved (Rullier type IV)"
    )
    yc_distance_to_anorectal_ring_mm: float | None = Field(
        None,
        ge=-60,
        le=200,
        description="Restaging MRI: lower edge of the residual above (+) or below (-) the ring",
    )

    @field_validator("yct", mode="before")
    @classmethod
    def _parse_t(cls, value: Any) -> TCategory | None:
        if value is None or isinstance(value, TCategory):
            return value
        return parse_category(str(value), "T")[1]  # type: ignore[return-value]

    @field_validator("ycn", mode="before")
    @classmethod
    def _parse_n(cls, value: Any) -> NCategory | None:
        if value is None or isinstance(value, NCategory):
            return value
        return parse_category(str(value), "N")[1]  # type: ignore[return-value]
