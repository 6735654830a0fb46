"""User profile: a full name (spaces allowed, unlike the login name) and an MDT specialty.

The tumour board needs both: attendance and its quorum count specialties, and minutes,
decisions and the audit show who someone is rather than their login name. Both are optional so
existing accounts stay valid; the specialty is a CHECK-limited string like the other enums.
Plain ADD COLUMN, not batch mode: SQLite adds a column with a CHECK in place, and batch mode's
copy of ``users`` cannot drop the old table while login sessions refer to it.

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
LENGTH = max(len(value) for value in SPECIALTIES)


def upgrade() -> None:
    op.add_column("users", sa.Column("full_name", sa.String(200), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        # Alembic skips a new column's CHECK on SQLite; SQLite itself takes a column constraint
        allowed = ", ".join(f"'{value}'" for value in SPECIALTIES)
        op.execute(
            f"ALTER TABLE users ADD COLUMN specialty VARCHAR({LENGTH}) "
            f"CONSTRAINT ck_users_user_specialty CHECK (specialty IN ({allowed}))"
        )
        return
    specialty = sa.Enum(
        *SPECIALTIES,
        name="user_specialty",
        native_enum=False,
        create_constraint=True,
        length=LENGTH,
    )
    op.add_column("users", sa.Column("specialty", specialty, nullable=True))


def downgrade() -> None:
    # the CHECK goes with its column on both engines
    op.drop_column("users", "specialty")
    op.drop_column("users", "full_name")
