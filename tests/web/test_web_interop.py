"""CDS Hooks and FHIR over HTTP: discovery and cards that validate against the specification's
shapes, feedback stored and audited, and mCODE Bundles exported and imported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from web_support import bearer

from rectoplan.interop.cds_hooks import SERVICE_ID, card_uuid
from rectoplan.interop.cds_schemas import validate
from rectoplan.registry import models
from rectoplan.registry.cds_feedback import CdsFeedback
from rectoplan.registry.codes import code_system
from rectoplan.registry.db import make_engine, session_factory
from rectoplan.registry.users import Role

DATA = Path(__file__).resolve().parents[1] / "data"
SPEC = DATA / "cds-hooks" / "hl7-cds-hooks"
MEF = DATA / "fhir" / "mcode-extraction-framework"
PATIENT = "ehr-patient-123"


def _spec(name: str) -> dict:
    return json.loads((SPEC / name).read_text())


def _hook_request(patient_id: str = PATIENT) -> dict:
    request = _spec("request-patient-view.json")
    request["context"]["patientId"] = patient_id
    return request


@pytest.fixture
def linked_case(client, case) -> dict:
    """The seed-001 case filed under the EHR's patient id."""
    created = client.post(
        "/api/cases",
        json={"case": case, "patient": {"pseudonym": PATIENT}},
        headers=bearer(Role.clinician),
    )
    assert created.status_code == 201, created.text
    return case


def test_discovery_is_public_and_valid(client):
    answer = client.get("/cds-services")
    assert answer.status_code == 200
    assert validate("discovery", answer.json()) == []
    assert answer.json()["services"][0]["id"] == SERVICE_ID


def test_patient_view_cards_validate_and_link_to_the_case(client, linked_case):
    answer = client.post(
        f"/cds-services/{SERVICE_ID}", json=_hook_request(), headers=bearer(Role.viewer)
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert validate("response", body) == []
    assert body["cards"]
    for card in body["cards"]:
        assert len(card["summary"]) <= 140 and card["indicator"] in ("info", "warning")
        assert any(
            link["url"].endswith(f"/api/cases/{linked_case['case_id']}") for link in card["links"]
        )
    preferred = "primary.organ_preservation.crt_local_excision"
    uuids = {card["uuid"] for card in body["cards"]}
    assert card_uuid(linked_case["case_id"], preferred, "0.1.0") in uuids


def test_patient_view_of_an_unknown_patient_has_no_cards(client):
    answer = client.post(
        f"/cds-services/{SERVICE_ID}",
        json=_hook_request("someone-else"),
        headers=bearer(Role.viewer),
    )
    assert answer.status_code == 200 and answer.json() == {"cards": []}


def test_a_malformed_hook_request_is_422_naming_the_element(client):
    request = _hook_request()
    del request["hookInstance"]
    answer = client.post(f"/cds-services/{SERVICE_ID}", json=request, headers=bearer(Role.viewer))
    assert answer.status_code == 422
    assert any(
        "hookInstance" in p["msg"] or "hookInstance" in p["field"] for p in answer.json()["detail"]
    )


def test_feedback_is_stored_and_audited_and_bad_reasons_refused(client, sqlite_url):
    url = f"/cds-services/{SERVICE_ID}/feedback"
    overridden = _spec("feedback-overridden-with-reason.json")
    reason = {"code": "patient-refuses", "system": code_system()["url"]}
    overridden["feedback"][0]["overrideReason"]["reason"] = reason
    for body in (_spec("feedback-accepted.json"), overridden):
        stored = client.post(url, json=body, headers=bearer(Role.clinician))
        assert stored.status_code == 200, stored.text
        assert stored.json() == {"stored": 1}
    bad = _spec("feedback-accepted.json")
    bad["feedback"][0]["outcome"] = "ignored"
    refused = client.post(url, json=bad, headers=bearer(Role.clinician))
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["field"].startswith("/feedback/0")
    engine = make_engine(sqlite_url)
    try:
        with session_factory(engine)() as session:
            rows = session.scalars(select(CdsFeedback)).all()
            assert [(row.outcome, row.reason_code) for row in rows] == [
                ("accepted", None),
                ("overridden", "patient-refuses"),
            ]
            actors = session.scalars(
                select(models.AuditLog.actor).where(models.AuditLog.entity == "cds_feedback")
            ).all()
            assert actors == ["clinician", "clinician"]
    finally:
        engine.dispose()


def test_fhir_export_then_import_gives_the_case_back(client, linked_case):
    exported = client.get(f"/api/cases/{linked_case['case_id']}/fhir", headers=bearer(Role.viewer))
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith("application/fhir+json")
    bundle = exported.json()
    assert bundle["resourceType"] == "Bundle" and bundle["entry"]
    read = client.post(
        "/api/fhir/Bundle",
        params={"store": "false"},
        json=bundle,
        headers=bearer(Role.clinician),
    )
    assert read.status_code == 200, read.text
    assert read.json()["stored"] is None
    assert read.json()["case"]["mri"]["ct"] == "T3"
    again = client.post("/api/fhir/Bundle", json=bundle, headers=bearer(Role.clinician))
    assert again.status_code == 422  # the case id is already stored
    assert again.json()["detail"][0]["field"] == "case.case_id"


def test_fhir_import_stores_a_case_under_a_pseudonym(client, linked_case):
    bundle = client.get(
        f"/api/cases/{linked_case['case_id']}/fhir", headers=bearer(Role.viewer)
    ).json()
    answer = client.post(
        "/api/fhir/Bundle",
        params={"pseudonym": "P-from-fhir", "set": ["case_id=imported-1"]},
        json=bundle,
        headers=bearer(Role.clinician),
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["stored"]["pseudonym"] == "P-from-fhir"
    assert answer.json()["stored"]["case_id"] == "imported-1"


def test_an_external_bundle_with_a_placeholder_date_is_refused_naming_the_element(client):
    bundle = json.loads((MEF / "csv-condition-bundle.json").read_text())
    answer = client.post("/api/fhir/Bundle", json=bundle, headers=bearer(Role.clinician))
    assert answer.status_code == 422
    elements = [p["field"] for p in answer.json()["detail"]]
    assert "Bundle.entry[0].resource(Condition).extension[0].valueDateTime" in elements


def test_garbage_is_422_not_500(client):
    for body in ({}, {"resourceType": "Patient"}, {"resourceType": "Bundle", "entry": 7}):
        answer = client.post("/api/fhir/Bundle", json=body, headers=bearer(Role.clinician))
        assert answer.status_code == 422, (body, answer.status_code)
