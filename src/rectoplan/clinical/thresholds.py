"""Cut-offs that the sources disagree on, as one named, configurable set.

Every clinical rule reads its thresholds from a `Thresholds` instance instead of a literal, so an
MDT can run the engine under its own convention (and the rule version records which). Defaults
follow the source named beside each field; fields whose value is tagged [P] in
``shared/domain/clinical-guidelines.md`` (primary wording not retrieved) say so.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator


class NeoadjuvantPolicy(StrEnum):
    """How intermediate-risk stage II/III disease is treated before surgery.

    ``esmo``: SCRT or long-course CRT, not TNT, for cT2N+/cT3N0-1 (ESMO 2025 via EHC).
    ``nccn``: TNT for every clinical stage II/III (NCCN v3.2024), PROSPECT-style selective RT.
    """

    esmo = "esmo"
    nccn = "nccn"

    @property
    def label(self) -> str:
        return {"esmo": "ESMO 2025 / EHC", "nccn": "NCCN 2024"}[self.value]


class Thresholds(BaseModel):
    """Named cut-offs with their sources; change any of them per MDT (``RECTOPLAN_*``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # --- tumour height (ESMO 2017 / SEOM 2022 bands, cm from the anal verge) ----------------
    low_rectum_max_cm: float = Field(5.0, gt=0, description="ESMO/SEOM: low <= 5 cm")
    mid_rectum_max_cm: float = Field(10.0, gt=0, description="ESMO/SEOM: mid > 5-10 cm")
    rectum_max_cm: float = Field(15.0, gt=0, description="ESMO: rectum <= 15 cm (rigid scope)")

    # --- MRI ------------------------------------------------------------------------------
    mrf_involved_mm: float = Field(1.0, ge=0, description="ESGAR 2016: <= 1 mm is involved")
    mrf_threatened_mm: float = Field(
        2.0, ge=0, description="ESMO 2017 / EHC: > 1 to <= 2 mm is 'threatened' (ESGAR drops it)"
    )
    threatened_mrf_is_high_risk: bool = Field(
        False,
        description="EHC/ESMO 2025 count a threatened MRF as high risk; ESGAR does not (default).",
    )
    lateral_node_high_risk_mm: float = Field(
        7.0, gt=0, description="EHC / Ogura 2019: lateral node short axis >= 7 mm is high risk"
    )
    mesorectal_node_suspicious_mm: float = Field(
        9.0, gt=0, description="ESGAR 2016 [P]: short axis >= 9 mm is suspicious on size alone"
    )
    mesorectal_node_small_mm: float = Field(
        5.0, gt=0, description="ESGAR 2016 [P]: 5-8 mm needs 2 features, < 5 mm needs all 3"
    )

    # --- local excision at diagnosis (NCCN principles of surgery [P]) ------------------------
    local_excision_max_size_cm: float = Field(3.0, gt=0, description="NCCN [P]: < 3 cm")
    local_excision_max_circumference_pct: float = Field(
        30.0,
        gt=0,
        le=100,
        description="NCCN [P] < 30%; JGO review < 1/3; Hoedema < 40%: sources disagree",
    )
    local_excision_max_distance_cm: float = Field(
        8.0, gt=0, description="NCCN [P]: within 8 cm of the anal verge"
    )
    local_excision_min_margin_mm: float = Field(
        3.0, ge=0, description="NCCN [P]: clear margin > 3 mm after local excision"
    )
    eftr_max_size_cm: float = Field(
        2.0, gt=0, description="WALL-RESECT: R0 81% <= 2 cm vs 58% above; device limit [P]"
    )

    # --- organ preservation after neoadjuvant therapy ---------------------------------------
    organ_preservation_max_baseline_cm: float = Field(
        4.0, gt=0, description="GRECCAR 2 entry <= 4 cm [P]; STAR-TREC <= 40 mm"
    )
    local_excision_max_residual_cm: float = Field(
        2.0, gt=0, description="GRECCAR 2 good responders with residual <= 2 cm [P]"
    )
    restaging_min_weeks: float = Field(4.0, ge=0, description="OPRA: restage 8 +/- 4 weeks")
    restaging_max_weeks: float = Field(12.0, gt=0, description="OPRA: restage 8 +/- 4 weeks")
    prospect_min_shrinkage_pct: float = Field(
        20.0, ge=0, description="PROSPECT: CRT if the primary shrank by < 20% after FOLFOX"
    )
    neoadjuvant_policy: NeoadjuvantPolicy = Field(
        NeoadjuvantPolicy.esmo,
        description="Intermediate risk: ESMO (SCRT/CRT, no TNT) or NCCN (TNT for stage II/III)",
    )

    # --- pathology --------------------------------------------------------------------------
    crm_positive_mm: float = Field(
        1.0, ge=0, description="Nagtegaal & Quirke 2008: CRM positive at <= 1 mm"
    )
    distal_margin_min_mm: float = Field(
        20.0, ge=0, description="~2 cm standard without neoadjuvant therapy (JGS review 2010)"
    )
    distal_margin_min_after_neoadjuvant_mm: float = Field(
        10.0, ge=0, description="<= 1 cm acceptable after pre-operative CRT (JGS review 2010)"
    )
    nodes_examined_min: int = Field(12, ge=1, description="ESMO: >= 12 nodes examined")
    local_excision_high_risk_size_cm: float = Field(
        3.0, gt=0, description="NCCN/ASCRS: > 3 cm is a high-risk feature after local excision"
    )

    # --- sphincter preservation (Rullier 2013) ----------------------------------------------
    rullier_max_distance_cm: float = Field(
        6.0, gt=0, description="Rullier 2013 classifies tumours < 6 cm from the anal verge"
    )
    rullier_supra_anal_mm: float = Field(
        10.0, ge=0, description="Rullier type I: > 1 cm above the anorectal ring"
    )

    # --- local recurrence (Lee 2017 historical contraindications; seed-002 technique) -----------
    sacrectomy_margin_mm: float = Field(
        10.0, ge=0, description="Planned bony margin above the tumour's upper extent (>= 10 mm)"
    )
    sacral_disc_half_width_mm: float = Field(
        2.5, ge=0, description="Assumption: within this arc distance of a boundary, name the disc"
    )
    external_iliac_encasement_max_deg: float = Field(
        180.0, ge=0, le=360, description="Lee 2017: > 180 degrees encasement, historical limit"
    )
    highest_resectable_sacral_level: str = Field(
        "S3",
        pattern="^(S[1-5]|Co[12])$",
        description="Lee 2017: sacral invasion above S2-S3 was a contraindication",
    )
    laparoscopic_sacrectomy_highest_level: str = Field(
        "S3",
        pattern="^(S[1-5]|Co[12])$",
        description="Assumption: the seed-002 laparoscopic technique for transection at or "
        "below this level (low sacrectomy); higher transection is planned open",
    )

    # --- anastomotic stenosis -------------------------------------------------------------
    stenosis_short_max_mm: float = Field(
        10.0,
        gt=0,
        description="Assumption: 'short' for electroincision (Jain 2017: short, "
        "non-inflammatory strictures do best; no cut-off given)",
    )
    stenosis_long_min_mm: float = Field(
        50.0, gt=0, description="Rivera 2002: a stricture > 5 cm gave the only poor dilation result"
    )
    early_dilation_months: float = Field(
        3.0, gt=0, description="Kaya 2018: dilation within 3 months 100% vs 66.6% later"
    )
    balloon_start_mm: float = Field(
        15.0, gt=0, description="Assumption: no colorectal balloon size-outcome study retrieved"
    )
    balloon_max_mm: float = Field(
        20.0, gt=0, description="Pre-dilatation to 20 mm before a biodegradable stent [S13]"
    )

    # --- issue 13: timing after surgery, oligometastatic disease, high sacrectomy -----------
    adjuvant_chemotherapy_window_weeks: float = Field(
        12.0,
        gt=0,
        description="[P] Weeks after the resection within which adjuvant chemotherapy is still "
        "planned as the preferred step: ESMO advises starting within about 8 weeks and Biagi "
        "2011 found survival falls 14% per 4-week delay; 12 weeks is this project's outer "
        "edge, not a guideline figure. Later (a stenosis consultation months on) it is only "
        "considered, if it was never given.",
    )
    oligometastatic_max_lesions: int = Field(
        5,
        ge=1,
        description="[P] ESMO mCRC 2023 / ESTRO-ASTRO: oligometastatic disease is at most 5 "
        "lesions (amenable to local treatment); not in shared/domain, wording not checked",
    )
    oligometastatic_max_sites: int = Field(
        2,
        ge=1,
        description="[P] ESMO mCRC: oligometastatic disease involves up to 2 (occasionally 3) "
        "sites or organs; peritoneal disease is excluded",
    )
    ablation_max_lesion_mm: float = Field(
        30.0,
        gt=0,
        description="[P] ESMO mCRC 2016/2023: thermal ablation is an alternative to resection "
        "for metastases up to about 3 cm; not in shared/domain",
    )
    high_sacrectomy_lowest_level: str = Field(
        "S2",
        pattern="^(S[1-5]|Co[12])$",
        description="[P] Assumption: a transection through this segment or higher (S1-S2, up "
        "to the S2/S3 junction) is a high sacrectomy; Lee 2017 names invasion above S2-S3 as "
        "the historical limit and the 2017 sacrectomy review found complications and stay "
        "fall with more distal transection, but no high-versus-low numbers were retrieved",
    )

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if not self.low_rectum_max_cm < self.mid_rectum_max_cm < self.rectum_max_cm:
            raise ValueError("height bands must increase: low < mid < rectum maximum")
        if self.mrf_threatened_mm < self.mrf_involved_mm:
            raise ValueError("mrf_threatened_mm must be >= mrf_involved_mm")
        if self.restaging_max_weeks < self.restaging_min_weeks:
            raise ValueError("restaging_max_weeks must be >= restaging_min_weeks")
        return self


DEFAULT_THRESHOLDS = Thresholds()
