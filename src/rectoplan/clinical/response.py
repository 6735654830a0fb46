"""Response to neoadjuvant therapy: OPRA clinical tiers, size change and regression grades.

The OPRA / MSKCC tiers (World J Meta-Anal 2021, Table 1) grade four modalities separately;
the overall tier is the worst of them, and a complete response needs all four, because their
agreement is what carries the 98% post-test probability of a true complete response
(Maas 2015).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum

from rectoplan.evidence import cite
from rectoplan.i18n import N_, _


class ResponseTier(IntEnum):
    """Ordered best to worst so that ``max()`` picks the worst modality."""

    complete = 0  # cCR
    near_complete = 1  # nCR
    incomplete = 2  # iCR

    @property
    def label(self) -> str:
        """The tier in clinical words, in the current locale."""
        return _(_TIER_LABELS[self.value])


_TIER_LABELS = {
    0: N_("clinical complete (cCR)"),
    1: N_("near-complete (nCR)"),
    2: N_("incomplete (iCR)"),
}


class EndoscopyFinding(StrEnum):
    flat_white_scar = "flat_white_scar"  # cCR: flat white scar, telangiectasia, no ulcer/nodule
    irregular_mucosa = "irregular_mucosa"  # nCR: small nodules, superficial ulcer, mild erythema
    visible_tumour = "visible_tumour"  # iCR


class DreFinding(StrEnum):
    normal = "normal"  # cCR
    smooth_induration = "smooth_induration"  # nCR: smooth induration or minor mucosal change
    palpable_tumour = "palpable_tumour"  # iCR


class T2Finding(StrEnum):
    dark_only = "dark_only"  # cCR: only dark T2 signal, no visible nodes
    mostly_dark = "mostly_dark"  # nCR: some intermediate signal / partial nodal regression
    intermediate = "intermediate"  # iCR: more intermediate than dark, no scar


class DwiFinding(StrEnum):
    no_visible_tumour = "no_visible_tumour"  # cCR at b800-1000 / low ADC
    significant_regression = "significant_regression"  # nCR
    little_regression = "little_regression"  # iCR


_TIER_OF: dict[StrEnum, ResponseTier] = {
    EndoscopyFinding.flat_white_scar: ResponseTier.complete,
    EndoscopyFinding.irregular_mucosa: ResponseTier.near_complete,
    EndoscopyFinding.visible_tumour: ResponseTier.incomplete,
    DreFinding.normal: ResponseTier.complete,
    DreFinding.smooth_induration: ResponseTier.near_complete,
    DreFinding.palpable_tumour: ResponseTier.incomplete,
    T2Finding.dark_only: ResponseTier.complete,
    T2Finding.mostly_dark: ResponseTier.near_complete,
    T2Finding.intermediate: ResponseTier.incomplete,
    DwiFinding.no_visible_tumour: ResponseTier.complete,
    DwiFinding.significant_regression: ResponseTier.near_complete,
    DwiFinding.little_regression: ResponseTier.incomplete,
}

RESPONSE_EVIDENCE = cite("opra_criteria_2021", "opra_2022", "maas_2015")


@dataclass(frozen=True, slots=True)
class ResponseAssessment:
    """The overall tier, the modality that set it, and which modalities were not reported."""

    tier: ResponseTier | None
    by_modality: dict[str, ResponseTier]
    missing: tuple[str, ...]

    @property
    def complete_workup(self) -> bool:
        return not self.missing


def response_tier(
    endoscopy: EndoscopyFinding | None,
    dre: DreFinding | None,
    mri_t2: T2Finding | None,
    mri_dwi: DwiFinding | None,
) -> ResponseAssessment:
    """OPRA tier from the four modalities: the worst reported modality decides.

    A reported iCR anywhere is an incomplete response whatever is missing; otherwise a tier
    built on fewer than four modalities is returned with the missing ones listed, so the
    pathway can warn rather than guess.
    """
    reported = {"endoscopy": endoscopy, "dre": dre, "mri_t2": mri_t2, "mri_dwi": mri_dwi}
    by_modality = {name: _TIER_OF[v] for name, v in reported.items() if v is not None}
    missing = tuple(name for name, v in reported.items() if v is None)
    tier = max(by_modality.values()) if by_modality else None
    return ResponseAssessment(tier=tier, by_modality=by_modality, missing=missing)


def percent_size_change(baseline: float, residual: float) -> float:
    """Signed change from baseline in percent (negative = shrinkage), as RECIST and PROSPECT use."""
    if baseline <= 0:
        raise ValueError("baseline size must be positive")
    if residual < 0:
        raise ValueError("residual size must not be negative")
    return (residual - baseline) / baseline * 100.0


class RegressionScale(StrEnum):
    """Regression-grade systems. Their directions differ: never compare raw numbers across them."""

    mrtrg = "mrTRG"  # MERCURY MRI TRG 1 (complete) .. 5 (none)
    cap = "CAP"  # AJCC/CAP modified Ryan 0 (complete) .. 3 (poor)
    mandard = "Mandard"  # 1 (no residual) .. 5 (no regression)
    dworak = "Dworak"  # 0 (no regression) .. 4 (total regression)


@dataclass(frozen=True, slots=True)
class _ScaleSpec:
    lowest: int
    highest: int
    good: frozenset[int]  # grades that count as a good response
    complete: int  # the grade meaning no residual tumour
    evidence: tuple[str, ...]


SCALES: dict[RegressionScale, _ScaleSpec] = {
    RegressionScale.mrtrg: _ScaleSpec(1, 5, frozenset({1, 2}), 1, cite("patel_mrtrg_2011")),
    RegressionScale.cap: _ScaleSpec(0, 3, frozenset({0, 1}), 0, cite("cap_trg_2020")),
    RegressionScale.mandard: _ScaleSpec(
        1, 5, frozenset({1, 2}), 1, cite("mandard_1994", "siddiqui_2016")
    ),
    RegressionScale.dworak: _ScaleSpec(
        0, 4, frozenset({3, 4}), 4, cite("dworak_1997", "siddiqui_2016")
    ),
}


def check_grade(scale: RegressionScale, grade: int) -> None:
    """Raise ValueError if ``grade`` is outside ``scale``'s range."""
    spec = SCALES[scale]
    if not spec.lowest <= grade <= spec.highest:
        raise ValueError(
            f"{scale.value} grades run {spec.lowest}-{spec.highest}; {grade} is not one"
        )


def is_good_response(scale: RegressionScale, grade: int) -> bool:
    """Good response per Siddiqui 2016 (Mandard 1-2, Dworak 3-4; CAP 0-1; mrTRG 1-2)."""
    check_grade(scale, grade)
    return grade in SCALES[scale].good


def is_complete_regression(scale: RegressionScale, grade: int) -> bool:
    """True when the grade means no residual tumour on that scale."""
    check_grade(scale, grade)
    return grade == SCALES[scale].complete
