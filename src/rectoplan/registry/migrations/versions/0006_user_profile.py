"""User profile: a full name (spaces allowed, unlike the login name) and an MDT specialty.

The tumour board needs both: attendance and its quorum count specialties, and minutes,
decisions and the audit show who someone is rather than their login name. Both are optional so
existing accounts stay valid; the specialty is a CHECK-limited string like the other enums.
Batch mode because SQLite cannot add a constrained column in place.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SPECIALTIES = (
    "colorectal_surgeon",
    "medical_oncologist",
    "radiation_oncologist",
    "radiologist",
    "pathologist",
    "gastroenterologist",
    "specialist_nurse",
    "mdt_coordinator",
    "other",
)


def upgrade() -> None:
    specialty = sa.Enum(
        *SPECIALTIES,
        name="user_specialty",
        native_enum=False,
        create_constraint=True,
        length=max(len(value) for value in SPECIALTIES),
    )
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("full_name", sa.String(200), nullable=True))
        batch.add_column(sa.Column("specialty", specialty, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("user_specialty", type_="check")
        batch.drop_column("specialty")
        batch.drop_column("full_name")
