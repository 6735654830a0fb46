"""Criteria checked one by one: each is met, unmet, or unknown (with the field that is missing).

Local excision at diagnosis (NCCN principles [P]) and after neoadjuvant therapy (GRECCAR 2 /
CARTS / WALL-RESECT) both come down to a list of named criteria; the recommendation shows every
criterion so that the MDT sees which ones carried it.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def _check(name: str, value, test, detail: str, field: str, missing: list[str]) -> Criterion:
    if value is None:
        missing.append(field)
        return Criterion(name=name, met=None, detail=f"{detail} ({field} not recorded)")
    return Criterion(name=name, met=bool(test(value)), detail=detail)


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
            f"longest diameter {tumour.longest_diameter_cm:g} cm",
            "tumour.longest_diameter_cm",
            missing,
        ),
        _check(
            f"circumference < {th.local_excision_max_circumference_pct:g}%",
            tumour.circumferential_extent_pct,
            lambda v: v < th.local_excision_max_circumference_pct,
            f"circumferential extent {tumour.circumferential_extent_pct}%",
            "tumour.circumferential_extent_pct",
            missing,
        ),
        _check(
            "cT1",
            mri.ct if mri else None,
            lambda v: v in (TCategory.Tis, TCategory.T1),
            f"c{mri.ct}" if mri else "clinical T",
            "mri.ct",
            missing,
        ),
        _check(
            "no lymphadenopathy",
            mri.cn if mri else None,
            lambda v: v is NCategory.N0,
            f"c{mri.cn}" if mri else "clinical N",
            "mri.cn",
            missing,
        ),
        _check(
            "mobile",
            tumour.mobile,
            bool,
            "mobile on examination" if tumour.mobile else "fixed on examination",
            "tumour.mobile",
            missing,
        ),
        _check(
            "well or moderately differentiated",
            tumour.grade,
            lambda v: v in (Grade.G1, Grade.G2),
            f"grade {tumour.grade}",
            "tumour.grade",
            missing,
        ),
        _check(
            "no lymphovascular invasion",
            tumour.biopsy_lvi,
            lambda v: not v,
            "LVI on biopsy" if tumour.biopsy_lvi else "no LVI on biopsy",
            "tumour.biopsy_lvi",
            missing,
        ),
        _check(
            "no perineural invasion",
            tumour.biopsy_pni,
            lambda v: not v,
            "PNI on biopsy" if tumour.biopsy_pni else "no PNI on biopsy",
            "tumour.biopsy_pni",
            missing,
        ),
        _check(
            "no mucinous component",
            tumour.mucinous,
            lambda v: not v,
            "mucinous" if tumour.mucinous else "not mucinous",
            "tumour.mucinous",
            missing,
        ),
    ]
    if transanal:
        c.insert(
            2,
            _check(
                f"within {th.local_excision_max_distance_cm:g} cm of the anal verge",
                tumour.distance_from_anal_verge_cm,
                lambda v: v <= th.local_excision_max_distance_cm,
                f"{tumour.distance_from_anal_verge_cm:g} cm from the anal verge",
                "tumour.distance_from_anal_verge_cm",
                missing,
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
            f"residual {restaging.residual_size_cm} cm",
            "restaging.residual_size_cm",
            missing,
        ),
        _check(
            f"baseline <= {th.organ_preservation_max_baseline_cm:g} cm",
            case.tumour.longest_diameter_cm,
            lambda v: v <= th.organ_preservation_max_baseline_cm,
            f"baseline {case.tumour.longest_diameter_cm:g} cm",
            "tumour.longest_diameter_cm",
            missing,
        ),
        _check(
            f"within {th.local_excision_max_distance_cm:g} cm of the anal verge",
            case.tumour.distance_from_anal_verge_cm,
            lambda v: v <= th.local_excision_max_distance_cm,
            f"{case.tumour.distance_from_anal_verge_cm:g} cm from the anal verge",
            "tumour.distance_from_anal_verge_cm",
            missing,
        ),
        _check(
            "no residual nodal disease (ycN0)",
            ycn,
            lambda v: v is NCategory.N0,
            f"yc{ycn}" if ycn else "restaging N",
            "restaging.ycn",
            missing,
        ),
        _check(
            "no distant metastases",
            not ctx.metastatic,
            bool,
            "M1" if ctx.metastatic else "M0",
            "distant.cm",
            missing,
        ),
    ]
    return CriteriaCheck(tuple(c), tuple(missing))
