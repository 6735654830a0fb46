"""The external mCODE bundles (STU1/STU2-era, mCODE Extraction Framework) import or are refused
with a message naming the element; none of them is rectal or has a Patient, so each needs the
case's required fields as overrides, and the condition bundle is refused for its placeholder date.
"""

from __future__ import annotations

import json

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir_testdata import MEF_BUNDLES, mef_text
from pydantic import ValidationError

from rectoplan.errors import InvalidRecordError
from rectoplan.interop.fhir_import import SUPPLIED_BY, import_bundle

REQUIRED = {
    "case_id": "mef-1",
    "patient.age_years": 61,
    "patient.sex": "female",
    "tumour.distance_from_anal_verge_cm": 6,
    "tumour.longest_diameter_cm": 4.5,
}


def test_the_five_fixture_bundles_are_there():
    assert len(MEF_BUNDLES) == 5


@pytest.mark.parametrize("name", MEF_BUNDLES)
def test_each_bundle_imports_or_is_refused_naming_the_element(name):
    try:
        result = import_bundle(mef_text(name), REQUIRED)
    except InvalidRecordError as exc:
        assert exc.errors
        for problem in exc.errors:
            assert problem.field.startswith("Bundle.entry[") or problem.field in SUPPLIED_BY
        return
    assert result.case.case_id == "mef-1"
    # whatever the bundle held but RectoPlan does not map is listed, by element
    bundle = json.loads(mef_text(name))
    listed = " ".join(result.notes)
    for i, _ in enumerate(bundle["entry"]):
        assert f"Bundle.entry[{i}]" in listed or any(
            s.startswith(f"Bundle.entry[{i}]") for s in result.sources.values()
        )


def test_the_condition_bundle_is_refused_for_its_placeholder_date():
    with pytest.raises(InvalidRecordError) as caught:
        import_bundle(mef_text("csv-condition-bundle.json"), REQUIRED)
    (problem,) = caught.value.errors
    assert problem.field == "Bundle.entry[0].resource(Condition).extension[0].valueDateTime"
    assert "'YYYY-MM-DD' is a placeholder" in problem.message


@pytest.mark.parametrize("name", sorted(set(MEF_BUNDLES) - {"csv-condition-bundle.json"}))
def test_the_other_bundles_parse_with_r4b(name):
    Bundle.model_validate_json(mef_text(name))


def test_r4b_refuses_the_placeholder_date_too():
    with pytest.raises(ValidationError):
        Bundle.model_validate_json(mef_text("csv-condition-bundle.json"))


def test_without_overrides_each_missing_field_names_its_fhir_element():
    with pytest.raises(InvalidRecordError) as caught:
        import_bundle(mef_text("csv-procedure-bundle.json"))
    by_field = {p.field: p.message for p in caught.value.errors}
    assert set(by_field) == set(REQUIRED)
    assert "LOINC 33748-5" in by_field["tumour.distance_from_anal_verge_cm"]
    assert "Patient.gender" in by_field["patient.sex"]
    assert "override tumour.longest_diameter_cm=VALUE" in by_field["tumour.longest_diameter_cm"]


def test_the_staging_bundle_is_refused_for_cn3_which_colorectal_staging_lacks():
    with pytest.raises(InvalidRecordError) as caught:
        import_bundle(mef_text("csv-staging-bundle.json"), REQUIRED)
    (problem,) = caught.value.errors
    assert problem.field == "Bundle.entry[2].resource(Observation).valueCodeableConcept"
    assert "'cN3' is not an AJCC 8 N category" in problem.message
    assert problem.case_field == "mri.cn"


def test_the_staging_bundle_imports_its_loinc_coded_stage_once_cn_is_supplied():
    result = import_bundle(mef_text("csv-staging-bundle.json"), REQUIRED | {"mri.cn": "N1"})
    case = result.case
    assert (case.mri.ct.value, case.mri.cn.value, case.distant.cm.value) == ("T3", "N1", "M0")
    assert result.sources["mri.ct"] == "Bundle.entry[0].resource(Observation).valueCodeableConcept"
    assert result.sources["mri.cn"] == "override"
    notes = "\n".join(result.notes)
    assert "cN3" in notes and "settled by the override of mri.cn" in notes
    assert "stage group IIIC differs from the AJCC 8 group IIIB" in notes


def test_unmapped_procedures_and_disease_status_are_listed_not_dropped():
    result = import_bundle(mef_text("surgical-radiation-procedure-bundle.json"), REQUIRED)
    assert result.case.operations == ()
    assert any("entry[0]" in n and "kick-flip-dectomy" in n for n in result.notes)
    status = import_bundle(mef_text("csv-cancer-disease-status-bundle.json"), REQUIRED)
    assert any("97509-4" in n for n in status.notes)
