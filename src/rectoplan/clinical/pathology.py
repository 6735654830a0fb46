"""Resection quality: R status under both conventions, CRM, distal margin and TME grade.

Sources disagree whether R1 means tumour *at* the margin (UICC) or within 1 mm (the rectal
CRM convention, RCP/Nagtegaal & Quirke); Wittekind 2009 proposes recording the distance. So the
case stores the measured distance in mm and this module derives both readings from it.
"""

from __future__ import annotations

from enum import StrEnum

from rectoplan.evidence import cite
from rectoplan.i18n import N_, _


class RStatus(StrEnum):
    R0 = "R0"
    R1 = "R1"
    R2 = "R2"


class RConvention(StrEnum):
    uicc = "uicc"  # R1 = tumour at the inked margin (0 mm)
    crm_1mm = "crm_1mm"  # R1 = tumour within the CRM threshold (default <= 1 mm)


class TmeGrade(StrEnum):
    """Quirke grading of the mesorectal specimen (MRC CR07 audit: 52 / 34 / 13 %)."""

    mesorectal = "mesorectal"  # complete
    intramesorectal = "intramesorectal"  # nearly complete
    muscularis_propria = "muscularis_propria"  # incomplete

    @property
    def label(self) -> str:
        """The grade in clinical words, in the current locale."""
        return _(_TME_LABELS[self.value])


_TME_LABELS = {
    "mesorectal": N_("complete (mesorectal plane)"),
    "intramesorectal": N_("nearly complete (intramesorectal plane)"),
    "muscularis_propria": N_("incomplete (muscularis propria plane)"),
}


R_STATUS_EVIDENCE = cite("wittekind_2009", "nagtegaal_quirke_2008")
TME_EVIDENCE = cite("quirke_cr07_2009")


def r_status(
    closest_margin_mm: float | None,
    macroscopic_residual: bool,
    convention: RConvention,
    crm_positive_mm: float = 1.0,
) -> RStatus | None:
    """R status from the closest measured margin; None when no margin was measured.

    Macroscopic residual disease is R2 whatever the margins. Under ``uicc`` only a margin of
    0 mm (tumour at the margin) is R1; under ``crm_1mm`` any margin <= ``crm_positive_mm`` is.
    """
    if macroscopic_residual:
        return RStatus.R2
    if closest_margin_mm is None:
        return None
    if closest_margin_mm < 0:
        raise ValueError("margin distance must not be negative")
    limit = 0.0 if convention is RConvention.uicc else crm_positive_mm
    return RStatus.R1 if closest_margin_mm <= limit else RStatus.R0


def crm_positive(crm_distance_mm: float, threshold_mm: float = 1.0) -> bool:
    """CRM positive when tumour lies within ``threshold_mm`` of the circumferential margin."""
    if crm_distance_mm < 0:
        raise ValueError("CRM distance must not be negative")
    return crm_distance_mm <= threshold_mm
