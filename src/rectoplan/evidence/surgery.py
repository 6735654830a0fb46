"""Sources for locally recurrent rectal cancer: classification, resectability, sacrectomy.

Follows `shared/domain/surgical-modules.md` §3 ([L*] references). Outcome benchmarks (the
seed-002 cohort, PelvEx 2018, the 2024 exenteration benchmarks) live in `outcomes.py`.
"""

from rectoplan.evidence import Source

SOURCES: tuple[Source, ...] = (
    Source(
        "rokan_2021",
        "Rokan Z, Simillis C, Kontovounisios C, Moran BJ, Tekkis P, Brown G. Systematic review "
        "of classification systems for locally recurrent rectal cancer. BJS Open "
        "2021;5(3):zrab024.",
        2021,
        note="8 systems in 21 studies; >= 3 compartments, fixity and lateral site worse.",
    ),
    Source(
        "royal_marsden_compartments",
        "Royal Marsden MRI compartments (peritoneal reflection, anterior above / below the "
        "peritoneal reflection, central, posterior, lateral, inferior). Kelly ME, Winter DC "
        "(eds). Surgical Management of Advanced Pelvic Cancer. Wiley 2021, ch. 3; Stelzner S, "
        "et al. Ann Surg 2023;278(1):e58-67.",
        2021,
    ),
    Source(
        "mskcc_guillem_classification",
        "MSKCC updated recurrence classification (Guillem 1998 / Moore): axial, anterior, "
        "posterior, lateral.",
        1998,
        note="Mapping from Royal Marsden compartments is this project's, not published.",
        verified=False,
    ),
    Source(
        "leeds_boyle_2005",
        "Boyle KM, Sagar PM, et al. Leeds classification of locally recurrent rectal cancer: "
        "central, sacral, sidewall, composite. 2005.",
        2005,
        note="Mapping from Royal Marsden compartments is this project's, not published.",
        verified=False,
    ),
    Source(
        "lee_2017_contraindications",
        "Lee DJK, Sadadcharam G, Tan KY, Sagar PM. Contemporary management of locally recurrent "
        "rectal cancer. World J Gastroenterol 2017;23(23):4170-4180, Table 1.",
        2017,
        note="Historical contraindications: sacral invasion above S2-S3, sciatic notch, > 180 "
        "degree external iliac encasement, sidewall disease with hydronephrosis, distant "
        "metastases. Specialist centres now resect some of these.",
    ),
    Source(
        "mathis_2023",
        "Mathis KL. Surgical management of recurrent rectal cancer. 2023.",
        2023,
        url="gmka.org/surgical-management-of-recurrent-rectal-cancer/",
    ),
    Source(
        "larsen_2005_hydronephrosis",
        "Larsen SG, Wiig JN, Giercksky KE. Hydronephrosis as a prognostic factor in pelvic "
        "recurrence from rectal and colon carcinomas. Am J Surg 2005;190:55-60.",
        2005,
        note="R0 22% vs 41%; 5-year survival 11% vs 25%; not an absolute contraindication.",
    ),
    Source(
        "beyond_tme_2013",
        "Beyond TME Collaborative. Consensus statement on the multidisciplinary management of "
        "patients with recurrent and primary rectal cancer beyond total mesorectal excision "
        "planes. Br J Surg 2013. doi:10.1002/bjs.9192",
        2013,
    ),
    Source(
        "sacrectomy_review_2017",
        "Systematic review of pelvic exenteration with en bloc sacrectomy for recurrent rectal "
        "adenocarcinoma. Dis Colon Rectum 2017;60(3).",
        2017,
        note="R0 (> 1 mm) 78%; morbidity and stay fall with more distal transection.",
    ),
    Source(
        "akiyoshi_2016",
        "Akiyoshi T. Technical feasibility of laparoscopic extended surgery beyond total "
        "mesorectal excision for primary or recurrent rectal cancer. World J Gastroenterol "
        "2016;22(2):718-726.",
        2016,
    ),
    Source(
        "pelvex_mis_2018",
        "PelvEx Collaborative. Minimally invasive surgery for pelvic exenteration: "
        "meta-analysis. Surg Endosc 2018;32:4707-4715.",
        2018,
    ),
    Source(
        "coco_2024",
        "Coco C, et al. Locally recurrent rectal cancer. Cancers 2024;16(23):3906.",
        2024,
        note="LRRC occurs in 6-12% of treated patients.",
    ),
)
