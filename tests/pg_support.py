"""The PostgreSQL test server as the registry and web tests use it: uniquely named databases
(one per test, created from a migrated template), so pytest-xdist workers never share one.

A uniquely named module (not ``conftest``) so conftests can import it unambiguously.
"""

from __future__ import annotations

import os
import uuid

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")


def _text(url: URL) -> str:
    return url.render_as_string(hide_password=False)


class PostgresServer:
    """Creates and drops uniquely named databases on the test server."""

    def __init__(self, url: URL) -> None:
        self.url = url
        self.admin = create_engine(
            url.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool
        )

    def create(self, template: str | None = None) -> str:
        name = f"rp_{WORKER}_{uuid.uuid4().hex[:12]}"
        clause = f" TEMPLATE {template}" if template else ""
        with self.admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}{clause}"))
        return name

    def drop(self, name: str) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))

    def url_of(self, name: str) -> str:
        return _text(self.url.set(database=name))
