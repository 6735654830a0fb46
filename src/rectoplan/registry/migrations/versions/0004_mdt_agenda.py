"""MDT meeting agendas: which cases a meeting discusses, in which order, added by whom.

Agenda items change (they move up and down, and are removed), so like every mutable table
they carry a ``version`` for optimistic locking and are audited by the session's flush hooks
(`rectoplan.registry.audit`); the append-only triggers of the first migration are only for the
audit log and the assessment snapshots. As in the earlier migrations, column types are spelled
out here rather than imported from the models.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "mdt_agenda_items"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("added_by", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{TABLE}")),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["mdt_meetings.id"], name=op.f(f"fk_{TABLE}_meeting_id_mdt_meetings")
        ),
        sa.ForeignKeyConstraint(
            ["episode_id"], ["episodes.id"], name=op.f(f"fk_{TABLE}_episode_id_episodes")
        ),
        sa.UniqueConstraint(
            "meeting_id", "episode_id", name=op.f(f"uq_{TABLE}_meeting_id_episode_id")
        ),
        sa.CheckConstraint("position >= 1", name=op.f(f"ck_{TABLE}_position_from_one")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f(f"ix_{TABLE}_episode_id"), TABLE, ["episode_id"])


def downgrade() -> None:
    op.drop_table(TABLE)
