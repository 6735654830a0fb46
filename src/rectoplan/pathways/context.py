"""What every rule reads: the case, the thresholds, the facts derived once, and the outputs.

Deriving stage, risk group and height once (instead of inside each rule) keeps rules small and
the engine fast, and gives one place that turns derived facts into `Finding`s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from rectoplan.clinical.case import Case
from rectoplan.clinical.risk import HeightBand, RiskResult, height_band, mri_risk_group
from rectoplan.clinical.staging import StageResult, stage
from rectoplan.clinical.thresholds import Thresholds
from rectoplan.clinical.tnm import MCategory, NCategory
from rectoplan.i18n import NP_, pgettext
from rectoplan.pathways.recommendation import Finding, Recommendation, Warning, finding, warn


class Phase(StrEnum):
    """Where the patient is on the primary pathway, read from which data the case holds."""

    diagnosis = "diagnosis"
    neoadjuvant = "neoadjuvant"
    restaging = "restaging"
    postoperative = "postoperative"
    recurrence = "recurrence"
    stenosis = "stenosis"

    @property
    def label(self) -> str:
        """The phase in words, in the current locale."""
        return pgettext("phase", _PHASE_LABELS[self.value])


_PHASE_LABELS = {
    "diagnosis": NP_("phase", "diagnosis"),
    "neoadjuvant": NP_("phase", "on neoadjuvant therapy"),
    "restaging": NP_("phase", "restaging"),
    "postoperative": NP_("phase", "after surgery"),
    "recurrence": NP_("phase", "recurrence"),
    "stenosis": NP_("phase", "anastomotic stenosis"),
}


@dataclass(slots=True)
class Context:
    case: Case
    thresholds: Thresholds
    clinical_stage: StageResult | None
    risk: RiskResult
    height: HeightBand
    findings: list[Finding] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)
    recommendations: list[Recommendation] = field(default_factory=list)

    def find(self, id: str, label: str, value, derivation: str, *evidence: str) -> None:
        self.findings.append(finding(id, label, value, derivation, *evidence))

    def warn(self, field_path: str, message: str) -> None:
        self.warnings.append(warn(field_path, message))

    def add(self, *recommendations: Recommendation) -> None:
        self.recommendations.extend(recommendations)

    @property
    def phase(self) -> Phase:
        """The primary-pathway phase, read from the primary-tumour data."""
        case = self.case
        if case.pathology is not None:
            return Phase.postoperative
        if case.restaging is not None:
            return Phase.restaging
        if case.neoadjuvant is not None:
            return Phase.neoadjuvant
        return Phase.diagnosis

    @property
    def episode_phase(self) -> Phase:
        """The phase the assessment reports: a recurrence or stenosis is the current problem."""
        if self.case.recurrence is not None:
            return Phase.recurrence
        if self.case.stenosis is not None:
            return Phase.stenosis
        return self.phase

    @property
    def metastatic(self) -> bool:
        distant = self.case.distant
        return bool(distant and distant.cm and distant.cm is not MCategory.M0)

    @property
    def node_positive(self) -> bool:
        mri = self.case.mri
        return bool(mri and mri.cn not in (NCategory.N0, NCategory.NX))


def build_context(case: Case, thresholds: Thresholds) -> Context:
    """Derive the clinical stage, risk group and height band once for all rules."""
    mri = case.mri
    m = case.distant.cm if case.distant and case.distant.cm else None
    clinical = stage(mri.ct, mri.cn, m or MCategory.M0) if mri else None
    return Context(
        case=case,
        thresholds=thresholds,
        clinical_stage=clinical,
        risk=mri_risk_group(case, thresholds),
        height=height_band(case.tumour.distance_from_anal_verge_cm, thresholds),
    )
