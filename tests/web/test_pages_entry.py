"""Entering a case through the pages: the referral, the baseline edit and an editor per part.

The forms are derived from the case model, so the tests check them against the model
independently (every field of every part has an input; every example survives the forms),
then drive the pages as a browser posts them: numbers with a decimal comma, implausible
values refused with the field named in clinical words, items of list parts added, edited and
removed, a stale edit kept as a 409, and no JSON text box or id shown anywhere.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import types
import typing

import pytest
from pydantic import BaseModel
from web_support import EXAMPLES, example_case, sign_in

from rectoplan.clinical.case import Case
from rectoplan.registry.users import Role
from rectoplan.web.pages import case_form as cf

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.json"))


def _case(name: str) -> Case:
    return Case.model_validate(example_case(name))


def _input(page: str, name: str) -> str:
    """The <input> or <select> element named ``name``."""
    found = re.search(rf'<(?:input|select)[^>]*name="{re.escape(name)}"[^>]*>', page)
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


def _store(client, auth, name: str = "seed001_1_diagnosis", **changes) -> dict:
    case = example_case(name) | changes
    created = client.post("/api/cases", json={"case": case}, headers=auth(Role.clinician))
    assert created.status_code == 201, created.text
    return case


REFERRAL = {
    "case_id": "ref-1",
    "pseudonym": "P-REF1",
    "birth_year": "1958",
    "diagnosis_date": "2025-01-10",
    "patient.age_years": "66",
    "patient.sex": "male",
    "tumour.distance_from_anal_verge_cm": "6",
    "tumour.longest_diameter_cm": "4",
    "mri.ct": "T3",
    "mri.cn": "N1",
}


def _referral(token: str, **changes) -> dict:
    return REFERRAL | changes | {"csrf_token": token}


# --- the forms against the model -------------------------------------------------------------


def _model_paths(model: type[BaseModel], prefix: str) -> set[str]:
    """Every scalar field of ``model`` under ``prefix``, read from the model independently."""
    found = set()
    for name, info in model.model_fields.items():
        path = f"{prefix}.{name}" if prefix else name
        kind = info.annotation
        if typing.get_origin(kind) in (typing.Union, types.UnionType):
            kind = next(a for a in typing.get_args(kind) if a is not type(None))
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            found |= _model_paths(kind, path)
        else:
            found.add(path)
    return found


def test_every_field_of_the_baseline_parts_has_an_input_and_labels_are_unique():
    for part in cf.BASELINE_PARTS:
        model = typing.get_args(Case.model_fields[part].annotation)
        model = model[0] if model else Case.model_fields[part].annotation
        for path in _model_paths(model, part):
            assert path in cf.FIELDS, path
    shown = [f.label for s in cf.BASELINE for f in s.all_fields()]
    assert len(shown) == len(set(shown)), "every input's label is unique on the page"
    assert all("_" not in label for label in shown), [x for x in shown if "_" in x]


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_every_example_survives_the_baseline_form_and_every_part_editor(path):
    case = Case.model_validate_json(path.read_text())
    data = case.model_dump(mode="json")
    converted = cf.baseline_from_values(cf.to_values(case), data)
    assert converted.errors == {} and converted.case == case
    for part in cf.record_keys(data):
        target = cf.resolve(part, data)
        sections = cf.editor_sections(target, data)
        values = cf.to_values(data, sections=sections)
        converted = cf.part_from_values(target, sections, values, data)
        assert converted.errors == {}, (part, converted.errors)
        assert converted.case == case, part


def test_the_example_set_is_the_reasoned_one():
    expected = json.loads((EXAMPLES.parent / "EXPECTED.json").read_text())
    assert {path.name for path in EXAMPLE_FILES} == set(expected)  # none skipped, none unreasoned


def test_list_parts_become_item_editors_with_no_json_anywhere():
    data = _case("seed000_anastomotic_stenosis").model_dump(mode="json")
    target = cf.resolve("stenosis", data)
    fields = {f.name: f for s in cf.editor_sections(target, data) for f in s.all_fields()}
    assert fields["stenosis.procedures"].kind == "items"
    assert fields["stenosis.rings"].kind == "items"
    count = len(data["stenosis"]["procedures"])
    assert f"stenosis.procedures[{count}].balloon_mm" in fields  # the inline "add one"
    assert not any(f.kind == "json" for f in fields.values())
    op = cf.resolve("operations.new", data)
    assert op.path == f"operations[{len(data['operations'])}]"
    grades = dict(
        next(
            f
            for f in cf.editor_sections(cf.resolve("complications.new", data), data)[0].fields
            if f.name.endswith("clavien_dindo")
        ).options
    )
    assert grades["IIIa"].startswith("Clavien–Dindo IIIa: Requiring surgical, endoscopic")
    assert "not under general anaesthesia" in grades["IIIa"]


@pytest.mark.parametrize(
    ("typed", "read"),
    [("1,5", 1.5), ("1.5", 1.5), (" 12 ", 12.0), ("-3,25", -3.25), (",5", 0.5)],
)
def test_a_decimal_comma_is_a_decimal_point(typed, read):
    assert cf.read_number(typed) == read


@pytest.mark.parametrize("typed", ["1.234,5", "1,234,5", "1e3", "15 mm", "abc", "nan", ""])
def test_anything_but_a_plain_number_is_refused_never_guessed(typed):
    assert isinstance(cf.read_number(typed), str)


# --- the referral ----------------------------------------------------------------------------


def test_the_referral_asks_a_dozen_fields_with_a_generated_case_id_and_pseudonym(client):
    sign_in(client, Role.clinician)
    page = client.get("/cases/new")
    assert page.status_code == 200 and "<h1>New case: referral</h1>" in page.text
    names = set(re.findall(r'<(?:input|select)[^>]*name="([^"]+)"', page.text)) - {"csrf_token"}
    assert 12 <= len(names) <= 18, sorted(names)
    case_id = re.search(r'name="case_id"[^>]*value="([^"]+)"', _input(page.text, "case_id"))
    assert case_id and re.fullmatch(r"RP-\d{8}-[0-9A-F]{6}", case_id.group(1))
    assert re.search(r'value="P-[0-9A-F]{8}"', _input(page.text, "pseudonym"))
    mrf = _input(page.text, "mri.mrf_distance_mm")
    assert 'type="text"' in mrf and 'inputmode="decimal"' in mrf
    assert "<textarea" not in page.text and 'type="number"' not in page.text
    assert ">Low anterior resection" not in page.text  # operations are not asked here


def test_a_referral_with_a_decimal_comma_is_stored_as_typed(client, auth):
    token = sign_in(client, Role.clinician)
    form = _referral(token, **{"mri.mrf_distance_mm": "1,5", "tumour.longest_diameter_cm": "3,5"})
    response = client.post("/cases/new", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text
    stored = _api_case(client, auth, "ref-1")
    assert stored["case"]["mri"]["mrf_distance_mm"] == 1.5
    assert stored["case"]["tumour"]["longest_diameter_cm"] == 3.5
    assert stored["pseudonym"] == "P-REF1"


@pytest.mark.parametrize(
    ("changes", "element", "words"),
    [
        (
            {"tumour.longest_diameter_cm": "45"},
            "f-tumour-longest_diameter_cm",
            "Longest tumour diameter must be at most 30 cm",
        ),
        (
            {"tumour.distance_from_anal_verge_cm": "40"},
            "f-tumour-distance_from_anal_verge_cm",
            "Distance from the anal verge: 40 cm from the anal verge is above the rectum",
        ),
        (
            {
                "tumour.distance_from_anal_verge_cm": "17",
                "tumour.height_modality": "rigid_sigmoidoscopy",
            },
            "f-tumour-distance_from_anal_verge_cm",
            "17 cm on a rigid sigmoidoscope is above the rectum",
        ),
        ({"diagnosis_date": "2031-03-01"}, "f-diagnosis_date", "Diagnosis date: 2031-03-01 is in"),
        ({"birth_year": "1990"}, "f-birth_year", "66 years does not fit the birth year 1990"),
        (
            {"mri.mrf_distance_mm": "1.234,5"},
            "f-mri-mrf_distance_mm",
            "Distance to the mesorectal fascia: ",
        ),
    ],
)
def test_an_implausible_referral_is_refused_in_clinical_words(
    client, auth, changes, element, words
):
    token = sign_in(client, Role.clinician)
    response = client.post("/cases/new", data=_referral(token, **changes))
    assert response.status_code == 422
    assert words in _error(response.text, element)
    for name, value in changes.items():
        assert f'value="{value}"' in _input(response.text, name) or "selected" in response.text
    summary = re.search(r'class="notice error errors-summary".*?</div>', response.text, re.S)
    assert "Input should" not in summary.group(0) and "tumour." not in summary.group(0)
    assert client.get("/api/cases", headers=auth(Role.viewer)).json()["total"] == 0


def test_a_tumour_above_15_cm_not_on_a_rigid_scope_is_kept_with_a_warning(client, auth):
    token = sign_in(client, Role.clinician)
    form = _referral(
        token,
        **{"tumour.distance_from_anal_verge_cm": "16,5", "tumour.height_modality": "colonoscopy"},
    )
    assert client.post("/cases/new", data=form, follow_redirects=False).status_code == 303
    page = client.get("/cases/ref-1").text
    assert "sigmoid take-off" in page and "Distance from the anal verge</strong>" in page


def test_a_duplicate_case_id_is_named_beside_the_case_id(client, auth):
    token = sign_in(client, Role.clinician)
    case = _store(client, auth)
    response = client.post("/cases/new", data=_referral(token, case_id=case["case_id"]))
    assert response.status_code == 422
    assert "already" in _error(response.text, "f-case_id")


def test_a_viewer_is_offered_no_edit_and_may_not_post(client, auth):
    case = _store(client, auth)
    token = sign_in(client, Role.viewer)
    page = client.get(f"/cases/{case['case_id']}")
    assert page.status_code == 200
    assert "/edit" not in page.text and "/record/" not in page.text and "Add a" not in page.text
    assert client.get("/cases/new").status_code == 403
    response = client.post("/cases/new", data=_referral(token), follow_redirects=False)
    assert response.status_code == 403


# --- the part editors ------------------------------------------------------------------------


def test_an_operation_is_added_edited_and_removed_in_clinical_words(client, auth):
    token = sign_in(client, Role.clinician)
    case = _store(client, auth)
    url = f"/cases/{case['case_id']}"
    case_page = client.get(url).text
    assert f'href="{url}/record/operations.new"' in case_page
    form = client.get(f"{url}/record/operations.new")
    assert form.status_code == 200 and "<textarea" not in form.text
    assert ">Low anterior resection (TME)</option>" in form.text
    assert ">Laparoscopic</option>" in form.text
    values = {
        "operations[0].type": "lar",
        "operations[0].date": "2025-04-01",
        "operations[0].approach": "laparoscopic",
        "operations[0].blood_loss_ml": "150,5",
        "expected_version": "1",
        "csrf_token": token,
    }
    early = values | {"operations[0].date": "2025-03-01"}
    refused = client.post(f"{url}/record/operations.new", data=early)
    assert refused.status_code == 422  # the seed's diagnosis is 2025-03-03
    assert "Diagnosis date: 2025-03-03 is after the first operation" in refused.text
    saved = client.post(f"{url}/record/operations.new", data=values, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    stored = _api_case(client, auth, case["case_id"])
    assert stored["case"]["operations"] == [
        {
            "type": "lar",
            "date": "2025-04-01",
            "approach": "laparoscopic",
            "blood_loss_ml": 150.5,
            "duration_min": None,
            "stoma": None,
            "sacrectomy_level": None,
            "discharge_day": None,
            "end_date": None,
            "details": {},
        }
    ]
    page = client.get(url).text
    assert "Low anterior resection (TME), 2025-04-01, Laparoscopic" in page
    edit = values | {"operations[0].approach": "robotic", "expected_version": "2"}
    assert client.post(f"{url}/record/operations.0", data=edit).status_code == 200
    assert _api_case(client, auth, case["case_id"])["case"]["operations"][0]["approach"] == (
        "robotic"
    )
    removed = client.post(
        f"{url}/record/operations.0/remove",
        data={"expected_version": "3", "csrf_token": token},
        follow_redirects=False,
    )
    assert removed.status_code == 303
    assert _api_case(client, auth, case["case_id"])["case"]["operations"] == []


def test_a_part_editor_refuses_bad_values_beside_their_inputs(client, auth):
    token = sign_in(client, Role.clinician)
    case = _store(client, auth)
    url = f"/cases/{case['case_id']}/record/complications.new"
    form = {
        "complications[0].description": "",
        "complications[0].clavien_dindo": "IIIa",
        "complications[0].date": "2099-01-01",
        "expected_version": "1",
        "csrf_token": token,
    }
    response = client.post(url, data=form)
    assert response.status_code == 422
    assert "Complication 1: description is required" in _error(
        response.text, "f-complications-0-description"
    )
    assert re.search(r'<option value="IIIa" selected>', response.text)
    form |= {"complications[0].description": "pelvic abscess, drained under CT"}
    response = client.post(url, data=form)
    assert response.status_code == 422
    assert "Complication 1: date: 2099-01-01 is in the future" in _error(
        response.text, "f-complications-0-date"
    )


def test_neoadjuvant_therapy_with_an_inline_chemotherapy_course(client, auth):
    token = sign_in(client, Role.clinician)
    case = _store(client, auth)
    url = f"/cases/{case['case_id']}/record/neoadjuvant"
    page = client.get(url).text
    assert "Add a chemotherapy course" in page
    form = {
        "neoadjuvant.chemotherapy[0].regimen": "CAPOX",
        "neoadjuvant.chemotherapy[0].cycles": "4",
        "neoadjuvant.chemotherapy[0].timing": "consolidation",
        "expected_version": "1",
        "csrf_token": token,
    }
    assert client.post(url, data=form, follow_redirects=False).status_code == 303
    stored = _api_case(client, auth, case["case_id"])["case"]["neoadjuvant"]
    assert stored["chemotherapy"][0]["regimen"] == "CAPOX" and stored["radiotherapy"] is None
    page = client.get(url).text
    assert "CAPOX" in page and "/record/neoadjuvant.chemotherapy.0" in page


def test_a_part_others_need_cannot_be_removed(client, auth):
    token = sign_in(client, Role.clinician)
    case = _store(client, auth, "seed001_2_restaging")
    url = f"/cases/{case['case_id']}/record/neoadjuvant/remove"
    response = client.post(url, data={"expected_version": "1", "csrf_token": token})
    assert response.status_code == 422
    assert "Neoadjuvant therapy cannot be removed" in response.text
    assert "needs the neoadjuvant therapy" in response.text
    assert _api_case(client, auth, case["case_id"])["version"] == 1


def test_a_stale_part_edit_keeps_the_users_values_and_saving_again_overwrites(client, auth):
    token = sign_in(client, Role.clinician)
    case = _store(client, auth, "seed001_2_restaging")
    case_id = case["case_id"]
    url = f"/cases/{case_id}/record/restaging"
    page = client.get(url).text
    assert 'name="expected_version" value="1"' in page
    meanwhile = case | {"tumour": case["tumour"] | {"cea_ng_ml": 9.9}}
    put = client.put(
        f"/api/cases/{case_id}",
        json={"case": meanwhile, "expected_version": 1},
        headers=auth(Role.clinician),
    )
    assert put.json()["version"] == 2
    data = Case.model_validate(case).model_dump(mode="json")
    target = cf.resolve("restaging", data)
    mine = cf.to_values(data, sections=cf.editor_sections(target, data))
    mine |= {"restaging.mrtrg": "3", "expected_version": "1", "csrf_token": token}
    response = client.post(url, data=mine)
    assert response.status_code == 409
    assert "changed by someone else (version 1 → 2)" in response.text
    assert 'name="expected_version" value="2"' in response.text
    assert 'value="3"' in _input(response.text, "restaging.mrtrg")
    again = client.post(url, data=mine | {"expected_version": "2"}, follow_redirects=False)
    assert again.status_code == 303
    stored = _api_case(client, auth, case_id)
    assert stored["version"] == 3 and stored["case"]["restaging"]["mrtrg"] == 3
    assert stored["case"]["tumour"]["cea_ng_ml"] == 9.9  # the other writer's change is kept


def test_the_header_follows_the_episode(client, auth):
    sign_in(client, Role.clinician)
    case = _store(client, auth, "seed001_1_diagnosis")
    page = client.get(f"/cases/{case['case_id']}").text
    stage = re.search(r'id="current-stage">([^<]*)<', page).group(1)
    assert stage.startswith("cT") and f"{case['patient']['age_years']} years" in page
    done = _store(client, auth, "after_tnt_tme_ypt0n0_pcr_surveillance")
    page = client.get(f"/cases/{done['case_id']}").text
    stage = html.unescape(re.search(r'id="current-stage">([^<]*)<', page).group(1))
    assert stage.startswith("ypT0 ypN0")


def test_an_unknown_part_is_not_found(client, auth):
    sign_in(client, Role.clinician)
    case = _store(client, auth)
    for key in ("nothing", "operations.7", "case_id", "operations", "patient.age_years"):
        assert client.get(f"/cases/{case['case_id']}/record/{key}").status_code == 404, key


def test_dates_in_the_future_are_refused_everywhere_in_the_case():
    data = example_case("seed001_2_restaging")
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    data["restaging"] = data["restaging"] | {"date": tomorrow}
    with pytest.raises(ValueError, match=r"restaging\.date"):
        Case.model_validate(data)


def test_the_live_check_lists_the_referrals_problems_in_words_and_stores_nothing(client, auth):
    token = sign_in(client, Role.clinician)
    form = _referral(token, **{"patient.ecog": "x", "tumour.longest_diameter_cm": "45"})
    response = client.post("/cases/validate", data=form, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "<html" not in response.text
    assert "2 problems so far" in response.text
    assert "Longest tumour diameter must be at most 30 cm" in response.text
    assert 'href="#f-patient-ecog"' in response.text and "patient.ecog" not in response.text
    response = client.post("/cases/validate", data=_referral(token))
    assert "No problems found so far." in response.text
    assert client.get("/api/cases", headers=auth(Role.viewer)).json()["total"] == 0


def test_an_edit_through_the_form_keeps_what_no_input_shows():
    """An operation imported with details the model does not read (kept in ``details``) keeps
    them when the surgeon changes its approach through the operation editor."""
    data = _case("seed001_3_after_eftr").model_dump(mode="json")
    data["operations"][0]["details"] = {"surgeon_grade": "consultant", "theatre": 4}
    target = cf.resolve("operations.0", data)
    sections = cf.editor_sections(target, data)
    values = cf.to_values(data, sections=sections)
    values["operations[0].approach"] = "transanal"
    converted = cf.part_from_values(target, sections, values, data)
    assert converted.errors == {}
    (operation, *_) = converted.case.operations
    assert operation.approach == "transanal"
    assert operation.details == {"surgeon_grade": "consultant", "theatre": 4}
    names = {f.name for s in sections for f in s.all_fields()}
    assert "operations[0].details" not in names  # shown nowhere, changed by nobody
