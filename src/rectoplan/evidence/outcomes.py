"""Sources for cohort analytics: the published figures a registry is compared with, and the
statistical methods the comparison uses.

Values follow `shared/domain/surgical-modules.md` (§3.5, §3.7, §4.4) and
`shared/domain/ecosystem-and-data.md` (§5, §6.3); the ``verified`` flag is ``False`` where the
notes say only an abstract, an index page or a secondary summary was read.
"""

from rectoplan.evidence import Source

SOURCES: tuple[Source, ...] = (
    # --- surgical cohorts and benchmarks ---------------------------------------------------
    Source(
        "seed002_lap_sacrectomy",
        "Laparoscopic sacrectomy with dead-space management for posterior locally recurrent "
        "rectal cancer: 43 patients (abstract; authors, journal and year not retrieved).",
        2025,
        url="https://booksci.cn/literature_d11299_9.htm",
        note="R0 86% (37/43 derived); 5-year OS approximately 59%. Only the abstract was read; "
        "the year field is a placeholder for the unknown publication year.",
        verified=False,
    ),
    Source(
        "pelvex_2018",
        "PelvEx Collaborative (Kelly ME, et al.). Factors affecting outcomes following pelvic "
        "exenteration for locally recurrent rectal cancer. Br J Surg 2018;105:650-657.",
        2018,
        url="https://repub.eur.nl/pub/113135",
        note="27 centres, 2004-14, 1,184 LRRC exenterations: R0 55.4% (656/1184 derived); "
        "3-year OS 48.1/33.9/15% for R0/R1/R2; 30-day mortality 1.8%; major complications "
        "32.1%.",
    ),
    Source(
        "pelvex_2019",
        "PelvEx Collaborative. Changing outcomes following pelvic exenteration for locally "
        "advanced and locally recurrent rectal cancer. BJS Open 2019;3(4):516-520.",
        2019,
        note="2,472 LARC + LRRC; LARC R0 rose 62.5 -> 80.0% (low-volume) and 83.5 -> 88.4% "
        "(high-volume centres); no significant LRRC trend.",
    ),
    Source(
        "exenteration_benchmarks_2024",
        "Brown KGM, Solomon MJ, Koh CE, et al. Defining benchmarks for pelvic exenteration "
        "surgery: a multicentre analysis of patients with locally advanced and recurrent "
        "rectal cancer. Ann Surg 2024. doi:10.1097/SLA.0000000000006348",
        2024,
        note="16 centres, 763 exenterations, 544 in the low-risk benchmark cohort; benchmark = "
        "75th percentile of centre results.",
    ),
    # --- MDT concordance ---------------------------------------------------------------------
    Source(
        "bonn_tumour_boards",
        "Ernst J, Alfter K, Mustea A, et al. Improved implementation of tumor board decisions: "
        "a retrospective single center observational study in Germany. In Vivo "
        "2025;39(6):3503.",
        2025,
        url="https://iv.iiarjournals.org/content/39/6/3503",
        note="University Hospital Bonn, 10 tumour boards 2014-16, 7,152 patients, 13,050 "
        "recommendations: 84.2% implemented (68.1% fully, 16.1% partially), 8.6% deviations; "
        "top reason for a complete deviation was missing documentation (51.3%).",
    ),
    Source(
        "rush_tumour_board_readiness",
        "Rush University Medical Center tumor board case-readiness check (an MRI older than "
        "42 days is flagged before the meeting), as cited in RectoPlan issue 15 beside VITU, "
        "NAVIFY Tumor Board and OncoFlow.",
        2024,
        note="The 42-day imaging window of one institution's tumour board, not a guideline "
        "value; the primary description was not checked, hence a named setting.",
        verified=False,
    ),
    Source(
        "german_ccc_adherence",
        "Braulke F, Kober K, Rieken S, et al. Adherence to interdisciplinary tumor board "
        "recommendations as an expression of quality-assured patient care: results of a "
        "bicentric German analysis. J Cancer Res Clin Oncol 2023;149(16):14775-14784. "
        "doi:10.1007/s00432-023-05253-5",
        2023,
        note="949 cases with known follow-up: adherence 91.9% (95% CI 0.90-0.935; 872/949 "
        "derived); not implemented for medical reasons 45.4%, patient wish 35.1%, unknown "
        "19.5%.",
    ),
    Source(
        "iknl_decision_trees",
        "Ebben KCWJ, Hendriks MP, Markus L, et al. Using guideline-based clinical decision "
        "support in oncological multidisciplinary team meetings: a prospective, multicenter "
        "concordance study. Int J Qual Health Care 2022;34(1):mzac007.",
        2022,
        url="https://pmc.ncbi.nlm.nih.gov/articles/PMC8934031",
        note="Dutch Oncoguide decision trees (breast, colorectal, prostate), 355 cases: with "
        "complete data (296) the MDT was concordant in 249 (84.1%), conditionally concordant "
        "in 24 (8.1%), non-concordant in 23 (7.8%); 59 cases (16.6%) lacked data.",
    ),
    Source(
        "cds_hooks_non_adherence",
        "HL7 CDS Hooks, CodeSystem non-adherence-reason-codes "
        "(http://terminology.hl7.org/CodeSystem/non-adherence-reason-codes), trial use; "
        "concepts from AHRQ CDSiC publication 25-0073 (2025).",
        2025,
        url="https://github.com/HL7/cds-hooks",
        note="Copied verbatim at commit fb10ca7 (Apache-2.0 repository, CC-BY-4.0 text).",
    ),
    # --- statistical methods -----------------------------------------------------------------
    Source(
        "wilson_1927",
        "Wilson EB. Probable inference, the law of succession, and statistical inference. "
        "J Am Stat Assoc 1927;22:209-212.",
        1927,
    ),
    Source(
        "newcombe_1998",
        "Newcombe RG. Two-sided confidence intervals for the single proportion: comparison of "
        "seven methods. Stat Med 1998;17:857-872.",
        1998,
        note="Published Wilson intervals: 81/263 0.2553-0.3662; 15/148 0.0624-0.1605; "
        "0/20 0-0.1611; 1/29 0.0061-0.1718.",
    ),
    Source(
        "newcombe_1998_difference",
        "Newcombe RG. Interval estimation for the difference between independent proportions: "
        "comparison of eleven methods. Stat Med 1998;17:873-890.",
        1998,
        note="Hybrid score interval (method 10) built from the two Wilson intervals.",
    ),
    Source(
        "kaplan_meier_1958",
        "Kaplan EL, Meier P. Nonparametric estimation from incomplete observations. "
        "J Am Stat Assoc 1958;53:457-481.",
        1958,
    ),
    Source(
        "cox_1972",
        "Cox DR. Regression models and life-tables. J R Stat Soc B 1972;34:187-220.",
        1972,
    ),
    Source(
        "efron_1977",
        "Efron B. The efficiency of Cox's likelihood function for censored data. "
        "J Am Stat Assoc 1977;72:557-565.",
        1977,
        note="Tie handling used by lifelines' CoxPHFitter and R's coxph default.",
    ),
    Source(
        "mantel_1966",
        "Mantel N. Evaluation of survival data and two new rank order statistics arising in "
        "its consideration. Cancer Chemother Rep 1966;50:163-170.",
        1966,
        note="The log-rank test.",
    ),
    Source(
        "moertel_1990",
        "Moertel CG, et al. Levamisole and fluorouracil for adjuvant therapy of resected colon "
        "carcinoma. N Engl J Med 1990;322:352-358.",
        1990,
    ),
    Source(
        "moertel_1995",
        "Moertel CG, et al. Fluorouracil plus levamisole as effective adjuvant therapy after "
        "resection of stage III colon carcinoma: a final report. Ann Intern Med "
        "1995;122:321-326.",
        1995,
        note="The trial data ship as survival::colon in R; reference values in "
        "ecosystem-and-data.md §6.3.",
    ),
)
