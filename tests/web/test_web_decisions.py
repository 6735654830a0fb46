"""MDT meetings and decisions over HTTP: coded deviations, unknown codes refused, followed or
not computed by the registry."""

from __future__ import annotations

import pytest
from web_support import bearer

from rectoplan.registry.users import Role

PREFERRED = "primary.organ_preservation.crt_local_excision"


@pytest.fixture
def case_id(client, case) -> str:
    created = client.post("/api/cases", json={"case": case}, headers=bearer(Role.clinician))
    assert created.status_code == 201, created.text
    return case["case_id"]


def _alternative(client, case_id: str) -> str:
    snapshot = client.get(f"/api/cases/{case_id}/assessments", headers=bearer(Role.viewer))
    options = snapshot.json()[0]["assessment"]["recommendations"]
    return next(o["id"] for o in options if o["strength"] == "alternative")


URGENT = "obstructing tumour: decided before the next MDT"


def _decide(client, case_id: str, **body):
    """Post a decision; outside a meeting with an urgency reason (the registry's rule)."""
    if body.get("meeting_id") is None:
        body.setdefault("urgency_reason", URGENT)
    return client.post(f"/api/cases/{case_id}/decisions", json=body, headers=bearer(Role.clinician))


def test_following_the_preferred_option_is_recorded_as_followed(client, case_id):
    answer = _decide(client, case_id, chosen_option_id=PREFERRED)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["followed_preferred"] is True and body["deviation_code"] is None
    assert body["decided_by"] == "clinician"


def test_a_deviation_with_a_code_of_the_codesystem_is_recorded(client, case_id):
    other = _alternative(client, case_id)
    answer = _decide(client, case_id, chosen_option_id=other, deviation_code="patient-refuses")
    assert answer.status_code == 201, answer.text
    assert answer.json()["followed_preferred"] is False
    listed = client.get(f"/api/cases/{case_id}/decisions", headers=bearer(Role.viewer)).json()
    assert [d["deviation_code"] for d in listed] == ["patient-refuses"]


def test_an_unknown_deviation_code_is_422_naming_the_field(client, case_id):
    other = _alternative(client, case_id)
    answer = _decide(client, case_id, chosen_option_id=other, deviation_code="felt-like-it")
    assert answer.status_code == 422
    [problem] = answer.json()["detail"]
    assert problem["field"] == "deviation_code"
    assert "felt-like-it" in problem["msg"] and "non-adherence" in problem["msg"]
    assert client.get(f"/api/cases/{case_id}/decisions", headers=bearer(Role.viewer)).json() == []


def test_a_deviation_without_a_code_is_422(client, case_id):
    declined = _decide(client, case_id)  # no option: declining is a deviation
    assert declined.status_code == 422
    assert declined.json()["detail"][0]["field"] == "deviation_code"
    listed = _decide(client, case_id, chosen_option_id=_alternative(client, case_id))
    assert listed.status_code == 201, listed.text  # a listed alternative needs no reason
    assert listed.json()["category"] == "alternative"


def test_an_unknown_option_is_422(client, case_id):
    answer = _decide(client, case_id, chosen_option_id="primary.made.up")
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["field"] == "chosen_option_id"


def test_decisions_at_a_meeting_and_corrections_under_locking(client, case_id):
    meeting = client.post(
        "/api/meetings",
        json={"held_on": "2025-03-10", "title": "Colorectal MDT"},
        headers=bearer(Role.coordinator),
    ).json()
    client.post(
        f"/api/meetings/{meeting['id']}/agenda",
        json={"case_id": case_id},
        headers=bearer(Role.coordinator),
    )
    again = client.post(
        "/api/meetings",
        json={"held_on": "2025-03-10", "title": "Colorectal MDT"},
        headers=bearer(Role.coordinator),
    )
    assert again.status_code == 409
    decision = _decide(client, case_id, chosen_option_id=PREFERRED, meeting_id=meeting["id"])
    assert decision.status_code == 201, decision.text
    at_meeting = client.get(
        f"/api/meetings/{meeting['id']}/decisions", headers=bearer(Role.viewer)
    ).json()
    assert [d["id"] for d in at_meeting] == [decision.json()["id"]]
    url = f"/api/decisions/{decision.json()['id']}"
    other = _alternative(client, case_id)
    change = {"expected_version": 1, "chosen_option_id": other, "deviation_code": "need-more-info"}
    corrected = client.patch(url, json=change, headers=bearer(Role.clinician))
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["followed_preferred"] is False and corrected.json()["version"] == 2
    stale = client.patch(url, json=change, headers=bearer(Role.clinician))
    assert stale.status_code == 409 and stale.json()["current_version"] == 2


def test_deviation_reasons_are_listed(client):
    reasons = client.get("/api/deviation-reasons", headers=bearer(Role.viewer)).json()
    codes = {r["code"] for r in reasons}
    assert {"patient-refuses", "need-more-info", "prefers-alternative"} <= codes
