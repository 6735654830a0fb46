"""The codes, profiles and required elements used by the mapping, checked against the mCODE IG.

The oracle is the mCODE STU4 data dictionary copied from the IG repository
(tests/data/fhir/hl7-fhir-mcode-ig, see its SOURCE.md), not the code under test.
"""

from __future__ import annotations

import re

import pytest
from fhir_testdata import dictionary, profile_elements, value_set

from rectoplan.clinical.staging import STAGE_GROUPS
from rectoplan.evidence import SOURCES
from rectoplan.interop import fhir_codes as fc
from rectoplan.interop.fhir_codes import Axis, Code, Profile, StagingType

_SYSTEM_NAMES = {
    fc.SNOMED: "SNOMED CT",
    fc.LOINC: "LOINC",
    fc.ICD10CM: "ICD-10 CM",
    fc.NCIT: "NCIT",
}
_AXIS_VS = {
    Axis.T: "primary-tumor",
    Axis.N: "regional-nodes",
    Axis.M: "distant-metastases",
    Axis.group: "stage-group",
}


def _member(code: Code, vs_id: str) -> bool:
    return (_SYSTEM_NAMES.get(code.system, code.system), code.code) in value_set(vs_id)


@pytest.mark.parametrize(("axis", "kind"), list(fc.STAGING_TYPES))
def test_staging_types_are_the_igs(axis, kind):
    snomed, loinc = fc.STAGING_TYPES[(axis, kind)]
    assert _member(snomed, f"mcode-tnm-{_AXIS_VS[axis]}-staging-type-vs")
    assert _member(loinc, f"mcode-tnm-{_AXIS_VS[axis]}-staging-type-max-vs")
    display = dict(
        ((s, c), d)
        for e in dictionary()["valueSetElements"]
        if "Code" in e
        for s, c, d in [(e["Code system"], e["Code"], e["Code description"])]
    )
    expected = {StagingType.clinical: "linical", StagingType.pathologic: "atholog"}.get(kind)
    if expected:  # the clinical code says clinical, the pathologic one pathologic
        assert expected in display[("LOINC", loinc.code)]


def test_every_staging_type_in_the_ig_is_read():
    ours = {c.code for codes in fc.STAGING_TYPES.values() for c in codes}
    for axis in _AXIS_VS.values():
        for suffix in ("staging-type-vs", "staging-type-max-vs"):
            assert {code for _, code in value_set(f"mcode-tnm-{axis}-{suffix}")} <= ours


def test_staging_methods_are_the_igs_and_ajcc8_is_written():
    assert {(c.system, c.code) for c in fc.TNM_STAGING_METHODS} == {
        ({"SNOMED CT": fc.SNOMED, "NCIT": fc.NCIT}[s], c)
        for s, c in value_set("mcode-tnm-staging-method-vs")
    }
    assert "8th edition" in fc.AJCC_8.display


def _fixed(profile_id: str) -> dict[str, str]:
    """``{"Observation.code": "http://loinc.org#21889-1"}`` from "Required [Fixed to ...]"."""
    found = {}
    for element in profile_elements(profile_id):
        match = re.search(r"\[Fixed to (\S+)\]", element["Required?"])
        if match:
            found[element["FHIR Element (R4)"]] = match[1]
    return found


def test_fixed_codes_match_the_dictionary():
    assert _fixed("mcode-tumor-size") == {
        "Observation.code": f"{fc.LOINC}#{fc.TUMOR_SIZE.code}",
        "Observation.component:tumorLongestDimension.code": f"{fc.LOINC}#{fc.TUMOR_LONGEST.code}",
        "Observation.component:tumorOtherDimension.code": f"{fc.LOINC}#{fc.TUMOR_OTHER.code}",
    }
    assert _fixed("mcode-radiotherapy-course-summary") == {
        "Procedure.code": f"{fc.SNOMED}#{fc.RADIOTHERAPY_COURSE.code}"
    }
    assert _fixed("mcode-ecog-performance-status") == {"Observation.code": f"{fc.LOINC}#89247-1"}
    assert _fixed("mcode-tumor-marker-test")["Observation.category:us-core"].endswith("#laboratory")


def test_profiles_and_extensions_exist_in_stu4():
    profiles = {p["url"] for p in dictionary()["profiles"]}
    assert {p.value for p in Profile} <= profiles
    extensions = {e["url"] for e in dictionary()["extensions"]}
    assert {fc.EXT_HISTOLOGY, fc.EXT_RELATED_CONDITION, fc.EXT_RT_SESSIONS, fc.EXT_RT_DOSE} <= (
        extensions
    )
    assert not set(fc.LEGACY_PROFILES) & profiles  # the STU1/STU2 names are gone in STU4


def test_rectal_and_metastasis_codes_are_in_the_cancer_value_sets():
    primary = value_set("mcode-primary-malignant-neoplasm-disorder-vs")
    for code in (
        fc.RECTAL_CANCER_ICD10,
        *[c for c in fc.RECTAL_PRIMARY_CODES if c.system == fc.ICD10CM],
    ):
        assert ("ICD-10 CM", code.code) in primary
    secondary = value_set("mcode-secondary-cancer-disorder-vs")
    for site, code in fc.SECONDARY_SITES.items():
        assert ("ICD-10 CM", code.code) in secondary, site
        assert fc.site_from_icd10(code.code) is site


def test_sites_rectum_specimen_units_and_methods_are_in_their_value_sets():
    assert _member(fc.RECTUM, "mcode-radiotherapy-treatment-location-vs")
    assert _member(fc.PELVIC_NODES, "mcode-radiotherapy-treatment-location-vs")
    assert ("SpecimenType (HL7)", fc.TISSUE.code) in value_set("mcode-human-specimen-type-vs")
    assert {("UCUM", u) for u in fc.TUMOR_SIZE_UNITS} == value_set("mcode-tumor-size-units-vs")
    assert _member(fc.GROSS_EXAMINATION, "mcode-tumor-size-method-vs")
    mri = fc.HEIGHT_MODALITY[fc.HeightModality.mri][1]
    assert _member(mri, "mcode-tumor-size-method-vs")


def test_cea_is_a_tumour_marker_test_code():
    """The marker value set is large and enumerated: both CEA codes must be in it."""
    markers = value_set("mcode-tumor-marker-test-vs")
    assert {("LOINC", c.code) for c in fc.CEA_ALTERNATIVES} <= markers


def _codes(value) -> list[Code]:
    if isinstance(value, Code):
        return [value]
    if isinstance(value, dict | type(fc.HISTOLOGY)):
        value = list(value.values())
    if isinstance(value, list | tuple):
        return [c for item in value for c in _codes(item)]
    return []


def test_every_code_cites_a_registered_source_and_the_uncertain_ones_say_so():
    codes = [c for value in vars(fc).values() for c in _codes(value)]
    assert len(codes) > 80
    assert all(c.source in SOURCES for c in codes)
    unverified = {c.code for c in codes if not c.verified}
    assert {"4558008", "265414003", "33748-5", "93984006"} <= unverified
    assert {"363351006", "34402009", "21889-1", "1217123003"}.isdisjoint(unverified)


def test_every_operation_type_has_a_local_code_and_snomed_codes_are_unique():
    assert set(fc.OPERATIONS) == set(fc.OperationType)
    snomed = [s.code for _, s in fc.OPERATIONS.values() if s is not None]
    assert len(snomed) == len(set(snomed))
    assert {local.code for local, _ in fc.OPERATIONS.values()} == {o.value for o in fc.OPERATIONS}


@pytest.mark.parametrize("group", STAGE_GROUPS)
def test_ajcc_stage_codes_round_trip(group):
    code = fc.ajcc_stage_code(group)
    assert re.fullmatch(r"[0-4][ABC]?", code)
    assert fc.stage_group_from_code(code) == group
    assert fc.stage_group_from_code(f"Stage {group}") == group


def test_the_mef_stage_code_3c_is_stage_iiic():
    assert fc.stage_group_from_code("3C") == "IIIC"
    assert fc.stage_group_from_code("T3") is None
