"""Migration 0007 folds a registry's two records of an episode into one, on both engines.

The registry is built at schema 0004 with alembic and filled with SQL the way the old code
wrote it: the case document says one thing, the outcome tables another. After the upgrade the
case must hold every fact once (duplicates merged), a genuine conflict must be kept and listed
in the migration's output, and the tables must be the case's projection with the duplicate's
row id kept.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
from pathlib import Path

from alembic import command
from sqlalchemy import MetaData, func, insert, select

from rectoplan.registry.db import make_engine
from rectoplan.registry.migrate import alembic_config, upgrade_to_head

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "cases"
MIGRATIONS = Path(__file__).resolve().parents[2] / "src/rectoplan/registry/migrations/versions"


def _rows(connection, metadata, name):
    return connection.execute(select(metadata.tables[name])).mappings().all()


def test_0007_folds_the_tables_into_the_case(empty_url, capsys):
    command.upgrade(alembic_config(empty_url), "0004")
    case = json.loads((EXAMPLES / "seed001_2_restaging.json").read_text())
    case["case_id"] = "both-homes"
    restaged = dt.date.fromisoformat(case["restaging"]["date"])
    day = (restaged + dt.timedelta(days=20)).isoformat()
    # the case form recorded a laparoscopic LAR and an ileus on the same day
    case["operations"] = [{"type": "lar", "date": day, "approach": "laparoscopic"}]
    case["complications"] = [{"description": "ileus", "clavien_dindo": "I", "date": day}]
    engine = make_engine(empty_url)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        t = metadata.tables
        with engine.begin() as connection:
            patient = connection.execute(
                insert(t["patients"]).values(pseudonym="P", sex="male", birth_year=1969, version=1)
            ).inserted_primary_key[0]
            episode = connection.execute(
                insert(t["episodes"]).values(
                    patient_id=patient,
                    case_id=case["case_id"],
                    case_json=case,
                    diagnosis_date=dt.date.fromisoformat(case["diagnosis_date"]),
                    status="active",
                    version=1,
                )
            ).inserted_primary_key[0]
            treatment = t["treatments"]
            rows = [  # the API recorded the same LAR, and the same LAR again as an open one
                {"operation_type": "lar", "approach": "laparoscopic", "discharge_day": 7},
                {"operation_type": "lar", "approach": "open"},
            ]
            ids = [
                connection.execute(
                    insert(treatment).values(
                        episode_id=episode,
                        kind="operation",
                        started_on=dt.date.fromisoformat(day),
                        details={},
                        version=1,
                        **row,
                    )
                ).inserted_primary_key[0]
                for row in rows
            ]
            connection.execute(
                insert(t["complications"]).values(
                    episode_id=episode,
                    treatment_id=ids[0],
                    clavien_dindo="IIIa",
                    description="pelvic abscess, drained",
                    occurred_on=dt.date.fromisoformat(day) + dt.timedelta(days=5),
                    version=1,
                )
            )
            for kind, when in (("recurrence", "2026-05-01"), ("last_contact", "2026-06-01")):
                connection.execute(
                    insert(t["follow_up_events"]).values(
                        episode_id=episode,
                        kind=kind,
                        occurred_on=dt.date.fromisoformat(when),
                        details={},
                        version=1,
                    )
                )
        capsys.readouterr()
        upgrade_to_head(empty_url)
        output = capsys.readouterr().out

        with engine.connect() as connection:
            (stored,) = _rows(connection, metadata, "episodes")
            folded = stored["case_json"]
            if isinstance(folded, str):
                folded = json.loads(folded)
            treatments = _rows(connection, metadata, "treatments")
            complications = _rows(connection, metadata, "complications")
            events = _rows(connection, metadata, "follow_up_events")
            deleted = connection.scalar(
                select(func.count())
                .select_from(t["audit_log"])
                .where(t["audit_log"].c.action == "delete")
            )
            audit = t["audit_log"]
            by_migration = connection.execute(
                select(audit.c.entity, audit.c.action).where(audit.c.actor == "migration 0007")
            ).all()
    finally:
        engine.dispose()

    # the duplicate LAR is one operation (with the discharge day only the table knew);
    # the open LAR contradicts the case's approach: kept beside it, and listed
    assert [(o["type"], o["approach"], o.get("discharge_day")) for o in folded["operations"]] == [
        ("lar", "laparoscopic", 7),
        ("lar", "open", None),
    ]
    assert "approach" in output and "both kept" in output and f"row {ids[1]}" in output
    # both complications, the abscess linked to the laparoscopic LAR
    assert sorted((c["clavien_dindo"], c.get("operation")) for c in folded["complications"]) == [
        ("I", None),
        ("IIIa", 0),
    ]
    # the recurrence event is the case's recurrence; the last contact a follow-up event
    assert folded["recurrence"]["date"] == "2026-05-01"
    assert [(e["kind"], e["date"]) for e in folded["follow_up"]] == [("last_contact", "2026-06-01")]
    # the tables project the case; the duplicate row keeps its id, nothing was deleted
    assert sorted(r["id"] for r in treatments if str(r["kind"]) == "operation") == ids
    assert {str(r["kind"]) for r in treatments} - {"operation"} == {"radiotherapy"}  # the CRT
    assert len(complications) == 2 and len(events) == 2
    assert {str(e["kind"]) for e in events} == {"recurrence", "last_contact"}
    abscess = next(c for c in complications if c["clavien_dindo"] == "IIIa")
    assert abscess["treatment_id"] == ids[0]
    assert deleted == 0
    # every change the migration made is in the audit log under its name
    assert ("episodes", "update") in by_migration and ("assessments", "insert") in by_migration
    assert ("treatments", "insert") in by_migration  # the CRT, which only the case held


def test_0007_declares_the_tables_it_writes_rather_than_importing_the_models():
    """A migration runs against the schema of its revision; importing the ORM models (or the
    service functions built on them) would make it read and write whatever columns the models
    have when it runs, which a later revision can add or drop."""
    source = (MIGRATIONS / "0007_one_record.py").read_text(encoding="utf-8")
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            imported |= {f"{node.module}.{alias.name}" for alias in node.names} | {node.module}
        elif isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
    model_bound = {
        f"rectoplan.registry.{name}"
        for name in ("models", "saving", "audit", "locking", "episodes", "importing")
    }
    assert imported & model_bound == set()
    assert "sa.Table(" in source or "sa.table(" in source
