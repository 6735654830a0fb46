"""``registry backup`` / ``registry restore``: the whole registry, row for row, on SQLite and on
PostgreSQL (every test runs on both engines).

The registry backed up holds every kind of row the service writes: users (one changed, so at
version 2), refused logins, the demo cohort (patients, episodes, treatments, pathology,
complications, follow-up, meetings and decisions), a case changed after import (so an episode
at version 2 with two assessments and UPDATE rows in the audit log), and a meeting agenda with
attendance. The restored copy is compared with the source table by table, every column of
every row, read back from each database independently of the backup code.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import sqlite3
import threading
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, select, text
from typer.testing import CliRunner

from rectoplan.cli import app
from rectoplan.errors import ConflictError, InvalidRecordError
from rectoplan.registry import agenda, backup, episodes, models, users
from rectoplan.registry.db import make_engine, session_factory, transaction
from rectoplan.registry.demo import load_demo
from rectoplan.registry.importing import import_records
from rectoplan.registry.migrate import alembic_config, current_revision, head_revision
from rectoplan.registry.users import Role

PASSWORD = "backup tests only"
CHANGED_CASE = "seed001-diagnosis"


def _fill(url: str) -> None:
    engine = make_engine(url)
    factory = session_factory(engine)
    try:
        with transaction(factory, "tester") as session:
            load_demo(session, 12)
        with transaction(factory, "admin") as session:
            users.create_user(session, "alice", Role.clinician, PASSWORD)
            users.create_user(session, "bob", Role.viewer, PASSWORD)
        with transaction(factory, "admin") as session:
            bob = users.get_user(session, "bob")
            users.update_user(session, "bob", expected_version=bob.version, role=Role.clinician)
            users.record_failure(session, "bob", "198.51.100.7")
        with transaction(factory, "alice") as session:
            episode = episodes.episode_by_case_id(session, CHANGED_CASE)
            case = copy.deepcopy(episode.case_json)
            case["tumour"]["distance_from_anal_verge_cm"] = 11.0
            episodes.update_case(session, episode.id, case, expected_version=episode.version)
            meeting = session.scalars(select(models.MdtMeeting).order_by(models.MdtMeeting.id))
            meeting = meeting.first()
            agenda.add_to_agenda(session, meeting.id, episode.id)
        with transaction(factory, "alice") as session:
            meeting = session.get(models.MdtMeeting, meeting.id)
            agenda.set_attendees(
                session, meeting.id, ["Dr A", "Dr B"], expected_version=meeting.version
            )
    finally:
        engine.dispose()


def _tables(url: str, columns: dict[str, list[str]] | None = None) -> dict[str, dict]:
    """Every table of the database at ``url``: its column names and its rows in primary-key
    order (only ``columns`` of each table, when given)."""
    engine = make_engine(url)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        found = {}
        with engine.connect() as connection:
            for name, table in metadata.tables.items():
                if columns is not None and name not in columns:
                    continue
                wanted = [table.c[c] for c in (columns[name] if columns else table.c.keys())]
                order = list(table.primary_key.columns) or wanted
                rows = connection.execute(select(*wanted).order_by(*order)).all()
                found[name] = {
                    "columns": [c.name for c in wanted],
                    "rows": [tuple(r) for r in rows],
                }
        return found
    finally:
        engine.dispose()


def _decided_before_recurrence(tables: dict[str, dict]) -> int:
    """Episodes with an MDT decision dated before the recurrence their case records."""

    def rows(name: str) -> list[dict]:
        table = tables[name]
        return [dict(zip(table["columns"], row, strict=True)) for row in table["rows"]]

    recurred = {}
    for episode in rows("episodes"):
        case = episode["case_json"]
        case = json.loads(case) if isinstance(case, str) else case
        if (case.get("recurrence") or {}).get("date"):
            recurred[episode["id"]] = dt.date.fromisoformat(case["recurrence"]["date"])
    return len(
        {
            d["episode_id"]
            for d in rows("mdt_decisions")
            if d["episode_id"] in recurred and _day(d["decided_at"]) < recurred[d["episode_id"]]
        }
    )


def _snapshots_of(records: list[dict], case_id: str) -> int:
    """Assessment snapshots an imported record gives: one, and one of the case without its
    recurrence when an MDT decision was made before it."""
    record = next(r for r in records if r["case"]["case_id"] == case_id)
    recurred = (record["case"].get("recurrence") or {}).get("date")
    before = recurred and any(
        _day(d["decided_at"]) < dt.date.fromisoformat(recurred) for d in record["decisions"]
    )
    return 2 if before else 1


def _day(value) -> dt.date:
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
    return moment.date()


def _scalar(url: str, sql: str):
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql)).scalar()
    finally:
        engine.dispose()


@pytest.fixture
def filled(registry_url: str) -> str:
    _fill(registry_url)
    return registry_url


def _file(tmp_path: Path, engine_name: str, name: str = "backup") -> Path:
    return tmp_path / f"{name}.{'sqlite3' if engine_name == 'sqlite' else 'dump'}"


def test_backup_then_restore_reproduces_every_table_row_for_row(
    filled, empty_url, tmp_path, engine_name
):
    made = backup.backup(_file(tmp_path, engine_name), filled)
    assert made.revision == head_revision() and made.size_bytes > 0
    restored = backup.restore(made.path, empty_url)
    assert not restored.upgraded

    source, copy_ = _tables(filled), _tables(empty_url)
    assert set(copy_) == set(source)
    assert set(models.Base.metadata.tables) <= set(source)  # every table the models know
    for name in sorted(source):
        assert copy_[name]["columns"] == source[name]["columns"], name
        assert copy_[name]["rows"] == source[name]["rows"], name
    assert restored.rows == {n: len(t["rows"]) for n, t in source.items() if n != "alembic_version"}

    # the registry held what a backup must not lose (and export/import did lose)
    counts = {name: len(table["rows"]) for name, table in source.items()}
    assert counts["users"] == 2 and counts["login_failures"] == 1
    # a snapshot per episode, one more for the changed case (it kept its first), and one more
    # for each episode with a decision made before its recurrence (judged without it)
    assert counts["assessments"] == counts["episodes"] + 1 + _decided_before_recurrence(source)
    assert counts["mdt_agenda_items"] == 1 and counts["mdt_meetings"] >= 1
    for table in ("patients", "treatments", "mdt_decisions", "follow_up_events", "audit_log"):
        assert counts[table] > 0, table
    actions = {
        row[source["audit_log"]["columns"].index("action")] for row in source["audit_log"]["rows"]
    }
    assert {"insert", "update"} <= {str(getattr(a, "value", a)).lower() for a in actions}
    assert current_revision(make_engine(empty_url)) == head_revision()


def test_the_restored_registry_takes_new_writes_and_keeps_its_audit_log_append_only(
    filled, empty_url, tmp_path, engine_name
):
    backup.restore(backup.backup(_file(tmp_path, engine_name), filled).path, empty_url)
    engine = make_engine(empty_url)
    factory = session_factory(engine)
    try:
        with transaction(factory, "admin") as session:  # ids continue after the restored ones
            users.create_user(session, "carol", Role.viewer, PASSWORD)
        with factory() as session:
            assert users.authenticate(session, "alice", PASSWORD) is not None  # hashes kept
        with pytest.raises(Exception, match="refused"), engine.begin() as connection:
            connection.execute(text("DELETE FROM audit_log"))
    finally:
        engine.dispose()
    assert _scalar(empty_url, "SELECT count(*) FROM users") == 3


def test_a_restore_into_a_registry_holding_any_row_is_refused_and_changes_nothing(
    filled, registry_url_2, tmp_path, engine_name
):
    file = backup.backup(_file(tmp_path, engine_name), filled).path
    before = _tables(registry_url_2)
    with pytest.raises(ConflictError, match=r"not empty \(.*users 1 rows\).*Nothing was changed"):
        backup.restore(file, registry_url_2)
    assert _tables(registry_url_2) == before


@pytest.fixture
def registry_url_2(another_registry) -> str:
    """A second registry, at head, holding one user (and nothing else)."""
    url = another_registry()
    engine = make_engine(url)
    try:
        with transaction(session_factory(engine), "admin") as session:
            users.create_user(session, "someone", Role.admin, PASSWORD)
    finally:
        engine.dispose()
    return url


def test_a_restore_into_an_empty_initialised_registry_is_allowed(
    filled, another_registry, tmp_path, engine_name
):
    target = another_registry()  # `registry init` made its tables; they hold no row
    backup.restore(backup.backup(_file(tmp_path, engine_name), filled).path, target)
    assert _tables(target) == _tables(filled)


def test_a_backup_from_a_newer_schema_is_refused(registry_url, empty_url, tmp_path, engine_name):
    engine = make_engine(registry_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    engine.dispose()
    file = backup.backup(_file(tmp_path, engine_name), registry_url).path
    with pytest.raises(InvalidRecordError, match=r"9999_from_the_future.*newer RectoPlan"):
        backup.restore(file, empty_url)
    assert _tables(empty_url) == {}  # nothing was restored


def _older_revision() -> str:
    """0004 (the last revision every branch shares) when the code is beyond it, else the
    revision before the newest."""
    head = head_revision()
    if head != "0004":
        return "0004"
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_revision(head).down_revision


def test_an_older_backup_is_restored_then_upgraded_with_its_rows_kept(
    filled, empty_url, tmp_path, engine_name
):
    older = _older_revision()
    command.downgrade(alembic_config(filled), older)
    assert current_revision(make_engine(filled)) == older
    source = _tables(filled)
    file = backup.backup(_file(tmp_path, engine_name), filled).path

    restored = backup.restore(file, empty_url)
    assert (restored.backup_revision, restored.revision) == (older, head_revision())
    assert restored.upgraded
    assert current_revision(make_engine(empty_url)) == head_revision()
    source.pop("alembic_version")
    columns = {name: table["columns"] for name, table in source.items()}
    assert _tables(empty_url, columns) == source  # every old row, every old column, kept
    assert set(models.Base.metadata.tables) <= set(_tables(empty_url))


def test_a_sqlite_backup_taken_while_another_connection_writes_is_consistent(
    tmp_path, cohort, sqlite_template
):
    path = tmp_path / "live.sqlite3"
    path.write_bytes(Path(sqlite_template).read_bytes())
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    factory = session_factory(engine)
    records = cohort(400, seed=11)
    written: list[int] = []
    failures: list[BaseException] = []
    stop = threading.Event()

    def writer() -> None:
        try:
            for index, record in enumerate(records):
                if stop.is_set():
                    return
                with transaction(factory, "writer") as session:  # patient, episode,
                    import_records(session, [(index + 1, record)])  # assessment, audit rows
                written.append(index)
        except BaseException as exc:  # reported by the test
            failures.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 5 and thread.is_alive():
            threading.Event().wait(0.02)
        copies = []
        for number in range(3):  # several backups, each in the middle of the writes
            copies.append(backup.backup(tmp_path / f"live-{number}.sqlite3", url).path)
            threading.Event().wait(0.05)
        at_last_backup = len(written)
        while len(written) < at_last_backup + 3 and thread.is_alive():
            threading.Event().wait(0.02)
    finally:
        stop.set()
        thread.join()
        engine.dispose()
    assert not failures, failures  # the writer was never refused while backups ran
    assert len(written) >= at_last_backup + 3  # ... and went on writing after them

    for file in copies:
        with sqlite3.connect(file) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert db.execute("PRAGMA foreign_key_check").fetchall() == []
            episodes_n = db.execute("SELECT count(*) FROM episodes").fetchone()[0]
            assert 5 <= episodes_n <= len(written)
            # each write was one transaction: the copy holds all of it or none of it (a
            # snapshot per episode, two when its decision predates its recurrence)
            snapshots = db.execute(
                "SELECT e.case_id, count(*) FROM assessments a JOIN episodes e "
                "ON a.episode_id = e.id GROUP BY e.case_id"
            ).fetchall()
            assert len(snapshots) == episodes_n
            for case_id, count in snapshots:
                assert count == _snapshots_of(records, case_id), case_id
            audited = db.execute(
                "SELECT count(DISTINCT entity_id) FROM audit_log WHERE entity = 'episodes'"
            ).fetchone()[0]
            assert audited == episodes_n


# -- the commands ---------------------------------------------------------------------------

runner = CliRunner()


def test_the_commands_back_up_restore_and_refuse_clearly(
    filled, empty_url, registry_url_2, tmp_path, engine_name
):
    file = _file(tmp_path, engine_name)
    made = runner.invoke(app, ["registry", "backup", str(file), "--db", filled])
    assert made.exit_code == 0, made.output
    assert f"(schema {head_revision()})" in made.output and file.is_file()

    again = runner.invoke(app, ["registry", "backup", str(file), "--db", filled])
    assert again.exit_code == 2 and "already exists" in again.output

    done = runner.invoke(app, ["registry", "restore", str(file), "--db", empty_url])
    assert done.exit_code == 0, done.output
    assert f"restored {file}" in done.output

    refused = runner.invoke(app, ["registry", "restore", str(file), "--db", registry_url_2])
    assert refused.exit_code == 2, refused.output
    assert "--db" in refused.output and "not empty" in refused.output
    assert "Traceback" not in refused.output

    junk = tmp_path / "notes.txt"
    junk.write_text("not a backup")
    bad = runner.invoke(app, ["registry", "restore", str(junk), "--db", registry_url_2])
    assert bad.exit_code == 2 and "FILE: " in bad.output and "not a RectoPlan backup" in bad.output
