"""In a real browser, one patient from referral to local recurrence, all through the pages.

A clinician enters the referral (typing "1,5" for the MRF distance and "4,5" for the tumour
diameter, which must be read as 1.5 and 4.5), then the neoadjuvant therapy, restaging, the
operation, pathology, a Clavien–Dindo IIIa complication and a local recurrence, each in its own
section. The timeline must show each fact once and in date order, the header the current stage;
the outcomes page, ``GET /api/analytics/km`` and the complication counts must include them
(those read the registry's analytic tables, the projections of the case)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from browser_support import PASSWORD, log_in, screenshot
from playwright.sync_api import expect
from sqlalchemy import select

from rectoplan.registry import models
from rectoplan.registry.db import make_engine
from rectoplan.registry.users import Role


def _stored_case(database_url: str, case_id: str) -> dict:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            query = select(models.Episode.case_json).where(models.Episode.case_id == case_id)
            return connection.execute(query).scalar_one()
    finally:
        engine.dispose()


def _fill(page, values: dict[str, str]) -> None:
    for name, value in values.items():
        field = page.locator(f'[name="{name}"]')
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)


def _save(page) -> None:
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_load_state()
    errors = page.locator(".field-error")
    assert errors.count() == 0, errors.all_inner_texts()


def _add(page, link: str, values: dict[str, str]) -> None:
    page.get_by_role("link", name=link).click()
    _fill(page, values)
    _save(page)


def _token(page) -> str:
    response = page.request.post("/api/token", form={"username": "viewer", "password": PASSWORD})
    assert response.ok, response.text()
    return response.json()["access_token"]


def _km_events(page, token: str) -> int:
    response = page.request.get(
        "/api/analytics/km?endpoint=disease_free", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.ok, response.text()
    body = response.json()
    curves = body.get("curves") or [body.get("curve") or body]
    return sum(int(c.get("events", 0)) for c in curves if isinstance(c, dict))


def _major_complications(page, token: str) -> dict[str, int]:
    """Operated patients and those with a Clavien–Dindo III-V complication, as the outcomes'
    benchmark counts them (zero of zero in an empty registry)."""
    response = page.request.get(
        "/api/analytics/benchmark", headers={"Authorization": f"Bearer {token}"}
    )
    if response.status == 422:
        return {"k": 0, "n": 0}
    assert response.ok, response.text()
    counts = response.json()["cohort"].get("major_complications") or {"k": 0, "n": 0}
    return {"k": counts["k"], "n": counts["n"]}


def _enter_the_patient(page, server) -> str:
    log_in(page, Role.clinician)
    page.get_by_role("link", name="New case").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New case: referral")
    case_id = page.locator('[name="case_id"]').input_value()
    assert re.fullmatch(r"RP-\d{8}-[0-9A-F]{6}", case_id), case_id
    assert page.locator('[name="pseudonym"]').input_value().startswith("P-")
    inputs = page.locator("main form#f-form").locator("input:not([type=hidden]), select")
    assert inputs.count() <= 18
    _fill(
        page,
        {
            "birth_year": "1960",
            "diagnosis_date": "2024-01-15",
            "patient.age_years": "63",
            "patient.sex": "male",
            "tumour.distance_from_anal_verge_cm": "6",
            "tumour.height_modality": "mri",
            "tumour.longest_diameter_cm": "4,5",
            "mri.date": "2024-01-20",
            "mri.ct": "T3",
            "mri.cn": "N1",
            "mri.emvi": "true",
        },
    )
    mrf = page.locator('[name="mri.mrf_distance_mm"]')
    mrf.click()
    page.keyboard.type("1,5")  # typed key by key, as a user with a comma keyboard does
    expect(mrf).to_have_value("1,5")
    screenshot(page, "journey-01-referral")
    _save(page)
    expect(page).to_have_url(re.compile(rf"/cases/{case_id}$"))
    case = _stored_case(server.database_url, case_id)
    assert case["mri"]["mrf_distance_mm"] == 1.5  # never 15
    assert case["tumour"]["longest_diameter_cm"] == 4.5
    expect(page.locator("#current-stage")).to_contain_text("cT3 cN1")
    return case_id


@pytest.fixture(scope="module")
def journey(browser, server):
    """The patient entered once; the tests below read what the pages made of it."""
    context = browser.new_context(base_url=server.base_url, viewport={"width": 1440, "height": 900})
    page = context.new_page()
    token = None
    try:
        token = _token(page)
        before = _km_events(page, token)
        major_before = _major_complications(page, token)
        case_id = _enter_the_patient(page, server)
        _add(
            page,
            "Add neoadjuvant therapy",
            {
                "neoadjuvant.radiotherapy.total_dose_gy": "50,4",
                "neoadjuvant.radiotherapy.fractions": "28",
                "neoadjuvant.radiotherapy.concurrent_chemotherapy": "capecitabine",
                "neoadjuvant.radiotherapy.start_date": "2024-02-01",
                "neoadjuvant.radiotherapy.end_date": "2024-03-10",
            },
        )
        _add(
            page,
            "Add restaging",
            {
                "restaging.date": "2024-05-05",
                "restaging.yct": "T2",
                "restaging.ycn": "N0",
                "restaging.mrtrg": "3",
                "restaging.yc_mrf_distance_mm": "4,5",
            },
        )
        _add(
            page,
            "Add an operation",
            {
                "operations[0].type": "lar",
                "operations[0].approach": "laparoscopic",
                "operations[0].date": "2024-06-01",
                "operations[0].blood_loss_ml": "200",
            },
        )
        page.get_by_role("link", name="Add pathology").click()
        grade = page.locator('[name="pathology.prefix"]')
        expect(grade).to_be_visible()
        _fill(
            page,
            {
                "pathology.specimen": "lar",
                "pathology.t": "T2",
                "pathology.prefix": "yp",
                "pathology.nodes_examined": "14",
                "pathology.nodes_positive": "0",
                "pathology.crm_distance_mm": "3,5",
                "pathology.date": "2024-06-12",
            },
        )
        _save(page)
        page.get_by_role("link", name="Add a complication").click()
        picker = page.locator('[name="complications[0].clavien_dindo"]')
        options = picker.locator("option").all_inner_texts()
        assert any(o.startswith("Clavien–Dindo IIIa: Requiring surgical") for o in options)
        _fill(
            page,
            {
                "complications[0].description": "Pelvic abscess drained under CT guidance",
                "complications[0].clavien_dindo": "IIIa",
                "complications[0].date": "2024-06-08",
            },
        )
        screenshot(page, "journey-02-complication")
        _save(page)
        page.get_by_role("link", name="Add local recurrence").click()
        page.locator('input[name="recurrence.compartments"][value="central"]').check()
        _fill(page, {"recurrence.date": "2025-03-20"})
        _save(page)
        screenshot(page, "journey-03-case-page")
        yield {
            "page": page,
            "case_id": case_id,
            "token": token,
            "km_before": before,
            "major_before": major_before,
        }
    finally:
        context.close()


def test_every_fact_was_entered_through_the_pages(journey, server):
    case = _stored_case(server.database_url, journey["case_id"])
    assert case["neoadjuvant"]["radiotherapy"]["total_dose_gy"] == 50.4
    assert case["restaging"]["yc_mrf_distance_mm"] == 4.5
    assert [op["type"] for op in case["operations"]] == ["lar"]
    assert case["pathology"]["prefix"] == "yp" and case["pathology"]["crm_distance_mm"] == 3.5
    assert case["complications"][0]["clavien_dindo"] == "IIIa"
    assert case["recurrence"]["compartments"] == ["central"]


def test_the_case_page_lists_each_part_with_its_edit_and_remove(journey):
    page = journey["page"]
    for part in ("neoadjuvant", "restaging", "pathology", "recurrence"):
        section = page.locator(f"#part-{part}")
        expect(section.get_by_role("link", name=re.compile("^Edit"))).to_have_count(1)
        expect(section.get_by_role("button", name=re.compile("^Remove"))).to_have_count(1)
        expect(section).not_to_contain_text("Not recorded")
    expect(page.locator("#part-recurrence")).to_contain_text("compartments: central")
    expect(page.locator("#part-complications")).to_contain_text("Clavien–Dindo IIIa")


def test_the_timeline_shows_each_fact_once_in_date_order(journey):
    page = journey["page"]
    items = page.locator("ol.timeline > li").all_inner_texts()
    dates = [dt.date.fromisoformat(t[:10]) for t in items if re.match(r"\d{4}-\d\d-\d\d", t)]
    assert dates == sorted(dates), items
    for title in (
        "Baseline MRI",
        "Radiotherapy",
        "Restaging",
        "Operation",
        "Pathology (Low anterior resection (TME))",
        "Complication (Clavien–Dindo IIIa)",
        "Local recurrence",
    ):
        assert sum(f"— {title}" in text for text in items) == 1, (title, items)
    assert len(items) == len(set(items))
    assert not any("_" in text for text in items), items


def test_the_header_shows_the_current_stage(journey):
    page = journey["page"]
    header = page.locator("#patient-header")
    expect(header).to_contain_text("Male")
    expect(header).to_contain_text("63 years at diagnosis")
    expect(page.locator("#current-stage")).to_have_text("local recurrence (central)")
    expect(header).to_contain_text("set 2025-03-20")


def test_the_engine_stage_and_labels_read_in_clinical_words(journey):
    page = journey["page"]
    text = page.locator("main").inner_text()
    assert "locally_advanced" not in text and "['" not in text
    assert "primary.tnt" not in page.locator("#recommendations h3").all_inner_texts().__str__()


def test_the_km_curve_counts_the_recurrence(journey):
    assert _km_events(journey["page"], journey["token"]) == journey["km_before"] + 1


def test_the_outcomes_page_counts_the_recurrence(journey):
    page = journey["page"]
    page.goto("/outcomes?endpoint=disease_free&group_by=")  # one curve: every patient
    events = page.locator("#medians tbody tr td.num").nth(1)
    expect(events).to_have_attribute("data-value", str(journey["km_before"] + 1))
    screenshot(page, "journey-05-outcomes")


def test_the_complication_counts_include_the_complication(journey):
    page, token = journey["page"], journey["token"]
    response = page.request.get(
        f"/api/cases/{journey['case_id']}/complications",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.ok and [c["clavien_dindo"] for c in response.json()] == ["IIIa"]
    events = page.request.get(
        f"/api/cases/{journey['case_id']}/events", headers={"Authorization": f"Bearer {token}"}
    )
    assert events.ok and [e["kind"] for e in events.json()] == ["recurrence"]
    # Clavien–Dindo IIIa is a major complication (III-V): one more operated patient, one more
    # with a major complication
    before, after = journey["major_before"], _major_complications(page, token)
    assert (after["k"], after["n"]) == (before["k"] + 1, before["n"] + 1)


def test_a_complication_is_linked_to_its_operation_by_its_words(journey):
    page = journey["page"]
    page.goto(f"/cases/{journey['case_id']}")
    page.get_by_role("link", name="Add a complication").click()
    link = page.locator('[name="complications[1].operation"]')
    options = link.locator("option").all_inner_texts()
    assert any(o.startswith("1: Low anterior resection (TME)") for o in options), options
    screenshot(page, "journey-04-complication-link")
