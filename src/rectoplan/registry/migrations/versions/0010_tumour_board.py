"""The tumour board: meeting logistics, attendance by user, per-case minutes, actions, sign-off.

A meeting gains its start time, place or video link, chair, the specialties its quorum needs,
when it started (decisions are taken only at a meeting in progress or held), and the minutes'
sign-off (who, when, and a version that each amendment after sign-off raises). Attendance of
registry users is its own table (their specialty counts towards the quorum; the chair is a user
name, like ``added_by``); the free-text ``attendees`` stay for guests and for meetings recorded
before. An agenda item gains the case's clinical question, referrer, and the minutes' rationale
and dissent; actions have an owner. A decision taken outside a meeting keeps its urgency
reason. Column types are spelled out here rather than imported from the models, as in the
earlier migrations.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    # Not batch mode for the meetings: SQLite's copy-and-move would drop a table that agenda
    # items and decisions reference. Plain ADD COLUMN keeps the rows where they are.
    for column in (
        sa.Column("starts_at", sa.Time(), nullable=True),
        sa.Column("place", sa.String(200), nullable=True),
        sa.Column("video_link", sa.String(500), nullable=True),
        sa.Column("chair", sa.String(100), nullable=True),
        sa.Column("expected_specialties", JSON, nullable=False, server_default="[]"),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signed_off_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signed_off_by", sa.String(100), nullable=True),
        sa.Column("minutes_version", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_amendment", sa.Text(), nullable=True),
    ):
        op.add_column("mdt_meetings", column)
    op.add_column("mdt_agenda_items", sa.Column("clinical_question", sa.Text(), nullable=True))
    op.add_column("mdt_agenda_items", sa.Column("referrer", sa.String(200), nullable=True))
    op.add_column("mdt_agenda_items", sa.Column("rationale", sa.Text(), nullable=True))
    op.add_column("mdt_agenda_items", sa.Column("dissent", sa.Text(), nullable=True))
    op.add_column("mdt_decisions", sa.Column("urgency_reason", sa.Text(), nullable=True))
    op.create_table(
        "mdt_attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mdt_attendance")),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["mdt_meetings.id"],
            name=op.f("fk_mdt_attendance_meeting_id_mdt_meetings"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_mdt_attendance_user_id_users")
        ),
        sa.UniqueConstraint(
            "meeting_id", "user_id", name=op.f("uq_mdt_attendance_meeting_id_user_id")
        ),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_mdt_attendance_meeting_id"), "mdt_attendance", ["meeting_id"])
    op.create_table(
        "mdt_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mdt_actions")),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["mdt_meetings.id"], name=op.f("fk_mdt_actions_meeting_id_mdt_meetings")
        ),
        sa.ForeignKeyConstraint(
            ["episode_id"], ["episodes.id"], name=op.f("fk_mdt_actions_episode_id_episodes")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_mdt_actions_owner_id_users")
        ),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_mdt_actions_meeting_id"), "mdt_actions", ["meeting_id"])
    op.create_index(op.f("ix_mdt_actions_episode_id"), "mdt_actions", ["episode_id"])


def _drop(table: str, *columns: str) -> None:
    """Drop plain columns in place (SQLite 3.35+ can): a batch copy of the meetings would
    drop a table that agenda items and decisions reference."""
    for column in columns:
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        else:
            op.drop_column(table, column)


def downgrade() -> None:
    op.drop_table("mdt_actions")
    op.drop_table("mdt_attendance")
    _drop("mdt_decisions", "urgency_reason")
    _drop("mdt_agenda_items", "dissent", "rationale", "referrer", "clinical_question")
    _drop(
        "mdt_meetings",
        "last_amendment",
        "minutes_version",
        "signed_off_by",
        "signed_off_at",
        "started_at",
        "expected_specialties",
        "chair",
        "video_link",
        "place",
        "starts_at",
    )
