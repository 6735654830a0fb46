"""Sources for the FHIR R4 / mCODE STU4 mapping: the specifications and where each code came from.

Follows ``shared/domain/ecosystem-and-data.md`` §1. Every code in `rectoplan.interop.fhir_codes`
names one of these ids; a code taken from a third-party mapping rather than from the
specification that defines it is flagged there (``verified=False``), and so is its source here.
"""

from rectoplan.evidence import Source

SOURCES: tuple[Source, ...] = (
    Source(
        "rectoplan_fhir_mapping",
        "RectoPlan FHIR mapping (docs/fhir-mapping.md): the local code systems, naming systems "
        "and extensions under http://rectoplan.local/fhir for concepts mCODE does not code.",
        2026,
        note="Local by design; every local coding travels with its display text.",
    ),
    Source(
        "mcode_stu4",
        "HL7 International. minimal Common Oncology Data Elements (mCODE) Implementation Guide, "
        "STU4 (hl7.fhir.us.mcode 4.0.0, FHIR 4.0.1). Source: github.com/HL7/fhir-mCODE-ig "
        "@543477b, input/fsh/SD_*.fsh.",
        2025,
        url="http://hl7.org/fhir/us/mcode",
        note="Profiles, extensions, fixed codes (tumour size 21889-1, radiotherapy course "
        "1217123003), staging-type and staging-method value sets, TNM value hierarchies.",
    ),
    Source(
        "mcode_stu4_dictionary",
        "mCODE STU4 data dictionary (mCODEDataDictionary-STU4.json, metadata version "
        "4.0.0-ballot): 38 profiles, required elements, cardinalities, bindings, value sets.",
        2025,
        url="http://hl7.org/fhir/us/mcode/data-dictionary.html",
        note="Copied to tests/data/fhir/ and read by the tests that check the codes and the "
        "required elements used here.",
    ),
    Source(
        "fhir_r4",
        "HL7 FHIR Release 4 (4.0.1): resources, data types and core extensions "
        "(condition-assertedDate, data-absent-reason, procedure-method).",
        2019,
        url="http://hl7.org/fhir/R4",
    ),
    Source(
        "us_core_610",
        "HL7 FHIR US Core Implementation Guide 6.1.0 (parent profiles of mCODE STU4: Patient "
        "identifier/name/gender required, Condition category, Procedure performed[x]).",
        2023,
        url="http://hl7.org/fhir/us/core/STU6.1",
    ),
    Source(
        "ajcc_code_system",
        "AJCC staging values in the code system http://cancerstaging.org, allowed by the mCODE "
        "STU4 'maximum' TNM value sets; written as in the mCODE Extraction Framework fixtures "
        "(cT3, cN3, cM0, stage group 3C).",
        2023,
        note="The value format follows third-party use, not an AJCC publication read here.",
        verified=False,
    ),
    Source(
        "mcode_extraction_framework",
        "MITRE mCODE Extraction Framework, test/extractors/fixtures/*.json (Apache-2.0), commit "
        "593210d: STU1/STU2-era mCODE R4 bundles.",
        2023,
        url="github.com/mcode/mcode-extraction-framework",
    ),
    Source(
        "surgery_codes_third_party",
        "Third-party SNOMED CT mappings for rectal operations (abdominoperineal resection "
        "265414003, anterior resection of rectum 4558008), as listed in "
        "shared/domain/ecosystem-and-data.md §1.3.",
        2024,
        note="Not checked against a SNOMED CT release; treat as uncertain.",
        verified=False,
    ),
    Source(
        "mii_onkologie",
        "Medizininformatik-Initiative, Kerndatensatz-Modul Onkologie 2026.0.3: profile "
        "mii-pr-onko-krk-abstand-anokutan (LOINC 33748-5 Distance from anal verge) and the "
        "lymph-node count observations (LOINC 21894-1 examined, 21893-3 positive).",
        2026,
        url="https://www.medizininformatik-initiative.de/fhir/ext/modul-onko",
        note="LOINC codes as used by the MII; not checked against the LOINC table here.",
        verified=False,
    ),
    Source(
        "snomed_morphology_value_sets",
        "SNOMED CT morphology concepts as published in HL7 and MII value sets: 35917007 "
        "Adenocarcinoma, 72495009 Mucinous adenocarcinoma, 87737001 Signet ring cell carcinoma, "
        "1240414004 Malignant neoplasm (morphologic abnormality).",
        2024,
        note="1240414004 is the root of the mCODE STU4 tumour-morphology value set.",
    ),
    Source(
        "synthea_colorectal",
        "Synthea colorectal_cancer module (synthetichealth/synthea, "
        "src/main/resources/modules/colorectal_cancer.json): colonoscopy SNOMED 73761001.",
        2023,
        url="github.com/synthetichealth/synthea",
    ),
)
