"""``POST /api/assess``: a posted case in, the engine's Assessment out, bad fields named."""

from __future__ import annotations

from web_support import bearer

from rectoplan.clinical.case import Case
from rectoplan.pathways import assess
from rectoplan.registry.users import Role


def test_assess_returns_the_engines_assessment(client, case):
    answer = client.post("/api/assess", json=case, headers=bearer(Role.clinician))
    assert answer.status_code == 200, answer.text
    expected = assess(Case.model_validate(case)).model_dump(mode="json")
    assert answer.json() == expected
    assert answer.json()["stage"]["group"] == "IIIB"


def test_a_bad_value_is_422_naming_the_field(client, case):
    case["mri"]["ct"] = "T9"
    answer = client.post("/api/assess", json=case, headers=bearer(Role.clinician))
    assert answer.status_code == 422
    [problem] = answer.json()["detail"]
    assert problem["field"] == "mri.ct"
    assert problem["loc"] == ["body", "mri", "ct"]
    assert "T9" in problem["msg"]


def test_a_cross_field_rule_names_the_field_it_checks(client, case):
    case["mri"]["ct"] = "T2"  # but 3 mm extramural spread means at least cT3
    answer = client.post("/api/assess", json=case, headers=bearer(Role.clinician))
    assert answer.status_code == 422
    [problem] = answer.json()["detail"]
    assert problem["field"] == "mri.extramural_depth_mm"
    assert "cT3" in problem["msg"]


def test_a_missing_field_and_an_unknown_one_are_both_named(client, case):
    del case["patient"]["age_years"]
    case["tumour"]["colour"] = "red"
    answer = client.post("/api/assess", json=case, headers=bearer(Role.clinician))
    assert answer.status_code == 422
    fields = {p["field"] for p in answer.json()["detail"]}
    assert fields == {"patient.age_years", "tumour.colour"}


def test_a_body_that_is_not_json_is_422_not_500(client):
    answer = client.post(
        "/api/assess",
        content=b"{not json",
        headers={**bearer(Role.clinician), "Content-Type": "application/json"},
    )
    assert answer.status_code == 422


def test_a_viewer_may_not_assess(client, case):
    assert client.post("/api/assess", json=case, headers=bearer(Role.viewer)).status_code == 403
