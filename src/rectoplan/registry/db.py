"""Where the registry lives and how to open it: engine, sessions and one write transaction.

A single MDT needs no database server, so the default is a SQLite file under ``var/`` in the
working directory; a team points ``RECTOPLAN_DATABASE_URL`` at PostgreSQL. SQLite enforces
foreign keys only when asked per connection, so every connection asks.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from rectoplan.registry import audit

ENV_VAR = "RECTOPLAN_DATABASE_URL"
DEFAULT_PATH = Path("var") / "rectoplan.sqlite3"


def database_url(url: str | None = None) -> str:
    """``url`` if given, else ``$RECTOPLAN_DATABASE_URL``, else the SQLite file
    ``var/rectoplan.sqlite3`` under the current directory (the folder is created)."""
    if url:
        return url
    if os.environ.get(ENV_VAR):
        return os.environ[ENV_VAR]
    path = Path.cwd() / DEFAULT_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def masked(url: str) -> str:
    """The URL with any password replaced by ``***``, for printing."""
    return make_url(url).render_as_string(hide_password=True)


def make_engine(url: str | None = None, **kwargs) -> Engine:
    """An engine for ``database_url(url)``; SQLite connections enforce foreign keys."""
    engine = create_engine(database_url(url), **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose flushes write the audit log (`audit.install`)."""
    factory = sessionmaker(engine, expire_on_commit=False)
    audit.install(factory)
    return factory


@contextmanager
def transaction(factory: sessionmaker[Session], actor: str) -> Iterator[Session]:
    """One unit of work by ``actor``: committed if the block ends normally, rolled back (the
    registry left as it was) if it raises."""
    with factory() as session:
        audit.set_actor(session, actor)
        with session.begin():
            yield session
