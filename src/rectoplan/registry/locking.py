"""Optimistic locking for the service layer: name the version you read, or be refused.

Two checks guard an update. Loading refuses at once when the caller's ``expected_version`` is
not the version in the database (the caller read an older copy). The flush then writes
``UPDATE ... SET version = expected + 1 WHERE id = ? AND version = expected``, so a writer that
raced past the first check in another transaction matches no row; SQLAlchemy's StaleDataError
becomes `StaleWriteError`. Either way nothing of the refused transaction is written.

**Every save writes that UPDATE, also a save that changes nothing.** SQLAlchemy's own
versioning skips a row whose columns did not change, so a save that only adds child rows (a
case saved unchanged still adds an assessment) or that changes nothing at all would pass
without the second check: two saves at one version could then both succeed, and a snapshot
computed from the old case could land after another writer's new case. The version counts
saves, not changes: a save at version ``v`` consumes ``v`` whatever it changed, so of any
writers at one version exactly one succeeds, and the others are told to read again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from rectoplan.errors import NotFoundError, StaleWriteError
from rectoplan.registry.models import Base

M = TypeVar("M", bound=Base)


def get(session: Session, model: type[M], entity_id: int) -> M:
    """The row, or `NotFoundError`."""
    obj = session.get(model, entity_id)
    if obj is None:
        raise NotFoundError(model.__tablename__, entity_id)
    return obj


def lock(session: Session, model: type[M], entity_id: int) -> M:
    """The row as the database holds it now, locked until the transaction ends where the
    database can (PostgreSQL: ``SELECT ... FOR UPDATE``; SQLite writes one at a time anyway).

    For a write that does not depend on a version its caller read, such as a follow-up event
    or complication appended through the API: concurrent appenders to one episode then wait
    for each other instead of all but one failing on the episode's version."""
    table = model.__table__
    locked = select(table.c.id).where(table.c.id == entity_id).with_for_update()
    if session.execute(locked).first() is None:
        raise NotFoundError(model.__tablename__, entity_id)
    obj = session.get(model, entity_id)
    assert obj is not None
    session.refresh(obj)  # what the row holds now, whatever this session read before
    return obj


def load_for_update(session: Session, model: type[M], entity_id: int, expected_version: int) -> M:
    """The row as the database holds it now, if it is still at ``expected_version``."""
    obj = session.get(model, entity_id, populate_existing=True)
    if obj is None:
        raise NotFoundError(model.__tablename__, entity_id)
    if obj.version != expected_version:  # type: ignore[attr-defined]
        actual = obj.version  # type: ignore[attr-defined]
        raise StaleWriteError(model.__tablename__, entity_id, expected_version, actual)
    return obj


@contextmanager
def updating(
    session: Session, model: type[M], entity_id: int, expected_version: int
) -> Iterator[M]:
    """``with updating(session, Episode, 7, expected_version=3) as episode:`` change it; the
    change is flushed at the end of the block, where a lost race becomes `StaleWriteError`.

    Autoflush is off inside the block: a lazy load there would otherwise flush the change
    early, outside this guard.
    """
    obj = load_for_update(session, model, entity_id, expected_version)
    with session.no_autoflush:
        yield obj
        if obj not in session.deleted:
            # the explicit check: an UPDATE ... WHERE version = expected even if nothing else
            # changed (SQLAlchemy uses a version it is given, and still checks the old one)
            obj.version = expected_version + 1  # type: ignore[attr-defined]
    try:
        session.flush()
    except StaleDataError:
        # the failed flush rolled the transaction back; ask the database on a new connection
        table = obj.__table__
        with session.get_bind().connect() as connection:
            actual = connection.scalar(select(table.c.version).where(table.c.id == entity_id))
        raise StaleWriteError(table.name, entity_id, expected_version, actual) from None
