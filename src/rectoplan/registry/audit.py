"""The audit trail: every insert, update and delete, with who, when, and the row before and after.

Changes made through the ORM are audited by session flush hooks rather than by each service
function, so such a change cannot reach the database without its audit row: the hooks see
every object a flush writes and add the audit rows on the same connection, inside the same
transaction, so a rolled-back change leaves no audit row and a committed one always has one.
The bulk import writes its rows with multi-row INSERTs outside the unit of work (for speed)
and audits them itself with `record_inserts`; both paths build the row image with
`row_snapshot`. A session must say who is writing (`set_actor`) before it can change anything.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import Table, event, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from rectoplan.errors import RectoPlanError
from rectoplan.registry.enums import AuditAction
from rectoplan.registry.models import AuditLog
from rectoplan.registry.types import utcnow

_ACTOR = "rectoplan.actor"
_PENDING = "rectoplan.audit_pending"


def set_actor(session: Session, actor: str) -> None:
    """Name who the session's changes are attributed to (a user name or a process)."""
    actor = (actor or "").strip()
    if not actor:
        raise RectoPlanError("an actor (who is making the change) is required")
    session.info[_ACTOR] = actor[:100]


def install(factory: sessionmaker[Session]) -> None:
    """Audit every flush of sessions made by ``factory``."""
    if not event.contains(factory, "before_flush", _before_flush):
        event.listen(factory, "before_flush", _before_flush)
        event.listen(factory, "after_flush", _after_flush)


def jsonable(value: Any) -> Any:
    """A column value as JSON: dates and times as ISO 8601 text, enums as their value."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def row_snapshot(table: Table, values: Mapping[str, Any]) -> dict[str, Any]:
    """Every column of ``table`` from ``values``, as JSON (the audit's before/after)."""
    return {column.name: jsonable(values.get(column.name)) for column in table.columns}


def snapshot(obj: object) -> dict[str, Any]:
    """Every column of a mapped object, as JSON, from what the session holds."""
    return row_snapshot(obj.__table__, inspect(obj).dict)  # type: ignore[attr-defined]


def entry(
    actor: str, action: AuditAction, table: Table, before: dict | None, after: dict | None
) -> dict[str, Any]:
    """One audit row."""
    return {
        "at": utcnow(),
        "actor": actor,
        "entity": table.name,
        "entity_id": (after or before or {})["id"],
        "action": action,
        "before": before,
        "after": after,
    }


def write(session: Session, entries: list[dict[str, Any]]) -> None:
    """Append audit rows on the session's connection (inside its transaction)."""
    if entries:
        session.connection().execute(AuditLog.__table__.insert(), entries)


def record_inserts(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Audit rows written in bulk (not through the ORM), each with its new id."""
    actor = actor_of(session)
    write(
        session,
        [entry(actor, AuditAction.insert, table, None, row_snapshot(table, row)) for row in rows],
    )


def actor_of(session: Session) -> str:
    actor = session.info.get(_ACTOR)
    if not actor:
        raise RectoPlanError("refusing an unattributed change: call audit.set_actor first")
    return actor


def _committed(obj: object) -> dict[str, Any]:
    """The row as last read from (or written to) the database, before pending changes."""
    state = inspect(obj)
    values = snapshot(obj)
    for attr in state.mapper.column_attrs:
        deleted = state.attrs[attr.key].history.deleted
        if deleted:
            values[attr.key] = jsonable(deleted[0])
    return values


def _audited(obj: object) -> bool:
    return not isinstance(obj, AuditLog)


def _before_flush(session: Session, _context, _instances) -> None:
    pending: list[tuple[AuditAction, object, dict | None]] = []
    pending += [(AuditAction.insert, obj, None) for obj in session.new if _audited(obj)]
    pending += [
        (AuditAction.update, obj, _committed(obj))
        for obj in session.dirty
        if _audited(obj) and session.is_modified(obj, include_collections=False)
    ]
    pending += [
        (AuditAction.delete, obj, _committed(obj)) for obj in session.deleted if _audited(obj)
    ]
    if pending:
        actor_of(session)
    session.info[_PENDING] = pending


def _after_flush(session: Session, _context) -> None:
    pending = session.info.pop(_PENDING, [])
    actor = session.info.get(_ACTOR, "")
    entries = []
    for action, obj, before in pending:
        after = None if action is AuditAction.delete else snapshot(obj)
        entries.append(entry(actor, action, obj.__table__, before, after))
    write(session, entries)


def history(session: Session, entity: str, entity_id: int) -> list[AuditLog]:
    """The audit rows of one record, oldest first."""
    query = (
        select(AuditLog)
        .where(AuditLog.entity == entity, AuditLog.entity_id == entity_id)
        .order_by(AuditLog.id)
    )
    return list(session.scalars(query))
