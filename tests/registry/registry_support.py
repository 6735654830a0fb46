"""Helpers shared by the registry tests that work below the service layer (migrations)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, text


def insert_user_row(connection: Connection, name: str, role: str = "viewer") -> None:
    """A user row written with plain SQL, as an older schema holds it (no ORM model of that
    schema exists to write it with)."""
    connection.execute(
        text(
            "INSERT INTO users (name, role, active, created_at, password_changed_at, version) "
            "VALUES (:name, :role, :yes, :at, :at, 1)"
        ),
        {"name": name, "role": role, "yes": True, "at": dt.datetime(2026, 12, 1, tzinfo=dt.UTC)},
    )
