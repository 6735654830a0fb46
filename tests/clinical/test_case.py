"""The Case model: impossible or inconsistent input is an error naming the field."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from rectoplan.clinical.case import Case
from rectoplan.clinical.tnm import MCategory, NCategory, Prefix, TCategory


def _errors(data: dict) -> str:
    with pytest.raises(ValidationError) as info:
        Case.model_validate(data)
    return str(info.value)


def test_seed_cases_validate(seed_diagnosis, seed_restaging, seed_after_eftr):
    for data in (seed_diagnosis, seed_restaging, seed_after_eftr):
        case = Case.model_validate(data)
        assert case.case_id == data["case_id"]


def test_prefixed_categories_are_parsed(seed_after_eftr):
    case = Case.model_validate(seed_after_eftr)
    assert case.mri.ct is TCategory.T3 and case.mri.cn is NCategory.N1a
    assert case.pathology.t is TCategory.T1 and case.pathology.prefix is Prefix.yp


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("tumour", "longest_diameter_cm"), -2.0, "tumour.longest_diameter_cm"),
        (("tumour", "distance_from_anal_verge_cm"), "five", "tumour.distance_from_anal_verge_cm"),
        (("mri", "ct"), "T5", "mri.ct"),
        (("mri", "cn"), "N3", "mri.cn"),
        (("mri", "mrf_distance_mm"), -1, "mri.mrf_distance_mm"),
        (("patient", "age_years"), 250, "patient.age_years"),
        (("patient", "sex"), "unknown-sex", "patient.sex"),
        (("tumour", "surprise_field"), 1, "tumour.surprise_field"),
    ],
)
def test_bad_values_name_the_field(seed_diagnosis, path, value, field):
    target = seed_diagnosis
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert field in _errors(seed_diagnosis)


def test_missing_required_field_is_named(seed_diagnosis):
    del seed_diagnosis["patient"]
    assert "patient" in _errors(seed_diagnosis)
    del seed_diagnosis["tumour"]
    assert "tumour" in _errors(seed_diagnosis)


def test_yp_without_neoadjuvant_therapy(seed_diagnosis):
    seed_diagnosis["pathology"] = {"specimen": "lar", "t": "ypT2"}
    message = _errors(seed_diagnosis)
    assert "pathology.t" in message and "neoadjuvant" in message


def test_restaging_without_neoadjuvant_therapy(seed_diagnosis):
    seed_diagnosis["restaging"] = {"residual_size_cm": 1.0}
    assert "restaging" in _errors(seed_diagnosis)


def test_m1c_without_peritoneal_disease(seed_diagnosis):
    seed_diagnosis["distant"] = {"cm": "M1c", "sites": ["liver"]}
    message = _errors(seed_diagnosis)
    assert "distant.cm" in message and "M1a" in message


def test_m_category_is_derived_from_sites(seed_diagnosis):
    seed_diagnosis["distant"] = {"sites": ["liver", "lung"]}
    assert Case.model_validate(seed_diagnosis).distant.cm is MCategory.M1b
    seed_diagnosis["distant"] = {"sites": ["liver", "peritoneum"]}
    assert Case.model_validate(seed_diagnosis).distant.cm is MCategory.M1c


def test_more_positive_nodes_than_examined(seed_after_eftr):
    seed_after_eftr["pathology"].update(nodes_examined=3, nodes_positive=5)
    assert "pathology.nodes_positive" in _errors(seed_after_eftr)


def test_n_category_must_match_node_count(seed_after_eftr):
    seed_after_eftr["pathology"].update(n="ypN1a", nodes_examined=14, nodes_positive=5)
    message = _errors(seed_after_eftr)
    assert "pathology.n" in message and "N2a" in message


def test_n_category_is_derived_from_node_count(seed_after_eftr):
    seed_after_eftr["pathology"].update(nodes_examined=14, nodes_positive=5)
    assert Case.model_validate(seed_after_eftr).pathology.n is NCategory.N2a


def test_extramural_spread_needs_ct3(seed_diagnosis):
    seed_diagnosis["mri"]["ct"] = "cT2"
    assert "mri.extramural_depth_mm" in _errors(seed_diagnosis)


def test_restaging_before_therapy_ended(seed_restaging):
    seed_restaging["restaging"]["date"] = "2025-04-01"
    assert "restaging.date" in _errors(seed_restaging)


def test_course_ending_before_it_starts(seed_restaging):
    seed_restaging["neoadjuvant"]["radiotherapy"]["end_date"] = "2025-03-01"
    assert "neoadjuvant.radiotherapy.end_date" in _errors(seed_restaging)


def test_regression_grade_outside_its_scale(seed_after_eftr):
    seed_after_eftr["pathology"]["regression"] = {"scale": "Mandard", "grade": 0}
    assert "Mandard" in _errors(seed_after_eftr)


def test_prefix_contradiction(seed_after_eftr):
    seed_after_eftr["pathology"]["prefix"] = "p"
    assert "pathology.prefix" in _errors(seed_after_eftr)


def test_json_schema_names_units():
    schema = Case.model_json_schema()
    tumour = schema["$defs"]["PrimaryTumour"]["properties"]
    assert "distance_from_anal_verge_cm" in tumour
    assert "mrf_distance_mm" in schema["$defs"]["BaselineMri"]["properties"]
