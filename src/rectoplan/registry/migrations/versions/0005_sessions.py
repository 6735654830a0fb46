"""Login sessions: one row per login (page cookie or API token), so a session can be ended.

A token or cookie carries the random key of its row (the row id is the key's SHA-256 digest)
and every request checks that the row is live; logout ends one row, and a password change, a
role change or a deactivation ends all of the user's rows (see `rectoplan.registry.logins`).
Rows are written with plain SQL, not audited, like the failed logins of 0002. As in the
earlier migrations, column types are spelled out here rather than imported from the models.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "login_sessions"
TIMESTAMP = sa.DateTime(timezone=True)
KINDS = ("page", "token")
ENDS = ("logout", "password_changed", "role_changed", "deactivated")


def _enum(values: tuple[str, ...], name: str) -> sa.Enum:
    length = max(len(value) for value in values)
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=length)


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", _enum(KINDS, "session_kind"), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.Column("ended_at", TIMESTAMP, nullable=True),
        sa.Column("ended_because", _enum(ENDS, "session_end"), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{TABLE}")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f(f"fk_{TABLE}_user_id_users")),
    )
    op.create_index("ix_login_sessions_user_id_ended_at", TABLE, ["user_id", "ended_at"])


def downgrade() -> None:
    op.drop_table(TABLE)
