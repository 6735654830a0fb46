"""User language: the locale a user reads the pages in (``zh_CN``), or NULL for the browser's.

A plain nullable VARCHAR without a CHECK: the supported languages are the catalogues shipped
with the code (`rectoplan.i18n.SUPPORTED_LOCALES`), checked by the service layer, so a third
language needs a catalogue and no migration. Plain ADD COLUMN, as in 0006 (login sessions refer
to ``users``, so batch mode's table copy is avoided).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("locale", sa.String(16), nullable=True))


def downgrade() -> None:
    op.drop_column("users", "locale")
