"""Treatments, complications and follow-up events of a stored case, over HTTP."""

from __future__ import annotations

import pytest
from web_support import bearer, example_case

from rectoplan.registry.users import Role


@pytest.fixture
def case_url(client, case) -> str:
    created = client.post("/api/cases", json={"case": case}, headers=bearer(Role.clinician))
    assert created.status_code == 201, created.text
    return f"/api/cases/{case['case_id']}"


def test_treatments_are_added_listed_and_replaced_under_locking(client, case_url):
    clinician = bearer(Role.clinician)
    course = {
        "kind": "radiotherapy",
        "started_on": "2025-03-20",
        "ended_on": "2025-04-25",
        "details": {"total_dose_gy": 50, "fractions": 25},
    }
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


def test_one_record_both_ways_on_both_engines(any_client):
    """What is posted to the outcome routes is in ``GET /api/cases/{id}``; what the case
    document records is in the outcome routes' lists (SQLite and PostgreSQL)."""
    clinician, viewer = bearer(Role.clinician), bearer(Role.viewer)
    case = example_case("seed001_2_restaging")
    case["operations"] = [{"type": "lar", "date": "2025-07-20", "approach": "robotic"}]
    case["complications"] = [{"description": "ileus", "clavien_dindo": "I", "operation": 0}]
    created = any_client.post("/api/cases", json={"case": case}, headers=clinician)
    assert created.status_code == 201, created.text
    url = f"/api/cases/{case['case_id']}"
    # the case document's facts are listed by the outcome routes
    operations = [
        t for t in any_client.get(f"{url}/treatments", headers=viewer).json()
        if t["kind"] == "operation"
    ]  # fmt: skip
    assert [(t["operation_type"], t["approach"], t["started_on"]) for t in operations] == [
        ("lar", "robotic", "2025-07-20")
    ]
    listed = any_client.get(f"{url}/complications", headers=viewer).json()
    assert [(c["clavien_dindo"], c["treatment_id"]) for c in listed] == [("I", operations[0]["id"])]
    # what is posted is in the case
    posted = [
        ("complications", {"clavien_dindo": "IIIa", "description": "pelvic abscess, drained",
                           "treatment_id": operations[0]["id"]}),
        ("events", {"kind": "recurrence", "occurred_on": "2026-02-01"}),
        ("events", {"kind": "death", "occurred_on": "2026-06-01"}),
    ]  # fmt: skip
    for kind, body in posted:
        answer = any_client.post(f"{url}/{kind}", json=body, headers=clinician)
        assert answer.status_code == 201, answer.text
    stored = any_client.get(url, headers=viewer).json()["case"]
    assert [(c["clavien_dindo"], c["operation"]) for c in stored["complications"]] == [
        ("I", 0),
        ("IIIa", 0),
    ]
    assert stored["recurrence"]["date"] == "2026-02-01"
    assert [(e["kind"], e["date"]) for e in stored["follow_up"]] == [("death", "2026-06-01")]
    # nothing after the death; the event list shows each event once
    late = {"kind": "last_contact", "occurred_on": "2026-07-01"}
    assert any_client.post(f"{url}/events", json=late, headers=clinician).status_code == 422
    kinds = sorted(e["kind"] for e in any_client.get(f"{url}/events", headers=viewer).json())
    assert kinds == ["death", "recurrence"]
    # removing the recurrence event removes the case's recurrence
    event = next(e for e in any_client.get(f"{url}/events", headers=viewer).json()
                 if e["kind"] == "recurrence")  # fmt: skip
    removed = any_client.delete(
        f"/api/events/{event['id']}",
        params={"expected_version": event["version"]},
        headers=clinician,
    )
    assert removed.status_code == 204
    assert any_client.get(url, headers=viewer).json()["case"]["recurrence"] is None
