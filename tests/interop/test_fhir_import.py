"""Import rules beyond the round trip: how staging, units, dates and overrides are read."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest
from fhir_testdata import entries_with, example, example_case

from rectoplan.clinical.case import Case
from rectoplan.errors import InvalidRecordError
from rectoplan.interop.fhir_codes import AJCC, LOINC, SNOMED
from rectoplan.interop.fhir_export import bundle_json
from rectoplan.interop.fhir_import import (
    bundle_to_case,
    import_bundle,
    parse_overrides,
)

EFTR = bundle_json(example_case("seed001_3_after_eftr.json"))


def _copy():
    return copy.deepcopy(EFTR)


def _ypt(bundle):
    return entries_with(bundle, "Observation", "384625004")[0]


def _coding(system, code):
    return {"coding": [{"system": system, "code": code}]}


def _refused(bundle, overrides=None) -> dict[str, str]:
    with pytest.raises(InvalidRecordError) as caught:
        import_bundle(bundle, overrides)
    return {p.field: p.message for p in caught.value.errors}


def test_a_yp_value_under_a_clinical_staging_code_is_refused_not_guessed():
    bundle = _copy()
    _ypt(bundle)["code"] = _coding(SNOMED, "399504009")  # cT category
    problems = _refused(bundle)
    (element,) = [e for e in problems if e.endswith("valueCodeableConcept")]
    assert "'ypT1' contradicts the clinical staging type" in problems[element]


def test_a_generic_code_needs_the_prefix_in_the_value():
    bundle = _copy()
    ypt = _ypt(bundle)
    ypt["code"] = _coding(SNOMED, "78873005")  # T category, neither c nor p
    assert bundle_to_case(bundle).pathology.prefix.value == "yp"
    ypt["valueCodeableConcept"] = _coding(AJCC, "T1")
    problems = _refused(bundle)
    assert any("has no c/p/yc/yp prefix" in m for m in problems.values())


def test_a_pathologic_code_with_a_bare_value_is_p_and_loinc_codes_are_read():
    case = example_case("after_tme_pt3n1_upfront_adjuvant_chemo.json")
    bundle = bundle_json(case)
    pt = entries_with(bundle, "Observation", "384625004")[0]
    pt["code"] = _coding(LOINC, "21899-0")  # Primary tumor.pathology
    pt["valueCodeableConcept"] = _coding(AJCC, "T3")
    imported = bundle_to_case(bundle)
    assert imported.pathology.prefix.value == "p" and imported.pathology.t.value == "T3"


def test_a_snomed_value_without_an_ajcc_code_is_read_when_known():
    bundle = _copy()
    ct = entries_with(bundle, "Observation", "399504009")[0]
    ct["valueCodeableConcept"] = _coding(SNOMED, "1228938002")  # cT3 in the mCODE examples
    assert bundle_to_case(bundle).mri.ct.value == "T3"


def test_two_values_for_one_field_are_refused_naming_the_second():
    bundle = _copy()
    second = copy.deepcopy(entries_with(bundle, "Observation", "399504009")[0])
    second["valueCodeableConcept"] = _coding(AJCC, "cT4a")
    bundle["entry"].append({"fullUrl": "urn:uuid:second-ct", "resource": second})
    problems = _refused(bundle)
    element = f"Bundle.entry[{len(bundle['entry']) - 1}].resource(Observation).valueCodeableConcept"
    assert "mri.ct would be 'T4a', but" in problems[element]


def test_millimetres_are_read_as_centimetres():
    bundle = _copy()
    size = entries_with(bundle, "Observation", "21889-1")[0]
    size["component"][0]["valueQuantity"] = {
        "value": 32,
        "unit": "mm",
        "system": "http://unitsofmeasure.org",
        "code": "mm",
    }
    assert bundle_to_case(bundle).tumour.longest_diameter_cm == pytest.approx(3.2)


def test_age_comes_from_the_birth_date_at_diagnosis_when_there_is_no_onset_age():
    bundle = _copy()
    bundle["entry"][1]["resource"].pop("onsetAge")
    bundle["entry"][0]["resource"]["birthDate"] = "1969-03-04"  # diagnosed 2025-03-03
    result = import_bundle(bundle)
    assert result.case.patient.age_years == 55
    assert result.sources["patient.age_years"].endswith("birthDate (at diagnosis)")


def test_a_partial_date_cannot_be_a_case_date():
    bundle = _copy()
    bundle["entry"][1]["resource"]["extension"][0]["valueDateTime"] = "2025-03"
    problems = _refused(bundle)
    assert any("partial date" in m for m in problems.values())


def test_radiotherapy_after_the_operation_is_adjuvant_and_not_imported():
    data = example("after_tme_pt3n1_upfront_adjuvant_chemo.json")
    data["neoadjuvant"] = {"radiotherapy": {"total_dose_gy": 25, "fractions": 5}}
    case = Case.model_validate(data)
    bundle = bundle_json(case)
    course = entries_with(bundle, "Procedure", "1217123003")[0]
    course["performedPeriod"] = {"start": (case.operations[0].date + dt.timedelta(30)).isoformat()}
    result = import_bundle(bundle)
    assert result.case.neoadjuvant is None
    assert any(
        "is adjuvant; RectoPlan records neoadjuvant radiotherapy only" in n for n in result.notes
    )


def test_overrides_parse_json_and_text_and_refuse_unknown_fields():
    assert parse_overrides(["patient.age_years=70", "patient.sex=female", "mri.ct=cT3"]) == {
        "patient.age_years": 70,
        "patient.sex": "female",
        "mri.ct": "cT3",
    }
    with pytest.raises(InvalidRecordError, match=r"override tumour.colour: tumour.colour is not"):
        parse_overrides(["tumour.colour=red"])
    with pytest.raises(InvalidRecordError, match="has no fields below it"):
        parse_overrides(["case_id.x=1"])
    with pytest.raises(InvalidRecordError, match="field=value"):
        parse_overrides(["patient.age_years"])


def test_an_override_replaces_the_bundle_value_and_says_so():
    result = import_bundle(_copy(), {"tumour.longest_diameter_cm": 2.5})
    assert result.case.tumour.longest_diameter_cm == 2.5
    assert result.sources["tumour.longest_diameter_cm"] == "override"
    assert any("override 2.5 replaces 2.0" in n for n in result.notes)


def test_case_rules_broken_by_the_bundle_name_the_field_and_its_element():
    bundle = _copy()
    bundle["entry"] = [
        e for e in bundle["entry"] if e["resource"]["resourceType"] != "MedicationAdministration"
    ]
    course = entries_with(bundle, "Procedure", "1217123003")[0]
    course["performedPeriod"]["end"] = "2025-07-30"  # after the restaging of 2025-06-20
    problems = _refused(bundle)
    assert any(k == "restaging.date" and "is before neoadjuvant" in m for k, m in problems.items())


@pytest.mark.parametrize(
    ("payload", "element"),
    [
        ("{not json", "Bundle"),
        (json.dumps({"resourceType": "Patient"}), "Bundle.resourceType"),
        (json.dumps([1, 2]), "Bundle.resourceType"),
    ],
)
def test_what_is_not_a_bundle_is_refused(payload, element):
    assert element in _refused(payload)


def test_an_unknown_element_is_refused_by_r4b_naming_it():
    bundle = _copy()
    bundle["entry"][3]["resource"]["colour"] = "red"
    problems = _refused(bundle)
    assert any(k.startswith("Bundle.entry[3].resource(Observation)") for k in problems)
