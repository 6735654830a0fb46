"""Criteria checked one by one: each is met, unmet, or unknown (with the field that is missing).

Local excision at diagnosis (NCCN principles [P]) and after neoadjuvant therapy (GRECCAR 2 /
CARTS / WALL-RESECT) both come down to a list of named criteria; the recommendation shows every
criterion so that the MDT sees which ones carried it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rectoplan.clinical.case import Grade
from rectoplan.clinical.tnm import NCategory, TCategory
from rectoplan.pathways.context import Context
from rectoplan.pathways.recommendation import Criterion, Strength


@dataclass(frozen=True, slots=True)
class CriteriaCheck:
    criteria: tuple[Criterion, ...]
    missing_fields: tuple[str, ...]

    @property
    def all_met(self) -> bool:
        return all(c.met is True for c in self.criteria)

    @property
    def any_unmet(self) -> bool:
        return any(c.met is False for c in self.criteria)

    def strength(self, if_unknown: Strength) -> Strength:
        """Preferred when every criterion is met, not recommended when one fails, else
        ``if_unknown``: missing data lowers confidence but does not veto."""
        if self.all_met:
            return Strength.preferred
        if self.any_unmet:
            return Strength.not_recommended
        return if_unknown

    def summary(self) -> str:
        met = [c.name for c in self.criteria if c.met]
        unmet = [c.name for c in self.criteria if c.met is False]
        unknown = [c.name for c in self.criteria if c.met is None]
        parts = [f"met: {', '.join(met) or 'none'}"]
        if unmet:
            parts.append(f"not met: {', '.join(unmet)}")
        if unknown:
            parts.append(f"unknown: {', '.join(unknown)}")
        return "; ".join(parts)


def _check(
    name: str,
    value,
    test: Callable[[Any], bool],
    describe: Callable[[Any], str],
    field: str,
    missing: list[str],
    what: str,
) -> Criterion:
    """One criterion; its sentence is written from the value only once the value is known.

    ``describe`` turns a recorded value into words; ``what`` names the datum in clinical words
    for the sentence that says it was not recorded (never "None" or an empty placeholder).
    """
    if value is None:
        missing.append(field)
        return Criterion(name=name, met=None, detail=f"{what} not recorded")
    return Criterion(name=name, met=bool(test(value)), detail=describe(value))


def _yes_no(present: str, absent: str) -> Callable[[Any], str]:
    return lambda v: present if v else absent


def local_excision_at_diagnosis(ctx: Context, transanal: bool) -> CriteriaCheck:
    """The NCCN list for local excision of a cT1 N0 tumour, each cut-off a setting.

    The reach limit (within 8 cm of the verge) applies to transanal excision only.
    """
    th, tumour, mri = ctx.thresholds, ctx.case.tumour, ctx.case.mri
    missing: list[str] = []
    c = [
        _check(
            f"size < {th.local_excision_max_size_cm:g} cm",
            tumour.longest_diameter_cm,
            lambda v: v < th.local_excision_max_size_cm,
            lambda v: f"longest diameter {v:g} cm",
            "tumour.longest_diameter_cm",
            missing,
            "longest diameter",
        ),
        _check(
            f"circumference < {th.local_excision_max_circumference_pct:g}%",
            tumour.circumferential_extent_pct,
            lambda v: v < th.local_excision_max_circumference_pct,
            lambda v: f"circumferential extent {v:g}%",
            "tumour.circumferential_extent_pct",
            missing,
            "circumferential extent",
        ),
        _check(
            "cT1",
            mri.ct if mri else None,
            lambda v: v in (TCategory.Tis, TCategory.T1),
            lambda v: f"c{v}",
            "mri.ct",
            missing,
            "clinical T category",
        ),
        _check(
            "no lymphadenopathy",
            mri.cn if mri else None,
            lambda v: v is NCategory.N0,
            lambda v: f"c{v}",
            "mri.cn",
            missing,
            "clinical N category",
        ),
        _check(
            "mobile",
            tumour.mobile,
            bool,
            _yes_no("mobile on examination", "fixed on examination"),
            "tumour.mobile",
            missing,
            "mobility on examination",
        ),
        _check(
            "well or moderately differentiated",
            tumour.grade,
            lambda v: v in (Grade.G1, Grade.G2),
            lambda v: f"grade {v}",
            "tumour.grade",
            missing,
            "biopsy grade",
        ),
        _check(
            "no lymphovascular invasion",
            tumour.biopsy_lvi,
            lambda v: not v,
            _yes_no("LVI on biopsy", "no LVI on biopsy"),
            "tumour.biopsy_lvi",
            missing,
            "lymphovascular invasion on biopsy",
        ),
        _check(
            "no perineural invasion",
            tumour.biopsy_pni,
            lambda v: not v,
            _yes_no("PNI on biopsy", "no PNI on biopsy"),
            "tumour.biopsy_pni",
            missing,
            "perineural invasion on biopsy",
        ),
        _check(
            "no mucinous component",
            tumour.mucinous,
            lambda v: not v,
            _yes_no("mucinous", "not mucinous"),
            "tumour.mucinous",
            missing,
            "mucinous component",
        ),
    ]
    if transanal:
        c.insert(
            2,
            _check(
                f"within {th.local_excision_max_distance_cm:g} cm of the anal verge",
                tumour.distance_from_anal_verge_cm,
                lambda v: v <= th.local_excision_max_distance_cm,
                lambda v: f"{v:g} cm from the anal verge",
                "tumour.distance_from_anal_verge_cm",
                missing,
                "distance from the anal verge",
            ),
        )
    return CriteriaCheck(tuple(c), tuple(missing))


def local_excision_after_neoadjuvant(ctx: Context, max_residual_cm: float) -> CriteriaCheck:
    """GRECCAR 2 / CARTS-style selection of a good responder for excision of the residual."""
    th, case = ctx.thresholds, ctx.case
    restaging = case.restaging
    assert restaging is not None
    ycn = restaging.ycn
    missing: list[str] = []
    c = [
        _check(
            f"residual <= {max_residual_cm:g} cm",
            restaging.residual_size_cm,
            lambda v: v <= max_residual_cm,
            lambda v: f"residual {v:g} cm",
            "restaging.residual_size_cm",
            missing,
            "residual size",
        ),
        _check(
            f"baseline <= {th.organ_preservation_max_baseline_cm:g} cm",
            case.tumour.longest_diameter_cm,
            lambda v: v <= th.organ_preservation_max_baseline_cm,
            lambda v: f"baseline {v:g} cm",
            "tumour.longest_diameter_cm",
            missing,
            "baseline longest diameter",
        ),
        _check(
            f"within {th.local_excision_max_distance_cm:g} cm of the anal verge",
            case.tumour.distance_from_anal_verge_cm,
            lambda v: v <= th.local_excision_max_distance_cm,
            lambda v: f"{v:g} cm from the anal verge",
            "tumour.distance_from_anal_verge_cm",
            missing,
            "distance from the anal verge",
        ),
        _check(
            "no residual nodal disease (ycN0)",
            ycn,
            lambda v: v is NCategory.N0,
            lambda v: f"yc{v}",
            "restaging.ycn",
            missing,
            "restaging N category",
        ),
        _check(
            "no distant metastases",
            not ctx.metastatic,
            bool,
            _yes_no("M0", "M1"),
            "distant.cm",
            missing,
            "distant staging",
        ),
    ]
    return CriteriaCheck(tuple(c), tuple(missing))
