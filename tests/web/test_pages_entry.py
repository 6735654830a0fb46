"""Entering and editing a case through the form: the flat form and the Case model agree for
every example, each problem sits beside its input with everything typed kept, a duplicate
case id is named, and an edit that lost a race is a 409 that keeps the user's work."""

from __future__ import annotations

import html
import json
import re

import pytest
from web_support import EXAMPLES, example_case, sign_in

from rectoplan.clinical.case import (
    BaselineMri,
    Case,
    DistantStaging,
    NeoadjuvantTherapy,
    Pathology,
    Patient,
    PrimaryTumour,
    Restaging,
)
from rectoplan.registry.users import Role
from rectoplan.web.pages.case_form import FIELDS, SECTIONS, from_values, to_values

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.json"))


def _case(name: str) -> Case:
    return Case.model_validate(example_case(name))


def _form(values: dict, token: str, **changes) -> dict:
    """The flat form as a browser posts it: a blank input is an empty string."""
    data = {name: "" for name, f in FIELDS.items() if f.kind not in ("bool", "choices")}
    data["pathology.prefix"] = "p"  # a select without a blank option always posts a value
    data["tumour.histology"] = "adenocarcinoma"
    return data | values | changes | {"csrf_token": token}


def _input(page: str, name: str) -> str:
    """The <input> or <textarea> element named ``name``."""
    found = re.search(rf'<(?:input|textarea)[^>]*name="{re.escape(name)}"[^>]*>', page)
    assert found, name
    return found.group(0)


def _error(page: str, element_id: str) -> str:
    found = re.search(rf'id="{re.escape(element_id)}-error">([^<]*)<', page)
    assert found, element_id
    return html.unescape(found.group(1))


def _api_case(client, auth, case_id: str) -> dict:
    response = client.get(f"/api/cases/{case_id}", headers=auth(Role.viewer))
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_the_form_round_trips_every_example(path):
    case = Case.model_validate(json.loads(path.read_text()))
    converted = from_values(to_values(case))
    assert converted.errors == {}
    assert converted.case == case
    assert converted.case.model_dump(mode="json") == case.model_dump(mode="json")


def test_the_form_has_an_input_for_every_field_of_the_flat_parts():
    expected = json.loads((EXAMPLES.parent / "EXPECTED.json").read_text())
    assert {path.name for path in EXAMPLE_FILES} == set(expected)  # none skipped, none unreasoned
    parts = {
        "patient": Patient,
        "tumour": PrimaryTumour,
        "mri": BaselineMri,
        "distant": DistantStaging,
        "neoadjuvant": NeoadjuvantTherapy,
        "restaging": Restaging,
        "pathology": Pathology,
    }
    places = set(FIELDS) | {s.name for top in SECTIONS for s in top.all_sections()}
    for part, model in parts.items():
        for name in model.model_fields:
            assert f"{part}.{name}" in places, f"{part}.{name}"
    labels = [f.label for f in FIELDS.values()]
    assert len(labels) == len(set(labels)), "every input's label is unique on the page"


@pytest.mark.parametrize(
    "name",
    ["restaging_icr_tme_apr", "after_tnt_tme_ypt0n0_pcr_surveillance", "metastatic_m1a_liver"],
)
def test_a_case_entered_through_the_form_is_the_case_the_api_returns(client, auth, name):
    token = sign_in(client, Role.clinician)
    case = _case(name)
    born = case.diagnosis_date.year - case.patient.age_years - 1  # the registry checks the age
    form = _form(to_values(case), token, pseudonym="PX-77", birth_year=str(born))
    response = client.post("/cases/new", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/cases/{case.case_id}"
    stored = _api_case(client, auth, case.case_id)
    assert Case.model_validate(stored["case"]) == case
    assert stored["pseudonym"] == "PX-77" and stored["version"] == 1


def test_the_new_form_names_its_parts_and_a_blank_part_is_left_out(client, auth):
    token = sign_in(client, Role.clinician)
    page = client.get("/cases/new")
    assert page.status_code == 200
    assert "<h1>New case</h1>" in page.text and ">Save case</button>" in page.text
    for legend in ("Patient", "Primary tumour", "Baseline MRI", "Pathology", "Other data (JSON)"):
        assert f"<legend>{legend}</legend>" in page.text
    cea = _input(page.text, "tumour.cea_ng_ml")
    assert 'type="number"' in cea and 'step="any"' in cea and 'min="0"' in cea
    assert re.search(r'<select id="f-restaging-endoscopy"', page.text)
    assert re.search(r'name="mri.emvi"[^>]*>\s*<option value="">not recorded</option>', page.text)
    minimal = {
        "case_id": "entry-minimal",
        "patient.age_years": "70",
        "patient.sex": "female",
        "tumour.distance_from_anal_verge_cm": "8",
        "tumour.longest_diameter_cm": "3.5",
    }
    response = client.post("/cases/new", data=_form(minimal, token), follow_redirects=False)
    assert response.status_code == 303, response.text
    stored = _api_case(client, auth, "entry-minimal")
    assert stored["pseudonym"] == "entry-minimal"  # the case id, as the API does
    case = stored["case"]
    assert case["tumour"]["longest_diameter_cm"] == 3.5 and case["patient"]["age_years"] == 70
    for part in ("mri", "distant", "neoadjuvant", "restaging", "pathology", "stenosis"):
        assert case[part] is None, part


def test_an_unreadable_number_is_named_beside_its_input_and_everything_typed_is_kept(client):
    token = sign_in(client, Role.clinician)
    values = to_values(_case("restaging_icr_tme_apr"))
    form = _form(
        values,
        token,
        **{
            "tumour.longest_diameter_cm": "abc",
            "tumour.distance_from_anal_verge_cm": "12,5",
            "tumour.cea_ng_ml": "-3",
            "operations": '[{"type": "apr"}]',
        },
    )
    response = client.post("/cases/new", data=form, follow_redirects=False)
    assert response.status_code == 422
    page = response.text
    assert "abc" in _error(page, "f-tumour-longest_diameter_cm")
    assert '"12.5"' in _error(page, "f-tumour-distance_from_anal_verge_cm")
    assert "greater than or equal to 0" in _error(page, "f-tumour-cea_ng_ml")
    typed = _input(page, "tumour.longest_diameter_cm")
    assert 'value="abc"' in typed and 'aria-invalid="true"' in typed and 'type="text"' in typed
    assert 'value="12,5"' in _input(page, "tumour.distance_from_anal_verge_cm")
    assert 'value="-3"' in _input(page, "tumour.cea_ng_ml")
    assert 'value="restaging-icr-tme-apr"' in _input(page, "case_id")
    assert 'value="cT4b"' not in page and re.search(
        r'<option value="T4b" selected>', page
    )  # the selects keep their choice too
    assert "[{&#34;type&#34;: &#34;apr&#34;}]" in page or '[{"type": "apr"}]' in html.unescape(page)
    summary = re.search(r'class="notice error errors-summary".*?</div>', page, re.S).group(0)
    assert 'href="#f-tumour-longest_diameter_cm"' in summary and "3 problems" in summary


def test_a_cross_field_rule_is_shown_beside_the_field_it_names(client):
    token = sign_in(client, Role.clinician)
    values = to_values(_case("seed001_2_restaging"))
    end = values["neoadjuvant.radiotherapy.end_date"]
    response = client.post(
        "/cases/new", data=_form(values, token, **{"restaging.date": "2025-04-01"})
    )
    assert response.status_code == 422
    assert f"before neoadjuvant therapy ended ({end})" in _error(response.text, "f-restaging-date")
    assert 'value="2025-04-01"' in _input(response.text, "restaging.date")
    response = client.post("/cases/new", data=_form(values, token, **{"mri.ct": "T2"}))
    assert response.status_code == 422
    assert "at least cT3" in _error(response.text, "f-mri-extramural_depth_mm")
    assert re.search(r'<option value="T2" selected>', response.text)


def test_restaging_without_neoadjuvant_therapy_is_named_on_the_restaging_part(client):
    token = sign_in(client, Role.clinician)
    values = {k: v for k, v in to_values(_case("seed001_2_restaging")).items()}
    values = {k: v for k, v in values.items() if not k.startswith("neoadjuvant.")}
    response = client.post("/cases/new", data=_form(values, token))
    assert response.status_code == 422
    assert "needs the neoadjuvant therapy" in _error(response.text, "f-restaging")
    assert 'href="#f-restaging"' in response.text and 'id="f-restaging"' in response.text


def test_a_json_syntax_error_names_its_line_and_column_beside_the_textarea(client):
    token = sign_in(client, Role.clinician)
    bad = '[\n  {"type": "lar",}\n]'
    try:
        json.loads(bad)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
    values = to_values(_case("seed001_2_restaging"))
    form = _form(values, token, operations=bad, complications='[{"description": "leak"}]')
    response = client.post("/cases/new", data=form)
    assert response.status_code == 422
    assert f"JSON syntax error at {where}" in _error(response.text, "f-operations")
    assert "complications[0].clavien_dindo" in _error(response.text, "f-complications")
    assert bad in html.unescape(response.text)


def test_a_duplicate_case_id_is_named_beside_the_case_id(client, auth):
    token = sign_in(client, Role.clinician)
    case = example_case()
    created = client.post("/api/cases", json={"case": case}, headers=auth(Role.clinician))
    assert created.status_code == 201
    response = client.post("/cases/new", data=_form(to_values(Case.model_validate(case)), token))
    assert response.status_code == 422
    assert "already in the registry" in _error(response.text, "f-case_id")
    assert client.get("/api/cases", headers=auth(Role.viewer)).json()["total"] == 1


def test_a_stale_edit_keeps_the_users_values_and_saving_again_overwrites(client, auth):
    token = sign_in(client, Role.clinician)
    case = example_case("seed001_2_restaging")
    client.post("/api/cases", json={"case": case}, headers=auth(Role.clinician))
    case_id = case["case_id"]
    page = client.get(f"/cases/{case_id}/edit")
    assert page.status_code == 200 and f"<h1>Edit case {case_id}</h1>" in page.text
    assert re.search(r'name="case_id"[^>]*readonly', page.text)
    assert 'name="expected_version" value="1"' in page.text
    loaded = to_values(Case.model_validate(case))
    assert f'value="{loaded["tumour.cea_ng_ml"]}"' in _input(page.text, "tumour.cea_ng_ml")

    meanwhile = case | {"tumour": case["tumour"] | {"cea_ng_ml": 9.9}}
    put = client.put(
        f"/api/cases/{case_id}",
        json={"case": meanwhile, "expected_version": 1},
        headers=auth(Role.clinician),
    )
    assert put.json()["version"] == 2

    mine = loaded | {"restaging.mrtrg": "3", "expected_version": "1"}
    response = client.post(f"/cases/{case_id}/edit", data=_form(mine, token))
    assert response.status_code == 409
    assert "changed by someone else (version 1 → 2) while you were editing" in response.text
    assert 'name="expected_version" value="2"' in response.text
    assert 'value="3"' in _input(response.text, "restaging.mrtrg")
    assert f'value="{loaded["tumour.cea_ng_ml"]}"' in _input(response.text, "tumour.cea_ng_ml")
    changes = re.search(r'<table class="conflict-changes">.*?</table>', response.text, re.S)
    rows = re.findall(r'<th scope="row"><a href="#([^"]+)">', changes.group(0))
    assert sorted(rows) == ["f-restaging-mrtrg", "f-tumour-cea_ng_ml"]
    assert _api_case(client, auth, case_id)["case"]["tumour"]["cea_ng_ml"] == 9.9

    again = _form(mine | {"expected_version": "2"}, token)
    response = client.post(f"/cases/{case_id}/edit", data=again, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/cases/{case_id}"
    stored = _api_case(client, auth, case_id)
    assert stored["version"] == 3
    assert stored["case"]["restaging"]["mrtrg"] == 3
    assert stored["case"]["tumour"]["cea_ng_ml"] == case["tumour"]["cea_ng_ml"]


def test_an_edit_cannot_change_the_case_id(client, auth):
    token = sign_in(client, Role.clinician)
    case = example_case()
    client.post("/api/cases", json={"case": case}, headers=auth(Role.clinician))
    values = to_values(Case.model_validate(case)) | {"case_id": "other", "patient.ecog": "2"}
    values["expected_version"] = "1"
    url = f"/cases/{case['case_id']}/edit"
    response = client.post(url, data=_form(values, token), follow_redirects=False)
    assert response.status_code == 303
    assert client.get("/api/cases/other", headers=auth(Role.viewer)).status_code == 404
    stored = _api_case(client, auth, case["case_id"])
    assert stored["version"] == 2 and stored["case"]["patient"]["ecog"] == 2


def test_a_viewer_may_neither_open_nor_post_the_form(client, auth):
    token = sign_in(client, Role.viewer)
    page = client.get("/cases/new")
    assert page.status_code == 403 and "clinician" in page.text
    values = to_values(_case("seed001_1_diagnosis"))
    response = client.post("/cases/new", data=_form(values, token), follow_redirects=False)
    assert response.status_code == 403
    assert client.get("/api/cases", headers=auth(Role.viewer)).json()["total"] == 0


def test_the_live_check_lists_the_problems_so_far_and_stores_nothing(client, auth):
    token = sign_in(client, Role.clinician)
    case = example_case()
    client.post("/api/cases", json={"case": case}, headers=auth(Role.clinician))
    values = to_values(Case.model_validate(case)) | {"patient.ecog": "x"}
    response = client.post(
        "/cases/validate", data=_form(values, token), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and "<html" not in response.text
    assert "2 problems so far" in response.text
    assert 'href="#f-case_id"' in response.text and 'href="#f-patient-ecog"' in response.text
    fresh = to_values(Case.model_validate(case)) | {"case_id": "brand-new"}
    response = client.post("/cases/validate", data=_form(fresh, token))
    assert "No problems found so far." in response.text
    assert client.get("/api/cases", headers=auth(Role.viewer)).json()["total"] == 1
