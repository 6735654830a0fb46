"""The patient and the primary tumour as found at diagnosis (examination, endoscopy, biopsy)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import (
    Field,
)

from rectoplan.clinical.case.base import Cm, _Model

# --- patient ------------------------------------------------------------------------------


class Sex(StrEnum):
    male = "male"
    female = "female"
    other = "other"


class Patient(_Model):
    age_years: int = Field(ge=0, le=120)
    sex: Sex
    ecog: int | None = Field(None, ge=0, le=4, description="ECOG performance status 0-4")
    fit_for_major_surgery: bool | None = None
    fit_for_chemotherapy: bool | None = None
    wants_organ_preservation: bool | None = Field(
        None, description="The patient's stated wish after counselling; None = not yet asked"
    )


# --- primary tumour -----------------------------------------------------------------------


class HeightModality(StrEnum):
    """How the height was measured: MRI, colonoscopy and DRE differ by centimetres."""

    mri = "mri"
    rigid_sigmoidoscopy = "rigid_sigmoidoscopy"
    colonoscopy = "colonoscopy"
    dre = "dre"


class Histology(StrEnum):
    adenocarcinoma = "adenocarcinoma"
    mucinous_adenocarcinoma = "mucinous_adenocarcinoma"
    signet_ring_cell = "signet_ring_cell"
    other = "other"


class Grade(StrEnum):
    G1 = "G1"  # well differentiated
    G2 = "G2"  # moderately differentiated
    G3 = "G3"  # poorly differentiated
    G4 = "G4"  # undifferentiated


class MmrStatus(StrEnum):
    pmmr = "pMMR"  # proficient / MSS
    dmmr = "dMMR"  # deficient / MSI-H


class SubmucosalDepth(StrEnum):
    """Kikuchi levels for T1 cancers; sm1 is the 'very early' group of ESMO."""

    sm1 = "sm1"
    sm2 = "sm2"
    sm3 = "sm3"


class PrimaryTumour(_Model):
    distance_from_anal_verge_cm: Cm
    height_modality: HeightModality | None = None
    longest_diameter_cm: float = Field(gt=0, le=30)
    circumferential_extent_pct: float | None = Field(None, gt=0, le=100)
    histology: Histology = Histology.adenocarcinoma
    grade: Grade | None = None
    mucinous: bool = False
    mmr_status: MmrStatus | None = None
    cea_ng_ml: float | None = Field(
        None, ge=0, le=100_000, description="Serum CEA; above 100,000 ng/mL is a typing error [P]"
    )
    ulcerated: bool | None = None
    mobile: bool | None = Field(None, description="Mobile (not fixed) on examination")
    submucosal_depth: SubmucosalDepth | None = None
    biopsy_lvi: bool | None = Field(None, description="Lymphovascular invasion on biopsy/polyp")
    biopsy_pni: bool | None = Field(None, description="Perineural invasion on biopsy/polyp")
