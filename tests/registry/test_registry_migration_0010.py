"""Migration 0010 (the tumour board) on a registry that already holds a meeting with a case on
its agenda: the rows stay where they are (SQLite's batch copy would have had to drop a table
the agenda refers to), the new columns take their defaults, and a downgrade removes them again
with the rows kept."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, text

from rectoplan.registry.db import make_engine
from rectoplan.registry.migrate import alembic_config

NEW_MEETING_COLUMNS = {
    "starts_at",
    "place",
    "video_link",
    "chair",
    "expected_specialties",
    "started_at",
    "signed_off_at",
    "signed_off_by",
    "minutes_version",
    "last_amendment",
}


def _fill_at_0009(connection) -> None:
    """A patient, an episode and a meeting with that episode on its agenda, in plain SQL (the
    models are already at the newer schema)."""
    connection.execute(
        text("INSERT INTO patients (pseudonym, sex, version) VALUES ('P-1', 'female', 1)")
    )
    connection.execute(
        text(
            "INSERT INTO episodes (patient_id, case_id, case_json, status, version) "
            "VALUES (1, 'c-1', '{}', 'active', 1)"
        )
    )
    connection.execute(
        text(
            "INSERT INTO mdt_meetings (held_on, title, attendees, version) "
            "VALUES ('2025-03-10', 'Colorectal MDT', '[\"Dr A\"]', 1)"
        )
    )
    connection.execute(
        text(
            "INSERT INTO mdt_agenda_items (meeting_id, episode_id, position, added_by, version) "
            "VALUES (1, 1, 1, 'coordinator', 1)"
        )
    )


def test_0010_keeps_a_meeting_and_its_agenda_and_downgrades_cleanly(empty_url):
    config = alembic_config(empty_url)
    command.upgrade(config, "0009")
    engine = make_engine(empty_url)
    try:
        with engine.begin() as connection:
            _fill_at_0009(connection)
        command.upgrade(config, "0010")
        columns = {c["name"] for c in inspect(engine).get_columns("mdt_meetings")}
        assert columns >= NEW_MEETING_COLUMNS
        tables = set(inspect(engine).get_table_names())
        assert {"mdt_attendance", "mdt_actions"} <= tables
        with engine.connect() as connection:
            row = connection.execute(
                text("SELECT title, minutes_version, expected_specialties FROM mdt_meetings")
            ).one()
            assert row[0] == "Colorectal MDT" and row[1] == 0
            assert row[2] in ("[]", [])  # JSON text on SQLite, a list from JSONB
            listed = connection.execute(text("SELECT episode_id FROM mdt_agenda_items")).all()
            assert listed == [(1,)]

        command.downgrade(config, "0009")
        columns = {c["name"] for c in inspect(engine).get_columns("mdt_meetings")}
        assert not NEW_MEETING_COLUMNS & columns
        assert not {"mdt_attendance", "mdt_actions"} & set(inspect(engine).get_table_names())
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM mdt_agenda_items")).scalar() == 1
            assert connection.execute(text("SELECT title FROM mdt_meetings")).scalar() == (
                "Colorectal MDT"
            )
    finally:
        engine.dispose()
