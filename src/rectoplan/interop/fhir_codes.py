"""Every code system, profile, extension and code the FHIR mapping writes or reads, as data.

Each `Code` names the evidence id it came from (``rectoplan evidence`` lists them). Codes taken
from a third-party mapping rather than from the specification that defines them carry
``verified=False``: they are written (a receiver may use them) but never trusted alone, which is
why every RectoPlan-specific concept also carries a coding in a local code system under `LOCAL`.

The local namespace ``http://rectoplan.local/fhir`` is deliberately unresolvable (``.local`` is
reserved for the local network): it marks RectoPlan's own codes and extensions as local, and a
receiver that does not know them still has the standard codings and the text beside them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from rectoplan.clinical.case import (
    Approach,
    ChemoRegimen,
    HeightModality,
    Histology,
    OperationType,
)
from rectoplan.clinical.staging import MetastaticSite
from rectoplan.evidence import cite

# --- systems ------------------------------------------------------------------------------

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
AJCC = "http://cancerstaging.org"
NCIT = "http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
SPECIMEN_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0487"

LOCAL = "http://rectoplan.local/fhir"
CASE_ID_SYSTEM = f"{LOCAL}/NamingSystem/case-id"
TUMOUR_ID_SYSTEM = f"{LOCAL}/NamingSystem/tumour-id"
LOCAL_OPERATION = f"{LOCAL}/CodeSystem/operation-type"
LOCAL_APPROACH = f"{LOCAL}/CodeSystem/operative-approach"
LOCAL_HEIGHT_MODALITY = f"{LOCAL}/CodeSystem/height-modality"
LOCAL_REGIMEN = f"{LOCAL}/CodeSystem/chemotherapy-regimen"
LOCAL_COURSE = f"{LOCAL}/CodeSystem/neoadjuvant-course"
EXT_CYCLES = f"{LOCAL}/StructureDefinition/course-cycles"

# --- profiles and extensions ----------------------------------------------------------------

MCODE_SD = "http://hl7.org/fhir/us/mcode/StructureDefinition/"
_SOURCE_IG = cite("mcode_stu4")[0]


class Profile(StrEnum):
    """The mCODE STU4 profiles the export claims in ``meta.profile``."""

    bundle = MCODE_SD + "mcode-patient-bundle"
    patient = MCODE_SD + "mcode-cancer-patient"
    primary_condition = MCODE_SD + "mcode-primary-cancer-condition"
    secondary_condition = MCODE_SD + "mcode-secondary-cancer-condition"
    t_category = MCODE_SD + "mcode-tnm-primary-tumor-category"
    n_category = MCODE_SD + "mcode-tnm-regional-nodes-category"
    m_category = MCODE_SD + "mcode-tnm-distant-metastases-category"
    stage_group = MCODE_SD + "mcode-tnm-stage-group"
    tumor = MCODE_SD + "mcode-tumor"
    tumor_size = MCODE_SD + "mcode-tumor-size"
    tumor_marker = MCODE_SD + "mcode-tumor-marker-test"
    ecog = MCODE_SD + "mcode-ecog-performance-status"
    specimen = MCODE_SD + "mcode-human-specimen"
    surgery = MCODE_SD + "mcode-cancer-related-surgical-procedure"
    radiotherapy = MCODE_SD + "mcode-radiotherapy-course-summary"
    radiotherapy_volume = MCODE_SD + "mcode-radiotherapy-volume"
    medication = MCODE_SD + "mcode-cancer-related-medication-administration"


LEGACY_PROFILES: Mapping[str, Profile] = {
    MCODE_SD + "mcode-cancer-stage-group": Profile.stage_group,
    MCODE_SD + "mcode-tnm-clinical-stage-group": Profile.stage_group,
    MCODE_SD + "mcode-tnm-pathological-stage-group": Profile.stage_group,
    MCODE_SD + "mcode-tnm-clinical-primary-tumor-category": Profile.t_category,
    MCODE_SD + "mcode-tnm-pathological-primary-tumor-category": Profile.t_category,
    MCODE_SD + "mcode-tnm-clinical-regional-nodes-category": Profile.n_category,
    MCODE_SD + "mcode-tnm-pathological-regional-nodes-category": Profile.n_category,
    MCODE_SD + "mcode-tnm-clinical-distant-metastases-category": Profile.m_category,
    MCODE_SD + "mcode-tnm-pathological-distant-metastases-category": Profile.m_category,
}
"""STU1/STU2 profile URLs (as in the mCODE Extraction Framework fixtures) and their STU4 heirs."""
LEGACY_SOURCE = cite("mcode_extraction_framework")

EXT_HISTOLOGY = MCODE_SD + "mcode-histology-morphology-behavior"
EXT_RELATED_CONDITION = MCODE_SD + "mcode-related-condition"
EXT_RT_SESSIONS = MCODE_SD + "mcode-radiotherapy-sessions"
EXT_RT_DOSE = MCODE_SD + "mcode-radiotherapy-dose-delivered-to-volume"
EXT_ASSERTED_DATE = "http://hl7.org/fhir/StructureDefinition/condition-assertedDate"
EXT_DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
EXT_PROCEDURE_METHOD = "http://hl7.org/fhir/StructureDefinition/procedure-method"


def profile_of(resource: Mapping[str, Any]) -> set[Profile]:
    """The STU4 profiles a resource claims, with STU1/STU2 names translated."""
    claimed: set[Profile] = set()
    for url in (resource.get("meta") or {}).get("profile") or ():
        url = str(url).split("|", 1)[0]
        if url in LEGACY_PROFILES:
            claimed.add(LEGACY_PROFILES[url])
        else:
            try:
                claimed.add(Profile(url))
            except ValueError:
                continue
    return claimed


# --- codes ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Code:
    """A code with the source it came from; ``verified=False`` marks a code to check."""

    system: str
    code: str
    display: str
    source: str = _SOURCE_IG
    verified: bool = True

    def __post_init__(self) -> None:
        cite(self.source)

    def coding(self) -> dict[str, str]:
        return {"system": self.system, "code": self.code, "display": self.display}

    def matches(self, coding: Mapping[str, Any]) -> bool:
        return coding.get("system") == self.system and coding.get("code") == self.code


def codings(concept: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    """The codings of a CodeableConcept (none for ``None``)."""
    return list((concept or {}).get("coding") or ())


def find(concept: Mapping[str, Any] | None, candidates: Iterable[Code]) -> Code | None:
    """The first candidate that one of the concept's codings matches."""
    candidates = tuple(candidates)
    for coding in codings(concept):
        for code in candidates:
            if code.matches(coding):
                return code
    return None


def concept(*codes: Code | None, text: str | None = None) -> dict[str, Any]:
    """A CodeableConcept from codes (``None`` entries skipped) and an optional text."""
    result: dict[str, Any] = {"coding": [c.coding() for c in codes if c is not None]}
    if text:
        result["text"] = text
    return result


def local(system: str, code: str, display: str) -> Code:
    """A code in one of RectoPlan's local code systems (its source is the mapping itself)."""
    return Code(system, code, display, source="rectoplan_fhir_mapping")


# --- the primary cancer --------------------------------------------------------------------

RECTAL_CANCER = Code(SNOMED, "363351006", "Malignant tumor of rectum")
RECTAL_CANCER_ICD10 = Code(
    ICD10CM, "C20", "Malignant neoplasm of rectum", source="mcode_stu4_dictionary"
)
RECTAL_PRIMARY_CODES: tuple[Code, ...] = (
    RECTAL_CANCER,
    RECTAL_CANCER_ICD10,
    Code(SNOMED, "93984006", "Primary malignant neoplasm of rectum", verified=False),
    Code(ICD10CM, "C19", "Malignant neoplasm of rectosigmoid junction", "mcode_stu4_dictionary"),
    Code(
        ICD10CM,
        "C21.8",
        "Malignant neoplasm of overlapping sites of rectum, anus and anal canal",
        "mcode_stu4_dictionary",
    ),
)
"""Codes that make a Condition RectoPlan's primary cancer on import (the first two are written)."""

RECTUM = Code(SNOMED, "34402009", "Rectum structure")

HISTOLOGY: Mapping[Histology, Code] = {
    Histology.adenocarcinoma: Code(SNOMED, "35917007", "Adenocarcinoma (morphologic abnormality)"),
    Histology.mucinous_adenocarcinoma: Code(
        SNOMED,
        "72495009",
        "Mucinous adenocarcinoma (morphologic abnormality)",
        "snomed_morphology_value_sets",
    ),
    Histology.signet_ring_cell: Code(
        SNOMED,
        "87737001",
        "Signet ring cell carcinoma (morphologic abnormality)",
        "snomed_morphology_value_sets",
    ),
    Histology.other: Code(
        SNOMED,
        "1240414004",
        "Malignant neoplasm (morphologic abnormality)",
        "snomed_morphology_value_sets",
    ),
}
"""Histology as SNOMED CT morphology; ``other`` is the root of mCODE's tumour-morphology VS."""

PROBLEM_LIST_ITEM = Code(
    CONDITION_CATEGORY, "problem-list-item", "Problem List Item", source="us_core_610"
)
HEALTH_CONCERN = Code(CONDITION_CATEGORY, "health-concern", "Health Concern", "us_core_610")
CONDITION_ACTIVE = Code(CONDITION_CLINICAL, "active", "Active", source="fhir_r4")
CONDITION_CONFIRMED = Code(CONDITION_VERIFICATION, "confirmed", "Confirmed", source="fhir_r4")

SECONDARY_SITES: Mapping[MetastaticSite, Code] = {
    MetastaticSite.liver: Code(
        ICD10CM,
        "C78.7",
        "Secondary malignant neoplasm of liver and intrahepatic bile duct",
        "mcode_stu4_dictionary",
    ),
    MetastaticSite.lung: Code(
        ICD10CM,
        "C78.00",
        "Secondary malignant neoplasm of unspecified lung",
        "mcode_stu4_dictionary",
    ),
    MetastaticSite.peritoneum: Code(
        ICD10CM,
        "C78.6",
        "Secondary malignant neoplasm of retroperitoneum and peritoneum",
        "mcode_stu4_dictionary",
    ),
    MetastaticSite.non_regional_node: Code(
        ICD10CM,
        "C77.9",
        "Secondary and unspecified malignant neoplasm of lymph node, unspecified",
        "mcode_stu4_dictionary",
    ),
    MetastaticSite.bone: Code(
        ICD10CM, "C79.51", "Secondary malignant neoplasm of bone", "mcode_stu4_dictionary"
    ),
    MetastaticSite.brain: Code(
        ICD10CM, "C79.31", "Secondary malignant neoplasm of brain", "mcode_stu4_dictionary"
    ),
    MetastaticSite.ovary: Code(
        ICD10CM,
        "C79.60",
        "Secondary malignant neoplasm of unspecified ovary",
        "mcode_stu4_dictionary",
    ),
    MetastaticSite.adrenal: Code(
        ICD10CM,
        "C79.70",
        "Secondary malignant neoplasm of unspecified adrenal gland",
        "mcode_stu4_dictionary",
    ),
    MetastaticSite.other: Code(
        ICD10CM,
        "C79.89",
        "Secondary malignant neoplasm of other specified sites",
        "mcode_stu4_dictionary",
    ),
}
"""Metastatic sites as ICD-10-CM codes from mCODE's SecondaryCancerDisorderVS (written)."""

_SITE_PREFIXES: tuple[tuple[str, MetastaticSite], ...] = (
    ("C78.7", MetastaticSite.liver),
    ("C78.0", MetastaticSite.lung),
    ("C78.6", MetastaticSite.peritoneum),
    ("C77", MetastaticSite.non_regional_node),
    ("C79.5", MetastaticSite.bone),
    ("C79.3", MetastaticSite.brain),
    ("C79.6", MetastaticSite.ovary),
    ("C79.7", MetastaticSite.adrenal),
)


def site_from_icd10(code: str) -> MetastaticSite | None:
    """The metastatic site of an ICD-10-CM secondary-neoplasm code (C77-C79), else ``None``.

    Codes read on import may be more specific than the ones written (C78.01 right lung);
    any other C78/C79 code is ``other``.
    """
    for prefix, site in _SITE_PREFIXES:
        if code.startswith(prefix):
            return site
    if code.startswith(("C78", "C79")):
        return MetastaticSite.other
    return None


# --- staging ---------------------------------------------------------------------------------


class Axis(StrEnum):
    T = "T"
    N = "N"
    M = "M"
    group = "group"


class StagingType(StrEnum):
    """What ``Observation.code`` says: clinical, pathologic, or neither (generic / "other")."""

    clinical = "clinical"
    pathologic = "pathologic"
    generic = "generic"


def _sct(code: str, display: str) -> Code:
    return Code(SNOMED, code, display)


def _lnc(code: str, display: str) -> Code:
    return Code(LOINC, code, display)


STAGING_TYPES: Mapping[tuple[Axis, StagingType], tuple[Code, ...]] = {
    (Axis.group, StagingType.clinical): (
        _sct("399537006", "Clinical TNM stage grouping"),
        _lnc("21908-9", "Stage group.clinical Cancer"),
    ),
    (Axis.group, StagingType.pathologic): (
        _sct("399588009", "Pathologic TNM stage grouping"),
        _lnc("21902-2", "Stage group.pathology Cancer"),
    ),
    (Axis.group, StagingType.generic): (
        _sct("399390009", "TNM stage grouping"),
        _lnc("21914-7", "Stage group.other Cancer"),
    ),
    (Axis.T, StagingType.clinical): (
        _sct("399504009", "cT category"),
        _lnc("21905-5", "Primary tumor.clinical [Class] Cancer"),
    ),
    (Axis.T, StagingType.pathologic): (
        _sct("384625004", "pT category"),
        _lnc("21899-0", "Primary tumor.pathology Cancer"),
    ),
    (Axis.T, StagingType.generic): (
        _sct("78873005", "T category"),
        _lnc("21911-3", "Primary tumor.other [Class] Cancer"),
    ),
    (Axis.N, StagingType.clinical): (
        _sct("399534004", "cN category"),
        _lnc("21906-3", "Regional lymph nodes.clinical [Class] Cancer"),
    ),
    (Axis.N, StagingType.pathologic): (
        _sct("371494008", "pN category"),
        _lnc("21900-6", "Regional lymph nodes.pathology [Class] Cancer"),
    ),
    (Axis.N, StagingType.generic): (
        _sct("277206009", "N category"),
        _lnc("21912-1", "Regional lymph nodes.other [Class] Cancer"),
    ),
    (Axis.M, StagingType.clinical): (
        _sct("399387003", "cM category"),
        _lnc("21907-1", "Distant metastases.clinical [Class] Cancer"),
    ),
    (Axis.M, StagingType.pathologic): (
        _sct("371497001", "pM category"),
        _lnc("21901-4", "Distant metastases.pathology [Class] Cancer"),
    ),
    (Axis.M, StagingType.generic): (
        _sct("277208005", "M category"),
        _lnc("21913-9", "Distant metastases.other [Class] Cancer"),
    ),
}
"""mCODE STU4 staging-type value sets per axis: SNOMED (preferred; written) then LOINC ("max")."""

AXIS_PROFILE: Mapping[Axis, Profile] = {
    Axis.T: Profile.t_category,
    Axis.N: Profile.n_category,
    Axis.M: Profile.m_category,
    Axis.group: Profile.stage_group,
}

AJCC_8 = _sct(
    "897275008",
    "American Joint Commission on Cancer, Cancer Staging Manual, 8th edition neoplasm staging "
    "system (tumor staging)",
)
TNM_STAGING_METHODS: tuple[Code, ...] = (
    _sct("444256004", "AJCC 6th edition neoplasm staging system"),
    _sct("443830009", "AJCC 7th edition neoplasm staging system"),
    AJCC_8,
    _sct("1269566009", "AJCC 9th version neoplasm staging system"),
    Code(NCIT, "C188404", "Union for International Cancer Control Stage"),
)
"""mCODE TNMStagingMethodVS; RectoPlan stages with AJCC 8 and writes `AJCC_8`."""

SNOMED_TNM_VALUES: Mapping[str, Code] = {
    "cT3": _sct("1228938002", "American Joint Committee on Cancer cT3 (qualifier value)"),
    "pT3": _sct("1229859000", "American Joint Committee on Cancer pT3 (qualifier value)"),
    "cN0": _sct("1229967007", "American Joint Committee on Cancer cN0 (qualifier value)"),
    "cN3": _sct("1229984001", "American Joint Committee on Cancer cN3 (qualifier value)"),
    "pN0": _sct("1229947003", "American Joint Committee on Cancer pN0 (qualifier value)"),
    "cM0": _sct("1229901006", "American Joint Committee on Cancer cM0 (qualifier value)"),
}
"""The SNOMED CT AJCC value codes used in the mCODE STU4 examples, keyed by their AJCC code.

The TNM value sets are intensional (descendants of the AJCC allowable-value concepts) and
cannot be expanded offline, so these few are written beside the AJCC code when they apply and
read back on import; everything else is carried by the AJCC code system alone.
"""

SNOMED_STAGE_VALUES: Mapping[str, Code] = {
    "IIIC": _sct("1222806003", "American Joint Committee on Cancer stage IIIC (qualifier value)"),
    "IIB": _sct("1222769001", "American Joint Committee on Cancer stage IIB (qualifier value)"),
}
"""SNOMED CT AJCC stage-group codes from the mCODE examples (clinical and pathologic only)."""

_ROMAN = {"0": "0", "I": "1", "II": "2", "III": "3", "IV": "4"}


def ajcc_stage_code(group: str) -> str:
    """``"IIIC"`` -> ``"3C"``, the AJCC code-system form (``"0"`` stays ``"0"``)."""
    roman = group.rstrip("ABC")
    return _ROMAN[roman] + group[len(roman) :]


def stage_group_from_code(code: str) -> str | None:
    """``"3C"``, ``"IIIC"`` or ``"Stage IIIC"`` -> ``"IIIC"``; ``None`` if it is not a group."""
    text = code.strip().upper().removeprefix("STAGE").strip()
    by_arabic = {v: k for k, v in _ROMAN.items()}
    head, tail = text.rstrip("ABC"), text[len(text.rstrip("ABC")) :]
    if head in by_arabic and len(tail) <= 1:
        return by_arabic[head] + tail
    if head in _ROMAN and len(tail) <= 1:
        return head + tail
    return None


# --- observations ------------------------------------------------------------------------------

TUMOR_SIZE = _lnc("21889-1", "Size Tumor")
TUMOR_LONGEST = _lnc("33728-7", "Size.maximum dimension in Tumor")
TUMOR_OTHER = _lnc("33729-5", "Size additional dimension in Tumor")
TUMOR_SIZE_UNITS = ("cm", "mm")
GROSS_EXAMINATION = _sct(
    "787377000", "Gross examination and sampling of tissue specimen (procedure)"
)
ECOG = _lnc("89247-1", "ECOG Performance Status score")
CEA = _lnc("2039-6", "Carcinoembryonic Ag [Mass/volume] in Serum or Plasma")
CEA_ALTERNATIVES: tuple[Code, ...] = (
    CEA,
    _lnc("83085-1", "Carcinoembryonic Ag [Mass/volume] in Serum or Plasma by Immunoassay"),
)
CEA_UNITS = ("ng/mL", "ug/L")
DISTANCE_FROM_ANAL_VERGE = Code(
    LOINC, "33748-5", "Distance from anal verge", source="mii_onkologie", verified=False
)
NODES_EXAMINED = Code(
    LOINC, "21894-1", "Regional lymph nodes examined [#] Specimen", "mii_onkologie"
)
NODES_POSITIVE = Code(
    LOINC, "21893-3", "Regional lymph nodes positive [#] Specimen", "mii_onkologie"
)
LABORATORY = Code(OBSERVATION_CATEGORY, "laboratory", "Laboratory", source="fhir_r4")
TISSUE = Code(SPECIMEN_TYPE, "TISS", "Tissue", source="mcode_stu4_dictionary")

HEIGHT_MODALITY: Mapping[HeightModality, tuple[Code, Code | None]] = {
    HeightModality.mri: (
        local(LOCAL_HEIGHT_MODALITY, "mri", "Magnetic resonance imaging"),
        _sct("113091000", "Magnetic resonance imaging (procedure)"),
    ),
    HeightModality.rigid_sigmoidoscopy: (
        local(LOCAL_HEIGHT_MODALITY, "rigid_sigmoidoscopy", "Rigid sigmoidoscopy"),
        None,
    ),
    HeightModality.colonoscopy: (
        local(LOCAL_HEIGHT_MODALITY, "colonoscopy", "Colonoscopy"),
        Code(SNOMED, "73761001", "Colonoscopy (procedure)", source="synthea_colorectal"),
    ),
    HeightModality.dre: (
        local(LOCAL_HEIGHT_MODALITY, "dre", "Digital rectal examination"),
        None,
    ),
}
"""How the tumour height was measured: a local code always, SNOMED where one is known."""

# --- procedures ----------------------------------------------------------------------------------

OPERATIONS: Mapping[OperationType, tuple[Code, Code | None]] = {
    OperationType.local_excision: (
        local(LOCAL_OPERATION, "local_excision", "Transanal local excision (TEM / TAMIS)"),
        None,
    ),
    OperationType.esd: (
        local(LOCAL_OPERATION, "esd", "Endoscopic submucosal dissection"),
        None,
    ),
    OperationType.eftr: (
        local(LOCAL_OPERATION, "eftr", "Endoscopic full-thickness resection"),
        None,
    ),
    OperationType.lar: (
        local(LOCAL_OPERATION, "lar", "Low anterior resection (TME / PME)"),
        Code(
            SNOMED,
            "4558008",
            "Anterior resection of rectum",
            "surgery_codes_third_party",
            verified=False,
        ),
    ),
    OperationType.coloanal: (
        local(LOCAL_OPERATION, "coloanal", "Ultra-low anterior resection, coloanal anastomosis"),
        None,
    ),
    OperationType.isr_partial: (
        local(LOCAL_OPERATION, "isr_partial", "Partial intersphincteric resection"),
        None,
    ),
    OperationType.isr_subtotal: (
        local(LOCAL_OPERATION, "isr_subtotal", "Subtotal intersphincteric resection"),
        None,
    ),
    OperationType.isr_total: (
        local(LOCAL_OPERATION, "isr_total", "Total intersphincteric resection"),
        None,
    ),
    OperationType.apr: (
        local(LOCAL_OPERATION, "apr", "Abdominoperineal resection"),
        Code(
            SNOMED,
            "265414003",
            "Abdominoperineal resection of rectum",
            "surgery_codes_third_party",
            verified=False,
        ),
    ),
    OperationType.hartmann: (
        local(LOCAL_OPERATION, "hartmann", "Hartmann's procedure"),
        None,
    ),
    OperationType.exenteration: (
        local(LOCAL_OPERATION, "exenteration", "Pelvic exenteration"),
        None,
    ),
}
"""Each operation: its local code (always written, read first) and a SNOMED code where known.

mCODE binds the surgical code extensibly to SNOMED descendants of 387713003; no SNOMED code
was verified here for local excision, ESD, EFTR, coloanal, ISR, Hartmann or exenteration, so
they travel as local codes with a display until a terminologist adds verified codes.
"""

APPROACHES: Mapping[Approach, Code] = {
    a: local(LOCAL_APPROACH, a.value, a.value.capitalize()) for a in Approach
}
"""Operative approach, written in the core ``procedure-method`` extension (local codes)."""

RADIOTHERAPY_COURSE = _sct("1217123003", "Radiotherapy course of treatment (regime/therapy)")
RADIOTHERAPY_CATEGORY = _sct("108290001", "Radiation oncology AND/OR radiotherapy (procedure)")
PELVIC_NODES = _sct("245294005", "Pelvic lymph node group (body structure)")
CGY = "cGy"

REGIMENS: Mapping[ChemoRegimen, Code] = {
    r: local(LOCAL_REGIMEN, r.value, r.value) for r in ChemoRegimen
}
"""Chemotherapy regimens as local codes (a regimen is not one RxNorm medication)."""


class CourseKind(StrEnum):
    """What a neoadjuvant MedicationAdministration summarises (its ``category``)."""

    induction = "induction-chemotherapy"
    consolidation = "consolidation-chemotherapy"
    concurrent = "concurrent-chemotherapy"
    immunotherapy = "immunotherapy"


COURSE_KINDS: Mapping[CourseKind, Code] = {
    k: local(LOCAL_COURSE, k.value, k.value.replace("-", " ").capitalize()) for k in CourseKind
}

# --- required bindings of the base resources (FHIR R4) -----------------------------------------

OBSERVATION_STATUS = frozenset(
    {"registered", "preliminary", "final", "amended", "corrected", "cancelled"}
    | {"entered-in-error", "unknown"}
)
EVENT_STATUS = frozenset(
    {"preparation", "in-progress", "not-done", "on-hold", "stopped", "completed"}
    | {"entered-in-error", "unknown"}
)
MEDICATION_ADMIN_STATUS = frozenset(
    {"in-progress", "not-done", "on-hold", "completed", "entered-in-error", "stopped", "unknown"}
)
ADMINISTRATIVE_GENDER = frozenset({"male", "female", "other", "unknown"})
CONDITION_CLINICAL_STATUS = frozenset(
    {"active", "recurrence", "relapse", "inactive", "remission", "resolved"}
)
CONDITION_VERIFICATION_STATUS = frozenset(
    {"unconfirmed", "provisional", "differential", "confirmed", "refuted", "entered-in-error"}
)
SPECIMEN_STATUS = frozenset({"available", "unavailable", "unsatisfactory", "entered-in-error"})
