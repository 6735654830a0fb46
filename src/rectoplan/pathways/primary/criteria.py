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
from rectoplan.i18n import _, join_clauses, join_items
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
        parts = [_("met: {names}").format(names=join_items(met) or _("none"))]
        if unmet:
            parts.append(_("not met: {names}").format(names=join_items(unmet)))
        if unknown:
            parts.append(_("unknown: {names}").format(names=join_items(unknown)))
        return join_clauses(parts)


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
        return Criterion(name=name, met=None, detail=_("{what} not recorded").format(what=what))
    return Criterion(name=name, met=bool(test(value)), detail=describe(value))


def _yes_no(present: str, absent: str) -> Callable[[Any], str]:
    return lambda v: present if v else absent


def _within_reach(max_cm: float) -> str:
    return _("within {cm:g} cm of the anal verge").format(cm=max_cm)


def _from_verge(cm: float) -> str:
    return _("{cm:g} cm from the anal verge").format(cm=cm)


def local_excision_at_diagnosis(ctx: Context, transanal: bool) -> CriteriaCheck:
    """The NCCN list for local excision of a cT1 N0 tumour, each cut-off a setting.

    The reach limit (within 8 cm of the verge) applies to transanal excision only.
    """
    th, tumour, mri = ctx.thresholds, ctx.case.tumour, ctx.case.mri
    missing: list[str] = []
    c = [
        _check(
            _("size < {cm:g} cm").format(cm=th.local_excision_max_size_cm),
            tumour.longest_diameter_cm,
            lambda v: v < th.local_excision_max_size_cm,
            lambda v: _("longest diameter {cm:g} cm").format(cm=v),
            "tumour.longest_diameter_cm",
            missing,
            _("longest diameter"),
        ),
        _check(
            _("circumference < {percent:g}%").format(
                percent=th.local_excision_max_circumference_pct
            ),
            tumour.circumferential_extent_pct,
            lambda v: v < th.local_excision_max_circumference_pct,
            lambda v: _("circumferential extent {percent:g}%").format(percent=v),
            "tumour.circumferential_extent_pct",
            missing,
            _("circumferential extent"),
        ),
        _check(
            "cT1",
            mri.ct if mri else None,
            lambda v: v in (TCategory.Tis, TCategory.T1),
            lambda v: f"c{v}",
            "mri.ct",
            missing,
            _("clinical T category"),
        ),
        _check(
            _("no lymphadenopathy"),
            mri.cn if mri else None,
            lambda v: v is NCategory.N0,
            lambda v: f"c{v}",
            "mri.cn",
            missing,
            _("clinical N category"),
        ),
        _check(
            _("mobile"),
            tumour.mobile,
            bool,
            _yes_no(_("mobile on examination"), _("fixed on examination")),
            "tumour.mobile",
            missing,
            _("mobility on examination"),
        ),
        _check(
            _("well or moderately differentiated"),
            tumour.grade,
            lambda v: v in (Grade.G1, Grade.G2),
            lambda v: _("grade {grade}").format(grade=v),
            "tumour.grade",
            missing,
            _("biopsy grade"),
        ),
        _check(
            _("no lymphovascular invasion"),
            tumour.biopsy_lvi,
            lambda v: not v,
            _yes_no(_("LVI on biopsy"), _("no LVI on biopsy")),
            "tumour.biopsy_lvi",
            missing,
            _("lymphovascular invasion on biopsy"),
        ),
        _check(
            _("no perineural invasion"),
            tumour.biopsy_pni,
            lambda v: not v,
            _yes_no(_("PNI on biopsy"), _("no PNI on biopsy")),
            "tumour.biopsy_pni",
            missing,
            _("perineural invasion on biopsy"),
        ),
        _check(
            _("no mucinous component"),
            tumour.mucinous,
            lambda v: not v,
            _yes_no(_("mucinous"), _("not mucinous")),
            "tumour.mucinous",
            missing,
            _("mucinous component"),
        ),
    ]
    if transanal:
        c.insert(
            2,
            _check(
                _within_reach(th.local_excision_max_distance_cm),
                tumour.distance_from_anal_verge_cm,
                lambda v: v <= th.local_excision_max_distance_cm,
                _from_verge,
                "tumour.distance_from_anal_verge_cm",
                missing,
                _("distance from the anal verge"),
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
            _("residual <= {cm:g} cm").format(cm=max_residual_cm),
            restaging.residual_size_cm,
            lambda v: v <= max_residual_cm,
            lambda v: _("residual {cm:g} cm").format(cm=v),
            "restaging.residual_size_cm",
            missing,
            _("residual size"),
        ),
        _check(
            _("baseline <= {cm:g} cm").format(cm=th.organ_preservation_max_baseline_cm),
            case.tumour.longest_diameter_cm,
            lambda v: v <= th.organ_preservation_max_baseline_cm,
            lambda v: _("baseline {cm:g} cm").format(cm=v),
            "tumour.longest_diameter_cm",
            missing,
            _("baseline longest diameter"),
        ),
        _check(
            _within_reach(th.local_excision_max_distance_cm),
            case.tumour.distance_from_anal_verge_cm,
            lambda v: v <= th.local_excision_max_distance_cm,
            _from_verge,
            "tumour.distance_from_anal_verge_cm",
            missing,
            _("distance from the anal verge"),
        ),
        _check(
            _("no residual nodal disease (ycN0)"),
            ycn,
            lambda v: v is NCategory.N0,
            lambda v: f"yc{v}",
            "restaging.ycn",
            missing,
            _("restaging N category"),
        ),
        _check(
            _("no distant metastases"),
            not ctx.metastatic,
            bool,
            _yes_no("M0", "M1"),
            "distant.cm",
            missing,
            _("distant staging"),
        ),
    ]
    return CriteriaCheck(tuple(c), tuple(missing))
