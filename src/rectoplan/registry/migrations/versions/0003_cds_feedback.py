"""Feedback on CDS Hooks cards: accepted, or overridden with a coded reason.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "cds_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("received_at", TIMESTAMP, nullable=False),
        sa.Column("card", sa.String(64), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(
                "accepted",
                "overridden",
                name="card_outcome",
                native_enum=False,
                create_constraint=True,
                length=10,
            ),
            nullable=False,
        ),
        sa.Column("outcome_at", TIMESTAMP, nullable=False),
        sa.Column("accepted_suggestions", JSON, nullable=False),
        sa.Column("reason_code", sa.String(64), nullable=True),
        sa.Column("reason_display", sa.String(200), nullable=True),
        sa.Column("user_comment", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cds_feedback")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_cds_feedback_card"), "cds_feedback", ["card"])


def downgrade() -> None:
    op.drop_table("cds_feedback")
