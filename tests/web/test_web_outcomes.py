"""Treatments, complications and follow-up events of a stored case, over HTTP."""

from __future__ import annotations

import pytest
from web_support import bearer

from rectoplan.registry.users import Role


@pytest.fixture
def case_url(client, case) -> str:
    created = client.post("/api/cases", json={"case": case}, headers=bearer(Role.clinician))
    assert created.status_code == 201, created.text
    return f"/api/cases/{case['case_id']}"


def test_treatments_are_added_listed_and_replaced_under_locking(client, case_url):
    clinician = bearer(Role.clinician)
    course = {"kind": "radiotherapy", "started_on": "2025-03-20", "ended_on": "2025-04-25"}
    added = client.post(f"{case_url}/treatments", json=course, headers=clinician)
    assert added.status_code == 201, added.text
    treatment = added.json()
    assert treatment["kind"] == "radiotherapy" and treatment["version"] == 1
    listed = client.get(f"{case_url}/treatments", headers=bearer(Role.viewer)).json()
    assert [t["id"] for t in listed] == [treatment["id"]]
    changed = {**course, "ended_on": "2025-04-28"}
    url = f"/api/treatments/{treatment['id']}"
    body = {"treatment": changed, "expected_version": 1}
    replaced = client.put(url, json=body, headers=clinician)
    assert replaced.status_code == 200 and replaced.json()["ended_on"] == "2025-04-28"
    assert client.put(url, json=body, headers=clinician).status_code == 409


def test_a_treatment_that_contradicts_itself_is_422_naming_the_field(client, case_url):
    wrong = {"kind": "radiotherapy", "operation_type": "lar"}
    answer = client.post(f"{case_url}/treatments", json=wrong, headers=bearer(Role.clinician))
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["field"] == "operation_type"
    backwards = {"kind": "chemotherapy", "started_on": "2025-05-01", "ended_on": "2025-04-01"}
    answer = client.post(f"{case_url}/treatments", json=backwards, headers=bearer(Role.clinician))
    assert answer.json()["detail"][0]["field"] == "ended_on"


def test_complications_and_events(client, case_url):
    clinician = bearer(Role.clinician)
    operation = client.post(
        f"{case_url}/treatments",
        json={"kind": "operation", "operation_type": "lar", "started_on": "2025-06-02"},
        headers=clinician,
    ).json()
    complication = client.post(
        f"{case_url}/complications",
        json={
            "clavien_dindo": "IIIa",
            "description": "pelvic abscess, drained",
            "treatment_id": operation["id"],
        },
        headers=clinician,
    )
    assert complication.status_code == 201, complication.text
    assert complication.json()["clavien_dindo"] == "IIIa"
    bad_grade = client.post(
        f"{case_url}/complications",
        json={"clavien_dindo": "VII", "description": "?"},
        headers=clinician,
    )
    assert bad_grade.status_code == 422
    assert bad_grade.json()["detail"][0]["field"] == "clavien_dindo"
    event = client.post(
        f"{case_url}/events",
        json={"kind": "last_contact", "occurred_on": "2025-09-01"},
        headers=clinician,
    )
    assert event.status_code == 201, event.text
    early = client.post(
        f"{case_url}/events",
        json={"kind": "recurrence", "occurred_on": "2020-01-01"},
        headers=clinician,
    )
    assert early.status_code == 422 and early.json()["detail"][0]["field"] == "occurred_on"
    url = f"/api/events/{event.json()['id']}"
    assert client.delete(url, params={"expected_version": 2}, headers=clinician).status_code == 409
    assert client.delete(url, params={"expected_version": 1}, headers=clinician).status_code == 204
    assert client.get(f"{case_url}/events", headers=bearer(Role.viewer)).json() == []
