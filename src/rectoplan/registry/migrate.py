"""Schema migrations, run from code: ``upgrade_to_head(url)`` is what ``registry init`` does.

Alembic is configured programmatically (the scripts ship inside the package), so an installed
RectoPlan can create or upgrade a registry without an alembic.ini in the working directory.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from rectoplan.registry.db import database_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Config:
    """An Alembic config for the registry at ``url`` (or on an open ``connection``)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["url"] = database_url(url)
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest migration shipped with this version of RectoPlan."""
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at; None for an empty (uninitialised) database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade_to_head(url: str | None = None) -> str:
    """Create or upgrade the registry at ``url`` to the newest schema; returns the revision."""
    command.upgrade(alembic_config(url), "head")
    return head_revision()


def check(url: str | None = None) -> None:
    """Raise if the ORM models and the migrated schema differ (``alembic check``)."""
    command.check(alembic_config(url))
