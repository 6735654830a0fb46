"""Sources for recurrence (classification, resectability, sacrectomy) and anastomotic stenosis.

Follows `shared/domain/surgical-modules.md` §3 ([L*] references) and §1-2 ([S*], [M*]).
Outcome benchmarks (the seed-002 cohort, PelvEx 2018, the 2024 exenteration benchmarks) live
in `outcomes.py`.
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
    # --- anastomotic stenosis -------------------------------------------------------------
    Source(
        "stenosis_review_zhang_2023",
        "Zhang MM, Li CG, Wang JJ, et al. Anastomotic stenosis after rectal cancer surgery: "
        "review (Chinese), 2023.",
        2023,
        note="No unified definition; 12 mm scope criterion or obstruction with imaging.",
    ),
    Source(
        "ebd_biraima_2016",
        "Biraima M, Adamina M, Jost R, Breitenstein S, Soll C. Long-term results of endoscopic "
        "balloon dilation for colorectal anastomotic stenosis. Surg Endosc 2016;30(10).",
        2016,
        note="97.4% long-term success, median 3 sessions; recurrence 11/22/25% at 1/3/5 years.",
    ),
    Source(
        "ebd_multidiameter_2020",
        "Endoscopic multidiameter balloon dilation of colorectal anastomotic stenosis: "
        "long-term outcomes. Tech Coloproctol 2020. doi:10.1007/s10151-020-02318-2",
        2020,
    ),
    Source(
        "ebd_failure_2023",
        "Risk factors for failure of endoscopic balloon dilation for anastomotic stricture after "
        "colorectal surgery. Surg Endosc 2023. doi:10.1007/s00464-023-10661-2",
        2023,
        note="Neoadjuvant RT aHR 2.48 for restenosis; hand-sewn more frequent in restenosis.",
    ),
    Source(
        "early_dilation_kaya_2018",
        "Kaya S, Altuntas YE, Altin O, et al. Right and wrong approaches to colorectal "
        "anastomotic stenosis. South Clin Ist Euras 2018;29(2):105-109.",
        2018,
        note="Dilation within 3 months succeeded in 100% vs 66.6% later.",
    ),
    Source(
        "revision_kraenzler_2017",
        "Kraenzler A, Maggiori L, Pittet O, et al. Anastomotic stenosis after coloanal, "
        "colorectal and ileoanal anastomosis. Colorectal Dis 2017 (PMID 27996184).",
        2017,
        note="Redo anastomosis 73% (16/22), the only independent predictor of success (OR 5.1).",
    ),
    Source(
        "electroincision_jain_2017",
        "Jain D, Sandhu N, Singhal S. Endoscopic electrocautery incision therapy for benign "
        "lower gastrointestinal strictures: meta-analysis. Ann Gastroenterol 2017;30(5):473-485.",
        2017,
        note="Success 98.4%, recurrence 6.0%; best for short, non-inflammatory strictures.",
    ),
    Source(
        "fcsems_cereatti_2016",
        "Cereatti F, Fiocca F, Dumont JL, et al. Fully covered self-expandable metal stent in "
        "postsurgical colorectal diseases. Ther Adv Gastroenterol 2016;9(2):180-188.",
        2016,
        note="Clinical success 62.1%; migration 41.4%.",
    ),
    Source(
        "long_stricture_rivera_2002",
        "Rivera Vega J, et al. Rev Gastroenterol Peru 2002;22(3).",
        2002,
        note="A stricture > 5 cm gave the only poor result of dilation.",
    ),
    Source(
        "mca_wjgs_2024",
        "Endoscopy-assisted magnetic compression for low rectal anastomotic stricture. World J "
        "Gastrointest Surg 2024;16(6):1926.",
        2024,
        note="Magnets removed at 16 days; patent at 4 months; ileostomy closed.",
    ),
    Source(
        "mca_nec_2020",
        "Magnetic compression anastomosis for rectal atresia following necrotising "
        "enterocolitis. Medicine (Baltimore) 2020;99(50):e23613.",
        2020,
        note="Magnets passed per rectum on postoperative day 9.",
    ),
    Source(
        "mca_sigmoid_2020",
        "Magnetic compression anastomosis with an atypical anastomosis for sigmoid stenosis. "
        "Surg Case Rep 2020.",
        2020,
        note="Magnets passed on day 5.",
    ),
    Source(
        "mskcc_pilipshen_1984",
        "Pilipshen SJ, et al. Patterns of pelvic recurrence following definitive resections of "
        "rectal cancer. Cancer 1984;53:1354-1362 (MSKCC original classification).",
        1984,
        note="Names anastomotic and perianastomotic recurrence as classes of their own "
        "(surgical-modules.md §3.2 via [L6]); primary text not retrieved.",
        verified=False,
    ),
)
