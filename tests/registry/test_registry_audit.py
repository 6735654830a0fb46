"""The audit trail: every insert, update and delete leaves a row with who, when, before and
after; the database itself refuses to rewrite the trail or an assessment snapshot."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from rectoplan.errors import RectoPlanError
from rectoplan.registry import audit, episodes, models, outcomes

TABLES = (
    models.Patient,
    models.Episode,
    models.Assessment,
    models.MdtMeeting,
    models.MdtDecision,
    models.Treatment,
    models.PathologyReport,
    models.Complication,
    models.FollowUpEvent,
)


@pytest.fixture
def full_record(seed_record) -> dict:
    """The seed-001 patient after EFTR, with every section of a record filled in."""
    record = seed_record("seed001_3_after_eftr")
    record["treatments"] = [
        {
            "kind": "radiotherapy",
            "started_on": "2025-03-24",
            "ended_on": "2025-04-25",
            "details": {"dose_gy": 50, "fractions": 25},
        },
        {
            "kind": "endoscopic",
            "procedure": "eftr",
            "approach": "endoscopic",
            "started_on": "2025-07-01",
            "discharge_day": 2,
        },
    ]
    record["complications"] = [
        {"clavien_dindo": "II", "description": "bleeding, transfused", "treatment": 1}
    ]
    record["decisions"] = [
        {
            "decided_at": "2025-06-24T14:00:00+02:00",
            "chosen_option_id": "primary.postop.local_excision_surveillance",
            "decided_by": "MDT chair",
            "meeting": {
                "held_on": "2025-06-24",
                "title": "Colorectal MDT",
                "attendees": ["A", "B"],
            },
        }
    ]
    record["events"] = [{"kind": "last_contact", "occurred_on": "2025-12-01"}]
    return record


def _audit_rows(session, action=None):
    query = select(models.AuditLog).order_by(models.AuditLog.id)
    if action:
        query = query.where(models.AuditLog.action == action)
    return list(session.scalars(query))


def test_every_inserted_row_has_its_audit_row(write, full_record):
    before = dt.datetime.now(dt.UTC)
    with write("importer") as session:
        episodes.create_episode(session, full_record)
    with write() as session:
        rows = _audit_rows(session)
        seen = {(row.entity, row.entity_id): row for row in rows}
        assert len(seen) == len(rows)  # one audit row per inserted row
        for model in TABLES:
            stored = list(session.scalars(select(model)))
            assert stored, model.__tablename__
            for obj in stored:
                entry = seen.pop((model.__tablename__, obj.id))
                assert entry.action == "insert" and entry.actor == "importer"
                assert entry.before is None
                assert entry.after == audit.snapshot(obj)
                assert before <= entry.at <= dt.datetime.now(dt.UTC)
                assert entry.at.tzinfo is dt.UTC
        assert not seen
        report = session.scalar(select(models.PathologyReport))
        eftr = session.scalar(
            select(models.Treatment).where(models.Treatment.operation_type == "eftr")
        )  # EFTR is an operation of the case, whichever way it was entered
        assert report.treatment_id == eftr.id and report.r_status == "R0"


def test_updates_and_deletes_carry_before_and_after(write, full_record):
    with write() as session:
        episode = episodes.create_episode(session, full_record)
        episode_id, case = episode.id, copy.deepcopy(episode.case_json)
        event_id = episode.events[0].id
    case["tumour"]["cea_ng_ml"] = 7.5
    with write("dr-who") as session:
        episodes.update_case(session, episode_id, case, expected_version=1)
        outcomes.delete_event(session, event_id, expected_version=1)
    with write() as session:
        change, removal = audit.history(session, "episodes", episode_id)[-2:]
        assert (change.action, change.actor) == ("update", "dr-who")
        # the event lived in the case: deleting it is a change of the case too
        assert (removal.before["version"], removal.after["version"]) == (2, 3)
        assert len(removal.after["case_json"]["follow_up"]) == (
            len(removal.before["case_json"]["follow_up"]) - 1
        )
        assert change.before["case_json"]["tumour"]["cea_ng_ml"] == 2.1
        assert change.after["case_json"]["tumour"]["cea_ng_ml"] == 7.5
        assert (change.before["version"], change.after["version"]) == (1, 2)
        deleted = audit.history(session, "follow_up_events", event_id)
        assert [row.action for row in deleted] == ["insert", "delete"]
        assert deleted[-1].before["kind"] == "last_contact" and deleted[-1].after is None
        assert session.get(models.FollowUpEvent, event_id) is None
        snapshots = audit.history(session, "assessments", episode_id + 1)
        assert [row.action for row in snapshots] == ["insert"]  # the new snapshot


def test_a_rolled_back_change_leaves_no_audit_row(write, seed_record):
    with write() as session:
        episode_id = episodes.create_episode(session, seed_record()).id
        count = session.scalar(select(func.count()).select_from(models.AuditLog))
    with pytest.raises(RuntimeError), write() as session:
        outcomes.add_event(session, episode_id, {"kind": "death", "occurred_on": "2026-01-02"})
        raise RuntimeError("something failed later in the same transaction")
    with write() as session:
        assert session.scalar(select(func.count()).select_from(models.AuditLog)) == count
        assert session.scalar(select(func.count()).select_from(models.FollowUpEvent)) == 0


def test_an_unattributed_change_is_refused(factory, seed_record):
    with factory() as session, pytest.raises(RectoPlanError, match="actor"):
        episodes.create_episode(session, seed_record())
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(models.Episode)) == 0


@pytest.mark.parametrize(
    ("statement", "refusal"),
    [
        ("UPDATE audit_log SET actor = 'mallory'", "append-only"),
        ("DELETE FROM audit_log", "append-only"),
        ("UPDATE assessments SET engine_version = '9.9.9'", "immutable"),
    ],
)
def test_the_database_refuses_to_rewrite_history(factory, write, seed_record, statement, refusal):
    with write() as session:
        episodes.create_episode(session, seed_record())
    with factory() as session:
        before = session.execute(text("SELECT * FROM audit_log ORDER BY id")).all()
        versions = session.scalars(text("SELECT engine_version FROM assessments")).all()
    with factory() as session, pytest.raises(IntegrityError, match=refusal):
        session.execute(text(statement))
    with factory() as session:
        assert session.execute(text("SELECT * FROM audit_log ORDER BY id")).all() == before
        assert session.scalars(text("SELECT engine_version FROM assessments")).all() == versions


def test_an_assessment_snapshot_cannot_be_edited_through_the_orm(write, seed_record):
    with write() as session:
        episode_id = episodes.create_episode(session, seed_record()).id
    with pytest.raises(IntegrityError, match="immutable"), write() as session:
        episodes.latest_assessment(session, episode_id).preferred_ids = ["primary.surgery.apr"]


@pytest.mark.parametrize("engine_name", ["postgresql"])  # SQLite has no TRUNCATE
def test_postgresql_refuses_truncating_the_audit_log(factory, write, seed_record):
    with write() as session:
        episodes.create_episode(session, seed_record())
    with factory() as session, pytest.raises(IntegrityError, match="append-only"):
        session.execute(text("TRUNCATE audit_log"))


def test_ids_are_never_reused_so_a_history_names_one_row(write, seed_record):
    with write() as session:
        episode_id = episodes.create_episode(session, seed_record()).id
        first = outcomes.add_event(
            session, episode_id, {"kind": "death", "occurred_on": "2026-01-02"}
        )
    with write() as session:
        outcomes.delete_event(session, first.id, expected_version=1)  # the newest row goes
    with write() as session:
        again = outcomes.add_event(
            session, episode_id, {"kind": "last_contact", "occurred_on": "2026-01-01"}
        )
        assert again.id > first.id
        assert [row.action for row in audit.history(session, "follow_up_events", first.id)] == [
            "insert",
            "delete",
        ]
