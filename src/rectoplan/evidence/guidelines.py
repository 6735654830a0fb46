"""Clinical sources for staging, the primary-tumour pathway and outcome conventions.

Each entry follows `shared/domain/clinical-guidelines.md` and `surgical-modules.md`; the
``verified`` flag mirrors their [V] / [P] tags.
"""

from rectoplan.evidence import Source

SOURCES: tuple[Source, ...] = (
    # --- staging -------------------------------------------------------------------------
    Source(
        "ajcc8_weiser_2018",
        "Weiser MR. AJCC 8th Edition: Colorectal Cancer. Ann Surg Oncol 2018;25(6):1454-1455.",
        2018,
        note="T/N/M definitions and stage groups 0-IVC; M1c = peritoneal surface.",
    ),
    Source(
        "vista_oncsga8a",
        "WorldVistA VistA-M, Packages/Oncology/Routines/ONCSGA8A.m, label COLON & RECTUM "
        "(machine-readable AJCC 8 colorectal stage-group logic).",
        2018,
        note="Independent encoding of the AJCC 8 table; TX/NX unstageable unless M1.",
    ),
    Source(
        "facs_cstage_nodes",
        "FACS Collaborative Stage, colon schema: regional node count to N category.",
        2018,
        url="web2.facs.org/cstage/colon",
    ),
    Source(
        "mercury_t3_substage",
        "Pratik et al. MRI T3 substaging of rectal cancer. Iran J Radiol 2018;15(2):e16801.",
        2018,
        note="T3a <1 mm, T3b 1-5 mm, T3c >5-15 mm, T3d >15 mm extramural depth (ESMO/MERCURY).",
    ),
    # --- risk groups and imaging ---------------------------------------------------------
    Source(
        "esmo_2017",
        "Glynne-Jones R, et al. Rectal cancer: ESMO Clinical Practice Guidelines for diagnosis, "
        "treatment and follow-up. Ann Oncol 2017;28(Suppl 4):iv22-iv40. doi:10.1093/annonc/mdx224",
        2017,
        note="Risk-adapted table (very early / early / intermediate / locally advanced / "
        "advanced) as commonly cited; the table itself was not retrieved.",
        verified=False,
    ),
    Source(
        "ehc_esmo_2025",
        "Egyptian Health Council rectal cancer guideline, following the ESMO 2025 localised "
        "rectal cancer wording (high-risk set; no TNT for cT2N+/cT3N0-1).",
        2025,
        url="lms.ehc.gov.eg chapterid=4584",
    ),
    Source(
        "esgar_2016",
        "Beets-Tan RGH, et al. Magnetic resonance imaging for clinical management of rectal "
        "cancer: updated recommendations from the 2016 ESGAR consensus meeting. Eur Radiol "
        "2018;28:1465-1475.",
        2018,
        note="MRF involved if tumour, EMVI, deposit or node is <= 1 mm from the fascia.",
    ),
    Source(
        "seom_2022",
        "SEOM clinical guideline for localized rectal cancer (2022). Clin Transl Oncol 2023.",
        2022,
        note="Height bands low <=5, mid >5-10, high >10-15 cm.",
    ),
    Source(
        "ogura_2019",
        "Ogura A, et al. Neoadjuvant (chemo)radiotherapy with total mesorectal excision only "
        "is not sufficient to prevent lateral local recurrence in enlarged nodes. J Clin Oncol "
        "2019;37:33-43.",
        2019,
        note="Lateral node short axis >= 7 mm as high risk (via the EHC guideline).",
        verified=False,
    ),
    # --- treatment guidelines ------------------------------------------------------------
    Source(
        "nccn_rectal_2024",
        "NCCN Guidelines Insights: Rectal Cancer, Version 3.2024. J Natl Compr Canc Netw "
        "2024;22(6):366.",
        2024,
        note="ESD added for early disease; TNT for stage II/III; MMR testing for all; "
        "checkpoint inhibitor preferred for dMMR; watch-and-wait after cCR.",
    ),
    Source(
        "nccn_local_excision",
        "NCCN Rectal Cancer, Principles of Surgery: criteria for transanal local excision "
        "(<30% circumference, <3 cm, margin >3 mm, mobile, <= 8 cm from the verge, T1, "
        "no LVI/PNI, G1-2, no lymphadenopathy).",
        2024,
        note="Exact wording not retrieved from the licensed PDF; every cut-off is a setting.",
        verified=False,
    ),
    Source(
        "heafner_glasgow_2014",
        "Heafner TA, Glasgow SC. A critical review of the role of local excision in the "
        "treatment of early (T1 and T2) rectal tumors. J Gastrointest Oncol 2014;5(5):345-352.",
        2014,
    ),
    Source(
        "eaes_2015",
        "Morino M, et al. Transanal endoscopic microsurgery in rectal cancer: EAES consensus. "
        "Surg Endosc 2015;29:755-773.",
        2015,
    ),
    # --- neoadjuvant trials --------------------------------------------------------------
    Source(
        "rapido_2021",
        "Bahadoer RR, et al. Short-course radiotherapy followed by chemotherapy before total "
        "mesorectal excision (RAPIDO). Lancet Oncol 2021;22:29-42.",
        2021,
    ),
    Source(
        "prodige23_2021",
        "Conroy T, et al. Neoadjuvant chemotherapy with FOLFIRINOX and preoperative "
        "chemoradiotherapy (UNICANCER-PRODIGE 23). Lancet Oncol 2021;22:702-715.",
        2021,
    ),
    Source(
        "prospect_2023",
        "Schrag D, et al. Preoperative treatment of locally advanced rectal cancer (PROSPECT). "
        "N Engl J Med 2023;389:322-334.",
        2023,
        note="FOLFOX first; CRT only if the primary shrank by < 20%.",
    ),
    Source(
        "opra_2022",
        "Garcia-Aguilar J, et al. Organ preservation in patients with rectal adenocarcinoma "
        "treated with total neoadjuvant therapy (OPRA). J Clin Oncol 2022;40:2546-2556.",
        2022,
        note="Restaging 8 +/- 4 weeks after TNT; cCR/nCR to watch-and-wait.",
    ),
    Source(
        "opra_2024",
        "Verheij FS, et al. Long-term results of organ preservation in patients with rectal "
        "adenocarcinoma treated with total neoadjuvant therapy (OPRA). J Clin Oncol 2024. "
        "doi:10.1200/JCO.23.01208",
        2024,
    ),
    Source(
        "opra_criteria_2021",
        "World J Meta-Anal 2021;9(4):327, Table 1: OPRA/MSKCC clinical response tiers.",
        2021,
    ),
    Source(
        "maas_2015",
        "Maas M, et al. Assessment of clinical complete response after chemoradiation for "
        "rectal cancer with digital rectal examination, endoscopy, and MRI. Ann Surg Oncol "
        "2015;22:3873-3880.",
        2015,
    ),
    Source(
        "cercek_2022",
        "Cercek A, et al. PD-1 blockade in mismatch repair-deficient, locally advanced rectal "
        "cancer. N Engl J Med 2022;386:2363-2376.",
        2022,
    ),
    Source(
        "cercek_2025",
        "Cercek A, et al. Nonoperative management of mismatch repair-deficient tumors. "
        "N Engl J Med 2025;392:2297.",
        2025,
    ),
    Source(
        "iwwd_2018",
        "van der Valk MJM, et al. Long-term outcomes of clinical complete responders after "
        "neoadjuvant treatment for rectal cancer (IWWD). Lancet 2018;391:2537-2545.",
        2018,
    ),
    # --- organ preservation by local excision --------------------------------------------
    Source(
        "greccar2_2017",
        "Rullier E, et al. Organ preservation for rectal cancer (GRECCAR 2). Lancet "
        "2017;390:469-479; 5-year results Lancet Gastroenterol Hepatol 2020;5:465-474.",
        2017,
        note="Entry criteria (<= 4 cm; good responders with residual <= 2 cm) not retrieved.",
        verified=False,
    ),
    Source(
        "acosog_z6041_2015",
        "Garcia-Aguilar J, et al. Organ preservation for clinical T2N0 distal rectal cancer "
        "using neoadjuvant chemoradiotherapy and local excision (ACOSOG Z6041). Lancet Oncol "
        "2015;16:1537-1546.",
        2015,
        note="Named in the project issue; not in the domain notes.",
        verified=False,
    ),
    Source(
        "carts_2015",
        "Verseveld M, et al. Chemoradiation therapy for rectal cancer in the distal rectum "
        "followed by organ-sparing transanal endoscopic microsurgery (CARTS). Br J Surg "
        "2015;102:853-860.",
        2015,
        note="TME advised for ypT >= 2 after local excision.",
    ),
    Source(
        "star_trec_2022",
        "Bach SP, et al. STAR-TREC protocol. Colorectal Dis 2022;24:639.",
        2022,
    ),
    Source(
        "tesar",
        "TESAR trial (tesartrial.nl): adjuvant chemoradiotherapy vs completion TME after local "
        "excision of high-risk pT1 / low-risk pT2.",
        2020,
    ),
    Source(
        "wall_resect_2018",
        "Schmidt A, et al. Colonoscopic full-thickness resection using an over-the-scope device "
        "(WALL-RESECT). Gut 2018;67:1280-1289.",
        2018,
        note="R0 81.2% for lesions <= 2 cm vs 58.1% for > 2 cm.",
    ),
    Source(
        "eftr_meta_2020",
        "Non-exposed endoscopic full-thickness resection: systematic review and meta-analysis "
        "(18 studies, 733 lesions). Endosc Int Open 2020.",
        2020,
    ),
    # --- surgery and pathology -----------------------------------------------------------
    Source(
        "rullier_2013",
        "Rullier E, et al. Low rectal cancer: classification and standardization of surgery. "
        "Dis Colon Rectum 2013;56:560-567.",
        2013,
        note="Types I-IV for tumours < 6 cm from the anal verge.",
    ),
    Source(
        "isr_safety_2020",
        "Intersphincteric resection for low rectal cancer: oncological safety with CRM >= 1 mm "
        "and DRM >= 1 cm. Front Oncol 2020;10:297.",
        2020,
    ),
    Source(
        "nagtegaal_quirke_2008",
        "Nagtegaal ID, Quirke P. What is the role for the circumferential margin in the modern "
        "treatment of rectal cancer? J Clin Oncol 2008;26:303-312.",
        2008,
        note="CRM positive at <= 1 mm; HR for local recurrence 2.7 (6.3 after neoadjuvant).",
    ),
    Source(
        "wibe_2002",
        "Wibe A, et al. Prognostic significance of the circumferential resection margin "
        "following total mesorectal excision for rectal cancer. Br J Surg 2002;89:327-334.",
        2002,
    ),
    Source(
        "wittekind_2009",
        "Wittekind C, Compton C, Quirke P, et al. A uniform residual tumor (R) classification. "
        "Cancer 2009;115:3483-3488.",
        2009,
        note="Record the minimum margin distance so 'at the margin' and '<= 1 mm' differ.",
    ),
    Source(
        "quirke_cr07_2009",
        "Quirke P, et al. Effect of the plane of surgery achieved on local recurrence in "
        "patients with operable rectal cancer (MRC CR07). Lancet 2009;373:821-828.",
        2009,
    ),
    Source(
        "distal_margin_review_2010",
        "Distal resection margin in rectal cancer surgery: review. J Gastrointest Surg 2010 "
        "(s11605-010-1165-3).",
        2010,
        note="~2 cm standard; <= 1 cm acceptable after pre-operative CRT.",
    ),
    Source(
        "esmo_nodes_12",
        "ESMO rectal cancer guideline (earlier version): at least 12 lymph nodes examined.",
        2013,
    ),
    # --- response grading ----------------------------------------------------------------
    Source(
        "patel_mrtrg_2011",
        "Patel UB, et al. Magnetic resonance imaging-detected tumor response for locally "
        "advanced rectal cancer predicts survival outcomes (MERCURY). J Clin Oncol "
        "2011;29:3753-3760.",
        2011,
    ),
    Source(
        "cap_trg_2020",
        "AJCC/CAP modified Ryan tumour regression grade 0-3 (Front Oncol 2020, PMC7025535).",
        2020,
    ),
    Source(
        "mandard_1994",
        "Mandard AM, et al. Pathologic assessment of tumor regression after preoperative "
        "chemoradiotherapy of esophageal carcinoma. Cancer 1994;73:2680-2686.",
        1994,
    ),
    Source(
        "dworak_1997",
        "Dworak O, et al. Pathological features of rectal cancer after preoperative "
        "radiochemotherapy. Int J Colorectal Dis 1997;12:19-23.",
        1997,
    ),
    Source(
        "siddiqui_2016",
        "Siddiqui MRS, et al. A meta-analysis comparing tumour regression grades. World J "
        "Gastroenterol 2016;22:8414.",
        2016,
        note="Good response = Mandard 1-2 or Dworak 3-4.",
    ),
    Source(
        "recist_1_1",
        "Eisenhauer EA, et al. New response evaluation criteria in solid tumours: revised RECIST "
        "guideline (version 1.1). Eur J Cancer 2009;45:228-247.",
        2009,
    ),
    # --- radiotherapy --------------------------------------------------------------------
    Source(
        "lq_bed_eqd2",
        "Linear-quadratic model: BED = nd(1 + d/(alpha/beta)) (Hall & Giaccia, Radiobiology for "
        "the Radiologist); EQD2 = BED/(1 + 2/(alpha/beta)) (Joiner & van der Kogel).",
        2018,
    ),
    Source(
        "suwinski_2007",
        "Suwinski R, et al. Dose-response relationship for preoperative radiotherapy of rectal "
        "cancer. Int J Radiat Oncol Biol Phys 2007;69:793-799.",
        2007,
        note="alpha/beta for rectal cancer 5.06 Gy (95% CI -0.1 to 10.3).",
    ),
    # --- complications -------------------------------------------------------------------
    Source(
        "clavien_dindo_2004",
        "Dindo D, Demartines N, Clavien PA. Classification of surgical complications. "
        "Ann Surg 2004;240:205-213.",
        2004,
    ),
    Source(
        "cci_2013",
        "Slankamenac K, et al. The comprehensive complication index. Ann Surg 2013;258:1-7.",
        2013,
        note="Weights confirmed only in public re-implementations; verify before release.",
        verified=False,
    ),
    # --- issue 13: adjuvant timing and risk, oligometastatic disease ------------------------
    Source(
        "esmo_colon_2020",
        "Argiles G, et al. Localised colon cancer: ESMO Clinical Practice Guidelines for "
        "diagnosis, treatment and follow-up. Ann Oncol 2020;31(10):1291-1305.",
        2020,
        note="Adjuvant chemotherapy is not routinely advised for low-risk stage II; high-risk "
        "stage II = pT4, < 12 nodes examined, G3, LVI, PNI, obstruction or perforation. "
        "Extrapolated to rectal cancer treated by surgery alone; not in shared/domain.",
        verified=False,
    ),
    Source(
        "biagi_2011",
        "Biagi JJ, Raphael MJ, Mackillop WJ, et al. Association between time to initiation of "
        "adjuvant chemotherapy and survival in colorectal cancer: a systematic review and "
        "meta-analysis. JAMA 2011;305(22):2335-2342. doi:10.1001/jama.2011.749",
        2011,
        url="https://pubmed.ncbi.nlm.nih.gov/21642686/",
        note="10 studies, 15,410 patients: each 4-week delay, overall survival HR 1.14. "
        "Abstract read; not in shared/domain.",
        verified=False,
    ),
    Source(
        "esmo_mcrc_2023",
        "Cervantes A, et al. Metastatic colorectal cancer: ESMO Clinical Practice Guideline for "
        "diagnosis, treatment and prognosis. Ann Oncol 2023;34(1):10-32.",
        2023,
        note="Oligometastatic disease: few lesions (commonly <= 5) in up to 2-3 sites, all "
        "amenable to local treatment (resection, thermal ablation, SBRT); not in shared/domain.",
        verified=False,
    ),
)
