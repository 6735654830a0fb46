"""Alembic environment for the registry, configured from code (`rectoplan.registry.migrate`).

There is no alembic.ini: the URL (or an open connection) arrives in ``config.attributes``.
SQLite cannot ALTER most things in place, so its migrations run in batch mode (copy and move).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import pool

from rectoplan.registry import cds_feedback, users  # noqa: F401  (their tables are in the schema)
from rectoplan.registry.db import make_engine
from rectoplan.registry.models import Base

config = context.config


def _configure(**kwargs) -> None:
    context.configure(target_metadata=Base.metadata, compare_type=True, **kwargs)


def run_offline() -> None:
    url = config.attributes["url"]
    _configure(url=url, literal_binds=True, render_as_batch=url.startswith("sqlite"))
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_on(connection)
        return
    engine = make_engine(config.attributes["url"], poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            _run_on(connection)
    finally:
        engine.dispose()


def _run_on(connection) -> None:
    _configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()
    if connection.in_transaction():
        connection.commit()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
