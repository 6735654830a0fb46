"""MRI risk groups for primary rectal cancer, and the imaging facts they rest on.

The group follows the ESMO 2017 risk-adapted table (very early / early / intermediate / locally
advanced / advanced). That table was not retrieved in the domain research ([P]), so each cut-off
is read from `Thresholds`, and the high-risk feature set used for total neoadjuvant therapy
follows the ESMO 2025 / EHC and RAPIDO wording ([V]). Every fact that fired is returned as a
reason, so the pathway can say why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from rectoplan.clinical.case import BaselineMri, Case, MesorectalNode, SubmucosalDepth
from rectoplan.clinical.staging import t3_substage
from rectoplan.clinical.thresholds import Thresholds
from rectoplan.clinical.tnm import MCategory, NCategory, TCategory
from rectoplan.evidence import cite
from rectoplan.i18n import N_, _

RISK_EVIDENCE = cite("esmo_2017", "ehc_esmo_2025", "esgar_2016", "rapido_2021")


class HeightBand(StrEnum):
    low = "low"
    mid = "mid"
    high = "high"
    above_rectum = "above_rectum"

    @property
    def label(self) -> str:
        """The band in clinical words, in the current locale."""
        return _(_HEIGHT_LABELS[self.value])


_HEIGHT_LABELS = {
    "low": N_("low"),
    "mid": N_("mid"),
    "high": N_("high"),
    "above_rectum": N_("above the rectum"),
}


class MrfStatus(StrEnum):
    involved = "involved"
    threatened = "threatened"
    clear = "clear"


class RiskGroup(StrEnum):
    very_early = "very_early"
    early = "early"
    intermediate = "intermediate"
    locally_advanced = "locally_advanced"
    advanced = "advanced"
    metastatic = "metastatic"
    unknown = "unknown"

    @property
    def label(self) -> str:
        """The group in clinical words, in the current locale."""
        return _(_GROUP_LABELS[self.value])


_GROUP_LABELS = {
    "very_early": N_("very early"),
    "early": N_("early"),
    "intermediate": N_("intermediate"),
    "locally_advanced": N_("locally advanced"),
    "advanced": N_("advanced"),
    "metastatic": N_("metastatic"),
    "unknown": N_("unknown"),
}


def height_band(distance_cm: float, t: Thresholds) -> HeightBand:
    """ESMO/SEOM bands: low <= 5 cm, mid > 5-10 cm, high > 10-15 cm from the anal verge."""
    if distance_cm <= t.low_rectum_max_cm:
        return HeightBand.low
    if distance_cm <= t.mid_rectum_max_cm:
        return HeightBand.mid
    if distance_cm <= t.rectum_max_cm:
        return HeightBand.high
    return HeightBand.above_rectum


def mrf_status(distance_mm: float, t: Thresholds) -> MrfStatus:
    """ESGAR: <= 1 mm involved; ESMO 2017/EHC add 'threatened' up to 2 mm."""
    if distance_mm <= t.mrf_involved_mm:
        return MrfStatus.involved
    if distance_mm <= t.mrf_threatened_mm:
        return MrfStatus.threatened
    return MrfStatus.clear


def node_suspicious(node: MesorectalNode, t: Thresholds) -> bool | None:
    """ESGAR 2016 size-and-morphology rule [P]; None when morphology needed is not reported.

    >= 9 mm: suspicious; 5-8 mm: >= 2 of round / irregular / heterogeneous; < 5 mm: all 3.
    A mucinous node is suspicious at any size.
    """
    if node.mucinous or node.short_axis_mm >= t.mesorectal_node_suspicious_mm:
        return True
    features = (node.round, node.irregular_border, node.heterogeneous_signal)
    known = [f for f in features if f is not None]
    needed = 2 if node.short_axis_mm >= t.mesorectal_node_small_mm else 3
    present = sum(known)
    if present >= needed:
        return True
    if present + (len(features) - len(known)) < needed:
        return False
    return None


@dataclass(frozen=True, slots=True)
class RiskResult:
    group: RiskGroup
    reasons: tuple[str, ...]
    high_risk_features: tuple[str, ...]
    t3_substage: str | None = None
    height: HeightBand | None = None
    mrf: MrfStatus | None = None
    missing: tuple[str, ...] = field(default=())


def high_risk_features(mri: BaselineMri, mrf: MrfStatus | None, t: Thresholds) -> list[str]:
    """The ESMO 2025 / EHC high-risk set that makes TNT the default (RAPIDO-style)."""
    features = []
    if mri.ct in (TCategory.T4a, TCategory.T4b):
        features.append(f"c{mri.ct}")
    if mrf is MrfStatus.involved or (mrf is MrfStatus.threatened and t.threatened_mrf_is_high_risk):
        features.append(_("MRF involved") if mrf is MrfStatus.involved else _("MRF threatened"))
    if mri.cn in (NCategory.N2, NCategory.N2a, NCategory.N2b):
        features.append(_("c{n} (>= 4 nodes)").format(n=mri.cn))
    if mri.emvi:
        features.append(_("EMVI positive"))
    big = [n for n in mri.lateral_nodes if n.short_axis_mm >= t.lateral_node_high_risk_mm]
    if big:
        largest = max(n.short_axis_mm for n in big)
        features.append(
            _("lateral node {mm:g} mm (>= {limit:g} mm)").format(
                mm=largest, limit=t.lateral_node_high_risk_mm
            )
        )
    return features


def _missing_mri_fields(mri: BaselineMri) -> list[str]:
    wanted = {
        "mri.mrf_distance_mm": mri.mrf_distance_mm,
        "mri.emvi": mri.emvi,
    }
    if mri.ct is TCategory.T3:
        wanted["mri.extramural_depth_mm"] = mri.extramural_depth_mm
    return [name for name, value in wanted.items() if value is None]


def mri_risk_group(case: Case, t: Thresholds) -> RiskResult:
    """ESMO 2017 risk group of the primary tumour from baseline MRI (and distant staging)."""
    band = height_band(case.tumour.distance_from_anal_verge_cm, t)
    if case.distant and case.distant.cm and case.distant.cm is not MCategory.M0:
        return RiskResult(RiskGroup.metastatic, (f"c{case.distant.cm}",), (), height=band)
    mri = case.mri
    if mri is None:
        return RiskResult(RiskGroup.unknown, (), (), height=band, missing=("mri",))
    mrf = mrf_status(mri.mrf_distance_mm, t) if mri.mrf_distance_mm is not None else None
    sub = (
        t3_substage(mri.extramural_depth_mm)
        if mri.ct is TCategory.T3 and (mri.extramural_depth_mm is not None)
        else None
    )
    features = high_risk_features(mri, mrf, t)
    group, reasons = _classify(case, mri, band, mrf, sub, t)
    return RiskResult(
        group=group,
        reasons=tuple(reasons),
        high_risk_features=tuple(features),
        t3_substage=sub,
        height=band,
        mrf=mrf,
        missing=tuple(_missing_mri_fields(mri)),
    )


def _classify(
    case: Case,
    mri: BaselineMri,
    band: HeightBand,
    mrf: MrfStatus | None,
    sub: str | None,
    t: Thresholds,
) -> tuple[RiskGroup, list[str]]:
    """Walk the ESMO table from the worst group down; the first group whose rule fires wins."""
    for group, rule in (
        (RiskGroup.advanced, _advanced),
        (RiskGroup.locally_advanced, _locally_advanced),
        (RiskGroup.intermediate, _intermediate),
        (RiskGroup.very_early, _very_early),
    ):
        reasons = rule(case, mri, band, mrf, sub, t)
        if reasons:
            return group, reasons
    return RiskGroup.early, [
        _("c{t}{substage} c{n}, MRF clear, no EMVI").format(t=mri.ct, substage=_sub(sub), n=mri.cn)
    ]


def _sub(sub: str | None) -> str:
    return f" ({sub})" if sub else ""


def _node_positive(mri: BaselineMri) -> bool:
    return mri.cn not in (NCategory.N0, NCategory.NX)


def _advanced(case, mri, band, mrf, sub, t) -> list[str]:
    reasons = []
    if mri.ct is TCategory.T3 and mrf is MrfStatus.involved:
        reasons.append(_("cT3 with MRF involved ({mm:g} mm)").format(mm=mri.mrf_distance_mm))
    if mri.ct is TCategory.T4b or (mri.ct is TCategory.T4a and _node_positive(mri)):
        reasons.append(f"c{mri.ct} c{mri.cn}")
    if mri.levator_involved or mri.external_sphincter_invaded:
        reasons.append(_("levator / external sphincter invaded"))
    if any(n.short_axis_mm >= t.lateral_node_high_risk_mm for n in mri.lateral_nodes):
        reasons.append(_("lateral node positive"))
    return reasons


def _locally_advanced(case, mri, band, mrf, sub, t) -> list[str]:
    reasons = []
    if sub in ("T3c", "T3d"):
        reasons.append(f"c{sub}")
    if band is HeightBand.low and mri.levator_threatened:
        reasons.append(_("very low tumour with levators threatened"))
    if _node_positive(mri) and mri.extranodal_extension:
        reasons.append(_("nodes with extranodal extension"))
    if mri.emvi:
        reasons.append(_("EMVI positive"))
    if mri.ct is TCategory.T4a:
        reasons.append(_("limited cT4a N0"))
    if mri.ct is TCategory.T3 and mrf is MrfStatus.threatened:
        reasons.append(_("MRF threatened ({mm:g} mm)").format(mm=mri.mrf_distance_mm))
    return reasons


def _intermediate(case, mri, band, mrf, sub, t) -> list[str]:
    reasons = []
    if mri.ct is TCategory.T2 and band is HeightBand.low:
        reasons.append(_("very low cT2"))
    if mri.ct is TCategory.T3 and sub is None:
        reasons.append(_("cT3 without extramural depth (substage unknown)"))
    if sub in ("T3a", "T3b") and band is HeightBand.low:
        reasons.append(_("low c{substage}").format(substage=sub))
    if _node_positive(mri) and not (band is HeightBand.high and mri.cn in _N1):
        reasons.append(f"c{mri.cn}")
    return reasons


_N1 = (NCategory.N1, NCategory.N1a, NCategory.N1b, NCategory.N1c)


def _very_early(case, mri, band, mrf, sub, t) -> list[str]:
    if mri.ct is TCategory.Tis or (
        mri.ct is TCategory.T1
        and mri.cn is NCategory.N0
        and case.tumour.submucosal_depth is SubmucosalDepth.sm1
    ):
        return [f"c{mri.ct}{' sm1' if mri.ct is TCategory.T1 else ''} N0"]
    return []
