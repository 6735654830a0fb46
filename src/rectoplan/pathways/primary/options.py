"""Every option the primary-tumour pathway can recommend, with its sources, in one list.

Reading this file tells a clinician the whole menu; the rules in the sibling modules decide
which options apply to a case and how strongly.
"""

from rectoplan.i18n import N_
from rectoplan.pathways.recommendation import option

# --- work-up --------------------------------------------------------------------------------
WORKUP_MRI = option(
    "primary.workup.mri",
    N_("High-resolution pelvic MRI to stage the primary tumour"),
    "esgar_2016",
    "esmo_2017",
)
WORKUP_DISTANT = option(
    "primary.workup.distant_staging",
    N_("CT of chest, abdomen and pelvis for distant staging"),
    "esmo_2017",
    "nccn_rectal_2024",
)
WORKUP_MMR = option(
    "primary.workup.mmr_testing",
    N_("MMR / MSI testing of the tumour"),
    "nccn_rectal_2024",
)

# --- metastatic disease ---------------------------------------------------------------------
METASTATIC_SYSTEMIC = option(
    "primary.metastatic.systemic_therapy",
    N_("Systemic therapy first, with the primary managed by the metastatic plan"),
    "nccn_rectal_2024",
    "esmo_2017",
)
METASTATIC_MDT = option(
    "primary.metastatic.mdt_referral",
    N_("Refer to the metastatic (liver/lung/peritoneal) MDT for resectability"),
    "nccn_rectal_2024",
)
METASTATIC_LOCAL = option(
    "primary.metastatic.local_treatment",
    N_(
        "Curative-intent treatment of every metastasis (resection, thermal ablation or SBRT) "
        "with systemic therapy"
    ),
    "esmo_mcrc_2023",
    "nccn_rectal_2024",
)
METASTATIC_CHECKPOINT = option(
    "primary.metastatic.checkpoint_inhibitor",
    N_("Checkpoint inhibitor for dMMR / MSI-H metastatic disease"),
    "nccn_rectal_2024",
)

# --- dMMR -----------------------------------------------------------------------------------
DMMR_CHECKPOINT = option(
    "primary.dmmr.checkpoint_inhibitor",
    N_("Neoadjuvant PD-1 blockade (dostarlimab, 6 months), then restage for non-operative care"),
    "cercek_2022",
    "cercek_2025",
    "nccn_rectal_2024",
)

# --- local excision at diagnosis ------------------------------------------------------------
LOCAL_EXCISION = option(
    "primary.local_excision.transanal",
    N_("Transanal full-thickness local excision (TAMIS / TEM)"),
    "nccn_local_excision",
    "eaes_2015",
    "heafner_glasgow_2014",
)
LOCAL_EXCISION_ESD = option(
    "primary.local_excision.esd",
    N_("Endoscopic submucosal dissection (ESD)"),
    "nccn_rectal_2024",
    "eaes_2015",
)
LOCAL_EXCISION_EFTR = option(
    "primary.local_excision.eftr",
    N_("Endoscopic full-thickness resection (EFTR)"),
    "wall_resect_2018",
    "eftr_meta_2020",
)

# --- neoadjuvant therapy --------------------------------------------------------------------
NEOADJUVANT_SCRT = option(
    "primary.neoadjuvant.short_course_rt",
    N_("Short-course radiotherapy (5 x 5 Gy), then TME"),
    "esmo_2017",
    "ehc_esmo_2025",
)
NEOADJUVANT_LCCRT = option(
    "primary.neoadjuvant.chemoradiotherapy",
    N_("Long-course chemoradiotherapy (45-50.4 Gy with a fluoropyrimidine), then TME"),
    "esmo_2017",
    "ehc_esmo_2025",
)
NEOADJUVANT_PROSPECT = option(
    "primary.neoadjuvant.selective_rt",
    N_("FOLFOX first, chemoradiotherapy only if the tumour shrinks < 20% (PROSPECT)"),
    "prospect_2023",
    "nccn_rectal_2024",
)
TNT_SHORT_COURSE = option(
    "primary.tnt.short_course",
    N_("Total neoadjuvant therapy: 5 x 5 Gy then 6 cycles CAPOX (RAPIDO)"),
    "rapido_2021",
    "nccn_rectal_2024",
)
TNT_LONG_COURSE = option(
    "primary.tnt.long_course",
    N_("Total neoadjuvant therapy: mFOLFIRINOX then chemoradiotherapy (PRODIGE 23)"),
    "prodige23_2021",
    "nccn_rectal_2024",
)

# --- organ preservation intent ----------------------------------------------------------------
OP_TNT = option(
    "primary.organ_preservation.tnt",
    N_("Chemoradiotherapy then consolidation chemotherapy, restage for watch-and-wait (OPRA)"),
    "opra_2022",
    "opra_2024",
    "nccn_rectal_2024",
)
OP_CRT_LOCAL_EXCISION = option(
    "primary.organ_preservation.crt_local_excision",
    N_("Chemoradiotherapy then local excision / EFTR of the residual scar if it responds"),
    "greccar2_2017",
    "carts_2015",
    "acosog_z6041_2015",
)

FRAIL_RT_LOCAL_EXCISION = option(
    "primary.frail.radiotherapy_local_excision",
    N_("Radiotherapy with local excision of a residual, for patients unfit for major surgery"),
    "ehc_esmo_2025",
    "esmo_2017",
)

# --- operations (TME and sphincter preservation) ----------------------------------------------
SURGERY_LAR = option(
    "primary.surgery.lar",
    N_("Low anterior resection with TME (partial ME for the upper rectum)"),
    "esmo_2017",
    "quirke_cr07_2009",
)
SURGERY_COLOANAL = option(
    "primary.surgery.coloanal",
    N_("Ultra-low anterior resection with coloanal anastomosis (Rullier type I)"),
    "rullier_2013",
)
SURGERY_ISR_PARTIAL = option(
    "primary.surgery.isr_partial",
    N_("Partial intersphincteric resection (Rullier type II)"),
    "rullier_2013",
    "isr_safety_2020",
)
SURGERY_ISR_TOTAL = option(
    "primary.surgery.isr_total",
    N_("Total intersphincteric resection (Rullier type III)"),
    "rullier_2013",
    "isr_safety_2020",
)
SURGERY_APR = option(
    "primary.surgery.apr",
    N_("Abdominoperineal resection (Rullier type IV)"),
    "rullier_2013",
)

# --- after neoadjuvant therapy ----------------------------------------------------------------
RESTAGE = option(
    "primary.restaging.schedule",
    N_("Restage 8 +/- 4 weeks after neoadjuvant therapy (DRE, endoscopy, MRI with DWI)"),
    "opra_2022",
    "maas_2015",
)
WATCH_AND_WAIT = option(
    "primary.restaging.watch_and_wait",
    N_("Watch-and-wait with structured surveillance"),
    "opra_2022",
    "opra_2024",
    "iwwd_2018",
    "nccn_rectal_2024",
)
REASSESS = option(
    "primary.restaging.reassess",
    N_("Reassess in 6-12 weeks: a near-complete response may still mature"),
    "opra_2022",
    "opra_criteria_2021",
)
RESTAGING_LOCAL_EXCISION = option(
    "primary.restaging.local_excision",
    N_("Transanal full-thickness local excision of the residual lesion (TAMIS / TEM)"),
    "greccar2_2017",
    "carts_2015",
)
RESTAGING_EFTR = option(
    "primary.restaging.eftr",
    N_("Endoscopic full-thickness resection (EFTR) of the residual lesion"),
    "wall_resect_2018",
    "eftr_meta_2020",
    "carts_2015",
)
RESTAGING_TME = option(
    "primary.restaging.tme",
    N_("Proceed to TME surgery"),
    "opra_2022",
    "esmo_2017",
)
RESTAGING_ADD_CRT = option(
    "primary.restaging.add_chemoradiotherapy",
    N_("Add chemoradiotherapy before surgery: the tumour shrank < 20% on FOLFOX (PROSPECT)"),
    "prospect_2023",
)

# --- after surgery ----------------------------------------------------------------------------
COMPLETION_TME = option(
    "primary.postop.completion_tme",
    N_("Completion TME: the local excision specimen has high-risk features"),
    "nccn_rectal_2024",
    "carts_2015",
    "tesar",
)
ADJUVANT_CRT_AFTER_LE = option(
    "primary.postop.adjuvant_crt_after_local_excision",
    N_("Adjuvant chemoradiotherapy instead of completion TME (TESAR, trial setting)"),
    "tesar",
)
LOCAL_EXCISION_SURVEILLANCE = option(
    "primary.postop.local_excision_surveillance",
    N_("Organ preserved: intensive endoscopic and MRI surveillance"),
    "carts_2015",
    "greccar2_2017",
    "opra_2022",
)
POSITIVE_MARGIN = option(
    "primary.postop.positive_margin_review",
    N_("Involved margin: MDT review of re-resection, radiotherapy boost or systemic therapy"),
    "nagtegaal_quirke_2008",
    "wibe_2002",
    "wittekind_2009",
)
ADJUVANT_CHEMO = option(
    "primary.postop.adjuvant_chemotherapy",
    N_("Adjuvant fluoropyrimidine-based chemotherapy (no post-operative radiotherapy)"),
    "nccn_rectal_2024",
    "esmo_colon_2020",
    "biagi_2011",
)
SURVEILLANCE = option(
    "primary.postop.surveillance",
    N_("Follow-up surveillance (CEA, CT, colonoscopy)"),
    "nccn_rectal_2024",
    "esmo_2017",
)
