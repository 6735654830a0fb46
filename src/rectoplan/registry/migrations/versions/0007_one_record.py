"""One record: fold the outcome tables into the case documents, then rebuild them from the cases.

Before this revision an episode's facts had two homes: what the case form wrote into the case
document (``episodes.case_json``) and what the REST API and imports wrote into
``treatments``, ``complications`` and ``follow_up_events``. From now on the case is the record
and the tables are its projection (docs/architecture.md). This migration moves every table row
into its home in the case with the one translation the service layer uses
(`rectoplan.registry.case_facts`), then saves each changed case through the one save
(`rectoplan.registry.saving.save_case`: a new assessment snapshot, the tables rebuilt, every
change in the audit log under the actor ``migration 0007``):

* a duplicate (an operation in both places of the same type and day, an event of the same kind
  and day ...) is one fact; what only one of them gave is kept;
* a genuine conflict (the same operation with another approach in the table) keeps both facts
  where the case has room for two, or the case's where it has room for one, and is listed;
* a row the case model cannot hold (a radiotherapy course without its dose, a course that
  would end after the operation) is listed with its full content and stays in the audit log
  as the row deleted by this migration.

Everything listed is printed (the migration's output) and logged. Downgrading keeps the folded
cases: the schema did not change, and the tables stay a valid projection.

The tables are declared here as they stood at this revision (`_TABLES`) and written with plain
SQL statements, so a later change to the ORM models cannot change what this migration reads or
writes (a column added by 0008 or later is not there yet when it runs). The save is the
service layer's, spelled out on those tables: the case under its version, a new assessment
snapshot, the tables rebuilt to the case's projection (rows matched as
`rectoplan.registry.projections.pair` matches them, so a duplicate keeps its id), and an audit
row for every change. What the case *says* is still computed by the clinical code (the case
model, the folding of rows into it, the engine), which is what the one record is about.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
from collections.abc import Sequence
from enum import Enum
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIMESTAMP = sa.DateTime(timezone=True)
_META = sa.MetaData()


def _table(name: str, *columns: sa.Column) -> sa.Table:
    return sa.Table(name, _META, sa.Column("id", sa.Integer, primary_key=True), *columns)


_TABLES = {
    "episodes": _table(
        "episodes",
        sa.Column("case_id", sa.String(64)),
        sa.Column("case_json", JSON),
        sa.Column("diagnosis_date", sa.Date),
        sa.Column("version", sa.Integer),
    ),
    "assessments": _table(
        "assessments",
        sa.Column("episode_id", sa.Integer),
        sa.Column("engine_version", sa.String(32)),
        sa.Column("created_at", TIMESTAMP),
        sa.Column("assessment_json", JSON),
        sa.Column("preferred_ids", JSON),
    ),
    "treatments": _table(
        "treatments",
        sa.Column("episode_id", sa.Integer),
        sa.Column("kind", sa.String(16)),
        sa.Column("started_on", sa.Date),
        sa.Column("ended_on", sa.Date),
        sa.Column("operation_type", sa.String(16)),
        sa.Column("approach", sa.String(16)),
        sa.Column("sacrectomy_level", sa.String(8)),
        sa.Column("procedure", sa.String(24)),
        sa.Column("balloon_mm", sa.Float),
        sa.Column("magnet_spec", JSON),
        sa.Column("discharge_day", sa.Integer),
        sa.Column("details", JSON),
        sa.Column("version", sa.Integer),
    ),
    "complications": _table(
        "complications",
        sa.Column("episode_id", sa.Integer),
        sa.Column("treatment_id", sa.Integer),
        sa.Column("clavien_dindo", sa.String(8)),
        sa.Column("description", sa.String(200)),
        sa.Column("occurred_on", sa.Date),
        sa.Column("version", sa.Integer),
    ),
    "follow_up_events": _table(
        "follow_up_events",
        sa.Column("episode_id", sa.Integer),
        sa.Column("kind", sa.String(24)),
        sa.Column("occurred_on", sa.Date),
        sa.Column("details", JSON),
        sa.Column("version", sa.Integer),
    ),
    "pathology_reports": _table(
        "pathology_reports",
        sa.Column("episode_id", sa.Integer),
        sa.Column("treatment_id", sa.Integer),
        sa.Column("report_json", JSON),
        sa.Column("r_status", sa.String(2)),
        sa.Column("version", sa.Integer),
    ),
    "audit_log": _table(
        "audit_log",
        sa.Column("at", TIMESTAMP),
        sa.Column("actor", sa.String(100)),
        sa.Column("entity", sa.String(40)),
        sa.Column("entity_id", sa.Integer),
        sa.Column("action", sa.String(8)),
        sa.Column("before", JSON),
        sa.Column("after", JSON),
    ),
}
"""The tables this migration reads and writes, with the columns they had at revision 0006."""

TREATMENT_COLUMNS = (
    "kind",
    "started_on",
    "ended_on",
    "operation_type",
    "approach",
    "sacrectomy_level",
    "procedure",
    "balloon_mm",
    "magnet_spec",
    "discharge_day",
    "details",
)
_GROUPS = {"complications": "complication", "pathology_reports": "pathology"}

ACTOR = "migration 0007"
log = logging.getLogger("alembic.runtime.migration")


def _report(line: str) -> None:
    print(f"0007 one record: {line}")
    log.warning("0007 one record: %s", line)


def _jsonable(value: Any) -> Any:
    """A column value as JSON (the import records' and the audit's form)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return value


def _group(row: Any) -> str:
    """The group a stored row is matched within (`projections.pair`): its kind, or its table."""
    return _GROUPS.get(row.table_name) or str(row.kind)


def _record_of(episode: Any) -> dict[str, Any]:
    """The episode's table rows as import-record lists (treatments, complications, events)."""
    treatments = sorted(episode.treatments, key=lambda t: t.id)
    index = {t.id: i for i, t in enumerate(treatments)}
    return {
        "treatments": [
            (
                t.id,
                {
                    k: _jsonable(getattr(t, k))
                    for k in TREATMENT_COLUMNS
                    if getattr(t, k) not in (None, {})
                },
            )
            for t in treatments
        ],
        "complications": [
            (
                c.id,
                {
                    "clavien_dindo": c.clavien_dindo,
                    "description": c.description,
                    "occurred_on": _jsonable(c.occurred_on),
                    "treatment": index.get(c.treatment_id),
                },
            )
            for c in sorted(episode.complications, key=lambda c: c.id)
        ],
        "events": [
            (
                e.id,
                {
                    "kind": _jsonable(e.kind),
                    "occurred_on": _jsonable(e.occurred_on),
                    **({"details": e.details} if e.details else {}),
                },
            )
            for e in sorted(episode.events, key=lambda e: e.id)
        ],
    }


def _already_in(case: Any, episode: Any) -> dict[Any, Any]:
    """Rows that say exactly what the case already says (its own projection, as in a registry
    written by a version that kept them in step): nothing to fold. Treatment row id -> its
    slot in the case; ``("complication", id)`` and ``("event", id)`` keys for the others."""
    from rectoplan.registry.projections import equal_rows, projection

    own = projection(case)
    known: dict[Any, Any] = {}
    stored = equal_rows(list(episode.treatments), own.treatments, _group)
    for want, row in zip(own.treatments, stored, strict=True):
        if row is not None:
            known[row.id] = want.slot
    for name, wanted, stored in (
        ("complication", own.complications, episode.complications),
        ("event", own.events, episode.events),
    ):
        for row in equal_rows(list(stored), wanted, _group):
            if row is not None:
                known[(name, row.id)] = True
    return known


def fold_episode(episode: Any) -> tuple[Any, list[str]]:
    """The episode's case with its table rows folded in, and what to report."""
    from pydantic import ValidationError

    from rectoplan.errors import InvalidRecordError
    from rectoplan.registry.case_facts import Folding, validate_case
    from rectoplan.registry.schemas import ComplicationIn, EventIn, TreatmentIn

    case = validate_case(episode.case_json)
    folding = Folding.of(case, keep=True)
    notes: list[str] = []
    known = _already_in(case, episode)
    slots: dict[int, Any] = {}
    rows = _record_of(episode)

    def attempt(table: str, row_id: int, values: dict[str, Any], add: Any) -> Any:
        saved = copy.deepcopy(folding.data), len(folding.conflicts)
        try:
            slot = add()
            folding.case()
        except (InvalidRecordError, ValidationError) as exc:
            folding.data = saved[0]
            del folding.conflicts[saved[1] :]
            reason = exc.errors[0] if isinstance(exc, InvalidRecordError) else exc
            notes.append(
                f"{table} row {row_id} {values} cannot be part of the case ({reason}); "
                "it stays in the audit log"
            )
            return None
        notes.extend(f"{table} row {row_id}: {c}" for c in folding.conflicts[saved[1] :])
        return slot

    for i, (row_id, values) in enumerate(rows["treatments"]):
        if row_id in known:
            slots[i] = known[row_id]
            continue
        slots[i] = attempt(
            "treatments",
            row_id,
            values,
            lambda v=values: folding.add_treatment(TreatmentIn.model_validate(v)),
        )
    for row_id, values in rows["complications"]:
        if ("complication", row_id) in known:
            continue
        link = slots.get(values["treatment"]) if values["treatment"] is not None else None
        data = {k: v for k, v in values.items() if k != "treatment"}
        attempt(
            "complications",
            row_id,
            values,
            lambda d=data, k=link: folding.add_complication(ComplicationIn.model_validate(d), k),
        )
    for row_id, values in rows["events"]:
        if ("event", row_id) in known:
            continue
        attempt(
            "follow_up_events",
            row_id,
            values,
            lambda v=values: folding.add_event(EventIn.model_validate(v)),
        )
    return folding.case(), notes


def _in_step(case: Any, episode: Any) -> bool:
    """The tables already are the case's projection (nothing to save or rebuild)."""
    from rectoplan.registry.projections import equal_rows, projection

    own = projection(case)
    for wanted, stored in (
        (own.treatments, episode.treatments),
        (own.complications, episode.complications),
        (own.events, episode.events),
    ):
        if len(wanted) != len(stored) or None in equal_rows(list(stored), wanted, _group):
            return False
    return True


# --- reading and writing the frozen tables ------------------------------------------------------

_OWNED = (
    ("treatments", "treatments"),
    ("complications", "complications"),
    ("events", "follow_up_events"),
    ("pathology_reports", "pathology_reports"),
)
"""The episode's rows: (attribute of the loaded episode, table)."""


def _load(connection: sa.Connection, episode_id: int) -> SimpleNamespace:
    """The episode's row with its table rows (oldest first) as plain attribute objects."""
    episodes = _TABLES["episodes"]
    row = connection.execute(sa.select(episodes).where(episodes.c.id == episode_id)).one()
    episode = SimpleNamespace(**row._mapping)
    for attribute, name in _OWNED:
        table = _TABLES[name]
        query = sa.select(table).where(table.c.episode_id == episode_id).order_by(table.c.id)
        rows = connection.execute(query).mappings()
        setattr(episode, attribute, [SimpleNamespace(table_name=name, **r) for r in rows])
    return episode


def _snapshot(table: sa.Table, values: dict[str, Any]) -> dict[str, Any]:
    return {column.name: _jsonable(values.get(column.name)) for column in table.columns}


def _audit(connection, action: str, table: sa.Table, before: dict | None, after: dict | None):
    connection.execute(
        _TABLES["audit_log"]
        .insert()
        .values(
            at=dt.datetime.now(dt.UTC),
            actor=ACTOR,
            entity=table.name,
            entity_id=(after or before or {})["id"],
            action=action,
            before=before,
            after=after,
        )
    )


def _insert(connection, table: sa.Table, values: dict[str, Any]) -> int:
    new_id = connection.execute(table.insert().values(**values)).inserted_primary_key[0]
    _audit(connection, "insert", table, None, _snapshot(table, {**values, "id": new_id}))
    return new_id


def _update(connection, table: sa.Table, row: Any, changes: dict[str, Any]) -> None:
    """Change a row under its version (a concurrent writer would leave no row to match)."""
    query = table.update().where(table.c.id == row.id, table.c.version == row.version)
    done = connection.execute(query.values(**changes, version=row.version + 1))
    if done.rowcount != 1:
        raise RuntimeError(f"{table.name} row {row.id} changed while migration 0007 ran")
    before = vars(row)
    after = {**before, **changes, "version": row.version + 1}
    _audit(connection, "update", table, _snapshot(table, before), _snapshot(table, after))


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _apply(connection, episode, name: str, wanted: list, links: dict | None):
    """Update matched rows, insert missing ones; returns slot -> row id and the rows to drop
    (as `projections.sync` does with the ORM)."""
    from rectoplan.registry.projections import pair

    table = _TABLES[name]
    existing = getattr(episode, next(a for a, n in _OWNED if n == name))
    matched, surplus = pair(sorted(existing, key=lambda r: r.id), wanted, _group)
    ids = {}
    for want, row in zip(wanted, matched, strict=True):
        values = {k: _plain(v) for k, v in want.values.items()}
        if links is not None:
            values["treatment_id"] = links.get(want.link) if want.link else None
        if row is None:
            ids[want.slot] = _insert(
                connection, table, {**values, "episode_id": episode.id, "version": 1}
            )
            continue
        changes = {k: v for k, v in values.items() if getattr(row, k) != v}
        if changes:
            _update(connection, table, row, changes)
        ids[want.slot] = row.id
    return ids, surplus


def _save(connection: sa.Connection, episode: SimpleNamespace, case: Any) -> None:
    """The service layer's save of a case (`rectoplan.registry.saving.save_case`) on the
    frozen tables: the case under the episode's version with a new assessment snapshot if it
    changed, then the tables made the case's projection; every change audited."""
    from rectoplan.registry.projections import projection
    from rectoplan.registry.records import assessment_values, canonical_assessment

    assessment = canonical_assessment(case)
    stored = case.model_dump(mode="json")
    if stored != episode.case_json:
        changes = {"case_json": stored, "diagnosis_date": case.diagnosis_date}
        _update(connection, _TABLES["episodes"], episode, changes)
        snapshot = assessment_values(assessment)
        columns = ("engine_version", "created_at", "assessment_json", "preferred_ids")
        values = {k: snapshot[k] for k in columns}
        _insert(connection, _TABLES["assessments"], {**values, "episode_id": episode.id})
    wanted = projection(case, assessment)
    treatment_ids, old_treatments = _apply(
        connection, episode, "treatments", wanted.treatments, None
    )
    drop = []
    for name, rows, links in (
        ("complications", wanted.complications, treatment_ids),
        ("pathology_reports", wanted.pathology, treatment_ids),
        ("follow_up_events", wanted.events, None),
    ):
        drop += _apply(connection, episode, name, rows, links)[1]
    for row in [*drop, *old_treatments]:  # treatments last: the others refer to them
        table = _TABLES[row.table_name]
        connection.execute(table.delete().where(table.c.id == row.id))
        _audit(connection, "delete", table, _snapshot(table, vars(row)), None)


def upgrade() -> None:
    connection = op.get_bind()
    episodes = _TABLES["episodes"]
    folded = 0
    ids = connection.scalars(sa.select(episodes.c.id).order_by(episodes.c.id)).all()
    for episode_id in ids:
        episode = _load(connection, episode_id)
        case, notes = fold_episode(episode)
        for note in notes:
            _report(f"episode {episode.case_id}: {note}")
        if case.model_dump(mode="json") != episode.case_json or not _in_step(case, episode):
            _save(connection, episode, case)
            folded += 1
    _report(f"{folded} episode(s) changed; every episode now holds every fact in its case")


def downgrade() -> None:
    """Nothing to undo in the schema; the folded cases stay (their tables are projections)."""
