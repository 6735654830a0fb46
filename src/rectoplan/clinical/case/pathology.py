"""The pathology report of a resection or local excision specimen (p or yp TNM, margins)."""

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
from rectoplan.clinical.case.patient import Grade, SubmucosalDepth
from rectoplan.clinical.case.treatment import OperationType
from rectoplan.clinical.pathology import TmeGrade
from rectoplan.clinical.response import (
    RegressionScale,
    check_grade,
)
from rectoplan.clinical.staging import n_category_from_nodes
from rectoplan.clinical.tnm import NCategory, Prefix, TCategory, parse_category


class Budding(StrEnum):
    """ITBCC tumour budding: Bd1 low (0-4), Bd2 intermediate (5-9), Bd3 high (>= 10)."""

    bd1 = "Bd1"
    bd2 = "Bd2"
    bd3 = "Bd3"


class RegressionGrade(_Model):
    scale: RegressionScale
    grade: int

    @model_validator(mode="after")
    def _in_range(self) -> RegressionGrade:
        check_grade(self.scale, self.grade)
        return self


class Pathology(_Model):
    specimen: OperationType
    t: TCategory
    n: NCategory | None = Field(None, description="Derived from nodes_positive when omitted")
    prefix: Prefix = Field(Prefix.p, description="p, or yp after neoadjuvant therapy")
    tumour_size_cm: float | None = Field(None, ge=0, le=30)
    nodes_examined: int | None = Field(None, ge=0, le=200)
    nodes_positive: int | None = Field(None, ge=0, le=200)
    tumour_deposits: bool = False
    crm_distance_mm: Mm | None = None
    distal_margin_mm: Mm | None = None
    deep_margin_mm: Mm | None = Field(None, description="Deep margin of a local excision")
    lateral_margin_mm: Mm | None = Field(None, description="Mucosal margin of a local excision")
    macroscopic_residual: bool = False
    tme_grade: TmeGrade | None = None
    grade: Grade | None = None
    submucosal_depth: SubmucosalDepth | None = None
    lvi: bool | None = None
    pni: bool | None = None
    budding: Budding | None = None
    regression: RegressionGrade | None = None
    date: dt.date | None = Field(None, description="Day the pathology report was issued")

    @model_validator(mode="before")
    @classmethod
    def _split_prefixes(cls, data: Any) -> Any:
        """Accept ``"t": "ypT1"`` as written in reports: the prefix moves to ``prefix``."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for axis in ("t", "n"):
            raw = data.get(axis)
            if isinstance(raw, str):
                try:
                    prefix, category = parse_category(raw, axis.upper())
                except ValueError as exc:
                    raise _error(f"pathology.{axis}", str(exc)) from None
                data[axis] = category
                if prefix is not None:
                    if "prefix" in data and str(data["prefix"]) != prefix.value:
                        raise _error(
                            "pathology.prefix", f"{raw!r} contradicts prefix {data['prefix']!r}"
                        )
                    data["prefix"] = prefix
        return data

    @field_validator("prefix")
    @classmethod
    def _pathological(cls, value: Prefix) -> Prefix:
        if value not in (Prefix.p, Prefix.yp):
            raise ValueError("pathology staging uses the p or yp prefix")
        return value

    @model_validator(mode="after")
    def _nodes(self) -> Pathology:
        examined, positive = self.nodes_examined, self.nodes_positive
        if examined is not None and positive is not None and positive > examined:
            raise _error(
                "pathology.nodes_positive",
                f"{positive} positive nodes but only {examined} examined",
            )
        if positive is not None:
            derived = n_category_from_nodes(positive, self.tumour_deposits)
            if self.n is None:
                object.__setattr__(self, "n", derived)
            elif self.n not in _compatible_n(derived):
                raise _error(
                    "pathology.n",
                    f"{self.n} does not match {positive} positive node(s), which give {derived}",
                )
        return self

    @property
    def margins_mm(self) -> dict[str, float]:
        """Every measured margin by name."""
        named = {
            "crm_distance_mm": self.crm_distance_mm,
            "distal_margin_mm": self.distal_margin_mm,
            "deep_margin_mm": self.deep_margin_mm,
            "lateral_margin_mm": self.lateral_margin_mm,
        }
        return {k: v for k, v in named.items() if v is not None}


def _compatible_n(derived: NCategory) -> tuple[NCategory, ...]:
    """An unsubdivided N1/N2 is compatible with its subcategories."""
    if derived in (NCategory.N1a, NCategory.N1b, NCategory.N1c):
        return (derived, NCategory.N1)
    if derived in (NCategory.N2a, NCategory.N2b):
        return (derived, NCategory.N2)
    return (derived,)
