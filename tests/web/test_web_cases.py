"""Cases over HTTP: create, read, list with filters, and update under optimistic locking,
with every write in the audit log under the user who made it."""

from __future__ import annotations

import copy

from sqlalchemy import select
from web_support import bearer, example_case

from rectoplan.registry import models
from rectoplan.registry.db import make_engine, session_factory
from rectoplan.registry.users import Role


def _audit(url: str, entity: str) -> list[models.AuditLog]:
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            query = select(models.AuditLog).where(models.AuditLog.entity == entity)
            return list(session.scalars(query.order_by(models.AuditLog.id)))
    finally:
        engine.dispose()


def _create(client, case: dict, **extra):
    return client.post("/api/cases", json={"case": case, **extra}, headers=bearer(Role.clinician))


def test_stale_update_is_409_with_the_current_version_and_loses_nothing(any_client, any_url, case):
    created = _create(any_client, case)
    assert created.status_code == 201, created.text
    assert created.json()["version"] == 1
    first = copy.deepcopy(case)
    first["tumour"]["cea_ng_ml"] = 5.0
    url = f"/api/cases/{case['case_id']}"
    alice = any_client.put(
        url, json={"case": first, "expected_version": 1}, headers=bearer(Role.clinician)
    )
    assert alice.status_code == 200, alice.text
    assert alice.json()["version"] == 2
    second = copy.deepcopy(case)
    second["tumour"]["cea_ng_ml"] = 9.0
    bob = any_client.put(
        url, json={"case": second, "expected_version": 1}, headers=bearer(Role.admin)
    )
    assert bob.status_code == 409
    assert bob.json()["current_version"] == 2 and bob.json()["expected_version"] == 1
    assert "reload" in bob.json()["detail"]
    stored = any_client.get(url, headers=bearer(Role.viewer)).json()
    assert stored["version"] == 2
    assert stored["case"]["tumour"]["cea_ng_ml"] == 5.0
    snapshots = any_client.get(f"{url}/assessments", headers=bearer(Role.viewer)).json()
    assert len(snapshots) == 2  # the refused write left no snapshot behind
    updates = [row for row in _audit(any_url, "episodes") if row.action == "update"]
    assert [row.actor for row in updates] == ["clinician"]


def test_every_write_is_audited_under_the_user(client, sqlite_url, case):
    _create(client, case)
    decision = client.post(
        f"/api/cases/{case['case_id']}/decisions",
        json={
            "chosen_option_id": "primary.organ_preservation.crt_local_excision",
            "urgency_reason": "obstruction",
        },
        headers=bearer(Role.clinician),
    )
    assert decision.status_code == 201, decision.text
    meeting = client.post(
        "/api/meetings",
        json={"held_on": "2025-03-10", "title": "Colorectal MDT"},
        headers=bearer(Role.coordinator),
    )
    assert meeting.status_code == 201, meeting.text
    expected = {
        "patients": "clinician",
        "episodes": "clinician",
        "assessments": "clinician",
        "mdt_decisions": "clinician",
        "mdt_meetings": "coordinator",
    }
    for entity, actor in expected.items():
        rows = _audit(sqlite_url, entity)
        assert [row.actor for row in rows] == [actor], entity
        assert rows[0].action == "insert" and rows[0].after is not None


def test_a_case_id_that_exists_is_422_naming_the_field(client, case):
    assert _create(client, case).status_code == 201
    again = _create(client, case)
    assert again.status_code == 422
    assert again.json()["detail"][0]["field"] == "case.case_id"


def test_a_changed_case_id_is_refused(client, case):
    _create(client, case)
    moved = dict(case, case_id="another-id")
    answer = client.put(
        f"/api/cases/{case['case_id']}",
        json={"case": moved, "expected_version": 1},
        headers=bearer(Role.clinician),
    )
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["field"] == "case.case_id"


def test_read_and_list_with_filters(client, case):
    restaging = example_case("seed001_2_restaging")
    for item in (case, restaging, example_case("seed002_posterior_recurrence")):
        assert _create(client, item, patient={"pseudonym": "P-seed001"}).status_code in (201, 422)
    viewer = bearer(Role.viewer)
    read = client.get(f"/api/cases/{case['case_id']}", headers=viewer).json()
    assert read["pseudonym"] == "P-seed001" and read["latest_assessment_id"] is not None
    everything = client.get("/api/cases", headers=viewer).json()
    assert everything["total"] == 3
    phases = client.get("/api/cases", params={"phase": "restaging"}, headers=viewer).json()
    assert [c["case_id"] for c in phases["items"]] == [restaging["case_id"]]
    recurrence = client.get("/api/cases", params={"pathway": "recurrence"}, headers=viewer)
    assert [c["case_id"] for c in recurrence.json()["items"]] == ["seed002-posterior-recurrence"]
    stage = client.get("/api/cases", params={"stage": "III"}, headers=viewer).json()
    assert case["case_id"] in [c["case_id"] for c in stage["items"]]  # IIIB
    risk = client.get("/api/cases", params={"risk_group": "intermediate"}, headers=viewer).json()
    assert all(c["risk_group"] == "intermediate" for c in risk["items"]) and risk["total"] >= 1
    search = client.get("/api/cases", params={"q": "SEED001-D"}, headers=viewer).json()
    assert [c["case_id"] for c in search["items"]] == [case["case_id"]]
    page = client.get("/api/cases", params={"limit": 1, "offset": 1}, headers=viewer).json()
    assert page["total"] == 3 and len(page["items"]) == 1 and page["offset"] == 1


def test_unknown_case_is_404(client):
    answer = client.get("/api/cases/no-such-case", headers=bearer(Role.viewer))
    assert answer.status_code == 404
    assert "no-such-case" in answer.json()["detail"]


def test_a_bad_case_is_422_naming_the_field_and_stores_nothing(client, case):
    case["mri"]["cn"] = "N7"
    answer = _create(client, case)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["field"] == "case.mri.cn"
    assert client.get("/api/cases", headers=bearer(Role.viewer)).json()["total"] == 0


def test_a_value_the_database_cannot_store_is_422_not_500(any_client, any_url, case):
    """PostgreSQL keeps no NUL character in text or JSONB; SQLite does. Either way no 500."""
    expected = 422 if any_url.startswith("postgresql") else 201
    assert _create(any_client, case).status_code == 201
    answer = any_client.post(
        f"/api/cases/{case['case_id']}/events",
        json={"kind": "last_contact", "occurred_on": "2025-09-01", "details": {"note": "a\x00b"}},
        headers=bearer(Role.clinician),
    )
    assert answer.status_code == expected, answer.text
    decision = any_client.post(
        f"/api/cases/{case['case_id']}/decisions",
        json={
            "chosen_option_id": "primary.organ_preservation.crt_local_excision",
            "deviation_note": "nul \x00 here",
            "urgency_reason": "obstruction",
        },
        headers=bearer(Role.clinician),
    )
    assert decision.status_code == expected, decision.text
    if expected == 422:
        assert "cannot store" in decision.json()["detail"][0]["msg"]
